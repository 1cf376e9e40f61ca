using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace PlaoImaging.Worker.Security;

/// <summary>
/// Browser sign-in through an OpenID Connect provider: the authorization code flow with PKCE, the answer in the query
/// string, the ID token checked (signature from the provider's keys, issuer, audience, lifetime, nonce), roles from the
/// configured claim of the ID token or the userinfo answer, and the worker's own sign-in cookie afterwards.
/// </summary>
public static partial class OpenIdConnectSignIn
{
    /// <summary>The authentication scheme of the provider.</summary>
    public const string SchemeName = "oidc";

    /// <summary>Where the provider sends the browser back (register <c>https://HOST/signin-oidc</c> there).</summary>
    public const string CallbackPath = "/signin-oidc";

    /// <summary>Where the provider sends the browser back after signing out (<c>https://HOST/signout-callback-oidc</c>).</summary>
    public const string SignedOutCallbackPath = "/signout-callback-oidc";

    /// <summary>The scheme that answers the challenges of browsers: the provider; API clients keep Basic's 401.</summary>
    public const string BrowserChallengeScheme = "plao-browser-challenge";

    /// <summary>The sign-in cookie's item holding when the provider signed the user in (round-trip UTC).</summary>
    private const string SignedInAtItem = "plao.oidc.signed-in";

    public static AuthenticationBuilder AddPlaoOpenIdConnect(this AuthenticationBuilder builder, OpenIdConnectSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);

        // The sign-in cookie slides, so without a limit of its own a user active every day would never see the provider
        // again, and roles taken away there (or the account disabled) would never reach the worker. After
        // SessionLifetime the cookie of a provider's sign-in is refused: browsers go through the provider again (at
        // once when its session is still open) and come back with the roles it gives now.
        builder.Services.PostConfigure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, o =>
        {
            var previous = o.Events.OnValidatePrincipal;
            o.Events.OnValidatePrincipal = async context =>
            {
                await previous(context).ConfigureAwait(false);
                if (context.Principal is not null && context.Properties.Items.TryGetValue(SignedInAtItem, out string? at)
                    && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var signedInAt)
                    && context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() - signedInAt > settings.SessionLifetime)
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
                }
            };
        });
        return builder.AddOpenIdConnect(SchemeName, settings.DisplayName, o =>
        {
            o.Authority = settings.Authority;
            o.RequireHttpsMetadata = settings.RequireHttpsMetadata;
            o.ClientId = settings.ClientId;
            o.ClientSecret = settings.ClientSecret;
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.UsePkce = true;
            o.Scope.Clear();
            o.Scope.Add("openid");
            o.Scope.Add("profile");
            o.CallbackPath = CallbackPath;
            o.SignedOutCallbackPath = SignedOutCallbackPath;
            o.SignedOutRedirectUri = "/login";
            o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;

            // The provider's answer comes back as a top-level GET (response_mode=query), so the correlation and nonce
            // cookies can be SameSite=Lax: the default form_post is a cross-site POST, which carries only SameSite=None
            // cookies, and browsers that block third-party cookies drop even those. They stay Secure: the worker must be
            // reached over HTTPS for this sign-in (the code itself is bound to this browser by PKCE and state).
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.Always;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.Always;

            // Claim names as the provider sends them: "name" for the user's name, the configured claim for roles, which
            // may come in the ID token or only in the userinfo answer (an array or a single string).
            o.MapInboundClaims = false;
            o.TokenValidationParameters.NameClaimType = "name";
            o.TokenValidationParameters.RoleClaimType = settings.RoleClaim;
            o.GetClaimsFromUserInfoEndpoint = true;
            o.ClaimActions.MapJsonKey(settings.RoleClaim, settings.RoleClaim);

            // Only the ID token is kept in the cookie (as the hint for signing out at the provider); the access token
            // is of no use to the worker after the userinfo call.
            o.SaveTokens = false;
            o.Events.OnTokenValidated = context =>
            {
                if (context.TokenEndpointResponse?.IdToken is { } idToken)
                {
                    context.Properties!.StoreTokens([new AuthenticationToken { Name = "id_token", Value = idToken }]);
                }

                return Task.CompletedTask;
            };
            o.Events.OnTicketReceived = context =>
            {
                context.Properties!.Items[SignedInAtItem] = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>()
                    .GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
                var user = context.Principal!;
                var identity = user.Identities.First();
                LogSignedIn(Logger(context.HttpContext), user.Identity?.Name ?? string.Empty, user.FindFirst("sub")?.Value ?? string.Empty,
                    string.Join(',', user.FindAll(identity.RoleClaimType).Select(c => c.Value).Distinct(StringComparer.Ordinal)));
                return Task.CompletedTask;
            };

            // A refused answer (a bad signature, another audience, a stale or replayed state, an error from the provider)
            // is a 401 page with a way to try again, not an unhandled exception.
            o.Events.OnRemoteFailure = async context =>
            {
                // The reason may quote the provider's error_description, which came in the query string: one line, bounded.
                string reason = string.Concat((context.Failure?.Message ?? "unknown").Select(c => char.IsControl(c) ? ' ' : c));
                LogRefused(Logger(context.HttpContext), reason.Length > 500 ? reason[..500] : reason);
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync(
                    $"""
                    <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in refused · PlaoImaging</title></head>
                    <body><main><h1>Sign-in refused</h1><p>The answer of {WebUtility.HtmlEncode(settings.DisplayName)} could not be accepted.</p>
                    <p><a href="/login">Sign in again</a></p></main></body></html>
                    """, context.HttpContext.RequestAborted).ConfigureAwait(false);
                context.HandleResponse();
            };

            // A provider without an end-session endpoint: the worker's cookie is gone; go to the sign-in page.
            o.Events.OnRedirectToIdentityProviderForSignOut = context =>
            {
                if (string.IsNullOrEmpty(context.ProtocolMessage.IssuerAddress))
                {
                    context.Response.Redirect("/login");
                    context.HandleResponse();
                }

                return Task.CompletedTask;
            };
        });
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenIdConnectSignIn).FullName!);

    [LoggerMessage(EventId = 1710, Level = LogLevel.Information, Message = "Signed in through OpenID Connect: {Name} (subject {Subject}), roles [{Roles}]")]
    private static partial void LogSignedIn(ILogger logger, string name, string subject, string roles);

    [LoggerMessage(EventId = 1711, Level = LogLevel.Warning, Message = "OpenID Connect sign-in refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
