using PlaoImaging.Dicom;
using PlaoImaging.Dicom.StructuredReport;
using PlaoImaging.Reporting.Sr;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Sr;

/// <summary>
/// Our reports judged by other toolkits: dicom3tools' dciodvfy (no error; the warnings it gives are listed and
/// explained in the Reporting README), DCMTK's dsrdump (nothing on stderr, relationship constraints checked) and pydicom.
/// </summary>
[Trait("Category", "peer")]
public sealed class VertebralReportPeerTests
{
    public static TheoryData<string> Reported() => SampleReports.Reported();

    /// <summary>The dciodvfy warnings accepted, each explained in src/PlaoImaging.Reporting/README.md.</summary>
    private static readonly string[] AcceptedWarnings =
    [
        "Unrecognized defined term = <99PLAO>",
    ];

    /// <summary>The system Python, where python3-pydicom is installed; skips (fails in CI) when it is absent.</summary>
    internal static string Python
    {
        get
        {
            const string python = "/usr/bin/python3";
            if (!File.Exists(python))
            {
                Peers.Require("python3 (python3-pydicom, at /usr/bin/python3)");
            }

            return python;
        }
    }

    internal static string WriteSample(string study, string scratchName)
    {
        var directory = Peers.ScratchDirectory(scratchName);
        return SampleReports.Save(SampleReports.Report(study), directory);
    }

    [Theory]
    [MemberData(nameof(Reported))]
    public void Dciodvfy_FindsNoError(string study)
    {
        string path = WriteSample(study, "sr-dciodvfy");
        var (_, stdout, stderr) = Peers.Run("dciodvfy", ["-new", path]);
        string output = stdout + stderr;
        var errors = output.Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors));
        var warnings = output.Split('\n').Where(l => l.StartsWith("Warning", StringComparison.Ordinal))
            .Where(l => !AcceptedWarnings.Any(a => l.Contains(a, StringComparison.Ordinal))).ToList();
        Assert.True(warnings.Count == 0, "unexplained dciodvfy warnings:\n" + string.Join('\n', warnings));
    }

    [Theory]
    [MemberData(nameof(Reported))]
    public void Dsrdump_PrintsTheTreeWithNothingOnStderr(string study)
    {
        string path = WriteSample(study, "sr-dsrdump");
        var (code, stdout, stderr) = Peers.Run("dsrdump", ["+Pt", "+Pc", path]);
        Assert.True(code == 0, $"dsrdump exited {code}: {stderr}");
        Assert.Equal(string.Empty, stderr.Trim());
        Assert.Contains("Imaging Measurement Report", stdout, StringComparison.Ordinal);
        Assert.Contains("vertebra", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Reported))]
    public void Pydicom_ReadsTheReport(string study)
    {
        string path = WriteSample(study, "sr-pydicom");
        const string script = """
            import sys, pydicom
            ds = pydicom.dcmread(sys.argv[1])
            def walk(items, depth):
                n = 0
                for item in items:
                    n += 1
                    if 'ContentSequence' in item:
                        n += walk(item.ContentSequence, depth + 1)
                return n
            print(ds.SOPClassUID, ds.CompletionFlag, ds.VerificationFlag, walk(ds.ContentSequence, 1), str(ds.PatientName))
            """;
        var (code, stdout, stderr) = Peers.RunProcess(Python, ["-c", script, path]);
        Assert.True(code == 0, stderr);
        var document = SrDocument.Read(DicomFile.Open(path).Dataset);
        int items = document.Content.DescendantsAndSelf().Count() - 1;
        Assert.StartsWith($"{SrDocument.Comprehensive3DSrStorage} {(document.Completion == CompletionFlag.Complete ? "COMPLETE" : "PARTIAL")} UNVERIFIED {items} ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void SignedAmendment_PassesDciodvfyAndDsrdump()
    {
        var (result, _) = SampleReports.Analyse("07-mr-sagittal-acute");
        var prior = SampleReports.Report("07-mr-sagittal-acute");
        var signer = new ReportSigner(new DicomPersonName("Radiologist^Rita"), "Spine Clinic", SampleReports.AnalysedAt.AddDays(1));
        var amended = VertebralReport.Amend(prior, result with { ReviewFlags = [] }, signer);
        string path = SampleReports.Save(amended, Peers.ScratchDirectory("sr-amended"));

        var (_, stdout, stderr) = Peers.Run("dciodvfy", ["-new", path]);
        var lines = (stdout + stderr).Split('\n');
        Assert.DoesNotContain(lines, l => l.StartsWith("Error", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && !AcceptedWarnings.Any(a => l.Contains(a, StringComparison.Ordinal)));
        var dump = Peers.Run("dsrdump", [path]);
        Assert.Equal(0, dump.ExitCode);
        Assert.Equal(string.Empty, dump.Stderr.Trim());
        Assert.Contains("VERIFIED", dump.Stdout, StringComparison.Ordinal);
        Assert.Contains("Radiologist^Rita", dump.Stdout, StringComparison.Ordinal);
    }
}
