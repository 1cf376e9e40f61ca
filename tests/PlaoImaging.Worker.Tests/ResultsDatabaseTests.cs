using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Persistence;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The SQLite results database as the worker registers it: every connection waits for a locked database in SQLite's
/// own busy handler, and a writer that meets another's open transaction goes on once it ends.
/// </summary>
[Trait("Category", "unit")]
public sealed class ResultsDatabaseTests
{
    [Fact]
    public async Task SqliteConnections_HaveSqlitesBusyTimeout()
    {
        var ct = TestContext.Current.CancellationToken;
        using var services = new ServiceCollection()
            .AddResultsDatabase(new StorageSettings(), Peers.ScratchDirectory(nameof(SqliteConnections_HaveSqlitesBusyTimeout)))
            .BuildServiceProvider();
        var factory = services.GetRequiredService<IDbContextFactory<ResultsDbContext>>();

        // Twice: the second context gets the pooled connection back, and must still have it.
        for (int i = 0; i < 2; i++)
        {
            var db = await factory.CreateDbContextAsync(ct);
            await using (db)
            {
                Assert.Equal(30_000L, await ScalarAsync(db, "PRAGMA busy_timeout", ct));
            }
        }
    }

    [Fact]
    public async Task AWriter_WaitsForAnotherWritersTransaction_AndCommitsAfterIt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var services = new ServiceCollection()
            .AddResultsDatabase(new StorageSettings(), Peers.ScratchDirectory(nameof(AWriter_WaitsForAnotherWritersTransaction_AndCommitsAfterIt)))
            .BuildServiceProvider();
        var factory = services.GetRequiredService<IDbContextFactory<ResultsDbContext>>();
        var holder = await factory.CreateDbContextAsync(ct);
        await using (holder)
        {
            await holder.Database.ExecuteSqlRawAsync("CREATE TABLE t (v INTEGER)", ct);
            await holder.Database.OpenConnectionAsync(ct);
            await holder.Database.ExecuteSqlRawAsync("BEGIN IMMEDIATE; INSERT INTO t VALUES (1);", ct);

            var writer = Task.Run(async () =>
            {
                var db = await factory.CreateDbContextAsync(ct);
                await using (db)
                {
                    await db.Database.ExecuteSqlRawAsync("INSERT INTO t VALUES (2)", ct);
                }
            }, ct);

            // The second writer cannot finish while the first holds the write lock.
            await Task.Delay(200, ct);
            Assert.False(writer.IsCompleted);
            await holder.Database.ExecuteSqlRawAsync("COMMIT", ct);
            await writer;
            Assert.Equal(2L, await ScalarAsync(holder, "SELECT count(*) FROM t", ct));
        }
    }

    private static async Task<long> ScalarAsync(ResultsDbContext db, string sql, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var command = db.Database.GetDbConnection().CreateCommand();
        await using (command)
        {
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
