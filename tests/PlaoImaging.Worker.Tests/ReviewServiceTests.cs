using System.Security.Claims;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.StructuredReport;
using PlaoImaging.Reporting.Sr;
using PlaoImaging.Worker.Persistence;
using PlaoImaging.Worker.Review;
using PlaoImaging.Worker.Security;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The review service over a real SQLite results database and the model's real result of sample 03: starting a review,
/// decisions, moved points graded by the engine's rule and undone, the version check, signing and what it writes, and the
/// append-only audit trail.
/// </summary>
[Trait("Category", "unit")]
public sealed class ReviewServiceTests(ReviewSample sample) : IClassFixture<ReviewSample>
{
    private static ClaimsPrincipal User(string name, params string[] roles) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), .. roles.Select(r => new Claim(ClaimTypes.Role, r))], "test"));

    /// <summary>The fractured level with the largest wedge reduction: straightening it must lower its grade.</summary>
    private ReviewLevel Wedged(ReviewDocument review) =>
        review.Levels.Where(l => l.Grade > 0 && l.Deformity == "wedge").OrderByDescending(l => l.Grade).ThenBy(l => l.Ratios.AnteriorPosterior).First();

    [Fact]
    public async Task GetAsync_FirstRead_StartsOneUndecidedLevelPerResultLevelWithTheModelsPoints()
    {
        var ct = TestContext.Current.CancellationToken;
        var bench = await ReviewTestBench.CreateAsync(sample, "review-start", ct);

        var review = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct));

        Assert.Equal(sample.Result.Levels.Select(l => l.Level), review.Levels.Select(l => l.Level));
        var image = sample.Result.Images.Single(i => i.Measured && i.Vertebrae.Count > 0);
        foreach (var level in review.Levels)
        {
            var vertebra = image.Vertebrae.Single(v => v.Level == level.Level);
            Assert.Equal(image.Source.SopInstanceUid, level.SopInstanceUid);
            Assert.Equal(ReviewWords.Model, level.Origin);
            Assert.Equal(ReviewWords.Undecided, level.Decision);
            Assert.Equal(vertebra.Points.Keys.Order(), level.Points.Keys.Order());
            Assert.All(vertebra.Points, p => Assert.Equal(p.Value, level.Points[p.Key]));
            Assert.All(vertebra.Points, p => Assert.Equal(p.Value, level.ModelPoints![p.Key]));
            Assert.Equal(vertebra.GenantGrade, level.Grade);
            Assert.Equal(vertebra.GenantGrade, level.ModelGrade);
            Assert.Equal(vertebra.Heights, level.Heights);
        }

        Assert.Equal((1, 1, "open"), (review.ReviewNumber, review.Version, review.State));
        Assert.Equal(sample.Result.Summary.FracturedVertebrae, review.Summary.FractureCount);
        Assert.Equal(sample.Result.Summary.SpinalDeformityIndex.Value, review.Summary.Sdi);
        Assert.Equal(review.Levels.Select(l => l.Level), review.Undecided);
        Assert.Empty(review.Differences);
        Assert.False(review.CanSign);

        // A second read finds the same review; reading is not a change.
        var again = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "sam", ct));
        Assert.Equal(1, again.Version);
        Assert.Equal("rita", again.LastChangedBy);
        Assert.Empty(await bench.AuditRowsAsync(ct));
    }

    [Fact]
    public async Task GetAsync_UnknownStudy_IsNotFound()
    {
        var ct = TestContext.Current.CancellationToken;
        var bench = await ReviewTestBench.CreateAsync(sample, "review-unknown", ct);
        var outcome = await bench.Reviews.GetAsync(bench.StudyId + 100, "rita", ct);
        Assert.Equal(404, outcome.Problem?.Status);
    }

    [Fact]
    public async Task MovePointsAsync_StraightenedThenModelPointsBack_GradedByTheRuleThenUndecidedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var bench = await ReviewTestBench.CreateAsync(sample, "review-points", ct);
        var start = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct));
        var level = Wedged(start);

        var moved = ReviewTestBench.Ok(await bench.Reviews.MovePointsAsync(bench.StudyId, level.Level, new PointsRequest(ReviewTestBench.Straightened(level), 1), "rita", ct));

        var after = moved.Levels.Single(l => l.Level == level.Level);
        Assert.Equal(ReviewWords.Modified, after.Decision);
        Assert.True(after.Grade < level.Grade, $"{level.Level}: grade {level.Grade} → {after.Grade}");
        Assert.True(after.Ratios.AnteriorPosterior > level.Ratios.AnteriorPosterior);
        Assert.Equal(level.ModelGrade, after.ModelGrade);
        Assert.Equal(2, moved.Version);
        Assert.Contains(moved.Differences, d => d.StartsWith($"{level.Level}: grade {level.Grade} → {after.Grade} (modified)", StringComparison.Ordinal));
        Assert.DoesNotContain(level.Level, moved.Undecided);

        // The engine's rule on the same points, independently: the level's numbers are exactly what Regrade gives.
        var image = sample.Result.Images.Single(i => i.Measured && i.Vertebrae.Count > 0);
        var points = image.Vertebrae.Select(v => KeyValuePair.Create(v.Level, v.Level == level.Level ? after.Points : v.Points)).ToList();
        var rule = Analysis.Engine.VertebraGrading.Regrade(sample.Manifest, image.Spacing, points).Single(m => m.Level == level.Level);
        Assert.Equal(rule.Grade, after.Grade);
        Assert.Equal(rule.Heights.Anterior, after.Heights.Anterior);

        var undone = ReviewTestBench.Ok(await bench.Reviews.MovePointsAsync(bench.StudyId, level.Level, new PointsRequest(level.ModelPoints!.ToDictionary(), 2), "rita", ct));

        var back = undone.Levels.Single(l => l.Level == level.Level);
        Assert.Equal(ReviewWords.Undecided, back.Decision);
        Assert.Equal(level.Grade, back.Grade);
        Assert.Equal(level.Heights, back.Heights);
        Assert.Equal(start.Summary, undone.Summary);
        Assert.Empty(undone.Differences);
    }

    [Fact]
    public async Task DecideAsync_StaleVersion_Is409NamingWhoChangedIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var bench = await ReviewTestBench.CreateAsync(sample, "review-stale", ct);
        var start = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct));
        string first = start.Levels[0].Level;
        ReviewTestBench.Ok(await bench.Reviews.DecideAsync(bench.StudyId, first, new DecisionRequest("accepted", null, 1), "asmith", ct));

        var stale = await bench.Reviews.DecideAsync(bench.StudyId, start.Levels[1].Level, new DecisionRequest("accepted", null, 1), "jdoe", ct);

        Assert.Equal(409, stale.Problem?.Status);
        Assert.Equal("changed by someone else", stale.Problem!.Title);
        Assert.Equal(2L, stale.Problem.Extensions!["currentVersion"]);
        Assert.Equal("asmith", stale.Problem.Extensions["changedBy"]);
        var now = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "jdoe", ct));
        Assert.Equal(ReviewWords.Undecided, now.Levels[1].Decision);
    }

    [Fact]
    public async Task DecideAsync_TwoReadersAtOnceOnTheSameVersion_ExactlyOneWins()
    {
        var ct = TestContext.Current.CancellationToken;
        var bench = await ReviewTestBench.CreateAsync(sample, "review-race", ct);
        var start = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct));

        var outcomes = await Task.WhenAll(
            Task.Run(() => bench.Reviews.DecideAsync(bench.StudyId, start.Levels[0].Level, new DecisionRequest("accepted", null, 1), "rita", ct), ct),
            Task.Run(() => bench.Reviews.DecideAsync(bench.StudyId, start.Levels[1].Level, new DecisionRequest("accepted", null, 1), "sam", ct), ct));

        Assert.Single(outcomes, o => o.Problem is null);
        Assert.Single(outcomes, o => o.Problem?.Status == 409);
        var now = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct));
        Assert.Equal(2, now.Version);
        Assert.Single(now.Levels, l => l.Decision == ReviewWords.Accepted);
        Assert.Single(await bench.AuditRowsAsync(ct));
    }

    [Fact]
    public async Task DecideAsync_RejectionWithoutReasonOrUnknownDecision_Is400AndChangesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var bench = await ReviewTestBench.CreateAsync(sample, "review-bad", ct);
        var start = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct));

        Assert.Equal(400, (await bench.Reviews.DecideAsync(bench.StudyId, start.Levels[0].Level, new DecisionRequest("rejected", " ", 1), "rita", ct)).Problem?.Status);
        Assert.Equal(400, (await bench.Reviews.DecideAsync(bench.StudyId, start.Levels[0].Level, new DecisionRequest("maybe", null, 1), "rita", ct)).Problem?.Status);
        Assert.Equal(400, (await bench.Reviews.DecideAsync(bench.StudyId, start.Levels[0].Level, new DecisionRequest("accepted", null, null), "rita", ct)).Problem?.Status);
        Assert.Equal(404, (await bench.Reviews.DecideAsync(bench.StudyId, "X9", new DecisionRequest("accepted", null, 1), "rita", ct)).Problem?.Status);
        Assert.Equal(1, ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct)).Version);
    }

    [Fact]
    public async Task AddLevelAsync_MissedLevel_AddedAsReaderLevel_ThenRemoved_AndModelLevelsCannotBeRemoved()
    {
        var ct = TestContext.Current.CancellationToken;
        var bench = await ReviewTestBench.CreateAsync(sample, "review-add", ct);
        var start = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct));
        var names = sample.Manifest.OutputDecoding.LevelNames;
        var last = start.Levels[^1];
        string missed = names[names.ToList().IndexOf(last.Level) + 1];
        double height = last.Points["ip"][1] - last.Points["sp"][1] + 8;
        var points = last.Points.ToDictionary(p => p.Key, p => new[] { p.Value[0], p.Value[1] + height }, StringComparer.Ordinal);

        var added = ReviewTestBench.Ok(await bench.Reviews.AddLevelAsync(bench.StudyId, new AddLevelRequest(missed, last.SopInstanceUid, last.Frame, points, 1), "rita", ct));

        var level = added.Levels[^1];
        Assert.Equal((missed, ReviewWords.Reader, ReviewWords.Modified), (level.Level, level.Origin, level.Decision));
        Assert.Null(level.ModelPoints);
        Assert.Null(level.ModelGrade);
        Assert.True(level.Heights.Posterior > 0);
        Assert.Contains(added.Differences, d => d.StartsWith($"{missed}: added by the reader", StringComparison.Ordinal));
        Assert.Equal(409, (await bench.Reviews.AddLevelAsync(bench.StudyId, new AddLevelRequest(missed, last.SopInstanceUid, last.Frame, points, 2), "rita", ct)).Problem?.Status);
        Assert.Equal(400, (await bench.Reviews.RemoveLevelAsync(bench.StudyId, last.Level, 2, "rita", ct)).Problem?.Status);

        var removed = ReviewTestBench.Ok(await bench.Reviews.RemoveLevelAsync(bench.StudyId, missed, 2, "rita", ct));
        Assert.Equal(start.Levels.Select(l => l.Level), removed.Levels.Select(l => l.Level));
        Assert.Equal(start.Levels.Select(l => l.Grade), removed.Levels.Select(l => l.Grade));
    }

    [Fact]
    public async Task SignAsync_UndecidedLevelsOrNoRadiologistRole_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var bench = await ReviewTestBench.CreateAsync(sample, "review-sign-refused", ct);
        var start = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct));
        ReviewTestBench.Ok(await bench.Reviews.DecideAsync(bench.StudyId, start.Levels[0].Level, new DecisionRequest("accepted", null, 1), "rita", ct));

        var undecided = await bench.Reviews.SignAsync(bench.StudyId, new SignRequest(2), User("rita", Roles.Radiologist), ct);
        var adminOnly = await bench.Reviews.SignAsync(bench.StudyId, new SignRequest(2), User("adam", Roles.Admin), ct);

        Assert.Equal(400, undecided.Problem?.Status);
        Assert.Equal(start.Levels.Skip(1).Select(l => l.Level), (IEnumerable<string>)undecided.Problem!.Extensions!["undecided"]!);
        Assert.Equal(403, adminOnly.Problem?.Status);
        Assert.Equal("open", ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct)).State);
        Assert.Equal(0, bench.EnqueuedExports());
    }

    [Fact]
    public async Task SignAsync_EveryLevelDecided_WritesTheAmendedReportAndQueuesItsExport_ThenAChangeOpensReviewTwo()
    {
        var ct = TestContext.Current.CancellationToken;
        var bench = await ReviewTestBench.CreateAsync(sample, "review-sign", ct);
        var review = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct));
        var wedged = Wedged(review);
        review = ReviewTestBench.Ok(await bench.Reviews.MovePointsAsync(bench.StudyId, wedged.Level, new PointsRequest(ReviewTestBench.Straightened(wedged), review.Version), "rita", ct));
        int corrected = review.Levels.Single(l => l.Level == wedged.Level).Grade;
        var rejected = review.Levels.First(l => l.Level != wedged.Level && l.Grade > 0);
        review = ReviewTestBench.Ok(await bench.Reviews.DecideAsync(bench.StudyId, rejected.Level, new DecisionRequest("rejected", "endplate artefact", review.Version), "rita", ct));
        foreach (var level in review.Levels.Where(l => l.Decision == ReviewWords.Undecided).ToList())
        {
            review = ReviewTestBench.Ok(await bench.Reviews.DecideAsync(bench.StudyId, level.Level, new DecisionRequest("accepted", null, review.Version), "rita", ct));
        }

        Assert.True(review.CanSign);
        var signedAt = bench.Services.Time.GetUtcNow();
        var signed = ReviewTestBench.Ok(await bench.Reviews.SignAsync(bench.StudyId, new SignRequest(review.Version), User("rita", Roles.Radiologist), ct));

        Assert.Equal(("signed", "rita", signedAt, review.Version + 1), (signed.State, signed.SignedBy, signed.SignedAt, signed.Version));
        Assert.False(signed.CanSign);
        Assert.Equal(1, bench.EnqueuedExports());
        var db = bench.Services.CreateDbContext();
        await using (db)
        {
            var objects = await db.ProducedObjects.AsNoTracking().Where(o => o.ReviewNumber == 1).ToListAsync(ct);
            var export = await db.Exports.AsNoTracking().SingleAsync(ct);
            Assert.Equal((1, "pacs", ExportState.Pending), (export.ReviewNumber, export.Destination, export.State));
            Assert.Contains(objects, o => o.Kind == "GSPS");
            var sr = objects.Single(o => o.Kind == "SR");
            var document = SrDocument.Read(DicomFile.Open(bench.Services.Paths.InOutbox(sr.Path)).Dataset);
            Assert.True(document.Verified);
            Assert.Equal(CompletionFlag.Complete, document.Completion);
            Assert.Equal(bench.PriorSrUid, Assert.Single(document.PredecessorDocuments).Instance.SopInstanceUid);
            var reported = VertebralReportReader.Read(document);
            Assert.Equal(corrected, reported.Levels.Single(l => l.Level == wedged.Level).GenantGrade);
            Assert.Equal(0, reported.Levels.Single(l => l.Level == rejected.Level).GenantGrade);
            Assert.Equal(signed.Summary.FractureCount, reported.Summary.FracturedVertebrae);
        }

        // Signed is read-only: a change opens review 2 from the signed levels; the version goes on.
        var reopened = ReviewTestBench.Ok(await bench.Reviews.DecideAsync(bench.StudyId, rejected.Level, new DecisionRequest("accepted", null, signed.Version), "sam", ct));
        Assert.Equal((2, "open", signed.Version + 1), (reopened.ReviewNumber, reopened.State, reopened.Version));
        Assert.Null(reopened.SignedBy);
        Assert.Equal(corrected, reopened.Levels.Single(l => l.Level == wedged.Level).Grade);
        Assert.Equal(ReviewWords.Accepted, reopened.Levels.Single(l => l.Level == rejected.Level).Decision);
    }

    [Fact]
    public async Task Audit_EveryChangeAppendedWithBeforeAndAfter_AndTheDatabaseRefusesToChangeOrDeleteAnEntry()
    {
        var ct = TestContext.Current.CancellationToken;
        var bench = await ReviewTestBench.CreateAsync(sample, "review-audit", ct);
        var review = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct));
        var a = review.Levels[0];
        var b = review.Levels[1];
        review = ReviewTestBench.Ok(await bench.Reviews.DecideAsync(bench.StudyId, a.Level, new DecisionRequest("rejected", "not a vertebra", 1), "rita", ct));
        review = ReviewTestBench.Ok(await bench.Reviews.MovePointsAsync(bench.StudyId, b.Level, new PointsRequest(ReviewTestBench.Straightened(b), 2), "sam", ct));

        var trail = await bench.Reviews.AuditAsync(bench.StudyId, ct);

        Assert.NotNull(trail);
        Assert.Equal(["decision", "points"], trail.Select(e => e.Action));
        Assert.Equal(["rita", "sam"], trail.Select(e => e.User));
        Assert.Equal([a.Level, b.Level], trail.Select(e => e.Level));
        Assert.All(trail, e => Assert.Equal((sample.Result.Model.Version, 1), (e.ModelVersion, e.ReviewNumber)));
        Assert.Equal("undecided", trail[0].Before!["decision"]!.GetValue<string>());
        Assert.Equal("rejected", trail[0].After!["decision"]!.GetValue<string>());
        Assert.Equal("not a vertebra", trail[0].After!["reason"]!.GetValue<string>());
        Assert.Equal(b.Points["sa"][1], trail[1].Before!["points"]!["sa"]![1]!.GetValue<double>());
        Assert.Equal(review.Levels[1].Points["sa"][1], trail[1].After!["points"]!["sa"]![1]!.GetValue<double>());
        Assert.Equal("modified", trail[1].After!["decision"]!.GetValue<string>());

        var db = bench.Services.CreateDbContext();
        await using (db)
        {
            var update = await Assert.ThrowsAsync<SqliteException>(() => db.AuditEntries.ExecuteUpdateAsync(u => u.SetProperty(x => x.User, "mallory"), ct));
            Assert.Contains("append-only", update.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<SqliteException>(() => db.AuditEntries.ExecuteDeleteAsync(ct));
        }

        Assert.Equal(2, (await bench.AuditRowsAsync(ct)).Count);
    }
}
