using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace PlaoImaging.Worker.Security;

/// <summary>The browser sign-in with a local account (a form with an anti-forgery token) and sign-out.</summary>
public static class LoginEndpoints
{
    public static IEndpointRouteBuilder MapLogin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/login", (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
            Results.Content(Page(antiforgery.GetAndStoreTokens(context), returnUrl, null), "text/html; charset=utf-8")).AllowAnonymous();
        endpoints.MapPost("/login", async (HttpContext context, IAntiforgery antiforgery, LocalAccounts accounts) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
            {
                return Results.BadRequest("the form is stale; load the sign-in page again");
            }

            var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
            string returnUrl = form["returnUrl"].ToString();
            if (accounts.Check(form["user"].ToString(), form["password"].ToString()) is not { } account)
            {
                return Results.Content(Page(antiforgery.GetAndStoreTokens(context), returnUrl, "Unknown user or wrong password."), "text/html; charset=utf-8", null, 401);
            }

            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, account.Name), .. account.Roles.Select(r => new Claim(ClaimTypes.Role, r))], CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
            return Results.LocalRedirect(IsLocalPath(returnUrl) ? returnUrl : "/");
        }).AllowAnonymous().DisableAntiforgery();
        endpoints.MapPost("/logout", async (HttpContext context, IAntiforgery antiforgery) =>
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return Results.Redirect("/login");
        }).DisableAntiforgery();
        return endpoints;
    }

    /// <summary>
    /// A path on this site: one slash, then neither a slash nor a backslash (browsers read both as another host), and no control
    /// character. Anything else goes home: LocalRedirect throws on it, which answered 500 after signing the user in.
    /// </summary>
    private static bool IsLocalPath(string url) =>
        url.StartsWith('/') && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl);

    private static string Page(AntiforgeryTokenSet tokens, string? returnUrl, string? error) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Sign in · PlaoImaging</title>
        <style>body{font:16px system-ui,sans-serif;max-width:22rem;margin:4rem auto;color:#111}label{display:block;margin-top:1rem}
        input{width:100%;padding:.5rem;font-size:1rem}button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}.error{color:#a00000}</style></head>
        <body><main><h1>PlaoImaging</h1>
        {{(error is null ? string.Empty : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(error)}</p>")}}
        <form method="post" action="/login">
        <input type="hidden" name="{{WebUtility.HtmlEncode(tokens.FormFieldName)}}" value="{{WebUtility.HtmlEncode(tokens.RequestToken)}}">
        <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(returnUrl ?? "/")}}">
        <label for="user">User</label><input id="user" name="user" autocomplete="username" required autofocus>
        <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button></form></main></body></html>
        """;
}
