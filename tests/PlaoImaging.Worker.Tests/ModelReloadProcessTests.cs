using System.Text.Json.Nodes;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The running worker's model replaced on disk (the worker notices by itself): a corrupt copy is refused, the worker
/// stays ready and the next study is analysed by the old model; the next model put in place serves the study after.
/// Each analysis records the model that ran it, in its row and in its result.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class ModelReloadProcessTests
{
    private const string V1 = "plao-vertebra-landmarks-v1";
    private const string V2 = "plao-vertebra-landmarks-v2";

    [Fact]
    public async Task ModelReplacedWhileRunning_CorruptCopyRefused_NextModelServesTheNextStudy()
    {
        var ct = TestContext.Current.CancellationToken;
        string models = Peers.ScratchDirectory("worker-model-reload-files");
        foreach (string file in new[] { V1 + ".json", V1 + ".onnx" })
        {
            File.Copy(Path.Combine(Peers.RepositoryRoot, "models", file), Path.Combine(models, file));
        }

        string manifest = Path.Combine(models, V1 + ".json");
        using var worker = await WorkerProcess.StartAsync("worker-model-reload", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Analysis:Model"] = manifest,
            ["Analysis:ReloadCheckInterval"] = "00:00:00.500",
            ["Analysis:ReloadSettleTime"] = "00:00:00.200",
        }, ct);
        var v1 = await worker.GetJsonAsync("api/model", ct);
        Assert.Equal(V1, v1["id"]!.GetValue<string>());
        string v1Sha = v1["sha256"]!.GetValue<string>();
        Assert.Equal(v1Sha, await AnalysedWithAsync(worker, "02-dx-thoracolumbar-explicit", ct));

        // Other bytes of the same size over the weights: refused at load, logged and counted; v1 serves on.
        string onnx = Path.Combine(models, V1 + ".onnx");
        var bytes = new byte[new FileInfo(onnx).Length];
        new Random(11).NextBytes(bytes);
        await File.WriteAllBytesAsync(onnx, bytes, ct);
        var refused = await WorkerTestKit.WaitForAsync(worker, "api/model", m => m["lastReload"] is { } r && r["loaded"]?.GetValue<bool>() == false,
            TimeSpan.FromSeconds(60), ct);
        Assert.Contains("sha256", refused["lastReload"]!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(v1Sha, refused["sha256"]!.GetValue<string>());
        using (var ready = await worker.Api.GetAsync(new Uri("health/ready", UriKind.Relative), ct))
        {
            string body = await ready.Content.ReadAsStringAsync(ct);
            Assert.True(ready.IsSuccessStatusCode, body);
            Assert.Contains("model reload failed", body, StringComparison.Ordinal);
        }

        string metrics = await worker.Api.GetStringAsync(new Uri("metrics", UriKind.Relative), ct);
        Assert.Contains("plao_model_reload_failures_total 1", metrics, StringComparison.Ordinal);
        Assert.Equal(v1Sha, await AnalysedWithAsync(worker, "04-cr-normal-implicit", ct));

        // v2 put in place as an operator should: each file copied beside and renamed over, the weights first, the
        // manifest last (a rename never meets the worker reading the old file).
        PutInPlace(V1 + ".onnx", onnx);
        PutInPlace(V2 + "-refiner.onnx", Path.Combine(models, V2 + "-refiner.onnx"));
        PutInPlace(V2 + ".json", manifest);
        var v2 = await WorkerTestKit.WaitForAsync(worker, "api/model", m => m["id"]!.GetValue<string>() == V2 && m["lastReload"]?["loaded"]?.GetValue<bool>() == true,
            TimeSpan.FromSeconds(60), ct);
        string v2Sha = v2["sha256"]!.GetValue<string>();
        Assert.NotEqual(v1Sha, v2Sha);
        Assert.Equal(v2Sha, await AnalysedWithAsync(worker, "01-cr-lumbar-mono1-jpegll", ct));
    }

    private static void PutInPlace(string shipped, string target)
    {
        string copy = target + ".new";
        File.Copy(Path.Combine(Peers.RepositoryRoot, "models", shipped), copy, overwrite: true);
        File.Move(copy, target, overwrite: true);
    }

    /// <summary>Sends a sample study, waits for its analysis and returns the model sha256 it recorded (its row and its result agree).</summary>
    private static async Task<string> AnalysedWithAsync(WorkerProcess worker, string sample, CancellationToken ct)
    {
        var files = WorkerTestKit.SampleFiles(sample);
        string studyUid = DicomFile.Open(files[0], new DicomReadOptions { StopBeforePixelData = true }).Dataset.GetString(DicomTags.StudyInstanceUID);
        var client = new DicomClient("127.0.0.1", worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
        Assert.All(await client.StoreAsync(files, null, ct), o => Assert.Equal(DicomStoreResult.Success, o.Result));
        var study = await WorkerTestKit.WaitForFinishedStudyAsync(worker, studyUid, TimeSpan.FromSeconds(90), ct);
        Assert.Equal("Analysed", WorkerTestKit.State(study));
        long id = study["id"]!.GetValue<long>();
        var analysis = Assert.Single((await worker.GetJsonAsync($"api/studies/{id}", ct))["analyses"]!.AsArray())!;
        string recorded = analysis["modelSha256"]!.GetValue<string>();
        var result = await worker.GetJsonAsync($"api/studies/{id}/result", ct);
        Assert.Equal(recorded, result["model"]!["sha256"]!.GetValue<string>());
        return recorded;
    }
}
