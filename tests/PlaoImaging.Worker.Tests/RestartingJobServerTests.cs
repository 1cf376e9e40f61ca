using Hangfire;
using Hangfire.Server;
using Hangfire.Storage;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Operations;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The job server that starts afresh after its storage comes back (<see cref="RestartingJobServer"/>), over Hangfire's
/// real SQLite storage behind a switch that makes every connection fail while the "database" is away.
/// </summary>
[Trait("Category", "unit")]
public sealed class RestartingJobServerTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "plao-restarting-" + Guid.NewGuid().ToString("N"));

    private readonly ITestOutputHelper output;

    public RestartingJobServerTests(ITestOutputHelper output)
    {
        this.output = output;
        Directory.CreateDirectory(folder);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task StorageAwayThenBack_StartedAfreshOnce_JobQueuedMeanwhileRuns()
    {
        var ct = TestContext.Current.CancellationToken;
        var inner = new SQLiteStorage(Path.Combine(folder, "hangfire.db"), new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(100) });
        var storage = new SwitchedStorage(inner);
        using var server = Create(storage);
        await server.StartAsync(ct);
        string done = Path.Combine(folder, "done");

        storage.Away = true;
        await Task.Delay(TimeSpan.FromSeconds(6), ct); // the worker's loop fails a few times and backs off (1, 4, 9 s)
        Assert.Equal(0, server.Restarts);
        new BackgroundJobClient(inner).Enqueue(() => MarkerJob.Touch(done));
        storage.Away = false;
        var back = System.Diagnostics.Stopwatch.StartNew();

        await Poll.UntilAsync(() => File.Exists(done), TimeSpan.FromSeconds(60), "the job queued during the outage ran", () => $"restarts: {server.Restarts}",
            TimeSpan.FromMilliseconds(100), ct);
        output.WriteLine($"the job ran {back.Elapsed.TotalSeconds:F1} s after the storage came back");
        Assert.Equal(1, server.Restarts);
        await server.StopAsync(ct);
    }

    [Fact]
    public async Task StorageNeverAway_NeverRestarted_JobsRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var inner = new SQLiteStorage(Path.Combine(folder, "hangfire.db"), new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(100) });
        using var server = Create(new SwitchedStorage(inner));
        await server.StartAsync(ct);
        string done = Path.Combine(folder, "done");

        new BackgroundJobClient(inner).Enqueue(() => MarkerJob.Touch(done));

        await Poll.UntilAsync(() => File.Exists(done), TimeSpan.FromSeconds(60), "the job ran", null, TimeSpan.FromMilliseconds(100), ct);
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        Assert.Equal(0, server.Restarts);
        await server.StopAsync(ct);
        Assert.Equal(0, server.Restarts);
    }

    private static RestartingJobServer Create(JobStorage storage)
    {
        var services = new ServiceCollection().BuildServiceProvider();
        // Hangfire's own activator, named: the static one may have been pointed at another test's disposed host.
        var options = new BackgroundJobServerOptions
        {
            ServerName = "test", Queues = ["default"], WorkerCount = 1, SchedulePollingInterval = TimeSpan.FromSeconds(1), Activator = new JobActivator(),
        };
        return new RestartingJobServer(options, storage, services, TimeProvider.System, NullLogger<RestartingJobServer>.Instance, TimeSpan.FromMilliseconds(200));
    }

    /// <summary>A storage whose connections all fail while <see cref="Away"/>, as a database that does not answer.</summary>
    private sealed class SwitchedStorage(JobStorage inner) : JobStorage
    {
        public volatile bool Away;

        public override IMonitoringApi GetMonitoringApi() => inner.GetMonitoringApi();

        public override IStorageConnection GetConnection() =>
            Away ? throw new InvalidOperationException("the database does not answer (test)") : inner.GetConnection();

        public override IEnumerable<IBackgroundProcess> GetServerRequiredProcesses() => inner.GetServerRequiredProcesses();

        public override IEnumerable<IBackgroundProcess> GetStorageWideProcesses() => inner.GetStorageWideProcesses();

        public override IEnumerable<Hangfire.States.IStateHandler> GetStateHandlers() => inner.GetStateHandlers();

        public override bool HasFeature(string featureId) => inner.HasFeature(featureId);
    }
}

/// <summary>A job with nothing to activate: it creates a file.</summary>
public static class MarkerJob
{
    public static void Touch(string path) => File.WriteAllText(path, "ran");
}
