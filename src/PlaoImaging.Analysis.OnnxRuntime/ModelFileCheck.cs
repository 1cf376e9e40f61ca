using System.Security.Cryptography;

namespace PlaoImaging.Analysis.OnnxRuntime;

/// <summary>Checks a stage's ONNX file against its manifest entry: present, of the stated size, of the stated sha256.</summary>
internal static class ModelFileCheck
{
    /// <summary>Returns the full path of the checked file; throws <see cref="ModelManifestException"/> naming the field otherwise.</summary>
    public static string Check(ModelManifest manifest, ModelStageSpec stage, string field)
    {
        string path = Path.GetFullPath(manifest.StagePath(stage));
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new ModelManifestException(field + ".file", $"the {stage.Name} model '{stage.File}' was not found at {path}");
        }

        if (info.Length != stage.SizeBytes)
        {
            throw new ModelManifestException(
                field + ".size_bytes",
                $"{path} holds {info.Length} bytes, the manifest expects {stage.SizeBytes} (a truncated or different file)");
        }

        string actual;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (IOException e)
        {
            throw new ModelManifestException(field + ".file", $"{path} could not be read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ModelManifestException(field + ".file", $"{path} could not be read: {e.Message}", e);
        }

        if (!string.Equals(actual, stage.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelManifestException(
                field + ".sha256",
                $"{path} has sha256 {actual}, the manifest expects {stage.Sha256}: the file is not the model the manifest describes");
        }

        return path;
    }
}
