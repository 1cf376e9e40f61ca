using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Operations;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The engine loading a model again while it runs, with the real ONNX Runtime and the shipped models copied into a
/// scratch folder: v1 (single stage) serves first; a corrupt file or a manifest that does not match is refused and v1
/// serves on; v2 (v1's detector plus a refiner) put in its place serves the next analysis, while an analysis that
/// started before keeps v1's sessions until it ends.
/// </summary>
[Trait("Category", "unit")]
public sealed class ModelReloadTests
{
    private const string V1 = "plao-vertebra-landmarks-v1";
    private const string V2 = "plao-vertebra-landmarks-v2";

    [Fact]
    public async Task ReloadAsync_CorruptModelFile_IsRefused_OldModelKeepsServing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, metrics, manifest) = Start("model-reload-corrupt");
        using var _ = engine;
        string v1Sha = engine.Identity.Sha256;
        string onnx = Path.Combine(Path.GetDirectoryName(manifest)!, V1 + ".onnx");
        Corrupt(onnx);

        var status = await engine.ReloadAsync("test", ct);

        Assert.False(status.Loaded);
        Assert.Contains(onnx, status.Error, StringComparison.Ordinal);
        Assert.Contains("sha256", status.Error, StringComparison.Ordinal);
        Assert.Equal(v1Sha, engine.Identity.Sha256);
        Assert.Equal(1, metrics.ModelReloadFailures.Value);
        Assert.Equal(0, metrics.ModelReloads.Value);
        var result = engine.Analyze(SampleStudy(), ct);
        Assert.Equal(StudyStatus.Graded, result.Status);
        Assert.Equal(v1Sha, result.Model.Sha256);
        var health = await new ModelHealthCheck(new ServiceCollection().AddSingleton(engine).BuildServiceProvider()).CheckHealthAsync(new HealthCheckContext(), ct);
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains("model reload failed", health.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReloadAsync_ManifestSha256DoesNotMatchItsFile_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, metrics, manifest) = Start("model-reload-manifest-sha");
        using var _ = engine;
        string v1Sha = engine.Identity.Sha256;
        string text = await File.ReadAllTextAsync(manifest, ct);
        await File.WriteAllTextAsync(manifest, text.Replace(v1Sha, new string('0', 64), StringComparison.Ordinal), ct);

        var status = await engine.ReloadAsync("test", ct);

        Assert.False(status.Loaded);
        Assert.Contains("stages.detector.sha256", status.Error, StringComparison.Ordinal);
        Assert.Equal(v1Sha, engine.Identity.Sha256);
        Assert.Equal(v1Sha, status.Serving.Sha256);
        Assert.Equal(1, metrics.ModelReloadFailures.Value);
        Assert.Equal(v1Sha, engine.Analyze(SampleStudy(), ct).Model.Sha256);
    }

    [Fact]
    public async Task ReloadAsync_NewModelInPlace_ServesTheNextAnalysis_AnAnalysisInFlightKeepsTheOldOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, metrics, manifest) = Start("model-reload-new");
        using var _ = engine;
        var v1 = engine.Identity;
        var inFlight = engine.Acquire();
        var old = inFlight.Model;
        string folder = Path.GetDirectoryName(manifest)!;
        File.Copy(Path.Combine(Peers.RepositoryRoot, "models", V2 + "-refiner.onnx"), Path.Combine(folder, V2 + "-refiner.onnx"));
        File.Copy(Path.Combine(Peers.RepositoryRoot, "models", V2 + ".json"), manifest, overwrite: true);

        var status = await engine.ReloadAsync("test", ct);

        Assert.True(status.Loaded, status.Error);
        Assert.Equal(V2, engine.Identity.Id);
        Assert.NotEqual(v1.Sha256, engine.Identity.Sha256);
        Assert.Equal(1, metrics.ModelReloads.Value);
        Assert.Equal(0, metrics.ModelReloadFailures.Value);

        // The analysis that took v1 before the reload runs and records v1; its sessions go when it ends.
        Assert.False(old.IsDisposed);
        var before = inFlight.Analyze(SampleStudy(), ct);
        Assert.Equal(v1, inFlight.Identity);
        Assert.Equal(v1.Sha256, before.Model.Sha256);
        inFlight.Dispose();
        Assert.True(old.IsDisposed);

        using var next = engine.Acquire();
        var after = next.Analyze(SampleStudy(), ct);
        Assert.Equal(engine.Identity, next.Identity);
        Assert.Equal(engine.Identity.Sha256, after.Model.Sha256);
        Assert.Equal(StudyStatus.Graded, after.Status);
    }

    [Fact]
    [Trait("Category", "slow")]
    public async Task Watcher_FilesReplaced_RefusesACorruptCopyOnce_ThenLoadsTheNextModel()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, metrics, manifest) = Start("model-reload-watch");
        using var _ = engine;
        var settings = Options.Create(new AnalysisSettings { ReloadCheckInterval = TimeSpan.FromMilliseconds(200), ReloadSettleTime = TimeSpan.FromMilliseconds(100) });
        using var watcher = new ModelReloadWatcher(engine, settings, TimeProvider.System, NullLogger<ModelReloadWatcher>.Instance);
        await watcher.StartAsync(ct);
        string onnx = Path.Combine(Path.GetDirectoryName(manifest)!, V1 + ".onnx");
        string v1Sha = engine.Identity.Sha256;
        try
        {
            Corrupt(onnx);
            await UntilAsync(() => metrics.ModelReloadFailures.Value >= 1, ct);

            // Refused once: the same corrupt file is not tried again at every check.
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            Assert.Equal(1, metrics.ModelReloadFailures.Value);
            Assert.Equal(v1Sha, engine.Identity.Sha256);

            // The weights repaired (the same file as loaded: nothing to load), then v2 put in place, manifest last.
            string folder = Path.GetDirectoryName(manifest)!;
            PutInPlace(V1 + ".onnx", onnx);
            PutInPlace(V2 + "-refiner.onnx", Path.Combine(folder, V2 + "-refiner.onnx"));
            PutInPlace(V2 + ".json", manifest);
            await UntilAsync(() => engine.LastReload is { Loaded: true }, ct);
            Assert.Equal(V2, engine.Identity.Id);
            Assert.Equal(1, metrics.ModelReloads.Value);
            Assert.Equal(1, metrics.ModelReloadFailures.Value);
            Assert.True(engine.LastReload!.Loaded);
        }
        finally
        {
            await watcher.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>An engine on a scratch copy of v1 (manifest and weights); the metrics it counts reloads in; the manifest path.</summary>
    private static (AnalysisEngine Engine, WorkerMetrics Metrics, string Manifest) Start(string name)
    {
        string folder = Peers.ScratchDirectory(name);
        foreach (string file in new[] { V1 + ".json", V1 + ".onnx" })
        {
            File.Copy(Path.Combine(Peers.RepositoryRoot, "models", file), Path.Combine(folder, file));
        }

        string manifest = Path.Combine(folder, V1 + ".json");
        var metrics = new WorkerMetrics();
        var engine = new AnalysisEngine(Options.Create(new AnalysisSettings { Model = manifest, Provider = "cpu", Threads = 1 }),
            new ActiveRoles(WorkerRoles.All), metrics, TimeProvider.System, NullLogger<AnalysisEngine>.Instance);
        Assert.Equal(V1, engine.Identity.Id);
        return (engine, metrics, manifest);
    }

    /// <summary>A shipped model file copied beside <paramref name="target"/> and renamed over it, as an operator should replace one.</summary>
    private static void PutInPlace(string shipped, string target)
    {
        string copy = target + ".new";
        File.Copy(Path.Combine(Peers.RepositoryRoot, "models", shipped), copy, overwrite: true);
        File.Move(copy, target, overwrite: true);
    }

    /// <summary>Other bytes of the same length over the file: only the sha256 check can tell.</summary>
    private static void Corrupt(string path)
    {
        var bytes = new byte[new FileInfo(path).Length];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
    }

    private static StudyInput SampleStudy()
    {
        var files = WorkerTestKit.SampleFiles("02-dx-thoracolumbar-explicit")
            .Select(f => new StudyFile(f, DicomFile.Open(f, new DicomReadOptions { StopBeforePixelData = true }).Dataset)).ToList();
        return new StudyInput(files[0].Header.GetString(DicomTags.StudyInstanceUID), files);
    }

    private static async Task UntilAsync(Func<bool> done, CancellationToken ct)
    {
        for (int i = 0; i < 300 && !done(); i++)
        {
            await Task.Delay(100, ct);
        }

        Assert.True(done(), "the watcher did not act within 30 s");
    }
}
