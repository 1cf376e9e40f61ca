using Microsoft.AspNetCore.Antiforgery;

namespace PlaoImaging.Worker.Review;

/// <summary>
/// Anti-forgery for the API: a POST, PUT, PATCH or DELETE under <c>/api</c> made with the sign-in cookie must carry the
/// token of one of the dashboard's pages in the <c>RequestVerificationToken</c> header, else 400. Requests with Basic
/// credentials (API clients, which a browser does not send by itself) are exempt. The sign-in cookie is also
/// SameSite=Strict (see <c>WorkerComposition</c>), which already keeps it off cross-site requests in current browsers;
/// the token covers older browsers and same-site attackers (another application on a sibling host).
/// </summary>
public static class ApiAntiforgery
{
    /// <summary>The cookie the sign-in sets (the composition's name for it).</summary>
    public const string AuthCookieName = "plao.auth";

    public static IApplicationBuilder UseApiAntiforgery(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (NeedsToken(context.Request) && !await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context).ConfigureAwait(false))
        {
            await Results.Problem("send the page's anti-forgery token in the RequestVerificationToken header", statusCode: StatusCodes.Status400BadRequest,
                title: "anti-forgery token missing or invalid").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    });

    /// <summary>An unsafe method under /api, authenticated by the cookie (no Basic credentials, the cookie present).</summary>
    public static bool NeedsToken(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
            && request.Path.StartsWithSegments("/api")
            && !request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
            && request.Cookies.ContainsKey(AuthCookieName);
    }
}
