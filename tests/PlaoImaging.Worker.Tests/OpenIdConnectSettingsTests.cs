using Microsoft.Extensions.Configuration;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Security;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>The OpenID Connect settings as the worker binds and checks them at start.</summary>
[Trait("Category", "unit")]
public sealed class OpenIdConnectSettingsTests
{
    [Fact]
    public void Validate_HttpsAuthority_Succeeds()
    {
        Assert.Empty(Failures(("Auth:OpenIdConnect:Authority", "https://login.example/realms/x"), ("Auth:OpenIdConnect:ClientId", "plao")));
    }

    [Fact]
    public void Validate_HttpAuthority_IsRefusedAtStart_UnlessHttpsMetadataIsTurnedOff()
    {
        var refused = Failures(("Auth:OpenIdConnect:Authority", "http://login.example/"), ("Auth:OpenIdConnect:ClientId", "plao"));
        var allowed = Failures(("Auth:OpenIdConnect:Authority", "http://127.0.0.1:8080/"), ("Auth:OpenIdConnect:ClientId", "plao"),
            ("Auth:OpenIdConnect:RequireHttpsMetadata", "false"));

        Assert.Contains(refused, f => f.Contains("Auth:OpenIdConnect:Authority must be an https URL", StringComparison.Ordinal));
        Assert.Empty(allowed);
    }

    [Fact]
    public void Validate_EmptyRoleClaim_NamesIt()
    {
        var failures = Failures(("Auth:OpenIdConnect:Authority", "https://login.example/"), ("Auth:OpenIdConnect:ClientId", "plao"),
            ("Auth:OpenIdConnect:RoleClaim", " "));

        Assert.Contains(failures, f => f.Contains("Auth:OpenIdConnect:RoleClaim is empty", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("8.00:00:00")]
    public void Validate_SessionLifetimeOutOfRange_NamesIt(string lifetime)
    {
        var failures = Failures(("Auth:OpenIdConnect:Authority", "https://login.example/"), ("Auth:OpenIdConnect:ClientId", "plao"),
            ("Auth:OpenIdConnect:SessionLifetime", lifetime));

        Assert.Contains(failures, f => f.StartsWith("Auth:OpenIdConnect:SessionLifetime is", StringComparison.Ordinal));
    }

    [Fact]
    public void Bind_Defaults_RolesClaimSingleSignOnAndHttpsMetadata()
    {
        var settings = Bind(("Auth:OpenIdConnect:Authority", "https://login.example/"), ("Auth:OpenIdConnect:ClientId", "plao")).OpenIdConnect!;

        Assert.Equal("roles", settings.RoleClaim);
        Assert.Equal("single sign-on", settings.DisplayName);
        Assert.True(settings.RequireHttpsMetadata);
        Assert.Equal(TimeSpan.FromHours(12), settings.SessionLifetime);
    }

    private static AuthSettings Bind(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build()
            .GetSection(AuthSettings.Section).Get<AuthSettings>() ?? new AuthSettings();

    private static List<string> Failures(params (string Key, string Value)[] settings)
    {
        var result = new WorkerSettingsValidator().Validate(null, Bind(settings));
        return result.Failed ? [.. result.Failures] : [];
    }
}
