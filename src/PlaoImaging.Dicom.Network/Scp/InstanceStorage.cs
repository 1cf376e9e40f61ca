using System.Runtime.InteropServices;
using System.Text;

namespace PlaoImaging.Dicom.Network;

/// <summary>
/// Durable storage of received instances: a temp file in <c>.incoming</c> that receives the File Meta Information and
/// then the data set bytes exactly as they arrive; on completion fsync, a header-only read for the keys, an atomic
/// rename into place and an fsync of the folder. Only then is an instance "stored".
/// </summary>
internal sealed partial class InstanceStorage
{
    private readonly string root;
    private readonly string incoming;
    private readonly Func<DicomInstanceKeys, string> relativePath;
    private readonly bool syncToDisk;

    public InstanceStorage(string root, Func<DicomInstanceKeys, string>? relativePath, bool syncToDisk = true)
    {
        this.syncToDisk = syncToDisk;
        ArgumentException.ThrowIfNullOrEmpty(root);
        this.root = Path.GetFullPath(root);
        incoming = Path.Combine(this.root, ".incoming");
        this.relativePath = relativePath ?? DefaultPath;
    }

    public string IncomingDirectory => incoming;

    /// <summary>
    /// Temp files of a previous run were never acknowledged: the sender still has them. Remove those untouched for
    /// <paramref name="idleFor"/>: on a storage root shared by several SCPs, a younger one may be an instance another
    /// SCP is receiving now (a live association writes to its file, or is aborted after its PDU timeout).
    /// </summary>
    public void RemoveLeftovers(TimeSpan idleFor)
    {
        Directory.CreateDirectory(incoming);
        var before = DateTime.UtcNow - idleFor;
        foreach (var file in Directory.EnumerateFiles(incoming, "*.part"))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(file) < before)
                {
                    File.Delete(file);
                }
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Creates the temp file and writes the preamble and File Meta Information (PS3.10 7.1) for the data set to follow.</summary>
    public FileStream Create(string sopClassUid, string sopInstanceUid, DicomTransferSyntax syntax, string sourceAETitle, out string tempPath)
    {
        Directory.CreateDirectory(incoming);
        tempPath = Path.Combine(incoming, $"{Guid.NewGuid():N}.part");
        var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        try
        {
            // The library's own File Meta writer; the data set bytes that arrive are appended as they are.
            var meta = new DicomDataset()
                .AddString(DicomTags.MediaStorageSOPClassUID, DicomVR.UI, sopClassUid)
                .AddString(DicomTags.MediaStorageSOPInstanceUID, DicomVR.UI, sopInstanceUid);
            new DicomFile(meta, new DicomDataset(), syntax).WriteHeader(file, syntax, new DicomWriteOptions
            {
                SourceApplicationEntityTitle = DicomAETitle.IsValid(sourceAETitle) ? sourceAETitle : null,
            });
        }
        catch
        {
            file.Dispose();
            File.Delete(tempPath);
            throw;
        }

        return file;
    }

    /// <summary>
    /// Syncs and closes the temp file, reads its keys, and renames it into place (replacing an earlier copy of the same
    /// instance). A file that cannot be read as DICOM is deleted and reported as a <see cref="DicomException"/>.
    /// </summary>
    public (string Path, DicomInstanceKeys Keys, long Length) Commit(FileStream file, string tempPath)
    {
        file.Flush(flushToDisk: syncToDisk);
        long length = file.Length;
        file.Dispose();
        DicomInstanceKeys keys;
        try
        {
            // Every element is walked (large values only by their lengths, not read): a data set cut short inside or
            // after the pixel data, even one whose last fragment said "last", is refused here, never stored.
            var header = DicomFile.Open(tempPath, new DicomReadOptions { LargeValueThreshold = 4096 }).Dataset;
            keys = DicomInstanceKeys.FromDataset(header);
        }
        catch (DicomException)
        {
            File.Delete(tempPath);
            throw;
        }

        string relative = relativePath(keys);
        string final = Path.GetFullPath(Path.Combine(root, relative));
        if (!final.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            File.Delete(tempPath);
            throw new DicomNetworkException($"the storage path '{relative}' leaves the storage folder");
        }

        string folder = Path.GetDirectoryName(final)!;
        Directory.CreateDirectory(folder);
        File.Move(tempPath, final, overwrite: true);
        if (syncToDisk)
        {
            SyncDirectory(folder);
        }
        return (final, keys, length);
    }

    /// <summary>
    /// Appends received data set bytes. Every <see cref="WritebackChunk"/> bytes the kernel is asked to start writing
    /// the new pages out (Linux sync_file_range, SYNC_FILE_RANGE_WRITE), so the fsync at the end of a large instance
    /// finds most of it on disk already instead of all of it in the page cache.
    /// </summary>
    public async ValueTask WriteAsync(FileStream file, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        long before = file.Position;
        await file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        if (syncToDisk && OperatingSystem.IsLinux() && before / WritebackChunk != file.Position / WritebackChunk)
        {
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            long end = file.Position / WritebackChunk * WritebackChunk;
            _ = SyncFileRange((int)file.SafeFileHandle.DangerousGetHandle(), end - WritebackChunk, WritebackChunk, 2 /* SYNC_FILE_RANGE_WRITE */);
        }
    }

    private const long WritebackChunk = 2 << 20;

    /// <summary>Removes a temp file whose data set did not arrive whole.</summary>
    public static void Discard(FileStream? file, string? tempPath)
    {
        try
        {
            // Closing flushes what is buffered; on a full disk that fails, and the file is deleted anyway.
            file?.Dispose();
        }
        catch (IOException)
        {
        }

        if (tempPath is not null)
        {
            try
            {
                File.Delete(tempPath);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Study/Series/SOPInstance.dcm; anything that is not a plain UID becomes a safe name.</summary>
    public static string DefaultPath(DicomInstanceKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return Path.Combine(SafeName(keys.StudyInstanceUid, "no-study"), SafeName(keys.SeriesInstanceUid, "no-series"), SafeName(keys.SopInstanceUid, "no-instance") + ".dcm");
    }

    private static string SafeName(string? uid, string fallback)
    {
        if (string.IsNullOrEmpty(uid))
        {
            return fallback;
        }

        if (DicomUidGenerator.IsValid(uid) && uid.Length <= 64)
        {
            return uid;
        }

        // Not a UID: keep it recognisable but harmless (no separators, no dot-dot).
        var safe = new StringBuilder();
        foreach (char c in uid.Take(64))
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        return "x" + safe;
    }

    /// <summary>fsync of the folder, so the rename itself survives a power cut (POSIX); nothing to do elsewhere.</summary>
    private static void SyncDirectory(string folder)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        int fd = Open(folder, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = Fsync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
