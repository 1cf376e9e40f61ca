using System.Net;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Security;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>The OpenID Connect worker with a provider's sign-in lasting 4 s in the worker (<c>SessionLifetime</c>).</summary>
public sealed class ShortSessionOpenIdConnectWorker : OpenIdConnectWorker
{
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromSeconds(4);

    protected override void AddSettings(Dictionary<string, string> settings) =>
        settings["Auth:OpenIdConnect:SessionLifetime"] = SessionLifetime.ToString();
}

/// <summary>A provider's sign-in ends in the worker after its lifetime, however active the browser, so the provider decides again.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class OpenIdConnectSessionTests(ShortSessionOpenIdConnectWorker fixture) : IClassFixture<ShortSessionOpenIdConnectWorker>
{
    [Fact]
    public async Task AfterTheSessionLifetime_TheProviderIsAskedAgain_AndRolesTakenAwayThereTakeEffect()
    {
        var ct = TestContext.Current.CancellationToken;
        fixture.Provider.SignedInUser = new OpenIdUser("sub-session", "Sam Session", [Roles.Radiologist]);
        using var browser = fixture.NewBrowser();
        var first = await browser.GetAsync(fixture.HttpsBase, ct);
        Assert.True(first.Status == HttpStatusCode.OK, first.Describe());

        // The role is taken away at the provider; the worker's cookie is refused once the lifetime has passed.
        fixture.Provider.SignedInUser = new OpenIdUser("sub-session", "Sam Session", []);
        await Task.Delay(ShortSessionOpenIdConnectWorker.SessionLifetime + TimeSpan.FromSeconds(1), ct);

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync(new Uri(fixture.HttpsBase, "api/studies"), ct)).Status);
        var again = await browser.GetAsync(fixture.HttpsBase, ct);
        Assert.True(again.Status == HttpStatusCode.Forbidden, again.Describe());
        Assert.Equal(["/", "/authorize", "/signin-oidc", "/"], again.Hops.Select(h => h.Url.AbsolutePath));
    }
}
