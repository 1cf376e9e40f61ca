using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Security;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// A worker behind HTTPS (a self-signed certificate made here) with OpenID Connect against the <see cref="TestOpenIdProvider"/>
/// and one local admin account, for Basic API clients and the sign-in form.
/// </summary>
public class OpenIdConnectWorker : IAsyncLifetime
{
    public NetworkCredential Admin { get; } = new("ops", "ops-" + Guid.NewGuid().ToString("N"));

    public TestOpenIdProvider Provider { get; } = new("plao-worker", "secret-" + Guid.NewGuid().ToString("N"));

    public WorkerProcess Worker { get; private set; } = null!;

    /// <summary>The SHA-256 hash of the worker's certificate, the one the test's browsers accept.</summary>
    public string CertificateHash { get; private set; } = string.Empty;

    public Uri HttpsBase => new($"https://127.0.0.1:{Worker.HttpsPort}/");

    public Uri HttpBase => new($"http://127.0.0.1:{Worker.HttpPort}/");

    public async ValueTask InitializeAsync()
    {
        var certificate = LoopbackCertificate.Create(Peers.ScratchDirectory("worker-oidc-certificate"));
        CertificateHash = certificate.Sha256;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Auth:Users:0:Name"] = Admin.UserName,
            ["Auth:Users:0:PasswordHash"] = PasswordHasher.Hash(Admin.Password, 10_000),
            ["Auth:Users:0:Roles:0"] = Roles.Admin,
            ["Auth:OpenIdConnect:Authority"] = Provider.Issuer,
            ["Auth:OpenIdConnect:ClientId"] = Provider.ClientId,
            ["Auth:OpenIdConnect:ClientSecret"] = Provider.ClientSecret,
            ["Auth:OpenIdConnect:RoleClaim"] = Provider.RoleClaim,
            ["Auth:OpenIdConnect:DisplayName"] = "Test IdP",
            ["Auth:OpenIdConnect:RequireHttpsMetadata"] = "false",
            ["Kestrel:Certificates:Default:Path"] = certificate.Path,
            ["Kestrel:Certificates:Default:Password"] = certificate.Password,
        };
        AddSettings(settings);
        Worker = await WorkerProcess.StartAsync("worker-oidc", settings, Admin, TestContext.Current.CancellationToken);
        Provider.RedirectUris.Add(new Uri(HttpsBase, "signin-oidc").AbsoluteUri);
        Provider.RedirectUris.Add(new Uri(HttpsBase, "signout-callback-oidc").AbsoluteUri);
        Provider.RedirectUris.Add(new Uri(HttpBase, "signin-oidc").AbsoluteUri);
    }

    /// <summary>A browser: its own cookies, redirects followed by <see cref="Browser.GetAsync"/>, only this worker's certificate accepted.</summary>
    public Browser NewBrowser() => new(CertificateHash);

    public ValueTask DisposeAsync()
    {
        Worker?.Dispose();
        Provider.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>Settings a derived fixture adds or replaces.</summary>
    protected virtual void AddSettings(Dictionary<string, string> settings)
    {
    }
}

