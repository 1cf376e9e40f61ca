using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Persistence;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The migration that gives a study's analysis claim its own column, on a database of the schema before it: a study
/// left analysing under a claim (kept then in its reason) keeps that claim, so that the job that holds it, retried or
/// recovered after the upgrade, still finds it; nothing else gets one. On SQLite and on a real PostgreSQL server.
/// </summary>
[Trait("Category", "peer")]
public sealed class ClaimMigrationTests
{
    /// <summary>Studies as the schema before the column left them: two held by a claim, two not.</summary>
    private const string SqliteRows = """
        INSERT INTO studies (StudyInstanceUid, State, Reason, Generation, QueuedGeneration, FirstReceivedAt, LastReceivedAt, UpdatedAt, InputCount) VALUES
        ('1.2.1', 'Analysing', 'being analysed by job 12', 1, 1, 0, 0, 0, 1),
        ('1.2.2', 'Analysing', 'being analysed by reprocess:3', 1, 1, 0, 0, 0, 1),
        ('1.2.3', 'Failed', 'being analysed by job 9 was interrupted', 1, 1, 0, 0, 0, 1),
        ('1.2.4', 'Queued', NULL, 1, 1, 0, 0, 0, 1)
        """;

    /// <summary>The same studies on PostgreSQL.</summary>
    private const string PostgresRows = """
        INSERT INTO studies ("StudyInstanceUid", "State", "Reason", "Generation", "QueuedGeneration", "FirstReceivedAt", "LastReceivedAt", "UpdatedAt", "InputCount") VALUES
        ('1.2.1', 'Analysing', 'being analysed by job 12', 1, 1, 0, 0, 0, 1),
        ('1.2.2', 'Analysing', 'being analysed by reprocess:3', 1, 1, 0, 0, 0, 1),
        ('1.2.3', 'Failed', 'being analysed by job 9 was interrupted', 1, 1, 0, 0, 0, 1),
        ('1.2.4', 'Queued', NULL, 1, 1, 0, 0, 0, 1)
        """;

    private static readonly string?[] Expected = ["being analysed by job 12", "being analysed by reprocess:3", null, null];

    [Fact]
    public async Task OnSqlite_StudiesAnalysingUnderAClaimInTheirReason_KeepItInTheClaimColumn()
    {
        var ct = TestContext.Current.CancellationToken;
        string path = Path.Combine(Peers.ScratchDirectory("claim-migration"), "results.db");
        var db = new SqliteResultsDbContext(new DbContextOptionsBuilder<SqliteResultsDbContext>().UseSqlite($"Data Source={path};Pooling=False").Options);
        await using (db)
        {
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync("20261207175703_ReprocessRunToken", ct);
            await db.Database.ExecuteSqlRawAsync(SqliteRows, ct);
            await migrator.MigrateAsync(null, ct);

            Assert.Equal(Expected, await db.Studies.AsNoTracking().OrderBy(s => s.StudyInstanceUid).Select(s => s.AnalysisClaim).ToListAsync(ct));
        }
    }

    [Fact]
    public async Task OnPostgreSql_StudiesAnalysingUnderAClaimInTheirReason_KeepItInTheClaimColumn()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cluster = PostgresCluster.Start("claim-migration");
        var db = new PostgresResultsDbContext(new DbContextOptionsBuilder<PostgresResultsDbContext>().UseNpgsql(cluster.ConnectionString).Options);
        await using (db)
        {
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync("20261207175708_ReprocessRunToken", ct);
            await db.Database.ExecuteSqlRawAsync(PostgresRows, ct);
            await migrator.MigrateAsync(null, ct);

            Assert.Equal(Expected, await db.Studies.AsNoTracking().OrderBy(s => s.StudyInstanceUid).Select(s => s.AnalysisClaim).ToListAsync(ct));
        }
    }
}
