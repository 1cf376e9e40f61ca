using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PlaoImaging.Tests.Shared;

/// <summary>A user signed in at the <see cref="TestOpenIdProvider"/>: the subject, a display name and the roles claim's values.</summary>
public sealed record OpenIdUser(string Subject, string Name, IReadOnlyList<string> Roles);

/// <summary>What the provider gets wrong on purpose in the next ID tokens it issues.</summary>
public enum IdTokenFault
{
    None,

    /// <summary>The RS256 signature no longer matches the token (one byte of it changed).</summary>
    BadSignature,

    /// <summary>The <c>aud</c> claim names another client.</summary>
    WrongAudience,

    /// <summary>The <c>iss</c> claim names another provider.</summary>
    WrongIssuer,
}

/// <summary>
/// A small OpenID provider for tests (OpenID Connect Core 1.0, authorization code flow; Discovery 1.0; RFC 7636 PKCE),
/// served over HTTP on a free loopback port: <c>/.well-known/openid-configuration</c>, <c>/jwks</c> (an RSA key made
/// for this instance), <c>/authorize</c> (the user of <see cref="SignedInUser"/> is taken as signed in and consenting;
/// answers with <c>query</c> or <c>form_post</c>, as the client asks), <c>/token</c> (client_secret_basic or
/// client_secret_post, single-use codes bound to the client, redirect_uri and PKCE challenge; an RS256 ID token with
/// iss, sub, aud, azp, exp, iat, auth_time, nonce, name and the roles claim), <c>/userinfo</c> (Bearer) and
/// <c>/endsession</c> (RP-initiated logout). It is a peer that follows the specifications, not a model of the worker.
/// </summary>
public sealed class TestOpenIdProvider : IDisposable
{
    private static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(1);
    private readonly HttpListener listener = new();
    private readonly RSA key = RSA.Create(2048);
    private readonly string keyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
    private readonly ConcurrentDictionary<string, PendingCode> codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OpenIdUser> accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Dictionary<string, string>> pendingAuthorizations = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> log = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;

