using System.Globalization;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Worker;

/// <summary>DCMTK on both sides: storescu sends sample studies in, the worker's SRs arrive at storescp, dsrdump reads one without complaint and its grades agree with the truth.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class DcmtkRoundTripTests
{
    private static readonly string[] Samples = ["01-cr-lumbar-mono1-jpegll", "02-dx-thoracolumbar-explicit"];

    [Fact]
    public async Task StorescuIn_StorescpOut_TheReportsReadBackWithDsrdumpAndAgreeWithTheTruth()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("worker-dcmtk");
        using var storescp = StorescpPeer.Start(Path.Combine(scratch, "received"));
        using var worker = await WorkerProcess.StartAsync("worker-dcmtk", WorkerTestKit.Destination("storescp", storescp.Port, "STORESCP"), ct);

        // -xs: propose JPEG Lossless SV1 besides the uncompressed syntaxes (sample 01 is stored in it; storescu cannot decode
        // it to send it uncompressed); +sp: the folders' .dcm files, not the truth JSON.
        var folders = Samples.Select(s => Path.Combine(Engine.SampleData, s));
        var (code, stdout, stderr) = Peers.Run("storescu", ["-xs", "+sd", "+sp", "*.dcm", "-aec", "PLAO", "-to", "10", "-ta", "10", "127.0.0.1", worker.DicomPort.ToString(CultureInfo.InvariantCulture), .. folders], timeoutSeconds: 60);
        Assert.True(code == 0, $"storescu exited {code}:\n{stdout}\n{stderr}");

        var studies = await WorkerTestKit.WaitUntilSettledAsync(worker, Samples.Length, TimeSpan.FromMinutes(2), ct);
        Assert.All(studies, s => Assert.Equal("Analysed", WorkerTestKit.State(s)));
        var reports = storescp.Received().Where(r => WorkerTestKit.ReportClasses.Contains(r.SopClassUid)).ToList();
        Assert.Equal(Samples.Length, reports.Count);
        Assert.Equal(Samples.Length, reports.Select(r => r.StudyUid).Distinct(StringComparer.Ordinal).Count());

        var agreement = new GradeAgreement();
        foreach (string sample in Samples)
        {
            string studyUid = WorkerTestKit.Identify(WorkerTestKit.SampleFiles(sample)[0]).StudyUid;
            var report = Assert.Single(reports, r => r.StudyUid == studyUid);
            agreement.Add(WorkerTestKit.Truths(sample), WorkerTestKit.GradesOf(report.Path));
        }

        var dump = Peers.Run("dsrdump", [reports[0].Path], timeoutSeconds: 30);
        Assert.True(dump.ExitCode == 0 && dump.Stderr.Length == 0, $"dsrdump exited {dump.ExitCode}:\n{dump.Stderr}");
        Assert.Contains("CONTAINER", dump.Stdout, StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine(agreement.ToString());
        agreement.AssertWithinTheEvaluation();
    }
}
