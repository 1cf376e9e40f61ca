using PlaoImaging.DictionaryGenerator;

return Cli.Run(args, Console.Out, Console.Error);

namespace PlaoImaging.DictionaryGenerator
{
    /// <summary>Paths for the import mode.</summary>
    internal sealed record ImportOptions(
        string DcmtkDictionary, string DcmtkPrivateDictionary, string PydicomDictionary, string PydicomUids, string DataDirectory);

    /// <summary>Paths for the generate mode.</summary>
    internal sealed record GenerateOptions(string DataDirectory, string OutputDirectory);

    /// <summary>Command line: <c>import</c> (transcriptions to TSV) and <c>generate</c> (TSV to C#).</summary>
    internal static class Cli
    {
        private const string Usage = """
            PlaoImaging.DictionaryGenerator — the DICOM data dictionary and UID registry, from PS3.6 transcriptions.

            Usage:
              import   [--dicom-dic PATH] [--private-dic PATH] [--pydicom-dict PATH] [--pydicom-uids PATH] [--data DIR]
                       Reads DCMTK's dicom.dic and private.dic and pydicom's _dicom_dict.py and _uid_dict.py, merges them,
                       reports where they disagree, and writes tags.tsv, uids.tsv and private-tags.tsv into DIR.
              generate [--data DIR] [--out DIR]
                       Reads the TSV files in DIR and writes DicomTags.g.cs, DicomDictionary.g.cs and DicomUids.g.cs.

            Defaults: --data src/PlaoImaging.Dicom/Dictionary/Data and --out src/PlaoImaging.Dicom/Dictionary under the
            repository root (the folder holding PlaoImaging.sln above the current directory); the sources default to the
            Debian packages' files: /usr/share/libdcmtk*/dicom.dic, private.dic and
            /usr/lib/python3/dist-packages/pydicom/_dicom_dict.py, _uid_dict.py.
            """;

        public static int Run(string[] args, TextWriter output, TextWriter error)
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                output.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }

            try
            {
                var options = ParseOptions(args.AsSpan(1));
                Action run = args[0] switch
                {
                    "import" => ImportMode(options, output),
                    "generate" => GenerateMode(options, output),
                    _ => throw new ArgumentException($"Unknown mode '{args[0]}'.\n\n{Usage}"),
                };
                if (options.Count > 0)
                {
                    throw new ArgumentException($"Unknown option {options.Keys.First()} for {args[0]}.");
                }

                run();
                return 0;
            }
            catch (Exception e) when (e is FormatException or IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        }

        private static Action ImportMode(Dictionary<string, string> options, TextWriter output)
        {
            var paths = new ImportOptions(
                Take(options, "--dicom-dic") ?? FindDcmtkFile("dicom.dic"),
                Take(options, "--private-dic") ?? FindDcmtkFile("private.dic"),
                Take(options, "--pydicom-dict") ?? "/usr/lib/python3/dist-packages/pydicom/_dicom_dict.py",
                Take(options, "--pydicom-uids") ?? "/usr/lib/python3/dist-packages/pydicom/_uid_dict.py",
                Take(options, "--data") ?? DefaultDataDirectory());
            return () => Importer.Run(paths, output);
        }

        private static Action GenerateMode(Dictionary<string, string> options, TextWriter output)
        {
            var paths = new GenerateOptions(
                Take(options, "--data") ?? DefaultDataDirectory(),
                Take(options, "--out") ?? Path.Combine(RepositoryRoot(), "src", "PlaoImaging.Dicom", "Dictionary"));
            return () => CodeGenerator.Run(paths, output);
        }

        private static Dictionary<string, string> ParseOptions(ReadOnlySpan<string> args)
        {
            var options = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                {
                    throw new ArgumentException($"Expected '--option value', got '{args[i]}'.");
                }

                options[args[i]] = args[i + 1];
            }

            return options;
        }

        private static string? Take(Dictionary<string, string> options, string name) =>
            options.Remove(name, out var value) ? value : null;

        private static string DefaultDataDirectory() =>
            Path.Combine(RepositoryRoot(), "src", "PlaoImaging.Dicom", "Dictionary", "Data");

        private static string RepositoryRoot()
        {
            for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "PlaoImaging.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("No PlaoImaging.sln above the current directory: pass --data and --out.");
        }

        private static string FindDcmtkFile(string name)
        {
            var found = Directory.Exists("/usr/share")
                ? Directory.GetDirectories("/usr/share", "libdcmtk*").Select(d => Path.Combine(d, name)).Where(File.Exists).Order(StringComparer.Ordinal).LastOrDefault()
                : null;
            return found ?? throw new InvalidOperationException($"No /usr/share/libdcmtk*/{name} (install Debian's libdcmtk, or pass the path).");
        }
    }
}