    /// <param name="clientId">The one registered client.</param>
    /// <param name="clientSecret">Its secret.</param>
    /// <param name="roleClaim">The name of the claim that carries the roles.</param>
    /// <param name="host">The host name in the issuer: <c>localhost</c> makes the provider another site than a client at 127.0.0.1.</param>
    public TestOpenIdProvider(string clientId, string clientSecret, string roleClaim = "roles", string host = "127.0.0.1")
    {
        ClientId = clientId;
        ClientSecret = clientSecret;
        RoleClaim = roleClaim;
        int port = PeerProcess.FreeTcpPort();
        Issuer = $"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}";
        listener.Prefixes.Add(Issuer + "/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    /// <summary>The issuer identifier, also the base address (no trailing slash).</summary>
    public string Issuer { get; }

    public string ClientId { get; }

    public string ClientSecret { get; }

    /// <summary>The client's registered redirect and post-logout redirect URIs (compared exactly, as the specifications ask).</summary>
    public ConcurrentBag<string> RedirectUris { get; } = [];

    public string RoleClaim { get; }

    /// <summary>The user the provider takes as signed in at the next authorization request; null: none (answers <c>login_required</c>).</summary>
    public OpenIdUser? SignedInUser { get; set; }

    /// <summary>The fault put into the ID tokens issued from now on.</summary>
    public IdTokenFault Fault { get; set; }

    /// <summary>
    /// When true, the next authorization request shows a page where the user presses "Continue" (a form posted to the
    /// provider), as a sign-in at a real provider does, so the way back to the client starts from the provider's page;
    /// pressing it clears the flag, and later requests go straight back (the provider's session).
    /// </summary>
    public bool ConsentPending { get; set; }

    /// <summary>When true, the roles go to the userinfo answer only, not into the ID token (as providers that keep ID tokens small do).</summary>
    public bool RolesInUserInfoOnly { get; set; }

    /// <summary>Every request served, as <c>METHOD /path</c>, in order.</summary>
    public IReadOnlyList<string> Requests => [.. log];

    /// <summary>End-session requests received, each with its <c>id_token_hint</c> subject (null when none was sent).</summary>
    public ConcurrentQueue<string?> EndSessions { get; } = new();

    public void Dispose()
    {
        stopping.Cancel();
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }

        stopping.Dispose();
        key.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        string path = request.Url!.AbsolutePath;
        log.Enqueue($"{request.HttpMethod} {path}");
        try
        {
            var parameters = await ParametersAsync(request).ConfigureAwait(false);
            switch (path)
            {
                case "/.well-known/openid-configuration":
                    await JsonAsync(response, 200, Discovery()).ConfigureAwait(false);
                    break;
                case "/jwks":
                    await JsonAsync(response, 200, Jwks()).ConfigureAwait(false);
                    break;
                case "/authorize":
                    await AuthorizeAsync(response, parameters).ConfigureAwait(false);
                    break;
                case "/authorize/continue" when request.HttpMethod == "POST":
                    await ContinueAsync(response, parameters).ConfigureAwait(false);
                    break;
                case "/token" when request.HttpMethod == "POST":
                    await TokenAsync(request, response, parameters).ConfigureAwait(false);
                    break;
                case "/userinfo":
                    await UserInfoAsync(request, response).ConfigureAwait(false);
                    break;
                case "/endsession":
                    await EndSessionAsync(response, parameters).ConfigureAwait(false);
                    break;
                default:
                    await TextAsync(response, 404, "not found").ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away.
        }
        finally
        {
            response.Close();
        }
    }

    private JsonObject Discovery() => new()
    {
        ["issuer"] = Issuer,
        ["authorization_endpoint"] = Issuer + "/authorize",
        ["token_endpoint"] = Issuer + "/token",
        ["userinfo_endpoint"] = Issuer + "/userinfo",
        ["jwks_uri"] = Issuer + "/jwks",
        ["end_session_endpoint"] = Issuer + "/endsession",
        ["response_types_supported"] = new JsonArray("code"),
        ["response_modes_supported"] = new JsonArray("query", "form_post"),
        ["grant_types_supported"] = new JsonArray("authorization_code"),
        ["subject_types_supported"] = new JsonArray("public"),
        ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
        ["scopes_supported"] = new JsonArray("openid", "profile"),
        ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_basic", "client_secret_post"),
        ["code_challenge_methods_supported"] = new JsonArray("S256"),
        ["claims_supported"] = new JsonArray("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name", RoleClaim),
    };

    private JsonObject Jwks()
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = keyId,
                ["n"] = Base64Url(p.Modulus!),
                ["e"] = Base64Url(p.Exponent!),
            }),
        };
    }

    private async Task AuthorizeAsync(HttpListenerResponse response, Dictionary<string, string> p)
    {
        // Errors about the client or its redirect URI are shown here; the others go back to the client (section 3.1.2.6).
        if (p.GetValueOrDefault("client_id") != ClientId || p.GetValueOrDefault("redirect_uri") is not { } redirectUri || !RedirectUris.Contains(redirectUri))
        {
            await TextAsync(response, 400, "unknown client_id or unregistered redirect_uri").ConfigureAwait(false);
            return;
        }

        if (ConsentPending)
        {
            string id = Base64Url(RandomNumberGenerator.GetBytes(16));
            pendingAuthorizations[id] = p;
            await HtmlAsync(response, $"<!doctype html><html lang=\"en\"><head><title>Test IdP</title></head><body><form method=\"post\" action=\"/authorize/continue\">"
                + $"<input type=\"hidden\" name=\"request\" value=\"{id}\"><button id=\"continue\" type=\"submit\">Continue as {WebUtility.HtmlEncode(SignedInUser?.Name)}</button></form></body></html>").ConfigureAwait(false);
            return;
        }

        await AnswerAsync(response, p, redirectUri).ConfigureAwait(false);
    }

    private async Task ContinueAsync(HttpListenerResponse response, Dictionary<string, string> form)
    {
        if (form.GetValueOrDefault("request") is not { } id || !pendingAuthorizations.TryRemove(id, out var p))
        {
            await TextAsync(response, 400, "unknown authorization request").ConfigureAwait(false);
            return;
        }

        ConsentPending = false;
        await AnswerAsync(response, p, p["redirect_uri"]).ConfigureAwait(false);
    }

    private async Task AnswerAsync(HttpListenerResponse response, Dictionary<string, string> p, string redirectUri)
    {
        string mode = p.GetValueOrDefault("response_mode") ?? "query";
        var answer = new Dictionary<string, string>(StringComparer.Ordinal) { ["iss"] = Issuer };
        if (p.GetValueOrDefault("state") is { } state)
        {
            answer["state"] = state;
        }

        string? challenge = p.GetValueOrDefault("code_challenge");
        if (p.GetValueOrDefault("response_type") != "code")
        {
            answer["error"] = "unsupported_response_type";
        }
        else if (!(p.GetValueOrDefault("scope") ?? string.Empty).Split(' ').Contains("openid"))
        {
            answer["error"] = "invalid_scope";
        }
        else if (challenge is not null && p.GetValueOrDefault("code_challenge_method") != "S256")
        {
            answer["error"] = "invalid_request";
        }
        else if (SignedInUser is not { } user)
        {
            answer["error"] = "login_required";
        }
        else
        {
            string code = Base64Url(RandomNumberGenerator.GetBytes(32));
            codes[code] = new PendingCode(redirectUri, p.GetValueOrDefault("nonce"), challenge, user, DateTimeOffset.UtcNow + CodeLifetime);
            answer["code"] = code;
        }

        if (mode == "form_post")
        {
            var fields = string.Concat(answer.Select(kv => $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(kv.Key)}\" value=\"{WebUtility.HtmlEncode(kv.Value)}\">"));
            await HtmlAsync(response, $"<!doctype html><html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{WebUtility.HtmlEncode(redirectUri)}\">{fields}</form></body></html>").ConfigureAwait(false);
            return;
        }

        string query = string.Join('&', answer.Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)));
        response.StatusCode = 302;
        response.RedirectLocation = redirectUri + (redirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
    }

    private async Task TokenAsync(HttpListenerRequest request, HttpListenerResponse response, Dictionary<string, string> p)
    {
        response.Headers["Cache-Control"] = "no-store";
        if (!ClientAuthenticated(request, p))
        {
            response.Headers["WWW-Authenticate"] = "Basic realm=\"test-idp\"";
            await JsonAsync(response, 401, new JsonObject { ["error"] = "invalid_client" }).ConfigureAwait(false);
            return;
        }

        if (p.GetValueOrDefault("grant_type") != "authorization_code")
        {
            await JsonAsync(response, 400, new JsonObject { ["error"] = "unsupported_grant_type" }).ConfigureAwait(false);
            return;
        }

        // A code is used once (removed whatever follows), within its lifetime, by the same redirect URI and PKCE verifier.
        string? verifier = p.GetValueOrDefault("code_verifier");
        if (p.GetValueOrDefault("code") is not { } code || !codes.TryRemove(code, out var pending) || pending.Expires < DateTimeOffset.UtcNow
            || pending.RedirectUri != p.GetValueOrDefault("redirect_uri")
            || (pending.Challenge is null ? verifier is not null : verifier is null || Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != pending.Challenge))
        {
            await JsonAsync(response, 400, new JsonObject { ["error"] = "invalid_grant" }).ConfigureAwait(false);
            return;
        }

        string accessToken = Base64Url(RandomNumberGenerator.GetBytes(32));
        accessTokens[accessToken] = pending.User;
        await JsonAsync(response, 200, new JsonObject
        {
            ["access_token"] = accessToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = 300,
            ["scope"] = "openid profile",
            ["id_token"] = IdToken(pending.User, pending.Nonce),
        }).ConfigureAwait(false);
    }

    private bool ClientAuthenticated(HttpListenerRequest request, Dictionary<string, string> p)
    {
        string? id = p.GetValueOrDefault("client_id");
        string? secret = p.GetValueOrDefault("client_secret");
        string authorization = request.Headers["Authorization"] ?? string.Empty;
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            // RFC 6749 2.3.1: both parts are form-urlencoded before the Basic encoding.
            string decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            int colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return false;
            }

            id = Uri.UnescapeDataString(decoded[..colon].Replace('+', ' '));
            secret = Uri.UnescapeDataString(decoded[(colon + 1)..].Replace('+', ' '));
        }

        return id == ClientId && secret is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(ClientSecret));
    }

    private string IdToken(OpenIdUser user, string? nonce)
    {
        var fault = Fault;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            ["iss"] = fault == IdTokenFault.WrongIssuer ? Issuer + "/other" : Issuer,
            ["sub"] = user.Subject,
            ["aud"] = fault == IdTokenFault.WrongAudience ? "another-client" : ClientId,
            ["azp"] = ClientId,
            ["exp"] = now + 300,
            ["iat"] = now,
            ["auth_time"] = now,
            ["name"] = user.Name,
        };
        if (nonce is not null)
        {
            payload["nonce"] = nonce;
        }

        if (!RolesInUserInfoOnly)
        {
            payload[RoleClaim] = new JsonArray([.. user.Roles.Select(r => (JsonNode)r)]);
        }

        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = keyId };
        string signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        byte[] signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (fault == IdTokenFault.BadSignature)
        {
            signature[signature.Length / 2] ^= 0x01;
        }

        return signingInput + "." + Base64Url(signature);
    }

    private async Task UserInfoAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        string authorization = request.Headers["Authorization"] ?? string.Empty;
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !accessTokens.TryGetValue(authorization[7..].Trim(), out var user))
        {
            response.Headers["WWW-Authenticate"] = "Bearer error=\"invalid_token\"";
            await JsonAsync(response, 401, new JsonObject { ["error"] = "invalid_token" }).ConfigureAwait(false);
            return;
        }

        await JsonAsync(response, 200, new JsonObject
        {
            ["sub"] = user.Subject,
            ["name"] = user.Name,
            [RoleClaim] = new JsonArray([.. user.Roles.Select(r => (JsonNode)r)]),
        }).ConfigureAwait(false);
    }

    private async Task EndSessionAsync(HttpListenerResponse response, Dictionary<string, string> p)
    {
        string? subject = null;
        if (p.GetValueOrDefault("id_token_hint") is { } hint && hint.Split('.') is [_, var body, _])
        {
            subject = JsonNode.Parse(FromBase64Url(body))?["sub"]?.GetValue<string>();
        }

        EndSessions.Enqueue(subject);
        SignedInUser = null;
        if (p.GetValueOrDefault("post_logout_redirect_uri") is { } back && RedirectUris.Contains(back))
        {
            string state = p.GetValueOrDefault("state") is { } s ? (back.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "state=" + Uri.EscapeDataString(s) : string.Empty;
            response.StatusCode = 302;
            response.RedirectLocation = back + state;
            return;
        }

        await TextAsync(response, 200, "signed out").ConfigureAwait(false);
    }

    private static async Task<Dictionary<string, string>> ParametersAsync(HttpListenerRequest request)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        Parse(request.Url!.Query.TrimStart('?'), result);
        if (request.HttpMethod == "POST" && (request.ContentType ?? string.Empty).StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            Parse(await reader.ReadToEndAsync().ConfigureAwait(false), result);
        }

        return result;
    }

    private static void Parse(string encoded, Dictionary<string, string> into)
    {
        foreach (string pair in encoded.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string name = Uri.UnescapeDataString((equals < 0 ? pair : pair[..equals]).Replace('+', ' '));
            string value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            into[name] = value;
        }
    }

    private static Task JsonAsync(HttpListenerResponse response, int status, JsonObject body) =>
        WriteAsync(response, status, "application/json", body.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));

    private static Task TextAsync(HttpListenerResponse response, int status, string text) => WriteAsync(response, status, "text/plain; charset=utf-8", text);

    private static Task HtmlAsync(HttpListenerResponse response, string html) => WriteAsync(response, 200, "text/html; charset=utf-8", html);

    private static async Task WriteAsync(HttpListenerResponse response, int status, string contentType, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        string padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }

    private sealed record PendingCode(string RedirectUri, string? Nonce, string? Challenge, OpenIdUser User, DateTimeOffset Expires);
}

/// <summary>A self-signed server certificate for 127.0.0.1, valid a day either side of now, written as a password-protected PFX.</summary>
/// <param name="Path">The PFX file (for <c>Kestrel:Certificates:Default:Path</c>).</param>
/// <param name="Password">Its password.</param>
/// <param name="Sha256">The certificate's SHA-256 hash (hex), the one a test's client accepts.</param>
public sealed record LoopbackCertificate(string Path, string Password, string Sha256)
{
    public static LoopbackCertificate Create(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string path = System.IO.Path.Combine(folder, "loopback.pfx");
        string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return new LoopbackCertificate(path, password, certificate.GetCertHashString(HashAlgorithmName.SHA256));
    }
}
