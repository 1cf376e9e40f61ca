using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Export;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Persistence;
using PlaoImaging.Worker.Security;

namespace PlaoImaging.Worker.Api;

/// <summary>The REST API under <c>/api</c>: studies, results, produced objects, reprocessing, destinations and exports.</summary>
public static class WorkerApi
{
    public static IEndpointRouteBuilder MapWorkerApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(Policies.Reader);
        api.MapGet("/studies", ListStudiesAsync).WithName("ListStudies").WithSummary("Studies, newest first, filtered and paged");
        api.MapGet("/studies/{id:long}", GetStudyAsync).WithName("GetStudy").WithSummary("A study with its analyses and exports");
        api.MapGet("/studies/{id:long}/result", GetResultAsync).WithName("GetStudyResult")
            .WithSummary("The latest StudyResult (schema plao-study-result/1) of a study");
        api.MapGet("/studies/{id:long}/objects", GetObjectsAsync).WithName("GetStudyObjects").WithSummary("Objects produced by the latest analysis");
        api.MapGet("/model", GetModel).WithName("GetModel").WithSummary("The model this worker runs, its intended use and limits");

        var admin = api.MapGroup(string.Empty).RequireAuthorization(Policies.Admin);
        admin.MapPost("/reprocess", RequestReprocessAsync).WithName("RequestReprocess")
            .WithSummary("Reprocess studies by received date, model version or state, or import and analyse a folder (queue batch)");
        admin.MapGet("/reprocess", ListReprocessAsync).WithName("ListReprocess");
        admin.MapGet("/reprocess/{id:long}", GetReprocessAsync).WithName("GetReprocess");
        admin.MapPost("/reprocess/{id:long}/cancel", CancelReprocessAsync).WithName("CancelReprocess");
        admin.MapGet("/destinations", ListDestinationsAsync).WithName("ListDestinations").WithSummary("Destinations and their exports by state");
        admin.MapGet("/exports", ListExportsAsync).WithName("ListExports");
        admin.MapPost("/model/reload", ReloadModelAsync).WithName("ReloadModel")
            .WithSummary("Load the model from its manifest again; it serves only when every check and the warm-up passed");
        admin.MapPost("/exports/{id:long}/retry", RetryExportAsync).WithName("RetryExport").WithSummary("Send a failed export again");
        return endpoints;
    }

    private static async Task<Results<Ok<Page<StudySummary>>, ValidationProblem>> ListStudiesAsync(
        ResultsDbContext db, string? state, DateTimeOffset? from, DateTimeOffset? to, int? minGrade, int page = 1, int pageSize = 50,
        CancellationToken cancellationToken = default)
    {
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, 500);
        var query = db.Studies.AsNoTracking().AsQueryable();
        if (state is not null)
        {
            if (!Enum.TryParse<StudyState>(state, ignoreCase: true, out var s) || !Enum.IsDefined(s))
            {
                return UnknownState(state, Enum.GetNames<StudyState>());
            }

            query = query.Where(x => x.State == s);
        }

        // Times are stored as UTC (the DateTimeOffset converter compares clock ticks, so an offset would shift the bound).
        if (from?.ToUniversalTime() is { } f)
        {
            query = query.Where(x => x.LastReceivedAt >= f);
        }

        if (to?.ToUniversalTime() is { } t)
        {
            query = query.Where(x => x.LastReceivedAt < t);
        }

        if (minGrade is { } g)
        {
            query = query.Where(x => db.Analyses.Any(a => a.Id == x.LatestAnalysisId && a.HighestGrade >= g));
        }

        int total = await query.CountAsync(cancellationToken).ConfigureAwait(false);
        var rows = await query.OrderByDescending(x => x.LastReceivedAt).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(x => new { Study = x, Analysis = db.Analyses.Where(a => a.Id == x.LatestAnalysisId).OrderBy(a => a.Id).FirstOrDefault() })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new Page<StudySummary>(total, page, pageSize, rows.Select(r => StudySummary.From(r.Study, r.Analysis)).ToList()));
    }

    private static async Task<Results<Ok<StudyDetail>, NotFound>> GetStudyAsync(ResultsDbContext db, long id, CancellationToken cancellationToken)
    {
        var study = await db.Studies.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken).ConfigureAwait(false);
        if (study is null)
        {
            return TypedResults.NotFound();
        }

        var analyses = await db.Analyses.AsNoTracking().Where(a => a.StudyId == id).OrderByDescending(a => a.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var exports = await db.Exports.AsNoTracking().Where(x => x.StudyId == id).OrderBy(x => x.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var latest = analyses.FirstOrDefault(a => a.Id == study.LatestAnalysisId);
        return TypedResults.Ok(new StudyDetail(StudySummary.From(study, latest), study.Generation,
            analyses.Select(AnalysisSummary.From).ToList(), exports.Select(ExportSummary.From).ToList()));
    }

    private static async Task<IResult> GetResultAsync(ResultsDbContext db, long id, CancellationToken cancellationToken)
    {
        var json = await db.Studies.AsNoTracking().Where(s => s.Id == id)
            .Select(s => db.Analyses.Where(a => a.Id == s.LatestAnalysisId).OrderBy(a => a.Id).Select(a => a.ResultJson).FirstOrDefault())
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return json is null ? TypedResults.NotFound() : TypedResults.Text(json, "application/json");
    }

    private static async Task<Results<Ok<List<ProducedObject>>, NotFound>> GetObjectsAsync(ResultsDbContext db, long id, CancellationToken cancellationToken)
    {
        var analysisId = await db.Studies.AsNoTracking().Where(s => s.Id == id).Select(s => s.LatestAnalysisId).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (analysisId is null)
        {
            return TypedResults.NotFound();
        }

        var objects = await db.ProducedObjects.AsNoTracking().Where(o => o.AnalysisId == analysisId).OrderBy(o => o.Id)
            .Select(o => new ProducedObject(o.SopInstanceUid, o.SopClassUid, o.Kind, o.AnalysisId)).ToListAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(objects);
    }

    private static Ok<ModelSummary> GetModel(AnalysisEngine engine) => TypedResults.Ok(Summary(engine));

    /// <summary>200 with the model now serving when the reload passed; 422 with the reason when it was refused (the previous model serves on).</summary>
    private static async Task<Results<Ok<ModelSummary>, ProblemHttpResult>> ReloadModelAsync(AnalysisEngine engine, CancellationToken cancellationToken)
    {
        var status = await engine.ReloadAsync("asked by admin", cancellationToken).ConfigureAwait(false);
        return status.Loaded
            ? TypedResults.Ok(Summary(engine))
            : TypedResults.Problem(status.Error, statusCode: StatusCodes.Status422UnprocessableEntity, title: "model reload refused",
                extensions: new Dictionary<string, object?> { ["serving"] = $"{status.Serving.Id} {status.Serving.Version}", ["sha256"] = status.Serving.Sha256 });
    }

    private static ModelSummary Summary(AnalysisEngine engine)
    {
        var model = engine.Current;
        return new ModelSummary(model.Identity.Id, model.Identity.Version, model.Identity.Sha256, model.Manifest.ManifestSha256, model.ExecutionProvider,
            model.Manifest.IntendedUse, model.Manifest.Limitations)
        {
            LoadedAt = engine.LoadedAt,
            LastReload = engine.LastReload is { } r ? new ModelReloadSummary(r.At, r.Loaded, r.Error) : null,
        };
    }

    private static async Task<Results<Accepted<ReprocessSummary>, ValidationProblem>> RequestReprocessAsync(
        ReprocessService reprocess, ReprocessFilter filter, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        try
        {
            var record = await reprocess.RequestAsync(filter, user.Identity?.Name ?? "unknown", cancellationToken).ConfigureAwait(false);
            return TypedResults.Accepted($"/api/reprocess/{record.Id}", ReprocessSummary.From(record));
        }
        catch (ArgumentException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["folder"] = [e.Message] });
        }
    }

    private static async Task<Ok<List<ReprocessSummary>>> ListReprocessAsync(ResultsDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok((await db.ReprocessRequests.AsNoTracking().OrderByDescending(r => r.Id).Take(100).ToListAsync(cancellationToken).ConfigureAwait(false))
            .Select(ReprocessSummary.From).ToList());

    private static async Task<Results<Ok<ReprocessSummary>, NotFound>> GetReprocessAsync(ResultsDbContext db, long id, CancellationToken cancellationToken)
    {
        var record = await db.ReprocessRequests.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken).ConfigureAwait(false);
        return record is null ? TypedResults.NotFound() : TypedResults.Ok(ReprocessSummary.From(record));
    }

    private static async Task<Results<Accepted, NotFound>> CancelReprocessAsync(ReprocessService reprocess, long id, CancellationToken cancellationToken) =>
        await reprocess.CancelAsync(id, cancellationToken).ConfigureAwait(false) ? TypedResults.Accepted($"/api/reprocess/{id}") : TypedResults.NotFound();

    private static async Task<Ok<List<DestinationSummary>>> ListDestinationsAsync(ResultsDbContext db, IOptions<ExportSettings> settings, CancellationToken cancellationToken)
    {
        var counts = await db.Exports.AsNoTracking().GroupBy(x => new { x.Destination, x.State }).Select(g => new { g.Key.Destination, g.Key.State, Count = g.Count() })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        int Count(string name, ExportState state) => counts.Where(c => c.Destination == name && c.State == state).Sum(c => c.Count);
        return TypedResults.Ok(settings.Value.Destinations.Select(d => new DestinationSummary(
            d.Name, d.IsStowRs ? "stow-rs" : "c-store", d.IsStowRs ? d.StowRsUrl! : $"{d.CalledAETitle}@{d.Host}:{d.Port}",
            Count(d.Name, ExportState.Pending), Count(d.Name, ExportState.Retrying), Count(d.Name, ExportState.Sent), Count(d.Name, ExportState.Failed))).ToList());
    }

    private static async Task<Results<Ok<List<ExportSummary>>, ValidationProblem>> ListExportsAsync(ResultsDbContext db, string? state, CancellationToken cancellationToken)
    {
        var query = db.Exports.AsNoTracking().AsQueryable();
        if (state is not null)
        {
            if (!Enum.TryParse<ExportState>(state, ignoreCase: true, out var s) || !Enum.IsDefined(s))
            {
                return UnknownState(state, Enum.GetNames<ExportState>());
            }

            query = query.Where(x => x.State == s);
        }

        return TypedResults.Ok((await query.OrderByDescending(x => x.Id).Take(500).ToListAsync(cancellationToken).ConfigureAwait(false)).Select(ExportSummary.From).ToList());
    }

    private static async Task<Results<Accepted, NotFound, Conflict<string>>> RetryExportAsync(ExportService exports, long id, HttpContext context, CancellationToken cancellationToken) =>
        await exports.RetryAsync(id, context.User.Identity?.Name ?? "unknown", cancellationToken).ConfigureAwait(false) switch
        {
            null => TypedResults.NotFound(),
            ExportState.Failed => TypedResults.Accepted($"/api/exports/{id}"),
            var state => TypedResults.Conflict($"export {id} is {state}; only a failed export is retried"),
        };

    /// <summary>An unknown state in a filter is an error, not a filter that silently matches everything.</summary>
    private static ValidationProblem UnknownState(string state, string[] known) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = [$"'{state}' is not a state; use one of {string.Join(", ", known)}"] });
}
