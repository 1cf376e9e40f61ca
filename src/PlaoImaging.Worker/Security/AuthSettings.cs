namespace PlaoImaging.Worker.Security;

/// <summary>Authentication (section <c>Auth</c>): local accounts with hashed passwords, or OpenID Connect, or both.</summary>
public sealed class AuthSettings
{
    public const string Section = "Auth";

    /// <summary>
    /// Local accounts. Empty and no OpenID Connect: the worker makes one <c>admin</c> account at first start, with a
    /// random password written once to <c>secrets/admin-password</c> in the data folder (readable by its owner only).
    /// </summary>
    public List<LocalUserSettings> Users { get; set; } = [];

    public OpenIdConnectSettings? OpenIdConnect { get; set; }
}

/// <summary>One local account. Make a hash with <c>plao-worker hash-password</c>.</summary>
public sealed class LocalUserSettings
{
    public string Name { get; set; } = string.Empty;

    /// <summary><c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c> (base64); never the password itself.</summary>
    public string PasswordHash { get; set; } = string.Empty;

    /// <summary><c>radiologist</c> and/or <c>admin</c>.</summary>
    public List<string> Roles { get; set; } = [];
}

/// <summary>An OpenID Connect provider (authorization code flow); roles come from a claim.</summary>
public sealed class OpenIdConnectSettings
{
    public string Authority { get; set; } = string.Empty;

    public string ClientId { get; set; } = string.Empty;

    /// <summary>From the environment or a secrets file, never from a committed file.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The claim that carries roles (in the ID token or the userinfo answer; an array or one string).</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>The provider's name on the sign-in page ("Sign in with …").</summary>
    public string DisplayName { get; set; } = "single sign-on";

    /// <summary>
    /// How long a sign-in at the provider lasts in the worker, however active the user (the cookie slides otherwise):
    /// then the browser goes through the provider again and roles changed there take effect.
    /// </summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Whether the provider's metadata must be fetched over HTTPS; turn off only for a provider on the loopback in tests.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}

/// <summary>Role names.</summary>
public static class Roles
{
    public const string Radiologist = "radiologist";
    public const string Admin = "admin";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Radiologist, Admin };
}

/// <summary>Authorization policy names.</summary>
public static class Policies
{
    /// <summary>Any signed-in user with a role (radiologist or admin): reading results.</summary>
    public const string Reader = "reader";

    /// <summary>Admins only: operations (reprocessing, export retries, the Hangfire dashboard, metrics).</summary>
    public const string Admin = "admin";
}
