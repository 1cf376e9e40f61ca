using System.Text;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Part10;

/// <summary>
/// <c>plao dump --json</c> equals DCMTK's <c>dcm2json</c> on every element: for the corpus made at test time
/// (<see cref="TestCorpus"/>, one case per recipe, every file of it checked) and for every file of the shared corpus
/// <c>../shared/dicom-corpus/</c> (one case per file). Files dcm2json rejects must give our typed error or a read,
/// never another exception or a hang. What is normalised, and why, is in NORMALISATION.md and on
/// <see cref="DicomJsonComparer"/>.
/// </summary>
public class DumpJsonMatchesDcm2JsonTests
{
    private const string CorpusMissing = "(shared corpus not found)";

    /// <summary>Files of the shared corpus that are not DICOM (licences, read-mes, JSON, NIfTI, JPEG...): one case for all.</summary>
    private static readonly HashSet<string> NonDicomExtensions = new([".md", ".txt", ".json", ".nii", ".icc", ".gz", ".jpeg", ".jpg", ".dump", ".py"], StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<string> Scratch = new(() => Peers.ScratchDirectory("interop-part10"));

    public static IEnumerable<TheoryDataRow<string>> GeneratedRecipes() =>
        TestCorpus.Recipes.Select(r => new TheoryDataRow<string>(r.Id));

    public static IEnumerable<TheoryDataRow<string>> SharedCorpusFiles()
    {
        string? root = SharedCorpusRoot();
        if (root is null)
        {
            return [new TheoryDataRow<string>(CorpusMissing)];
        }

        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !IsNonDicom(f))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .Select(f => new TheoryDataRow<string>(f));
    }

    [Theory]
    [MemberData(nameof(GeneratedRecipes))]
    public void GeneratedCorpus_DumpJson_EqualsDcm2Json(string recipe)
    {
        RequireDcmtk();
        if (TestCorpus.NeedsSharedCorpus(recipe))
        {
            Peers.RequireCorpus();
        }

        var generated = TestCorpus.Get(recipe);
        TestContext.Current.TestOutputHelper?.WriteLine($"corpus built in {TestCorpus.BuildTime.TotalSeconds:F1} s under {TestCorpus.Directory}");
        Assert.True(generated.Problems.Count == 0, $"corpus recipe {recipe} could not be made:\n" + string.Join('\n', generated.Problems));
        Assert.NotEmpty(generated.Files);
        CheckAll(generated.Files, requireReference: true);
    }

    [Theory]
    [MemberData(nameof(SharedCorpusFiles))]
    public void SharedCorpus_DumpJson_EqualsDcm2Json(string relativePath)
    {
        string root = Peers.RequireCorpus();
        Assert.NotEqual(CorpusMissing, relativePath);
        RequireDcmtk();
        CheckAll([Path.Combine(root, relativePath)], requireReference: false);
    }

    /// <summary>The corpus' non-DICOM files (README, LICENSE, JSON, NIfTI, JPEG...): dcm2json rejects them; we must too, typed.</summary>
    [Fact]
    public void SharedCorpus_NonDicomFiles_GiveTypedErrorOrRead()
    {
        string root = Peers.RequireCorpus();
        RequireDcmtk();
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(IsNonDicom).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        CheckAll(files, requireReference: false);
    }

    private static void CheckAll(IEnumerable<string> files, bool requireReference)
    {
        var failures = new List<string>();
        var log = new StringBuilder();
        int compared = 0;
        int rejected = 0;
        foreach (var file in files)
        {
            var result = Dcm2JsonComparison.Compare(file, Scratch.Value);
            compared += result.Compared ? 1 : 0;
            rejected += result.Compared ? 0 : 1;
            log.Append(result.Compared ? "compared " : "DCMTK rejects ").Append(Path.GetFileName(file)).Append(" (").Append(result.DcmtkMode)
               .Append("; ours: ").Append(result.OurOutcome).Append(")\n");
            foreach (var note in result.Notes)
            {
                log.Append("  note: ").Append(note).Append('\n');
            }

            failures.AddRange(result.Failures);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(log.ToString());

        // Every file's outcome and every difference also go to two reports per run (artifacts/scratch/interop-part10-*).
        string report = Path.Combine(Scratch.Value, "mismatches.txt");
        lock (Scratch)
        {
            File.AppendAllText(Path.Combine(Scratch.Value, "outcomes.txt"), log.ToString());
            File.AppendAllLines(report, failures);
        }

        if (failures.Count > 0)
        {
            // The message shows the first few differences of each file.
            const int perFile = 12;
            var shown = failures.GroupBy(f => f[..Math.Max(0, f.IndexOf(": ", StringComparison.Ordinal))])
                .SelectMany(g => g.Take(perFile).Concat(g.Count() > perFile ? [$"{g.Key}: ... and {g.Count() - perFile} more"] : []));
            Assert.Fail($"{failures.Count} difference(s) between `plao dump --json` and dcm2json (all in {report}):\n" +
                        string.Join('\n', shown) + "\n\n" + log);
        }

        if (requireReference)
        {
            Assert.True(rejected == 0, "dcm2json rejected generated files it should read:\n" + log);
        }
    }

    private static void RequireDcmtk()
    {
        Peers.Require("dcm2json");
        Peers.Require("dcmdump");
        Peers.Require("dcmodify");
        if (!File.Exists(TestCorpus.Python))
        {
            Peers.Require("python3 (python3-pydicom, at /usr/bin/python3)");
        }
    }

    private static bool IsNonDicom(string path) =>
        NonDicomExtensions.Contains(Path.GetExtension(path)) || Path.GetFileName(path) is "LICENSE" or "README" or "SOURCES.md";

    private static string? SharedCorpusRoot()
    {
        try
        {
            string path = Path.GetFullPath(Path.Combine(Peers.RepositoryRoot, "..", "shared", "dicom-corpus"));
            return Directory.Exists(path) ? path : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
