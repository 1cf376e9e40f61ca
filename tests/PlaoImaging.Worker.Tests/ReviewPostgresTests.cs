using Hangfire;
using Hangfire.Storage.SQLite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom.Hosting;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Dashboard;
using PlaoImaging.Worker.Persistence;
using PlaoImaging.Worker.Review;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The review's version check and append-only audit trail on a real PostgreSQL server, migrated by the worker's own
/// PostgreSQL migrations (the AddReview migration's trigger included).
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class ReviewPostgresTests(ReviewSample sample) : IClassFixture<ReviewSample>
{
    [Fact]
    public async Task OnPostgreSql_TwoReadersAtOnceOnOneVersion_ExactlyOneWins_AndTheAuditTrailRefusesChanges()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cluster = PostgresCluster.Start("review");
        var databases = new Postgres(cluster.ConnectionString);
        long studyId;
        var db = databases.CreateDbContext();
        await using (db)
        {
            await db.Database.MigrateAsync(ct);
            var study = new StudyRecord { StudyInstanceUid = sample.Result.StudyInstanceUid, State = StudyState.Analysed, Generation = 1 };
            db.Studies.Add(study);
            await db.SaveChangesAsync(ct);
            var analysis = new AnalysisRecord
            {
                StudyId = study.Id, Generation = 1, ModelId = sample.Result.Model.Id, ModelVersion = sample.Result.Model.Version, ModelSha256 = sample.Result.Model.Sha256,
                Status = "graded", Trigger = "realtime", ResultJson = StudyResultJson.Serialize(sample.Result, indented: false),
            };
            db.Analyses.Add(analysis);
            await db.SaveChangesAsync(ct);
            study.LatestAnalysisId = analysis.Id;
            await db.SaveChangesAsync(ct);
            studyId = study.Id;
        }

        string folder = Peers.ScratchDirectory("review-postgres");
        var paths = new StoragePaths(Options.Create(new WorkerSettings { DataFolder = Path.Combine(folder, "data") }),
            Options.Create(new DicomScpSettings { StorageRoot = Path.Combine(folder, "data", "dicom") }));
        var reviews = new ReviewService(databases, sample.ManifestEngine(), paths, Options.Create(new AnalysisSettings()), Options.Create(new ExportSettings()),
            new BackgroundJobClient(new SQLiteStorage(Path.Combine(folder, "hangfire.db"), new SQLiteStorageOptions())), TimeProvider.System, NullLogger<ReviewService>.Instance);
        var start = ReviewTestBench.Ok(await reviews.GetAsync(studyId, "rita", ct));

        var outcomes = await Task.WhenAll(
            Task.Run(() => reviews.DecideAsync(studyId, start.Levels[0].Level, new DecisionRequest("accepted", null, 1), "rita", ct), ct),
            Task.Run(() => reviews.DecideAsync(studyId, start.Levels[1].Level, new DecisionRequest("accepted", null, 1), "sam", ct), ct));

        Assert.Single(outcomes, o => o.Problem is null);
        Assert.Single(outcomes, o => o.Problem?.Status == 409);
        Assert.Equal(2, ReviewTestBench.Ok(await reviews.GetAsync(studyId, "rita", ct)).Version);
        var entries = await reviews.AuditAsync(studyId, ct);
        Assert.Single(entries!);

        db = databases.CreateDbContext();
        await using (db)
        {
            var update = await Assert.ThrowsAsync<PostgresException>(() => db.AuditEntries.ExecuteUpdateAsync(u => u.SetProperty(x => x.User, "mallory"), ct));
            Assert.Contains("append-only", update.MessageText, StringComparison.Ordinal);
            await Assert.ThrowsAsync<PostgresException>(() => db.AuditEntries.ExecuteDeleteAsync(ct));
            Assert.Equal(1, await db.AuditEntries.CountAsync(ct));
        }

        // The worklist's one query (review rows joined, the levels searched as text for a decision) on PostgreSQL: a
        // review with a decision is "in review", a signed one "signed", with every sort and filter translated.
        db = databases.CreateDbContext();
        await using (db)
        {
            static WorklistQuery Query(string? state, string sort = "received") => new(state, null, null, null, false, sort, 1);
            var inReview = await WorklistPage.LoadAsync(db, Query("inreview"), ct);
            Assert.Equal(studyId, Assert.Single(inReview.Rows).Id);
            Assert.Empty((await WorklistPage.LoadAsync(db, Query("review"), ct)).Rows);
            Assert.Empty((await WorklistPage.LoadAsync(db, Query("signed"), ct)).Rows);
            await db.Studies.Where(x => x.Id == studyId).ExecuteUpdateAsync(u => u.SetProperty(x => x.StudyDate, "20251128"), ct);
            foreach (string sort in new[] { "date", "grade", "fractures" })
            {
                var filtered = await WorklistPage.LoadAsync(db, new WorklistQuery(null, 0, new DateOnly(1900, 1, 1), new DateOnly(2999, 12, 31), false, sort, 1), ct);
                Assert.Equal(1, filtered.Total);
            }

            Assert.Equal(0, (await WorklistPage.LoadAsync(db, new WorklistQuery(null, null, new DateOnly(2026, 1, 1), null, false, "date", 1), ct)).Total);

            await db.Reviews.Where(r => r.StudyId == studyId).ExecuteUpdateAsync(
                u => u.SetProperty(r => r.State, ReviewState.Signed).SetProperty(r => r.SignedBy, "rita").SetProperty(r => r.SignedAt, DateTimeOffset.UtcNow), ct);
            var signed = Assert.Single((await WorklistPage.LoadAsync(db, Query("signed"), ct)).Rows);
            Assert.Equal(studyId, signed.Id);
            Assert.Empty((await WorklistPage.LoadAsync(db, Query("inreview"), ct)).Rows);
        }
    }

    /// <summary>The worker's PostgreSQL context on the test cluster.</summary>
    private sealed class Postgres(string connectionString) : IDbContextFactory<ResultsDbContext>
    {
        public ResultsDbContext CreateDbContext() =>
            new PostgresResultsDbContext(new DbContextOptionsBuilder<PostgresResultsDbContext>().UseNpgsql(connectionString).Options);
    }
}
