using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Morphometry;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.StructuredReport;
using PlaoImaging.Reporting.Presentation;
using PlaoImaging.Reporting.Sr;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Persistence;
using PlaoImaging.Worker.Security;

namespace PlaoImaging.Worker.Review;

/// <summary>
/// Radiologists' reviews of analysed studies: started on the first read from the latest analysis's result, changed
/// level by level under a version check (the client names the version it saw; an atomic conditional update lets only
/// one of two concurrent changes win), audited entry by entry, and signed: an amended SR and corrected presentation
/// states written to the outbox, recorded as produced objects of the review and exported to every destination.
/// <para>
/// Edited points are graded with the rules of the model the engine serves at the time of the request, taken once per
/// request (<see cref="ReviewGrading"/>): the model may be reloaded while the worker runs, and the manifest of the model
/// that produced the analysis is not kept once it is replaced. When that is still the model serving, the review grades
/// exactly as the analysis did; otherwise the current model's rules grade, and the review document, each regraded level,
/// the audit and the amended report name that model. Refusing instead would leave every study analysed before a reload
/// unreviewable until it is analysed again, although a reader's points do not depend on the network that proposed them.
/// </para>
/// </summary>
public sealed partial class ReviewService(
    IDbContextFactory<ResultsDbContext> databases,
    AnalysisEngine engine,
    StoragePaths paths,
    IOptions<AnalysisSettings> analysisSettings,
    IOptions<ExportSettings> exportSettings,
    IBackgroundJobClient jobs,
    TimeProvider time,
    ILogger<ReviewService> logger)
{
    /// <summary>The organisation named as the signer's in amended reports.</summary>
    public const string Organization = "PlaoImaging";

    /// <summary>camelCase, as the API writes: the stored levels read as the review document shows them.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly ReviewProblem NoReview = new(StatusCodes.Status404NotFound, "no analysed result to review",
        "the study is unknown, or its latest analysis graded nothing");

    /// <summary>The study's review, started from its latest analysis when there is none yet.</summary>
    public async Task<ReviewOutcome<ReviewDocument>> GetAsync(long studyId, string user, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var loaded = await LoadAsync(db, studyId, user, cancellationToken).ConfigureAwait(false);
            return loaded is null ? ReviewOutcome<ReviewDocument>.Fail(NoReview) : ReviewOutcome<ReviewDocument>.Of(Document(loaded));
        }
    }

    /// <summary>Accepts, rejects (with a reason) or undecides a level.</summary>
    public Task<ReviewOutcome<ReviewDocument>> DecideAsync(long studyId, string level, DecisionRequest request, string user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ChangeAsync(studyId, request.Version, user, "decision", level, (_, levels) =>
        {
            int i = levels.FindIndex(l => l.Level == level);
            if (i < 0)
            {
                return UnknownLevel(level);
            }

            var current = levels[i];
            string? decision = request.Decision?.Trim().ToLowerInvariant();
            string? reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
            switch (decision)
            {
                case ReviewWords.Accepted:
                    // Accepting a level whose points the reader moved (or added) accepts the reader's points: modified.
                    levels[i] = current with
                    {
                        Decision = current.Origin == ReviewWords.Reader || !ReviewRules.Same(current.Points, current.ModelPoints) ? ReviewWords.Modified : ReviewWords.Accepted,
                        Reason = reason,
                    };
                    break;
                case ReviewWords.Rejected when current.Origin == ReviewWords.Reader:
                    return Bad("a level the reader added is removed, not rejected", "DELETE the level instead");
                case ReviewWords.Rejected when reason is null:
                    return Bad("a rejection needs a reason", "give the reason in 'reason'");
                case ReviewWords.Rejected:
                    levels[i] = current with { Decision = ReviewWords.Rejected, Reason = reason };
                    break;
                case ReviewWords.Undecided:
                    levels[i] = current with { Decision = ReviewWords.Undecided, Reason = null };
                    break;
                default:
                    return Bad("unknown decision", "decision is one of accepted, rejected, undecided");
            }

            return null;
        }, cancellationToken);
    }

    /// <summary>Moves a level's six points: graded again by the engine's rule; the model's points back make it undecided.</summary>
    public Task<ReviewOutcome<ReviewDocument>> MovePointsAsync(long studyId, string level, PointsRequest request, string user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ChangeAsync(studyId, request.Version, user, "points", level, (review, levels) =>
        {
            int i = levels.FindIndex(l => l.Level == level);
            if (i < 0)
            {
                return UnknownLevel(level);
            }

            if (ReviewRules.CheckPoints(request.Points, review.Grading.Manifest) is { } error)
            {
                return Bad("bad points", error);
            }

            var current = levels[i];
            bool back = current.Origin == ReviewWords.Model && ReviewRules.Same(request.Points!, current.ModelPoints);
            levels[i] = current with
            {
                Points = back ? current.ModelPoints! : Normalised(request.Points!),
                Decision = back ? ReviewWords.Undecided : ReviewWords.Modified,
                Reason = back ? null : current.Reason,
            };
            Regrade(review, levels, current.SopInstanceUid, current.Frame);
            return null;
        }, cancellationToken);
    }

    /// <summary>Adds a level the model missed, on one of the measured images.</summary>
    public Task<ReviewOutcome<ReviewDocument>> AddLevelAsync(long studyId, AddLevelRequest request, string user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string level = request.Level?.Trim() ?? string.Empty;
        return ChangeAsync(studyId, request.Version, user, "add-level", level, (review, levels) =>
        {
            var manifest = review.Grading.Manifest;
            if (!manifest.OutputDecoding.LevelNames.Contains(level, StringComparer.Ordinal))
            {
                return Bad("unknown level", $"level is one of {string.Join(", ", manifest.OutputDecoding.LevelNames)}");
            }

            if (levels.Any(l => l.Level == level))
            {
                return new ReviewProblem(StatusCodes.Status409Conflict, "the level exists", $"{level} is already in the review");
            }

            if (request.SopInstanceUid is null || ReviewRules.ImageOf(review.Result, request.SopInstanceUid, request.Frame) is not { } image)
            {
                return Bad("unknown image", "sopInstanceUid and frame name one of the measured images of the study");
            }

            if (image.Vertebrae.Any(v => v.Level == level))
            {
                return new ReviewProblem(StatusCodes.Status409Conflict, "the level exists", $"the model measured {level} on this image");
            }

            if (ReviewRules.CheckPoints(request.Points, manifest) is { } error)
            {
                return Bad("bad points", error);
            }

            levels.Add(new ReviewLevel
            {
                Level = level,
                SopInstanceUid = image.Source.SopInstanceUid,
                Frame = image.Source.Frame,
                Origin = ReviewWords.Reader,
                Decision = ReviewWords.Modified,
                Points = Normalised(request.Points!),
                Heights = new Heights(0, 0, 0, "px"),
                Ratios = new Ratios(0, 0, null),
                Deformity = "none",
            });
            var order = manifest.OutputDecoding.LevelNames.ToList();
            levels.Sort((a, b) => order.IndexOf(a.Level).CompareTo(order.IndexOf(b.Level)));
            Regrade(review, levels, image.Source.SopInstanceUid, image.Source.Frame);
            return null;
        }, cancellationToken);
    }

    /// <summary>Removes a level the reader added (the undo of an add); the model's levels are rejected, never removed.</summary>
    public Task<ReviewOutcome<ReviewDocument>> RemoveLevelAsync(long studyId, string level, long? version, string user, CancellationToken cancellationToken) =>
        ChangeAsync(studyId, version, user, "remove-level", level, (review, levels) =>
        {
            int i = levels.FindIndex(l => l.Level == level);
            if (i < 0)
            {
                return UnknownLevel(level);
            }

            var removed = levels[i];
            if (removed.Origin != ReviewWords.Reader)
            {
                return Bad("the model's levels are not removed", "reject the level with a reason instead");
            }

            levels.RemoveAt(i);
            Regrade(review, levels, removed.SopInstanceUid, removed.Frame);
            return null;
        }, cancellationToken);

    /// <summary>What the rule gives for a level's points, without saving (live feedback while a point is dragged).</summary>
    public async Task<ReviewOutcome<PreviewAnswer>> PreviewAsync(long studyId, PreviewRequest request, string user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var review = await LoadAsync(db, studyId, user, cancellationToken).ConfigureAwait(false);
            if (review is null)
            {
                return ReviewOutcome<PreviewAnswer>.Fail(NoReview);
            }

            var manifest = review.Grading.Manifest;
            string level = request.Level?.Trim() ?? string.Empty;
            if (!manifest.OutputDecoding.LevelNames.Contains(level, StringComparer.Ordinal))
            {
                return ReviewOutcome<PreviewAnswer>.Fail(Bad("unknown level", $"level is one of {string.Join(", ", manifest.OutputDecoding.LevelNames)}"));
            }

            if (request.SopInstanceUid is null || ReviewRules.ImageOf(review.Result, request.SopInstanceUid, request.Frame) is null)
            {
                return ReviewOutcome<PreviewAnswer>.Fail(Bad("unknown image", "sopInstanceUid and frame name one of the measured images of the study"));
            }

            if (ReviewRules.CheckPoints(request.Points, manifest) is { } error)
            {
                return ReviewOutcome<PreviewAnswer>.Fail(Bad("bad points", error));
            }

            var m = ReviewRules.Preview(manifest, review.Result, review.Levels, level, request.SopInstanceUid, request.Frame, request.Points!);
            return ReviewOutcome<PreviewAnswer>.Of(new PreviewAnswer(ReviewRules.HeightsOf(m),
                new Ratios(m.AnteriorPosteriorRatio, m.MiddlePosteriorRatio, m.PosteriorNeighbourRatio), m.Grade, GenantGrader.NameOf(m.Deformity)));
        }
    }

    /// <summary>
    /// Signs the review (radiologists only): the amended SR (the prior report as predecessor, the signer as verifying
    /// observer, COMPLETE and VERIFIED) and presentation states of the corrected points, written to the outbox, recorded as
    /// the review's produced objects and exported to every destination.
    /// </summary>
    public async Task<ReviewOutcome<ReviewDocument>> SignAsync(long studyId, SignRequest request, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(user);
        string name = user.Identity?.Name ?? "unknown";
        if (!user.IsInRole(Roles.Radiologist))
        {
            return ReviewOutcome<ReviewDocument>.Fail(new ReviewProblem(StatusCodes.Status403Forbidden, "only a radiologist signs", $"{name} does not have the radiologist role"));
        }

        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var review = await LoadAsync(db, studyId, name, cancellationToken).ConfigureAwait(false);
            if (review is null)
            {
                return ReviewOutcome<ReviewDocument>.Fail(NoReview);
            }

            if (CheckVersion(review.Record, request.Version) is { } stale)
            {
                return ReviewOutcome<ReviewDocument>.Fail(stale);
            }

            if (review.Record.State == ReviewState.Signed)
            {
                return ReviewOutcome<ReviewDocument>.Fail(Bad("already signed", $"review {review.Record.ReviewNumber} was signed by {review.Record.SignedBy}; change a level to start the next review"));
            }

            var undecided = review.Levels.Where(l => l.Decision == ReviewWords.Undecided).Select(l => l.Level).ToList();
            if (undecided.Count > 0 || review.Levels.Count == 0)
            {
                return ReviewOutcome<ReviewDocument>.Fail(new ReviewProblem(StatusCodes.Status400BadRequest, "undecided levels", "every level must be accepted, rejected or modified before signing",
                    new Dictionary<string, object?> { ["undecided"] = undecided }));
            }

            var prior = await db.ProducedObjects.AsNoTracking()
                .Where(o => o.AnalysisId == review.Record.AnalysisId && o.Kind == "SR")
                .OrderByDescending(o => o.ReviewNumber).ThenByDescending(o => o.Id).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (prior is null)
            {
                return ReviewOutcome<ReviewDocument>.Fail(new ReviewProblem(StatusCodes.Status409Conflict, "no report to amend", "the analysis produced no structured report"));
            }

            var now = time.GetUtcNow();
            var manifest = review.Grading.Manifest;
            var corrected = ReviewRules.Corrected(manifest, review.Result, review.Levels);
            if (!review.Grading.SameAsAnalysis)
            {
                // The amended report says whose rules graded it, beside the model that found the points.
                corrected = corrected with { ReviewFlags = [review.Grading.Flag(review.Model)] };
            }

            var signer = new ReportSigner(DicomPersonName.Parse(name), Organization, now);
            var objects = WriteSigned(studyId, review, corrected, signer, prior, cancellationToken);
            int number = review.Record.ReviewNumber;
            var record = review.Record;
            string before = JsonSerializer.Serialize(new { record.ReviewNumber, record.Version, state = "open" }, Json);
            record.State = ReviewState.Signed;
            record.SignedBy = name;
            record.SignedAt = now;
            record.SignedLevelsJson = record.LevelsJson;
            record.SignedReviewNumber = number;
            record.Version++;
            record.LastChangedBy = name;
            record.LastChangedAt = now;
            foreach (var o in objects)
            {
                o.AnalysisId = record.AnalysisId;
                o.ReviewNumber = number;
                db.ProducedObjects.Add(o);
            }

            var exports = exportSettings.Value.Destinations.Select(d => new ExportRecord
            {
                AnalysisId = record.AnalysisId,
                StudyId = studyId,
                Destination = d.Name,
                ReviewNumber = number,
                State = ExportState.Pending,
                CreatedAt = now,
            }).ToList();
            db.Exports.AddRange(exports);
            var summary = ReviewRules.Summary(review.Levels, manifest.OutputDecoding.LevelNames);
            db.AuditEntries.Add(Audit(studyId, now, name, "sign", null, before, JsonSerializer.Serialize(new
            {
                record.ReviewNumber,
                record.Version,
                state = "signed",
                summary,
                objects = objects.Select(o => new { o.Kind, o.SopInstanceUid }),
                destinations = exports.Select(x => x.Destination),
                grading = review.Grading.Info,
            }, Json), review.ModelVersion, number));
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbUpdateConcurrencyException)
            {
                return ReviewOutcome<ReviewDocument>.Fail(await ConflictAsync(studyId, record.AnalysisId, cancellationToken).ConfigureAwait(false));
            }

            foreach (var export in exports)
            {
                jobs.Enqueue<ExportResultsJob>(JobQueues.Export, job => job.RunAsync(export.Id, CancellationToken.None));
            }

            LogSigned(logger, studyId, number, name, objects.Count, exports.Count);
            return ReviewOutcome<ReviewDocument>.Of(Document(review));
        }
    }

    /// <summary>The study's audit trail, oldest first; null when the study is unknown.</summary>
    public async Task<List<AuditEntry>?> AuditAsync(long studyId, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            if (!await db.Studies.AnyAsync(s => s.Id == studyId, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var rows = await db.AuditEntries.AsNoTracking().Where(a => a.StudyId == studyId).OrderBy(a => a.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. rows.Select(a => new AuditEntry(a.At, a.User, a.Action, a.Level, Parse(a.BeforeJson), Parse(a.AfterJson), a.ModelVersion, a.ReviewNumber))];
        }
    }

    /// <summary>An audit row (the only way rows are made: they are added, never changed).</summary>
    internal static AuditRecord Audit(long studyId, DateTimeOffset at, string user, string action, string? level, string? before, string? after, string modelVersion, int reviewNumber) => new()
    {
        StudyId = studyId,
        At = at,
        User = user,
        Action = action,
        Level = level,
        BeforeJson = before,
        AfterJson = after,
        ModelVersion = modelVersion,
        ReviewNumber = reviewNumber,
    };

    /// <summary>Reads the stored levels.</summary>
    internal static List<ReviewLevel> ReadLevels(string json) => JsonSerializer.Deserialize<List<ReviewLevel>>(json, Json) ?? [];

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    private static ReviewProblem Bad(string title, string detail) => new(StatusCodes.Status400BadRequest, title, detail);

    private static ReviewProblem UnknownLevel(string level) => new(StatusCodes.Status404NotFound, "unknown level", $"{level} is not a level of this review");

    private static Dictionary<string, double[]> Normalised(IReadOnlyDictionary<string, double[]> points) =>
        points.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);

    private static ReviewProblem? CheckVersion(ReviewRecord record, long? version)
    {
        if (version is null)
        {
            return Bad("version is required", "send the version of the review you last saw");
        }

        return version == record.Version ? null : Conflict(record);
    }

    private static ReviewProblem Conflict(ReviewRecord record) => new(StatusCodes.Status409Conflict, "changed by someone else",
        $"the review is at version {record.Version}, last changed by {record.LastChangedBy}; load it again",
        new Dictionary<string, object?> { ["currentVersion"] = record.Version, ["changedBy"] = record.LastChangedBy, ["changedAt"] = record.LastChangedAt });

    private async Task<ReviewProblem> ConflictAsync(long studyId, long analysisId, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var now = await db.Reviews.AsNoTracking().SingleAsync(r => r.StudyId == studyId && r.AnalysisId == analysisId, cancellationToken).ConfigureAwait(false);
            return Conflict(now);
        }
    }

    /// <summary>
    /// One change: the version check, the change to the levels, the next review number when the review was signed, the
    /// version incremented, one audit row with the level before and after; saved in one transaction whose UPDATE names
    /// the version read (EF's concurrency token), so a change that raced another one answers 409 instead of winning too.
    /// </summary>
    private async Task<ReviewOutcome<ReviewDocument>> ChangeAsync(
        long studyId, long? version, string user, string action, string level, Func<LoadedReview, List<ReviewLevel>, ReviewProblem?> change, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var review = await LoadAsync(db, studyId, user, cancellationToken).ConfigureAwait(false);
            if (review is null)
            {
                return ReviewOutcome<ReviewDocument>.Fail(NoReview);
            }

            if (CheckVersion(review.Record, version) is { } stale)
            {
                return ReviewOutcome<ReviewDocument>.Fail(stale);
            }

            var levels = review.Levels.ToList();
            var beforeLevel = levels.FirstOrDefault(l => l.Level == level);
            if (change(review, levels) is { } problem)
            {
                return ReviewOutcome<ReviewDocument>.Fail(problem);
            }

            var record = review.Record;
            var now = time.GetUtcNow();
            if (record.State == ReviewState.Signed)
            {
                // A change to a signed review opens the next one, from the signed levels; the signature stays on record.
                record.State = ReviewState.Open;
                record.ReviewNumber++;
            }

            record.LevelsJson = JsonSerializer.Serialize(levels, Json);
            record.Version++;
            record.LastChangedBy = user;
            record.LastChangedAt = now;
            var afterLevel = levels.FirstOrDefault(l => l.Level == level);
            db.AuditEntries.Add(Audit(studyId, now, user, action, level, Serialize(beforeLevel), Serialize(afterLevel), review.ModelVersion, record.ReviewNumber));
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbUpdateConcurrencyException)
            {
                return ReviewOutcome<ReviewDocument>.Fail(await ConflictAsync(studyId, record.AnalysisId, cancellationToken).ConfigureAwait(false));
            }

            return ReviewOutcome<ReviewDocument>.Of(Document(review with { Levels = levels }));
        }
    }

    private static string? Serialize(ReviewLevel? level) => level is null ? null : JsonSerializer.Serialize(level, Json);

    private void Regrade(LoadedReview review, List<ReviewLevel> levels, string sopInstanceUid, int frame)
    {
        var regraded = ReviewRules.Regrade(review.Grading.Manifest, review.Result, levels, sopInstanceUid, frame);
        var gradedWith = review.Grading.SameAsAnalysis ? null : review.Grading.Model;
        levels.Clear();
        levels.AddRange(regraded.Select(l => l.SopInstanceUid == sopInstanceUid && l.Frame == frame ? l with { GradedWith = gradedWith } : l));
    }

    /// <summary>The review of the study's latest graded analysis, started (and recorded) when there is none; null when there is nothing to review.</summary>
    private async Task<LoadedReview?> LoadAsync(ResultsDbContext db, long studyId, string user, CancellationToken cancellationToken)
    {
        // The model serving now, once for the whole request: a reload during it changes nothing the request grades.
        var serving = engine.Current;
        var analysis = await db.Studies.AsNoTracking().Where(s => s.Id == studyId)
            .Select(s => db.Analyses.Where(a => a.Id == s.LatestAnalysisId).Select(a => new { a.Id, a.Status, a.ResultJson, a.ModelId, a.ModelVersion, a.ModelSha256 }).FirstOrDefault())
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (analysis is not { Status: "graded", ResultJson: { } json })
        {
            return null;
        }

        var result = StudyResultJson.Deserialize(json);
        var record = await db.Reviews.SingleOrDefaultAsync(r => r.StudyId == studyId && r.AnalysisId == analysis.Id, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            var now = time.GetUtcNow();
            var levels = ReviewRules.Start(result);
            if (levels.Count == 0)
            {
                return null;
            }

            record = new ReviewRecord
            {
                StudyId = studyId,
                AnalysisId = analysis.Id,
                ReviewNumber = 1,
                Version = 1,
                State = ReviewState.Open,
                LevelsJson = JsonSerializer.Serialize(levels, Json),
                CreatedAt = now,
                LastChangedBy = user,
                LastChangedAt = now,
            };
            db.Reviews.Add(record);
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbUpdateException)
            {
                // Two first reads at once: the other one's review stands.
                db.ChangeTracker.Clear();
                record = await db.Reviews.SingleAsync(r => r.StudyId == studyId && r.AnalysisId == analysis.Id, cancellationToken).ConfigureAwait(false);
            }
        }

        var model = new ReviewModelInfo(analysis.ModelId, analysis.ModelVersion, analysis.ModelSha256);
        return new LoadedReview(record, ReadLevels(record.LevelsJson), result, model, ReviewGrading.Of(serving.Manifest, serving.Identity, result.Model));
    }

    private ReviewDocument Document(LoadedReview review)
    {
        var r = review.Record;
        var undecided = review.Levels.Where(l => l.Decision == ReviewWords.Undecided).Select(l => l.Level).ToList();
        bool signed = r.State == ReviewState.Signed;
        return new ReviewDocument(
            r.StudyId,
            r.AnalysisId,
            r.ReviewNumber,
            r.Version,
            signed ? "signed" : "open",
            signed ? r.SignedBy : null,
            signed ? r.SignedAt : null,
            r.LastChangedBy,
            r.LastChangedAt,
            review.Model,
            review.Grading.Info,
            review.Levels,
            ReviewRules.Summary(review.Levels, review.Grading.Manifest.OutputDecoding.LevelNames),
            ReviewRules.Differences(review.Levels),
            undecided,
            !signed && undecided.Count == 0 && review.Levels.Count > 0);
    }

    /// <summary>Writes the amended SR and the corrected presentation states into the study's outbox folder.</summary>
    private List<ProducedObjectRecord> WriteSigned(long studyId, LoadedReview review, StudyResult corrected, ReportSigner signer, ProducedObjectRecord prior, CancellationToken cancellationToken)
    {
        var priorReport = SrDocument.Read(DicomFile.Open(paths.InOutbox(prior.Path)).Dataset);
        var amended = VertebralReport.Amend(priorReport, corrected, signer);
        string folder = OutboxWriter.StudyFolder(paths, studyId);
        var objects = new List<ProducedObjectRecord> { Save(amended.ToDataset(), folder, "SR") };
        if (analysisSettings.Value.PresentationStates)
        {
            var headers = ReadHeaders(review, corrected, cancellationToken);
            if (headers is not null)
            {
                var states = VertebralPresentationStates.Create(corrected, headers, new PresentationOptions { Correction = signer });
                objects.AddRange(states.Select(s => Save(s.Dataset, folder, "GSPS")));
            }
        }

        return objects;
    }

    /// <summary>The headers of the analysed images (for the presentation states); null when one is gone (retention) or unreadable.</summary>
    private List<DicomDataset>? ReadHeaders(LoadedReview review, StudyResult corrected, CancellationToken cancellationToken)
    {
        var wanted = VertebralPresentationStates.AnalysedImages(corrected).Select(i => i.Source.SopInstanceUid).ToHashSet(StringComparer.Ordinal);
        var db = databases.CreateDbContext();
        using (db)
        {
            var files = db.Instances.AsNoTracking().Where(i => i.StudyId == review.Record.StudyId && wanted.Contains(i.SopInstanceUid)).Select(i => i.Path).ToList();
            var headers = new List<DicomDataset>();
            foreach (string file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    headers.Add(DicomFile.Open(paths.InStorage(file), new DicomReadOptions { StopBeforePixelData = true }).Dataset);
                }
                catch (Exception e) when (e is DicomException or IOException or UnauthorizedAccessException)
                {
                    LogNoPresentationStates(logger, review.Record.StudyId, e.Message);
                    return null;
                }
            }

            if (headers.Count < wanted.Count)
            {
                LogNoPresentationStates(logger, review.Record.StudyId, "an analysed image is no longer stored");
                return null;
            }

            return headers;
        }
    }

    private ProducedObjectRecord Save(DicomDataset dataset, string folder, string kind) => OutboxWriter.Save(paths, dataset, folder, kind);

    /// <summary>A review as read: the tracked row, its levels, the analysis's result and model, and the grading rules of this request.</summary>
    private sealed record LoadedReview(ReviewRecord Record, List<ReviewLevel> Levels, StudyResult Result, ReviewModelInfo Model, ReviewGrading Grading)
    {
        public string ModelVersion => Model.Version;
    }

    [LoggerMessage(EventId = 1800, Level = LogLevel.Information, Message = "Study {StudyId} review {ReviewNumber} signed by {User}: {Objects} objects, {Exports} exports queued")]
    private static partial void LogSigned(ILogger logger, long studyId, int reviewNumber, string user, int objects, int exports);

    [LoggerMessage(EventId = 1801, Level = LogLevel.Warning, Message = "Study {StudyId}: the signed review gets no presentation states: {Reason}")]
    private static partial void LogNoPresentationStates(ILogger logger, long studyId, string reason);
}
