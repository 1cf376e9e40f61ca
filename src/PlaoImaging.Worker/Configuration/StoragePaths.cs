using Microsoft.Extensions.Options;
using PlaoImaging.Dicom.Hosting;

namespace PlaoImaging.Worker.Configuration;

/// <summary>
/// The worker's folders as absolute paths, resolved once: relative settings are taken from the working directory, so
/// <c>./data/</c> is where the worker was started.
/// </summary>
public sealed class StoragePaths
{
    public StoragePaths(IOptions<WorkerSettings> worker, IOptions<DicomScpSettings> scp)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(scp);
        DataFolder = Path.GetFullPath(worker.Value.DataFolder);
        StorageRoot = Path.GetFullPath(scp.Value.StorageRoot);
        Outbox = string.IsNullOrEmpty(worker.Value.OutboxFolder) ? Path.Combine(DataFolder, "outbox") : Path.GetFullPath(worker.Value.OutboxFolder);
    }

    /// <summary>The data folder (SQLite databases, produced objects, secrets).</summary>
    public string DataFolder { get; }

    /// <summary>Where received instances are stored (the SCP's storage root).</summary>
    public string StorageRoot { get; }

    /// <summary>Where produced objects (SR, GSPS, SC) are kept until and after export.</summary>
    public string Outbox { get; }

    public string RelativeToStorage(string fullPath) => Path.GetRelativePath(StorageRoot, fullPath);

    public string InStorage(string relative) => Path.GetFullPath(Path.Combine(StorageRoot, relative));

    public string InData(string relative) => Path.GetFullPath(Path.Combine(DataFolder, relative));

    public string RelativeToOutbox(string fullPath) => Path.GetRelativePath(Outbox, fullPath);

    public string InOutbox(string relative) => Path.GetFullPath(Path.Combine(Outbox, relative));
}
