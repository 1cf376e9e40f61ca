using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace PlaoImaging.Worker.Security;

/// <summary>
/// The browser sign-in: a local account (a form with an anti-forgery token) and, when configured, "Sign in with" the
/// OpenID Connect provider (<c>/login/oidc</c>); sign-out, at the provider too for a user who signed in there.
/// </summary>
public static class LoginEndpoints
{
    public static IEndpointRouteBuilder MapLogin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/login", (HttpContext context, IAntiforgery antiforgery, LocalAccounts accounts, IOptions<AuthSettings> settings, string? returnUrl) =>
            Results.Content(Page(antiforgery.GetAndStoreTokens(context), returnUrl, null, accounts.HasAccounts, settings.Value.OpenIdConnect?.DisplayName), "text/html; charset=utf-8"))
            .AllowAnonymous();
        endpoints.MapGet("/login/oidc", (IOptions<AuthSettings> settings, string? returnUrl) => settings.Value.OpenIdConnect is null
            ? Results.NotFound()
            : Results.Challenge(new AuthenticationProperties { RedirectUri = IsLocalPath(returnUrl ?? string.Empty) ? returnUrl : "/" }, [OpenIdConnectSignIn.SchemeName]))
            .AllowAnonymous();
        endpoints.MapPost("/login", async (HttpContext context, IAntiforgery antiforgery, LocalAccounts accounts, IOptions<AuthSettings> settings) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
            {
                return Results.BadRequest("the form is stale; load the sign-in page again");
            }

            var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
            string returnUrl = form["returnUrl"].ToString();
            if (accounts.Check(form["user"].ToString(), form["password"].ToString()) is not { } account)
            {
                return Results.Content(
                    Page(antiforgery.GetAndStoreTokens(context), returnUrl, "Unknown user or wrong password.", accounts.HasAccounts, settings.Value.OpenIdConnect?.DisplayName),
                    "text/html; charset=utf-8", null, 401);
            }

            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, account.Name), .. account.Roles.Select(r => new Claim(ClaimTypes.Role, r))], CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
            return Results.LocalRedirect(IsLocalPath(returnUrl) ? returnUrl : "/");
        }).AllowAnonymous().DisableAntiforgery();
        endpoints.MapPost("/logout", async (HttpContext context, IAntiforgery antiforgery, IOptions<AuthSettings> settings) =>
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);

            // Signed in at the provider (the cookie holds its ID token): end that session too, or the next visit would
            // be signed in again at once; the provider sends the browser back to /signout-callback-oidc, then /login.
            bool atProvider = settings.Value.OpenIdConnect is not null
                && await context.GetTokenAsync(CookieAuthenticationDefaults.AuthenticationScheme, "id_token").ConfigureAwait(false) is not null;
            return atProvider
                ? Results.SignOut(new AuthenticationProperties { RedirectUri = "/login" }, [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectSignIn.SchemeName])
                : await SignOutLocallyAsync(context).ConfigureAwait(false);
        }).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> SignOutLocallyAsync(HttpContext context)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        return Results.Redirect("/login");
    }

    /// <summary>
    /// A path on this site: one slash, then neither a slash nor a backslash (browsers read both as another host), and no control
    /// character. Anything else goes home: LocalRedirect throws on it, which answered 500 after signing the user in.
    /// </summary>
    private static bool IsLocalPath(string url) =>
        url.StartsWith('/') && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl);

    private static string Page(AntiforgeryTokenSet tokens, string? returnUrl, string? error, bool localForm, string? provider) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Sign in · PlaoImaging</title>
        <style>body{font:16px system-ui,sans-serif;max-width:22rem;margin:4rem auto;color:#111}label{display:block;margin-top:1rem}
        input{width:100%;padding:.5rem;font-size:1rem}button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}.error{color:#a00000}</style></head>
        <body><main><h1>PlaoImaging</h1>
        {{(error is null ? string.Empty : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(error)}</p>")}}
        {{(provider is null ? string.Empty : $"<p><a class=\"provider\" href=\"/login/oidc?returnUrl={Uri.EscapeDataString(IsLocalPath(returnUrl ?? string.Empty) ? returnUrl! : "/")}\">Sign in with {WebUtility.HtmlEncode(provider)}</a></p>")}}
        <form method="post" action="/login"{{(localForm ? string.Empty : " hidden")}}>
        <input type="hidden" name="{{WebUtility.HtmlEncode(tokens.FormFieldName)}}" value="{{WebUtility.HtmlEncode(tokens.RequestToken)}}">
        <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(returnUrl ?? "/")}}">
        <label for="user">User</label><input id="user" name="user" autocomplete="username" required autofocus>
        <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button></form></main></body></html>
        """;
}
