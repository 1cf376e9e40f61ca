namespace PlaoImaging.Analysis;

/// <summary>
/// Finds the manifest a program uses when it is given none: in a <c>models/</c> folder beside the program (where the
/// build copies the shipped models), else in a <c>models/</c> folder in the working directory or any folder above it
/// (a source checkout).
/// </summary>
public static class ModelManifestLocator
{
    /// <summary>The shipped default: landmark model v2.</summary>
    public const string DefaultManifest = "plao-vertebra-landmarks-v2.json";

    /// <summary>The manifest's full path, or null when neither place has it.</summary>
    public static string? Find(string fileName, string programFolder, string workingFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(programFolder);
        ArgumentNullException.ThrowIfNull(workingFolder);
        string beside = Path.Combine(programFolder, "models", fileName);
        if (File.Exists(beside))
        {
            return beside;
        }

        for (var dir = new DirectoryInfo(workingFolder); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "models", fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
