using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PlaoImaging.Analysis;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.StructuredReport;
using PlaoImaging.Reporting.Sr;
using PlaoImaging.Tests.Shared;
using Microsoft.AspNetCore.Antiforgery;
using PlaoImaging.Worker.Dashboard;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Review;
using PlaoImaging.Worker.Security;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// A review after the engine reloaded its model: the review grades with the rules of the model serving at the time of
/// the request, and says so (the document, each regraded level, the audit and the amended report), never with the
/// rules the worker started with.
/// </summary>
[Trait("Category", "unit")]
public sealed class ReviewModelReloadTests(ReviewSample sample) : IClassFixture<ReviewSample>
{
    [Fact]
    public async Task MovePointsAsync_AfterAReloadToOtherGradingRules_GradesWithTheServingModel_AndRecordsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var (manifest, engine, bench) = await StartAsync("review-reload", ct);
        using var serving = engine;
        var review = ReviewTestBench.Ok(await bench.Reviews.GetAsync(bench.StudyId, "rita", ct));
        Assert.True(review.Grading.SameAsAnalysis);
        var wedged = review.Levels.Where(l => l.Grade > 0 && l.Deformity == "wedge").OrderByDescending(l => l.Grade).First();

        // The same model files with other normal shapes (a rule change that keeps the points valid), as a new version.
        await ReloadAsNewVersionAsync(manifest, engine, json =>
        {
            foreach (var reference in json["grading"]!["reference"]!["levels"]!.AsObject())
            {
                reference.Value!["ha_hp"] = reference.Value["ha_hp"]!.GetValue<double>() * 0.7;
            }
        }, ct);
        var reloaded = ModelManifestReader.Read(manifest);

        // The reader's points: the model's moved one pixel to the right (the same shape: any change of grade is the rule's).
        var moved = wedged.Points.ToDictionary(p => p.Key, p => new[] { p.Value[0] + 1, p.Value[1] }, StringComparer.Ordinal);
        var edited = review.Levels.Select(l => l.Level == wedged.Level ? l with { Points = moved } : l).ToList();
        int underReloaded = ReviewRules.Regrade(reloaded, sample.Result, edited, wedged.SopInstanceUid, wedged.Frame).Single(l => l.Level == wedged.Level).Grade;
        int underStart = ReviewRules.Regrade(sample.Manifest, sample.Result, edited, wedged.SopInstanceUid, wedged.Frame).Single(l => l.Level == wedged.Level).Grade;
        Assert.NotEqual(underStart, underReloaded);

        review = ReviewTestBench.Ok(await bench.Reviews.MovePointsAsync(bench.StudyId, wedged.Level, new PointsRequest(moved, review.Version), "rita", ct));

        var level = review.Levels.Single(l => l.Level == wedged.Level);
        Assert.Equal(underReloaded, level.Grade);
        Assert.Equal((reloaded.Id, reloaded.Version, false), (review.Grading.Id, review.Grading.Version, review.Grading.SameAsAnalysis));
        Assert.Equal(reloaded.ManifestSha256, review.Grading.ManifestSha256);
        Assert.Equal(reloaded.Version, level.GradedWith?.Version);
        Assert.Equal(sample.Result.Model.Version, review.Model.Version);
        var points = Assert.Single(await bench.AuditRowsAsync(ct));
        Assert.Contains(reloaded.Version, points.AfterJson, StringComparison.Ordinal);

        // Signed: the amended report carries the reloaded model's grade and names whose rules gave it; so does the audit.
        foreach (var undecided in review.Levels.Where(l => l.Decision == ReviewWords.Undecided).ToList())
        {
            review = ReviewTestBench.Ok(await bench.Reviews.DecideAsync(bench.StudyId, undecided.Level, new DecisionRequest("accepted", null, review.Version), "rita", ct));
        }

