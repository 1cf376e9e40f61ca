using System.Reflection;
using Microsoft.AspNetCore.Antiforgery;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Persistence;
using PlaoImaging.Worker.Security;

namespace PlaoImaging.Worker.Dashboard;

/// <summary>The radiologists' dashboard: the worklist at <c>/</c>, its rows for the page's polling, and the page's script.</summary>
internal static class DashboardEndpoints
{
    private const string Html = "text/html; charset=utf-8";

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        var script = ReadScript();
        var dashboard = endpoints.MapGroup(string.Empty).RequireAuthorization(Policies.Reader);
        dashboard.MapGet("/", async (HttpContext context, ResultsDbContext db, AnalysisEngine engine, IAntiforgery antiforgery, CancellationToken cancellationToken) =>
        {
            var q = WorklistQuery.Parse(context.Request.Query);
            var page = await WorklistPage.LoadAsync(db, q, cancellationToken).ConfigureAwait(false);
            NoStore(context);
            return Results.Content(WorklistHtml.Page(q, page, engine.Identity.Id, engine.Identity.Version, antiforgery.GetAndStoreTokens(context), context.User.Identity?.Name), Html);
        }).ExcludeFromDescription();
        dashboard.MapGet("/dashboard/rows", async (HttpContext context, ResultsDbContext db, CancellationToken cancellationToken) =>
        {
            var q = WorklistQuery.Parse(context.Request.Query);
            var page = await WorklistPage.LoadAsync(db, q, cancellationToken).ConfigureAwait(false);
            NoStore(context);
            return Results.Content(WorklistHtml.Rows(page, $"/dashboard/rows{q.ToQueryString()}"), Html);
        }).ExcludeFromDescription();
        dashboard.MapGet("/dashboard/worklist.js", () => Results.Bytes(script, "text/javascript; charset=utf-8")).ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>Patient data is never kept in a browser's or a proxy's cache.</summary>
    private static void NoStore(HttpContext context) => context.Response.Headers.CacheControl = "no-store";

    private static byte[] ReadScript()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("PlaoImaging.Worker.Dashboard.worklist.js")
            ?? throw new InvalidOperationException("the dashboard script is not embedded in the worker assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