/// <summary>
/// OpenID Connect sign-in of the worker, end to end over HTTP: the worker process, the test provider on the loopback and
/// a cookie-keeping client that follows redirects as a browser does (each hop recorded with its Set-Cookie headers).
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed partial class OpenIdConnectTests(OpenIdConnectWorker fixture) : IClassFixture<OpenIdConnectWorker>
{
    private static readonly OpenIdUser Radiologist = new("sub-rad-1", "Dr Rad Iologist", [Roles.Radiologist]);
    private static readonly OpenIdUser Administrator = new("sub-admin-1", "Ada Admin", [Roles.Admin]);

    private TestOpenIdProvider Provider => fixture.Provider;

    [Fact]
    public async Task UnauthenticatedBrowser_GoesToTheProvider_AndComesBackToTheWorklist()
    {
        var ct = TestContext.Current.CancellationToken;
        Provider.Fault = IdTokenFault.None;
        Provider.RolesInUserInfoOnly = false;
        Provider.SignedInUser = Radiologist;
        using var browser = fixture.NewBrowser();

        var result = await browser.GetAsync(fixture.HttpsBase, ct);

        Assert.True(result.Status == HttpStatusCode.OK, result.Describe());
        Assert.Contains("PlaoImaging worklist", result.Body, StringComparison.Ordinal);
        Assert.Contains("Signed in as Dr Rad Iologist", result.Body, StringComparison.Ordinal);
        Assert.Equal(["/", "/authorize", "/signin-oidc", "/"], result.Hops.Select(h => h.Url.AbsolutePath));
        Assert.Equal(Provider.Issuer + "/authorize", result.Hops[1].Url.GetLeftPart(UriPartial.Path));

        // The code flow with PKCE and the answer in the query; the correlation and nonce cookies are Secure and Lax,
        // and so is the sign-in cookie, which a browser must send on the redirect that comes from the provider's site.
        var authorize = QueryOf(result.Hops[1].Url);
        Assert.Equal("code", authorize["response_type"]);
        Assert.False(authorize.TryGetValue("response_mode", out string? mode) && mode != "query", mode);
        Assert.Equal(HttpStatusCode.Redirect, result.Hops[1].Status);
        Assert.Equal("S256", authorize["code_challenge_method"]);
        Assert.Equal(new Uri(fixture.HttpsBase, "signin-oidc").AbsoluteUri, authorize["redirect_uri"]);
        Assert.All(result.Hops[0].SetCookies, c => Assert.Matches("(?i)secure.*samesite=lax|samesite=lax.*secure", c));
        Assert.Contains(result.Hops[2].SetCookies, c => c.StartsWith("plao.auth", StringComparison.Ordinal)
            && c.Contains("samesite=lax", StringComparison.OrdinalIgnoreCase) && c.Contains("secure", StringComparison.OrdinalIgnoreCase)
            && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));

        // The cookie is the radiologist's: results yes, operations no.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(new Uri(fixture.HttpsBase, "api/studies"), ct)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync(new Uri(fixture.HttpsBase, "hangfire"), ct)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync(new Uri(fixture.HttpsBase, "api/destinations"), ct)).Status);
    }

    [Fact]
    public async Task AdminFromTheProvider_ReachesHangfire()
    {
        var ct = TestContext.Current.CancellationToken;
        Provider.Fault = IdTokenFault.None;
        Provider.RolesInUserInfoOnly = false;
        Provider.SignedInUser = Administrator;
        using var browser = fixture.NewBrowser();

        var result = await browser.GetAsync(new Uri(fixture.HttpsBase, "hangfire"), ct);

        Assert.True(result.Status == HttpStatusCode.OK, result.Describe());
        Assert.Equal("/hangfire", result.Hops[^1].Url.AbsolutePath);
        Assert.Contains("PlaoImaging jobs", result.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(new Uri(fixture.HttpsBase, "metrics"), ct)).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("viewer,Radiologist")]
    public async Task UserWithoutOneOfOurRoles_SignsIn_ButIsForbidden(string roles)
    {
        var ct = TestContext.Current.CancellationToken;
        Provider.Fault = IdTokenFault.None;
        Provider.RolesInUserInfoOnly = false;
        Provider.SignedInUser = new OpenIdUser("sub-none", "No Role", roles.Split(',', StringSplitOptions.RemoveEmptyEntries));
        using var browser = fixture.NewBrowser();

        var result = await browser.GetAsync(fixture.HttpsBase, ct);

        Assert.True(result.Status == HttpStatusCode.Forbidden, result.Describe());
        Assert.Equal(["/", "/authorize", "/signin-oidc", "/"], result.Hops.Select(h => h.Url.AbsolutePath));
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync(new Uri(fixture.HttpsBase, "api/studies"), ct)).Status);
    }

    [Fact]
    public async Task RolesSentOnlyInTheUserInfoAnswer_AreRead()
    {
        var ct = TestContext.Current.CancellationToken;
        Provider.Fault = IdTokenFault.None;
        Provider.RolesInUserInfoOnly = true;
        Provider.SignedInUser = Radiologist;
        using var browser = fixture.NewBrowser();

        try
        {
            var result = await browser.GetAsync(fixture.HttpsBase, ct);

            Assert.True(result.Status == HttpStatusCode.OK, result.Describe());
            Assert.Contains("Signed in as Dr Rad Iologist", result.Body, StringComparison.Ordinal);
        }
        finally
        {
            Provider.RolesInUserInfoOnly = false;
        }
    }

    [Theory]
    [InlineData(IdTokenFault.BadSignature)]
    [InlineData(IdTokenFault.WrongAudience)]
    [InlineData(IdTokenFault.WrongIssuer)]
    public async Task IdTokenThatFailsValidation_IsRefused_AndNoCookieIsIssued(IdTokenFault fault)
    {
        var ct = TestContext.Current.CancellationToken;
        Provider.RolesInUserInfoOnly = false;
        Provider.SignedInUser = Administrator;
        Provider.Fault = fault;
        using var browser = fixture.NewBrowser();

        try
        {
            var result = await browser.GetAsync(fixture.HttpsBase, ct);

            Assert.True(result.Status == HttpStatusCode.Unauthorized, result.Describe());
            Assert.Equal("/signin-oidc", result.Hops[^1].Url.AbsolutePath);
            Assert.Contains("Sign-in refused", result.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(result.Hops.SelectMany(h => h.SetCookies), c => c.StartsWith("plao.auth=", StringComparison.Ordinal) && !c.StartsWith("plao.auth=;", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync(new Uri(fixture.HttpsBase, "api/studies"), ct)).Status);
        }
        finally
        {
            Provider.Fault = IdTokenFault.None;
        }
    }

    [Fact]
    public async Task ProviderAnswersWithAnError_IsRefusedWithA401Page()
    {
        var ct = TestContext.Current.CancellationToken;
        Provider.Fault = IdTokenFault.None;
        Provider.SignedInUser = null;
        using var browser = fixture.NewBrowser();

        var result = await browser.GetAsync(fixture.HttpsBase, ct);

        Assert.True(result.Status == HttpStatusCode.Unauthorized, result.Describe());
        Assert.Equal("login_required", QueryOf(result.Hops[2].Url)["error"]);
        Assert.Contains("Sign-in refused", result.Body, StringComparison.Ordinal);
        Assert.NotNull(fixture.Worker.Process!.WaitForLine(
            l => l.Contains("OpenID Connect sign-in refused", StringComparison.Ordinal) && l.Contains("login_required", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ProviderAnswerReplayed_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        Provider.Fault = IdTokenFault.None;
        Provider.RolesInUserInfoOnly = false;
        Provider.SignedInUser = Radiologist;
        using var browser = fixture.NewBrowser();
        var first = await browser.GetAsync(fixture.HttpsBase, ct);
        Assert.True(first.Status == HttpStatusCode.OK, first.Describe());
        var callback = first.Hops[2].Url;

        // The same code and state again, in another browser (no correlation cookie) and in the same one (code used).
        using var other = fixture.NewBrowser();
        var stolen = await other.GetAsync(callback, ct);
        var again = await browser.GetAsync(callback, ct);

        Assert.True(stolen.Status == HttpStatusCode.Unauthorized, stolen.Describe());
        Assert.True(again.Status == HttpStatusCode.Unauthorized, again.Describe());
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync(new Uri(fixture.HttpsBase, "api/studies"), ct)).Status);
    }

    [Fact]
    public async Task BasicApiClients_KeepWorking_AndAnonymousApiCallsAre401NotRedirects()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = fixture.Worker.CreateClient(fixture.Admin);
        using var wrong = fixture.Worker.CreateClient(new NetworkCredential(fixture.Admin.UserName, "wrong"));
        using var anonymous = fixture.Worker.CreateClient(null);
        int authorizeRequests = Provider.Requests.Count(r => r == "GET /authorize");

        Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(admin, "api/studies", ct));
        Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(admin, "metrics", ct));
        Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(admin, "hangfire", ct));
        Assert.Equal(401, await WorkerTestKit.StatusOfGetAsync(wrong, "api/studies", ct));
        Assert.Equal(401, await WorkerTestKit.StatusOfGetAsync(wrong, "hangfire", ct));
        foreach (string path in new[] { "api/studies", "metrics", "openapi/v1.json" })
        {
            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative), ct);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"GET /{path}: {(int)response.StatusCode}");
            Assert.StartsWith("Basic", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        // A browser path without credentials goes to the provider, never to /login.
        using var toProvider = await anonymous.GetAsync(new Uri("hangfire", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.Redirect, toProvider.StatusCode);
        Assert.Equal(Provider.Issuer + "/authorize", toProvider.Headers.Location!.GetLeftPart(UriPartial.Path));
        Assert.Equal(authorizeRequests, Provider.Requests.Count(r => r == "GET /authorize"));
    }

    [Fact]
    public async Task SignInPage_OffersTheProviderAndTheLocalForm_AndBothWork()
    {
        var ct = TestContext.Current.CancellationToken;
        Provider.Fault = IdTokenFault.None;
        Provider.RolesInUserInfoOnly = false;
        Provider.SignedInUser = Administrator;

        using (var local = fixture.NewBrowser())
        {
            var page = await local.GetAsync(new Uri(fixture.HttpsBase, "login?returnUrl=%2Fhangfire"), ct);
            Assert.Contains("href=\"/login/oidc?returnUrl=%2Fhangfire\">Sign in with Test IdP</a>", page.Body, StringComparison.Ordinal);
            var token = HiddenField().Match(page.Body);
            Assert.True(token.Success, page.Body);
            var signedIn = await local.PostFormAsync(new Uri(fixture.HttpsBase, "login"), new Dictionary<string, string>
            {
                [WebUtility.HtmlDecode(token.Groups[1].Value)] = WebUtility.HtmlDecode(token.Groups[2].Value),
                ["user"] = fixture.Admin.UserName,
                ["password"] = fixture.Admin.Password,
                ["returnUrl"] = "/hangfire",
            }, ct);
            Assert.True(signedIn.Status == HttpStatusCode.OK, signedIn.Describe());
            Assert.Equal("/hangfire", signedIn.Hops[^1].Url.AbsolutePath);
            Assert.DoesNotContain(signedIn.Hops, h => h.Url.AbsolutePath == "/authorize");

            // A local account's sign-out stays local: the provider is not asked to end a session it never had.
            var worklist = await local.GetAsync(fixture.HttpsBase, ct);
            var signOutToken = HiddenField().Match(worklist.Body[worklist.Body.IndexOf("class=\"signout\"", StringComparison.Ordinal)..]);
            int endSessions = Provider.EndSessions.Count;
            var signedOut = await local.PostFormAsync(new Uri(fixture.HttpsBase, "logout"), new Dictionary<string, string>
            {
                [WebUtility.HtmlDecode(signOutToken.Groups[1].Value)] = WebUtility.HtmlDecode(signOutToken.Groups[2].Value),
            }, ct);
            Assert.Equal(["/logout", "/login"], signedOut.Hops.Select(h => h.Url.AbsolutePath));
            Assert.Equal(endSessions, Provider.EndSessions.Count);
        }

        using var viaProvider = fixture.NewBrowser();
        var result = await viaProvider.GetAsync(new Uri(fixture.HttpsBase, "login/oidc?returnUrl=%2Fhangfire"), ct);
        Assert.True(result.Status == HttpStatusCode.OK, result.Describe());
        Assert.Equal(["/login/oidc", "/authorize", "/signin-oidc", "/hangfire"], result.Hops.Select(h => h.Url.AbsolutePath));

        // A return address off the site is not followed after the provider's sign-in either.
        using var offSite = fixture.NewBrowser();
        var home = await offSite.GetAsync(new Uri(fixture.HttpsBase, "login/oidc?returnUrl=%2F%2Fevil.example%2Fx"), ct);
        Assert.True(home.Status == HttpStatusCode.OK, home.Describe());
        Assert.Equal(fixture.HttpsBase.Authority, home.Hops[^1].Url.Authority);
        Assert.Equal("/", home.Hops[^1].Url.AbsolutePath);
    }

    [Fact]
    public async Task SignOut_EndsTheWorkersCookieAndTheProvidersSession()
    {
        var ct = TestContext.Current.CancellationToken;
        Provider.Fault = IdTokenFault.None;
        Provider.RolesInUserInfoOnly = false;
        Provider.SignedInUser = Radiologist;
        using var browser = fixture.NewBrowser();
        var page = await browser.GetAsync(fixture.HttpsBase, ct);
        Assert.True(page.Status == HttpStatusCode.OK, page.Describe());
        var token = HiddenField().Match(page.Body[page.Body.IndexOf("class=\"signout\"", StringComparison.Ordinal)..]);
        int endSessions = Provider.EndSessions.Count;

        var signedOut = await browser.PostFormAsync(new Uri(fixture.HttpsBase, "logout"), new Dictionary<string, string>
        {
            [WebUtility.HtmlDecode(token.Groups[1].Value)] = WebUtility.HtmlDecode(token.Groups[2].Value),
        }, ct);

        Assert.True(signedOut.Status == HttpStatusCode.OK, signedOut.Describe());
        Assert.Equal(["/logout", "/endsession", "/signout-callback-oidc", "/login"], signedOut.Hops.Select(h => h.Url.AbsolutePath));
        Assert.Equal(endSessions + 1, Provider.EndSessions.Count);
        Assert.Equal(Radiologist.Subject, Provider.EndSessions.Last());
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync(new Uri(fixture.HttpsBase, "api/studies"), ct)).Status);
    }

    [Fact]
    public async Task OverPlainHttp_TheSecureCorrelationCookieDoesNotComeBack_SoSignInIsRefused()
    {
        // The documented requirement: the provider's sign-in needs the worker on HTTPS. Over plain HTTP the browser keeps
        // the Secure correlation cookie off the callback, and the worker refuses the answer (401, not an error page).
        var ct = TestContext.Current.CancellationToken;
        Provider.Fault = IdTokenFault.None;
        Provider.RolesInUserInfoOnly = false;
        Provider.SignedInUser = Radiologist;
        using var browser = fixture.NewBrowser();

        var result = await browser.GetAsync(fixture.HttpBase, ct);

        Assert.True(result.Status == HttpStatusCode.Unauthorized, result.Describe());
        Assert.Equal(["/", "/authorize", "/signin-oidc"], result.Hops.Select(h => h.Url.AbsolutePath));
        Assert.Contains("Sign-in refused", result.Body, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> QueryOf(Uri url) =>
        url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p.Length > 1 ? p[1] : string.Empty), StringComparer.Ordinal);

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">")]
    private static partial Regex HiddenField();
}

