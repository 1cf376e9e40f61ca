using Microsoft.EntityFrameworkCore;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Persistence;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>What a worker on the embedded storage picks up again at start from its results database alone.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class StartupRecoveryTests
{
    [Fact]
    public async Task ReprocessRequestsLeftQueuedOrRunning_WithNoJobInTheJobStorage_RunToTheirEndAfterARestart()
    {
        var ct = TestContext.Current.CancellationToken;
        using var worker = await WorkerProcess.StartAsync("worker-recovery-reprocess", cancellationToken: ct);
        worker.Kill();

        // As a power cut can leave them: the requests are in the results database (synced at each commit) while the
        // job storage's last commits, which queued their jobs, are gone. Here they were never queued at all.
        long queued, running;
        var db = new SqliteResultsDbContext(new DbContextOptionsBuilder<SqliteResultsDbContext>()
            .UseSqlite($"Data Source={Path.Combine(worker.DataFolder, "results.db")};Pooling=False").Options);
        await using (db)
        {
            var import = new ReprocessRecord
            {
                RequestedBy = "admin",
                CreatedAt = DateTimeOffset.UtcNow,
                FilterJson = $"{{\"folder\":{System.Text.Json.JsonSerializer.Serialize(WorkerTestKit.Sample("04-cr-normal-implicit"))}}}",
                State = ReprocessState.Queued,
            };
            var interrupted = new ReprocessRecord
            {
                RequestedBy = "admin",
                CreatedAt = DateTimeOffset.UtcNow,
                FilterJson = "{\"state\":\"Failed\"}",
                State = ReprocessState.Running,
                RunToken = "0123456789abcdef0123456789abcdef",
                Done = 3,
            };
            db.ReprocessRequests.AddRange(import, interrupted);
            await db.SaveChangesAsync(ct);
            (queued, running) = (import.Id, interrupted.Id);
        }

        await worker.RestartAsync(ct);

        var imported = await WorkerTestKit.WaitForAsync(worker, $"api/reprocess/{queued}", r => WorkerTestKit.State(r) is not ("Queued" or "Running"), TimeSpan.FromSeconds(90), ct);
        Assert.Equal("Done", WorkerTestKit.State(imported));
        Assert.Equal(1, imported["total"]!.GetValue<int>());
        Assert.Equal(1, imported["done"]!.GetValue<int>());
        var resumed = await WorkerTestKit.WaitForAsync(worker, $"api/reprocess/{running}", r => WorkerTestKit.State(r) is not ("Queued" or "Running"), TimeSpan.FromSeconds(90), ct);
        Assert.Equal("Done", WorkerTestKit.State(resumed));
        Assert.Equal(0, resumed["done"]!.GetValue<int>());
        Assert.Contains(worker.Process!.Lines, l => l.Contains(", 2 interrupted jobs queued again", StringComparison.Ordinal));
    }
}
