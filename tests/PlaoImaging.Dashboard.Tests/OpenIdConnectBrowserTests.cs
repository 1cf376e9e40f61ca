using System.Net;
using Microsoft.Playwright;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dashboard.Tests;

/// <summary>
/// Chromium signing in to a worker behind HTTPS (https://127.0.0.1) through the test OpenID provider on another site
/// (http://localhost), pressing "Continue" on the provider's page, with no local accounts: the cookies of the sign-in must survive a browser's
/// SameSite and Secure rules, which an HTTP client does not apply.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class OpenIdConnectBrowserTests : IAsyncLifetime
{
    private static readonly OpenIdUser Radiologist = new("sub-rad-browser", "Dr Browser", ["radiologist"]);
    private TestOpenIdProvider provider = null!;
    private WorkerProcess worker = null!;
    private IPlaywright? playwright;
    private IBrowser browser = null!;

    private string BaseUrl => $"https://127.0.0.1:{worker.HttpsPort}";

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        string chromium = Peers.Require("chromium");
        provider = new TestOpenIdProvider("plao-worker", "secret-" + Guid.NewGuid().ToString("N"), host: "localhost");
        var certificate = LoopbackCertificate.Create(Peers.ScratchDirectory("worker-oidc-browser-certificate"));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Auth:OpenIdConnect:Authority"] = provider.Issuer,
            ["Auth:OpenIdConnect:ClientId"] = provider.ClientId,
            ["Auth:OpenIdConnect:ClientSecret"] = provider.ClientSecret,
            ["Auth:OpenIdConnect:DisplayName"] = "Test IdP",
            ["Auth:OpenIdConnect:RequireHttpsMetadata"] = "false",
            ["Kestrel:Certificates:Default:Path"] = certificate.Path,
            ["Kestrel:Certificates:Default:Password"] = certificate.Password,
        };
        worker = await WorkerProcess.StartAsync("worker-oidc-browser", settings, new NetworkCredential("nobody", "unused"), ct);
        provider.RedirectUris.Add($"{BaseUrl}/signin-oidc");
        provider.RedirectUris.Add($"{BaseUrl}/signout-callback-oidc");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.CloseAsync();
        }

        playwright?.Dispose();
        worker?.Dispose();
        provider?.Dispose();
    }

    [Fact]
    public async Task Chromium_SignsInAtTheProvider_LandsOnTheWorklistOnce_AndSignsOutThere()
    {
        provider.SignedInUser = Radiologist;
        provider.ConsentPending = true;
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true, BaseURL = BaseUrl });
        var page = await context.NewPageAsync();
        var navigations = new List<string>();
        page.FrameNavigated += (_, frame) =>
        {
            if (frame == page.MainFrame)
            {
                navigations.Add(frame.Url);
            }
        };

        // The way back starts from the provider's page (the user presses its button), as at a real provider: a
        // navigation that another site started carries no SameSite=Strict cookie, not even on the redirect from
        // /signin-oidc to "/", so a Strict sign-in cookie sent the browser back to the provider again and again.
        await page.GotoAsync("/");
        await page.Locator("#continue").ClickAsync();
        await page.WaitForURLAsync($"{BaseUrl}/", new PageWaitForURLOptions { Timeout = 20_000 });

        Assert.Equal("PlaoImaging worklist", await page.Locator("h1").InnerTextAsync());
        Assert.Contains("Signed in as Dr Browser", await page.Locator("form.signout").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(provider.Requests.Count(r => r == "GET /authorize") == 1, string.Join("\n", navigations));
        var cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == "plao.auth");
        Assert.True(cookie is { Secure: true, HttpOnly: true, SameSite: SameSiteAttribute.Lax }, $"{cookie.SameSite} secure {cookie.Secure}");

        await page.Locator("form.signout button").ClickAsync();
        await page.WaitForURLAsync($"{BaseUrl}/login");

        Assert.Equal(Radiologist.Subject, Assert.Single(provider.EndSessions));
        Assert.Contains("Sign in with Test IdP", await page.ContentAsync(), StringComparison.Ordinal);

        // The provider alone: no local form, and no generated admin account.
        Assert.True(await page.Locator("form[action='/login']").IsHiddenAsync());
        Assert.False(File.Exists(Path.Combine(worker.DataFolder, "secrets", "admin-password")));
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "plao.auth");
    }
}
