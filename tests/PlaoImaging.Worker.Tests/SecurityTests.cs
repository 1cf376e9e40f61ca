using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Security;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>A worker with two configured accounts (an admin and a radiologist), shared by the security and OpenAPI tests.</summary>
public sealed class SecuredWorker : IAsyncLifetime
{
    public NetworkCredential Admin { get; } = new("ops", "ops-" + Guid.NewGuid().ToString("N"));

    public NetworkCredential Radiologist { get; } = new("rad", "rad-" + Guid.NewGuid().ToString("N"));

    public WorkerProcess Worker { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        // Few iterations: the accounts are checked on every request of these tests; the hash form is the same.
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Auth:Users:0:Name"] = Admin.UserName,
            ["Auth:Users:0:PasswordHash"] = PasswordHasher.Hash(Admin.Password, 10_000),
            ["Auth:Users:0:Roles:0"] = Roles.Admin,
            ["Auth:Users:1:Name"] = Radiologist.UserName,
            ["Auth:Users:1:PasswordHash"] = PasswordHasher.Hash(Radiologist.Password, 10_000),
            ["Auth:Users:1:Roles:0"] = Roles.Radiologist,
        };
        Worker = await WorkerProcess.StartAsync("worker-security", settings, Admin, TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Worker?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Who may do what over HTTP: anonymous, a radiologist, an admin, a wrong password, a browser signed in with a cookie.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed partial class SecurityTests(SecuredWorker fixture) : IClassFixture<SecuredWorker>
{
    private WorkerProcess Worker => fixture.Worker;

    [Fact]
    public async Task Anonymous_ApiAndMetricsAre401_BrowserPathsRedirectToLogin_HealthIsOpen()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = Worker.CreateClient(null);

        foreach (string path in new[] { "api/studies", "api/model", "metrics", "openapi/v1.json" })
        {
            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative), ct);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"GET /{path}: {(int)response.StatusCode}");
            Assert.StartsWith("Basic", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        foreach (string path in new[] { "hangfire", string.Empty })
        {
            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative), ct);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"GET /{path}: {(int)response.StatusCode}");
            Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }

        var (post, _) = await WorkerTestKit.PostJsonAsync(anonymous, "api/reprocess", "{\"state\":\"Analysed\"}", ct);
        Assert.Equal(401, post);
        Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(anonymous, "health/live", ct));
        Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(anonymous, "health/ready", ct));
        Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(anonymous, "login", ct));
    }

    [Fact]
    public async Task Radiologist_ReadsStudies_IsForbiddenOperations()
    {
        var ct = TestContext.Current.CancellationToken;
        using var radiologist = Worker.CreateClient(fixture.Radiologist);

        Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(radiologist, "api/studies", ct));
        Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(radiologist, "api/model", ct));
        Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(radiologist, "openapi/v1.json", ct));
        foreach (string path in new[] { "metrics", "hangfire", "api/destinations", "api/exports", "api/reprocess" })
        {
            Assert.True(await WorkerTestKit.StatusOfGetAsync(radiologist, path, ct) == 403, $"GET /{path}");
        }

        var (reprocess, _) = await WorkerTestKit.PostJsonAsync(radiologist, "api/reprocess", "{\"state\":\"Analysed\"}", ct);
        Assert.Equal(403, reprocess);
        var (retry, _) = await WorkerTestKit.PostJsonAsync(radiologist, "api/exports/1/retry", null, ct);
        Assert.Equal(403, retry);
        var (reload, _) = await WorkerTestKit.PostJsonAsync(radiologist, "api/model/reload", null, ct);
        Assert.Equal(403, reload);
    }

    [Fact]
    public async Task Admin_ReachesOperations()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = Worker.CreateClient(fixture.Admin);

        foreach (string path in new[] { "api/studies", "api/destinations", "api/exports", "api/reprocess", "metrics", "hangfire" })
        {
            Assert.True(await WorkerTestKit.StatusOfGetAsync(admin, path, ct) == 200, $"GET /{path}");
        }

        string metrics = await admin.GetStringAsync(new Uri("metrics", UriKind.Relative), ct);
        Assert.Contains("plao_instances_received_total", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongPasswordOrUnknownUserOrMalformedHeader_Are401()
    {
        var ct = TestContext.Current.CancellationToken;
        using var wrong = Worker.CreateClient(new NetworkCredential(fixture.Admin.UserName, fixture.Admin.Password + "x"));
        using var unknown = Worker.CreateClient(new NetworkCredential("mallory", fixture.Admin.Password));
        using var malformed = Worker.CreateClient(null);
        malformed.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Basic not-base64!");

        Assert.Equal(401, await WorkerTestKit.StatusOfGetAsync(wrong, "api/studies", ct));
        Assert.Equal(401, await WorkerTestKit.StatusOfGetAsync(wrong, "metrics", ct));
        Assert.Equal(401, await WorkerTestKit.StatusOfGetAsync(unknown, "api/studies", ct));
        Assert.Equal(401, await WorkerTestKit.StatusOfGetAsync(malformed, "api/studies", ct));
    }

    [Fact]
    public async Task Browser_SignsInWithTheForm_ThenReadsTheApiAndTheDashboardWithItsCookie()
    {
        var ct = TestContext.Current.CancellationToken;
        using var refused = await SignInAsync(new NetworkCredential(fixture.Admin.UserName, "wrong"), ct);
        Assert.Null(refused.Client);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);

        var (admin, status) = await SignInAsync(fixture.Admin, ct);
        using (admin)
        {
            Assert.Equal(HttpStatusCode.Redirect, status);
            Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(admin!, "hangfire", ct));
            Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(admin!, "api/studies", ct));
            Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(admin!, "metrics", ct));
        }

        var (radiologist, _) = await SignInAsync(fixture.Radiologist, ct);
        using (radiologist)
        {
            Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(radiologist!, "api/studies", ct));
            Assert.Equal(403, await WorkerTestKit.StatusOfGetAsync(radiologist!, "hangfire", ct));
            Assert.Equal(403, await WorkerTestKit.StatusOfGetAsync(radiologist!, "metrics", ct));
            Assert.Equal(403, (await WorkerTestKit.PostJsonAsync(radiologist!, "api/reprocess", "{\"state\":\"Analysed\"}", ct)).Status);
        }

        // A cookie the worker did not issue: the API answers 401, a browser path goes to the sign-in page.
        var cookies = new CookieContainer();
        cookies.Add(new Uri($"http://127.0.0.1:{Worker.HttpPort}/"), new Cookie("plao.auth", "forged"));
        using var forged = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{Worker.HttpPort}/"),
        };
        Assert.Equal(401, await WorkerTestKit.StatusOfGetAsync(forged, "api/studies", ct));
        Assert.Equal(302, await WorkerTestKit.StatusOfGetAsync(forged, "hangfire", ct));
    }

    [Theory]
    [InlineData("//evil.example/x")]
    [InlineData("/\\evil.example/x")]
    [InlineData("https://evil.example/x")]
    [InlineData("")]
    public async Task SignIn_ReturnUrlThatLeavesTheSite_RedirectsHome(string returnUrl)
    {
        var ct = TestContext.Current.CancellationToken;

        var signIn = await SignInAsync(fixture.Radiologist, ct, returnUrl, "/");

        using (signIn)
        {
            Assert.Equal(HttpStatusCode.Redirect, signIn.Status);
        }
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheApiPaths()
    {
        var ct = TestContext.Current.CancellationToken;

        var document = await Worker.GetJsonAsync("openapi/v1.json", ct);

        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        string[] expected =
        [
            "/api/studies", "/api/studies/{id}", "/api/studies/{id}/result", "/api/studies/{id}/objects", "/api/model",
            "/api/reprocess", "/api/reprocess/{id}", "/api/reprocess/{id}/cancel", "/api/destinations", "/api/exports", "/api/exports/{id}/retry",
            "/api/model/reload",
        ];
        Assert.All(expected, p => Assert.True(paths.Contains(p), $"{p} is not in the document: {string.Join(", ", paths)}"));
        var reprocess = document["paths"]!["/api/reprocess"]!.AsObject();
        Assert.True(reprocess.ContainsKey("post") && reprocess.ContainsKey("get"), reprocess.ToJsonString());
        Assert.Equal("3", document["openapi"]!.GetValue<string>()[..1]);
        Assert.IsType<JsonObject>(document["info"]);
    }

    /// <summary>Signs in with the form (its anti-forgery token and cookie); a client holding the sign-in cookie on success, else null.</summary>
    private async Task<SignIn> SignInAsync(NetworkCredential credential, CancellationToken ct, string returnUrl = "/hangfire", string expectedLocation = "/hangfire")
    {
        var cookies = new CookieContainer();
        var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{Worker.HttpPort}/"),
        };
        string form = await browser.GetStringAsync(new Uri("login", UriKind.Relative), ct);
        var token = AntiforgeryField().Match(form);
        Assert.True(token.Success, form);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [WebUtility.HtmlDecode(token.Groups[1].Value)] = WebUtility.HtmlDecode(token.Groups[2].Value),
            ["user"] = credential.UserName,
            ["password"] = credential.Password,
            ["returnUrl"] = returnUrl,
        });
        using var response = await browser.PostAsync(new Uri("login", UriKind.Relative), content, ct);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            browser.Dispose();
            return new SignIn(null, response.StatusCode);
        }

        Assert.Equal(expectedLocation, response.Headers.Location!.OriginalString);
        Assert.Contains(cookies.GetAllCookies(), c => c.Name == "plao.auth" && c.HttpOnly);
        return new SignIn(browser, response.StatusCode);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">")]
    private static partial Regex AntiforgeryField();
}

/// <summary>A browser after the sign-in form: its client (null when refused) and the form's answer.</summary>
internal sealed record SignIn(HttpClient? Client, HttpStatusCode Status) : IDisposable
{
    public void Dispose() => Client?.Dispose();
}