/// <summary>One request of a browser's navigation: where it went, the answer's status and the cookies it set.</summary>
public sealed record BrowserHop(Uri Url, HttpStatusCode Status, IReadOnlyList<string> SetCookies);

/// <summary>A navigation's end: the last answer's status and body, and every hop on the way.</summary>
public sealed record BrowserResult(HttpStatusCode Status, string Body, IReadOnlyList<BrowserHop> Hops)
{
    public string Describe() =>
        $"{(int)Status} after {string.Join(" -> ", Hops.Select(h => $"{(int)h.Status} {h.Url}"))}\n{Body[..Math.Min(Body.Length, 2000)]}";
}

/// <summary>
/// A cookie-keeping HTTP client that follows redirects itself, as a browser does (a 302 or 303 after a POST becomes a
/// GET), including from the worker's HTTPS to the provider's HTTP, which HttpClient refuses to follow on its own. It
/// sends Secure cookies only over HTTPS (CookieContainer's rule, and browsers'); it does not model SameSite.
/// </summary>
public sealed class Browser : IDisposable
{
    private readonly HttpClient client;

    public Browser(string certificateHash)
    {
        var handler = new HttpClientHandler
        {
            CookieContainer = new CookieContainer(),
            AllowAutoRedirect = false,
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), certificateHash, StringComparison.OrdinalIgnoreCase),
        };
        client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public Task<BrowserResult> GetAsync(Uri url, CancellationToken cancellationToken) => NavigateAsync(HttpMethod.Get, url, null, cancellationToken);

    public Task<BrowserResult> PostFormAsync(Uri url, IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken) =>
        NavigateAsync(HttpMethod.Post, url, form, cancellationToken);

    public void Dispose() => client.Dispose();

    private async Task<BrowserResult> NavigateAsync(HttpMethod method, Uri url, IReadOnlyDictionary<string, string>? form, CancellationToken cancellationToken)
    {
        var hops = new List<BrowserHop>();
        for (int i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(method, url);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
            if (form is not null && method == HttpMethod.Post)
            {
                request.Content = new FormUrlEncodedContent(form);
            }

            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var cookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];
            hops.Add(new BrowserHop(url, response.StatusCode, cookies));
            if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                url = location.IsAbsoluteUri ? location : new Uri(url, location);
                if ((int)response.StatusCode is 302 or 303 or 301)
                {
                    method = HttpMethod.Get;
                }

                continue;
            }

            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return new BrowserResult(response.StatusCode, body, hops);
        }

        return new BrowserResult(0, "too many redirects", hops);
    }
}