        var radiologist = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "rita"), new Claim(ClaimTypes.Role, Roles.Radiologist)], "test"));
        ReviewTestBench.Ok(await bench.Reviews.SignAsync(bench.StudyId, new SignRequest(review.Version), radiologist, ct));
        var sign = (await bench.AuditRowsAsync(ct)).Last();
        Assert.Equal("sign", sign.Action);
        Assert.Contains(reloaded.Version, sign.AfterJson, StringComparison.Ordinal);
        var db = bench.Services.CreateDbContext();
        await using (db)
        {
            var sr = await db.ProducedObjects.AsNoTracking().SingleAsync(o => o.ReviewNumber == 1 && o.Kind == "SR", ct);
            var reported = VertebralReportReader.Read(SrDocument.Read(DicomFile.Open(bench.Services.Paths.InOutbox(sr.Path)).Dataset));
            Assert.Equal(underReloaded, reported.Levels.Single(l => l.Level == wedged.Level).GenantGrade);
            var flag = Assert.Single(reported.ReviewFlags);
            Assert.Contains(reloaded.Version, flag.Message, StringComparison.Ordinal);
            Assert.Contains(sample.Result.Model.Id, flag.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The study page says whose rules grade a review once the engine serves another model than the one that produced
    /// the result, and says nothing while it serves the same one.
    /// </summary>
    [Fact]
    public async Task StudyPage_AfterAReloadToAnotherModel_NamesTheModelWhoseRulesGradeTheReview()
    {
        var ct = TestContext.Current.CancellationToken;
        var (manifest, engine, bench) = await StartAsync("review-reload-page", ct);
        using var serving = engine;

        async Task<(ReviewModelInfo? Other, string Html)> PageAsync()
        {
            var db = bench.Services.CreateDbContext();
            await using (db)
            {
                var page = (await StudyPage.LoadAsync(db, bench.StudyId, null, null, ct))!;
                var serving = engine.Current;
                var other = DashboardEndpoints.OtherGradingModel(page, serving);
                return (other, StudyHtml.Page(page, serving.Identity.Id, serving.Identity.Version, new AntiforgeryTokenSet("r", "c", "f", "h"), "rita", false, "default",
                    otherGradingModel: other));
            }
        }

        var before = await PageAsync();
        Assert.Null(before.Other);
        Assert.DoesNotContain("grading-model", before.Html, StringComparison.Ordinal);

        string version = await ReloadAsNewVersionAsync(manifest, engine, _ => { }, ct);

        var after = await PageAsync();
        Assert.Equal(version, after.Other?.Version);
        Assert.Contains("id=\"grading-model\"", after.Html, StringComparison.Ordinal);
        Assert.Contains(version, after.Html, StringComparison.Ordinal);
        Assert.Contains($"Model <strong>{sample.Result.Model.Id} {sample.Result.Model.Version}</strong>.", after.Html, StringComparison.Ordinal); // the result's model, as before
    }

    /// <summary>A review bench whose engine serves a copy of the sample's manifest, which the test may then change.</summary>
    private async Task<(string Manifest, AnalysisEngine Engine, ReviewTestBench Bench)> StartAsync(string name, CancellationToken ct)
    {
        string manifest = Path.Combine(Peers.ScratchDirectory(name), Path.GetFileName(sample.ManifestPath));
        File.Copy(sample.ManifestPath, manifest);
        var engine = sample.ManifestEngine(manifest);
        return (manifest, engine, await ReviewTestBench.CreateAsync(sample, name, engine, ct));
    }

    /// <summary>Rewrites the manifest as version "…-regraded" with <paramref name="change"/> applied, reloads the engine, and returns the new version.</summary>
    private static async Task<string> ReloadAsNewVersionAsync(string manifest, AnalysisEngine engine, Action<JsonNode> change, CancellationToken ct)
    {
        var json = JsonNode.Parse(await File.ReadAllTextAsync(manifest, ct))!;
        string version = json["version"]!.GetValue<string>() + "-regraded";
        json["version"] = version;
        change(json);
        await File.WriteAllTextAsync(manifest, json.ToJsonString(), ct);
        var reload = await engine.ReloadAsync("test", ct);
        Assert.True(reload.Loaded, reload.Error);
        return version;
    }
}
