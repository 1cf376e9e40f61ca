using System.Globalization;
using System.Text;
using PlaoImaging.Analysis;

namespace PlaoImaging.Worker.Jobs;

/// <summary>
/// Size and last write time of a model's manifest and of the stage files it names, as one comparable value. Cheap
/// (a stat per file, no file hashed), so the worker can take it every few seconds to notice a model replaced on disk;
/// the sha256 check belongs to the load that follows. The manifest is read for the names of its stage files only when
/// its own size or time changed since the stamp before: a reader of it can get in the way of a writer on some systems
/// (.NET takes an advisory lock on open files on Unix). A manifest that cannot be read stamps only itself (its load
/// will say why).
/// </summary>
public sealed class ModelFilesStamp : IEquatable<ModelFilesStamp>
{
    private readonly string manifestEntry;
    private readonly IReadOnlyList<string> stagePaths;

    private ModelFilesStamp(string text, string manifestEntry, IReadOnlyList<string> stagePaths)
    {
        Text = text;
        this.manifestEntry = manifestEntry;
        this.stagePaths = stagePaths;
    }

    public string Text { get; }

    public static bool operator ==(ModelFilesStamp? left, ModelFilesStamp? right) => Equals(left, right);

    public static bool operator !=(ModelFilesStamp? left, ModelFilesStamp? right) => !Equals(left, right);

    /// <param name="manifestPath">The manifest.</param>
    /// <param name="previous">A stamp taken before: while the manifest itself is unchanged, its stage file names are taken from it.</param>
    public static ModelFilesStamp Of(string manifestPath, ModelFilesStamp? previous = null)
    {
        string manifestEntry = Entry(manifestPath);
        IReadOnlyList<string> stages;
        if (previous is not null && previous.manifestEntry == manifestEntry)
        {
            stages = previous.stagePaths;
        }
        else
        {
            try
            {
                var manifest = ModelManifestReader.Read(manifestPath);
                stages = manifest.Refiner is { } refiner
                    ? [manifest.StagePath(manifest.Detector), manifest.StagePath(refiner)]
                    : [manifest.StagePath(manifest.Detector)];
            }
            catch (Exception e) when (e is AnalysisException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                // Unreadable now: the manifest's own size and time are the stamp, and they change when it is written again.
                stages = [];
            }
        }

        var text = new StringBuilder(manifestEntry);
        foreach (string stage in stages)
        {
            text.Append(Entry(stage));
        }

        return new ModelFilesStamp(text.ToString(), manifestEntry, stages);
    }

    public bool Equals(ModelFilesStamp? other) => other is not null && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ModelFilesStamp);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);

    public override string ToString() => Text;

    private static string Entry(string path)
    {
        var info = new FileInfo(path);
        return info.Exists
            ? string.Create(CultureInfo.InvariantCulture, $"{path}|{info.Length}|{info.LastWriteTimeUtc.Ticks}\n")
            : $"{path}|missing\n";
    }
}
