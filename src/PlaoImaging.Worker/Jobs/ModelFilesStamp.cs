using System.Globalization;
using System.Text;
using PlaoImaging.Analysis;

namespace PlaoImaging.Worker.Jobs;

/// <summary>
/// Size and last write time of a model's manifest and of the stage files it names, as one comparable value. Cheap
/// (a stat per file, the manifest read but no file hashed), so the worker can take it every few seconds to notice a
/// model replaced on disk; the sha256 check belongs to the load that follows. A manifest that cannot be read stamps
/// only itself (its load will say why).
/// </summary>
public sealed record ModelFilesStamp(string Text)
{
    public static ModelFilesStamp Of(string manifestPath)
    {
        var text = new StringBuilder();
        Append(text, manifestPath);
        try
        {
            var manifest = ModelManifestReader.Read(manifestPath);
            Append(text, manifest.StagePath(manifest.Detector));
            if (manifest.Refiner is { } refiner)
            {
                Append(text, manifest.StagePath(refiner));
            }
        }
        catch (Exception e) when (e is AnalysisException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            // Unreadable now: the manifest's own size and time are the stamp, and they change when it is written again.
        }

        return new ModelFilesStamp(text.ToString());
    }

    public override string ToString() => Text;

    private static void Append(StringBuilder text, string path)
    {
        var info = new FileInfo(path);
        text.Append(path).Append('|');
        if (info.Exists)
        {
            text.Append(info.Length.ToString(CultureInfo.InvariantCulture)).Append('|')
                .Append(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            text.Append("missing");
        }

        text.Append('\n');
    }
}
