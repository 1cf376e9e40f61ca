using System.Text.Json.Nodes;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Worker;

/// <summary>
/// Orthanc as the PACS that routes everything to the worker: a Lua <c>OnStoredInstance</c> sends every stored instance
/// to the worker, the worker's destination is Orthanc. Our SR and presentation states come back to the worker that
/// way; it must index them as its own and neither analyse nor send them again, so the loop ends.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class OrthancRoutingTests
{
    private const string RouteEverything = """
        function OnStoredInstance(instanceId, tags, metadata, origin)
          SendToModality(instanceId, 'plao')
        end
        """;

    private static readonly string[] Samples = [
        "01-cr-lumbar-mono1-jpegll", "02-dx-thoracolumbar-explicit", "03-dx-thoracic-plao-run", "04-cr-normal-implicit", "07-mr-sagittal-acute",
    ];

    [Fact]
    public async Task StudiesRoutedByOrthanc_AreAnalysedOnce_AndTheReportsComingBackAreNotSentAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        _ = OrthancPeer.Executable;
        string scratch = Peers.ScratchDirectory("worker-orthanc");
        using var orthanc = await OrthancPeer.StartAsync(scratch, new Dictionary<string, (string, int)>(), [RouteEverything], ct);
        // A quiet period of 3 s: Orthanc routes the 33 MR slices one association each, and a pause between two of them
        // longer than the quiet period would (rightly) analyse that study twice.
        var settings = WorkerTestKit.Destination("orthanc", orthanc.DicomPort, OrthancPeer.Aet);
        settings["Assembly:QuietPeriod"] = "00:00:03";
        using var worker = await WorkerProcess.StartAsync("worker-orthanc", settings, ct);
        await orthanc.PutAsync("modalities/plao", new JsonObject { ["AET"] = "PLAO", ["Host"] = "127.0.0.1", ["Port"] = worker.DicomPort }.ToJsonString(), ct);

        var inputs = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (string folder in Samples)
        {
            foreach (string file in WorkerTestKit.SampleFiles(folder))
            {
                var (study, _, sop) = WorkerTestKit.Identify(file);
                (inputs.TryGetValue(study, out var set) ? set : inputs[study] = new HashSet<string>(StringComparer.Ordinal)).Add(sop);
                await orthanc.UploadAsync(file, ct);
            }
        }

        var studies = await WorkerTestKit.WaitUntilSettledAsync(worker, Samples.Length, TimeSpan.FromMinutes(3), ct);
        var produced = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var study in studies)
        {
            var objects = await worker.GetJsonAsync($"api/studies/{study!["id"]}/objects", ct);
            produced[study["studyInstanceUid"]!.GetValue<string>()] = objects.AsArray().Select(o => o!["sopInstanceUid"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            Assert.Single(objects.AsArray(), o => o!["kind"]!.GetValue<string>() == "SR");
        }

        // Orthanc sends every report and presentation state back: wait until the worker has indexed them all as its own,
        // then give a loop the time of a few quiet periods to show itself.
        int ownObjects = produced.Values.Sum(p => p.Count);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (await WorkerTestKit.MetricAsync(worker, "plao_instances_received_total{outcome=\"own-object\"}", ct) < ownObjects)
        {
            Assert.True(DateTime.UtcNow < deadline, "the reports did not come back from Orthanc to the worker:\n" + orthanc.Process.Describe(20));
            await Task.Delay(250, ct);
        }

        await Task.Delay(TimeSpan.FromSeconds(4), ct);
        studies = await WorkerTestKit.WaitUntilSettledAsync(worker, Samples.Length, TimeSpan.FromSeconds(30), ct);
        Assert.Equal(ownObjects, await WorkerTestKit.MetricAsync(worker, "plao_instances_received_total{outcome=\"own-object\"}", ct));
        Assert.Equal(inputs.Values.Sum(i => i.Count), await WorkerTestKit.MetricAsync(worker, "plao_instances_received_total{outcome=\"added\"}", ct));
        Assert.Equal(Samples.Length, await WorkerTestKit.MetricAsync(worker, "plao_exports_sent_total{destination=\"orthanc\"}", ct));

        var agreement = new GradeAgreement();
        foreach (var study in studies)
        {
            string uid = study!["studyInstanceUid"]!.GetValue<string>();
            Assert.Equal("Analysed", WorkerTestKit.State(study));
            var detail = await worker.GetJsonAsync($"api/studies/{study["id"]}", ct);
            Assert.Single(detail["analyses"]!.AsArray());
            Assert.Equal(inputs[uid].Count, detail["generation"]!.GetValue<int>()); // one generation per input, none for what came back
            Assert.Single(detail["exports"]!.AsArray());

            // Orthanc holds the inputs, one SR and the presentation states: nothing twice, nothing else.
            string? orthancStudy = (await orthanc.PostAsync("tools/lookup", uid, ct)).Body is { } body
                ? JsonNode.Parse(body)!.AsArray().FirstOrDefault(h => h!["Type"]!.GetValue<string>() == "Study")?["ID"]?.GetValue<string>()
                : null;
            Assert.NotNull(orthancStudy);
            var held = (await orthanc.GetJsonAsync($"studies/{orthancStudy}/instances", ct)).AsArray()
                .Select(i => i!["MainDicomTags"]!["SOPInstanceUID"]!.GetValue<string>()).ToList();
            var expected = inputs[uid].Union(produced[uid]).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, held.Order(StringComparer.Ordinal).ToList());

            // The SR as Orthanc holds it, read back, against the phantom truth.
            string sr = await SrFromOrthancAsync(orthanc, produced[uid], scratch, ct);
            string folder = Samples.Single(f => WorkerTestKit.SampleFiles(f).Any(file => WorkerTestKit.Identify(file).StudyUid == uid));
            agreement.Add(WorkerTestKit.Truths(folder), WorkerTestKit.GradesOf(sr));
        }

        TestContext.Current.TestOutputHelper?.WriteLine(agreement.ToString());
        agreement.AssertWithinTheEvaluation();
    }

    private static async Task<string> SrFromOrthancAsync(OrthancPeer orthanc, IEnumerable<string> produced, string scratch, CancellationToken ct)
    {
        foreach (string sop in produced)
        {
            string id = await orthanc.LookupInstanceAsync(sop, ct) ?? throw new InvalidOperationException("Orthanc lacks " + sop);
            string file = Path.Combine(scratch, sop + ".dcm");
            await orthanc.DownloadAsync($"instances/{id}/file", file, ct);
            if (WorkerTestKit.ReportClasses.Contains(WorkerTestKit.Identify(file).SopClassUid))
            {
                return file;
            }
        }

        Assert.Fail("no SR among the produced objects in Orthanc");
        throw new InvalidOperationException();
    }
}
