using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Antiforgery;
using PlaoImaging.Analysis;
using PlaoImaging.Dicom;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Persistence;
using PlaoImaging.Worker.Security;

using PlaoImaging.Worker.Review;

namespace PlaoImaging.Worker.Dashboard;

/// <summary>
/// The radiologists' dashboard: the worklist at <c>/</c> and its rows for the page's polling, the study page at
/// <c>/studies/{id}</c> with its image and its printable report, and the pages' scripts.
/// </summary>
internal static partial class DashboardEndpoints
{
    private const string Html = "text/html; charset=utf-8";

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        var script = ReadScript("worklist.js");
        var studyScript = ReadScript("study.js");
        var dashboard = endpoints.MapGroup(string.Empty).RequireAuthorization(Policies.Reader);
        dashboard.MapGet("/", async (HttpContext context, ResultsDbContext db, AnalysisEngine engine, IAntiforgery antiforgery, CancellationToken cancellationToken) =>
        {
            var q = WorklistQuery.Parse(context.Request.Query);
            var page = await WorklistPage.LoadAsync(db, q, cancellationToken).ConfigureAwait(false);
            NoStore(context);
            return Results.Content(WorklistHtml.Page(q, page, engine.Identity.Id, engine.Identity.Version, antiforgery.GetAndStoreTokens(context), context.User.Identity?.Name,
                context.User.IsInRole(Roles.Admin)), Html);
        }).ExcludeFromDescription();
        dashboard.MapGet("/dashboard/rows", async (HttpContext context, ResultsDbContext db, CancellationToken cancellationToken) =>
        {
            var q = WorklistQuery.Parse(context.Request.Query);
            var page = await WorklistPage.LoadAsync(db, q, cancellationToken).ConfigureAwait(false);
            NoStore(context);
            return Results.Content(WorklistHtml.Rows(page, $"/dashboard/rows{q.ToQueryString()}"), Html);
        }).ExcludeFromDescription();
        dashboard.MapGet("/dashboard/worklist.js", () => Results.Bytes(script, "text/javascript; charset=utf-8")).ExcludeFromDescription();
        dashboard.MapGet("/dashboard/study.js", () => Results.Bytes(studyScript, "text/javascript; charset=utf-8")).ExcludeFromDescription();
        dashboard.MapGet("/studies/{id:long}", (HttpContext context, long id, ResultsDbContext db, AnalysisEngine engine, IAntiforgery antiforgery, CancellationToken cancellationToken) =>
            StudyPageAsync(context, id, print: false, db, engine, antiforgery, cancellationToken)).ExcludeFromDescription();
        dashboard.MapGet("/studies/{id:long}/print", (HttpContext context, long id, ResultsDbContext db, AnalysisEngine engine, IAntiforgery antiforgery, CancellationToken cancellationToken) =>
            StudyPageAsync(context, id, print: true, db, engine, antiforgery, cancellationToken)).ExcludeFromDescription();
        dashboard.MapGet("/dashboard/studies/{id:long}/image", ImageAsync).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> StudyPageAsync(
        HttpContext context, long id, bool print, ResultsDbContext db, AnalysisEngine engine, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        NoStore(context);
        var query = context.Request.Query;
        string? sop = null;
        int? frame = null;
        if (query["image"].ToString() is { Length: > 0 } choice && choice.LastIndexOf(':') is > 0 and var colon)
        {
            sop = choice[..colon];
            frame = int.TryParse(choice[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int f) ? f : null;
        }

        string preset = StudyImage.IsPreset(query["preset"]) ? query["preset"].ToString() : "default";
        var page = await StudyPage.LoadAsync(db, id, sop, frame, cancellationToken).ConfigureAwait(false);
        if (page is null)
        {
            return Results.Content(NotFoundPage(id), Html, statusCode: StatusCodes.Status404NotFound);
        }

        // The model serving now, once for the page: its level names, and whose rules grade the changes made in review.
        var serving = engine.Current;
        var levels = serving.Manifest.OutputDecoding.LevelNames;
        return Results.Content(
            StudyHtml.Page(page, serving.Identity.Id, serving.Identity.Version, antiforgery.GetAndStoreTokens(context), context.User.Identity?.Name, print, preset, levels,
                context.User.IsInRole(Roles.Admin), OtherGradingModel(page, serving)), Html);
    }

    /// <summary>
    /// The model whose rules grade a review of this study's result when it is not the model that produced the result
    /// (the engine reloaded another since), as the review itself decides it (<see cref="ReviewGrading"/>); null when
    /// they are the same or there is no result.
    /// </summary>
    internal static ReviewModelInfo? OtherGradingModel(StudyPage page, LoadedModel serving)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(serving);
        return page.Result is { } result && ReviewGrading.Of(serving.Manifest, serving.Identity, result.Model) is { SameAsAnalysis: false } grading
            ? grading.Model
            : null;
    }

    /// <summary>
    /// One frame of an input instance of this study as PNG, windowed by <paramref name="preset"/>; 404 for an instance of
    /// another study (or none), a frame that does not exist, or images removed by retention.
    /// </summary>
    private static async Task<IResult> ImageAsync(
        HttpContext context, long id, string? sop, int? frame, string? preset, ResultsDbContext db, StoragePaths paths, AnalysisEngine engine,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        NoStore(context);
        if (string.IsNullOrEmpty(sop) || frame is < 0)
        {
            return Results.NotFound();
        }

        string? relative = await StudyPage.InstancePathAsync(db, id, sop, cancellationToken).ConfigureAwait(false);
        if (relative is null)
        {
            return Results.NotFound();
        }

        string path = paths.InStorage(relative);
        if (!File.Exists(path))
        {
            return Results.NotFound();
        }

        try
        {
            var image = new SpineImageReader(engine.Codecs).Read(path, frame ?? 0);
            var png = StudyImage.Render(image, StudyImage.IsPreset(preset) ? preset! : "default");
            context.Response.Headers["X-Image-Scale"] = StudyImage.ScaleHeader(png);
            context.Response.Headers["X-Image-Size"] = string.Create(CultureInfo.InvariantCulture, $"{image.Columns}x{image.Rows}");
            return Results.Bytes(png.Png, "image/png");
        }
        catch (Exception e) when (e is ImageRejectedException or DicomException or IOException or ArgumentOutOfRangeException)
        {
            LogImageFailed(loggers.CreateLogger("PlaoImaging.Worker.Dashboard"), id, e.Message);
            return e is ArgumentOutOfRangeException ? Results.NotFound() : Results.StatusCode(StatusCodes.Status422UnprocessableEntity);
        }
    }

    private static string NotFoundPage(long id) => string.Create(CultureInfo.InvariantCulture, $"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>No such study · PlaoImaging</title></head>
        <body><main><h1>No study {id}</h1><p><a href="/">Back to the worklist</a></p></main></body></html>
        """);

    [LoggerMessage(EventId = 1950, Level = LogLevel.Warning, Message = "Study {StudyId}: an image for the study page could not be rendered: {Problem}")]
    private static partial void LogImageFailed(ILogger logger, long studyId, string problem);

    /// <summary>Patient data is never kept in a browser's or a proxy's cache.</summary>
    private static void NoStore(HttpContext context) => context.Response.Headers.CacheControl = "no-store";

    private static byte[] ReadScript(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"PlaoImaging.Worker.Dashboard.{name}")
            ?? throw new InvalidOperationException($"the dashboard script {name} is not embedded in the worker assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
