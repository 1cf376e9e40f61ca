using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Worker.Security;

namespace PlaoImaging.Worker.Configuration;

/// <summary>Checks the worker's settings at start; every failure names its key, and the worker does not start.</summary>
public sealed partial class WorkerSettingsValidator :
    IValidateOptions<StorageSettings>, IValidateOptions<AssemblySettings>, IValidateOptions<ExportSettings>,
    IValidateOptions<JobsSettings>, IValidateOptions<AuthSettings>, IValidateOptions<RetentionSettings>, IValidateOptions<AnalysisSettings>
{
    public ValidateOptionsResult Validate(string? name, StorageSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsPostgreSql && !string.Equals(options.Provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return Fail($"Storage:Provider is '{options.Provider}'; use Sqlite or PostgreSql");
        }

        return options.IsPostgreSql && string.IsNullOrWhiteSpace(options.ConnectionString)
            ? Fail("Storage:ConnectionString is required when Storage:Provider is PostgreSql")
            : ValidateOptionsResult.Success;
    }

    public ValidateOptionsResult Validate(string? name, AssemblySettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.QuietPeriod < TimeSpan.Zero || options.QuietPeriod > TimeSpan.FromHours(24))
        {
            errors.Add($"Assembly:QuietPeriod is {options.QuietPeriod}; use 0 to 24 hours");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(50) || options.PollInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add($"Assembly:PollInterval is {options.PollInterval}; use 50 ms to 5 minutes");
        }

        if (options.LostJobAfter < TimeSpan.FromSeconds(1) || options.LostJobAfter > TimeSpan.FromDays(7))
        {
            errors.Add($"Assembly:LostJobAfter is {options.LostJobAfter}; use 1 second to 7 days");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, ExportSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < options.Destinations.Count; i++)
        {
            var d = options.Destinations[i];
            string key = $"Export:Destinations:{i}";
            if (!DestinationName().IsMatch(d.Name ?? string.Empty))
            {
                errors.Add($"{key}:Name is '{d.Name}'; use 1 to 32 letters, digits, '-' or '_'");
            }
            else if (!names.Add(d.Name!))
            {
                errors.Add($"{key}:Name '{d.Name}' is used by another destination");
            }

            if (d.IsStowRs)
            {
                if (!Uri.TryCreate(d.StowRsUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    errors.Add($"{key}:StowRsUrl is not an http(s) URL");
                }

                if (d.Tls is { Enabled: true })
                {
                    errors.Add($"{key}:Tls:Enabled applies to C-STORE destinations; a STOW-RS destination gets TLS from an https StowRsUrl");
                }
            }
            else
            {
                if (string.IsNullOrWhiteSpace(d.Host))
                {
                    errors.Add($"{key}:Host is required (or give StowRsUrl)");
                }

                if (d.Port is < 1 or > 65535)
                {
                    errors.Add($"{key}:Port is {d.Port}; use 1 to 65535");
                }

                if (!AETitle().IsMatch(d.CalledAETitle ?? string.Empty))
                {
                    errors.Add($"{key}:CalledAETitle is '{d.CalledAETitle}'; use 1 to 16 characters without backslash");
                }

                if (d.Tls is { } tls)
                {
                    CheckTls($"{key}:Tls", tls, errors);
                }

                if (d.KeepAssociationOpen < TimeSpan.Zero || d.KeepAssociationOpen > TimeSpan.FromMinutes(10))
                {
                    errors.Add($"{key}:KeepAssociationOpen is {d.KeepAssociationOpen}; use 00:00:00 (one association per export) to 00:10:00");
                }
            }
        }

        if (options.RetryDelays.Any(d => d < TimeSpan.Zero))
        {
            errors.Add("Export:RetryDelays has a negative delay");
        }

        if (!AETitle().IsMatch(options.CallingAETitle ?? string.Empty))
        {
            errors.Add($"Export:CallingAETitle is '{options.CallingAETitle}'; use 1 to 16 characters without backslash");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, JobsSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.RealtimeWorkers is < 1 or > 64)
        {
            errors.Add($"Jobs:RealtimeWorkers is {options.RealtimeWorkers}; use 1 to 64");
        }

        if (options.ExportWorkers is < 1 or > 64)
        {
            errors.Add($"Jobs:ExportWorkers is {options.ExportWorkers}; use 1 to 64");
        }

        if (options.BatchWorkers is < 1 or > 64)
        {
            errors.Add($"Jobs:BatchWorkers is {options.BatchWorkers}; use 1 to 64");
        }

        if (options.BatchAnalyses is < 0 or > 64)
        {
            errors.Add($"Jobs:BatchAnalyses is {options.BatchAnalyses}; use 0 (as many as Jobs:RealtimeWorkers) or 1 to 64");
        }

        if (options.InvisibilityTimeout < TimeSpan.FromSeconds(10))
        {
            errors.Add($"Jobs:InvisibilityTimeout is {options.InvisibilityTimeout}; use 10 seconds or more (a live node extends it every fifth of it)");
        }

        if (options.StorageProbeInterval < TimeSpan.FromMilliseconds(100) || options.StorageProbeInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add($"Jobs:StorageProbeInterval is {options.StorageProbeInterval}; use 00:00:00.1 to 00:05:00");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, AuthSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        for (int i = 0; i < options.Users.Count; i++)
        {
            var user = options.Users[i];
            string key = $"Auth:Users:{i}";
            if (string.IsNullOrWhiteSpace(user.Name) || user.Name.Contains(':', StringComparison.Ordinal))
            {
                errors.Add($"{key}:Name is empty or has a ':'");
            }

            if (!PasswordHasher.IsWellFormed(user.PasswordHash))
            {
                errors.Add($"{key}:PasswordHash is not a pbkdf2-sha256 hash (make one with: plao-worker hash-password)");
            }

            if (user.Roles.Count == 0 || user.Roles.Any(r => !Roles.All.Contains(r)))
            {
                errors.Add($"{key}:Roles must list radiologist and/or admin");
            }
        }

        if (options.OpenIdConnect is { } oidc)
        {
            if (!Uri.TryCreate(oidc.Authority, UriKind.Absolute, out var authority))
            {
                errors.Add("Auth:OpenIdConnect:Authority is not an absolute URL");
            }
            else if (authority.Scheme != Uri.UriSchemeHttps && oidc.RequireHttpsMetadata)
            {
                errors.Add("Auth:OpenIdConnect:Authority must be an https URL (RequireHttpsMetadata false allows http, for a test provider only)");
            }

            if (oidc.SessionLifetime <= TimeSpan.Zero || oidc.SessionLifetime > TimeSpan.FromDays(7))
            {
                errors.Add($"Auth:OpenIdConnect:SessionLifetime is {oidc.SessionLifetime}; use up to 7 days");
            }

            if (string.IsNullOrWhiteSpace(oidc.RoleClaim))
            {
                errors.Add("Auth:OpenIdConnect:RoleClaim is empty; name the claim that carries radiologist and admin");
            }

            if (string.IsNullOrWhiteSpace(oidc.ClientId))
            {
                errors.Add("Auth:OpenIdConnect:ClientId is required");
            }
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, RetentionSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.KeepImagesDays < 0)
        {
            errors.Add($"Retention:KeepImagesDays is {options.KeepImagesDays}; use 0 (keep for ever) or more");
        }

        if (options.Schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length is not (5 or 6))
        {
            errors.Add($"Retention:Schedule '{options.Schedule}' is not a cron expression");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, AnalysisSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Provider.ToLowerInvariant() is not ("auto" or "cpu" or "cuda"))
        {
            errors.Add($"Analysis:Provider is '{options.Provider}'; use auto, cpu or cuda");
        }

        if (!string.IsNullOrWhiteSpace(options.Model) && !File.Exists(options.Model))
        {
            errors.Add($"Analysis:Model '{options.Model}' does not exist");
        }

        if (options.Threads < 0)
        {
            errors.Add($"Analysis:Threads is {options.Threads}; use 0 (the cores divided among the analyses that run at once) or more");
        }

        if (options.ReloadCheckInterval < TimeSpan.Zero)
        {
            errors.Add($"Analysis:ReloadCheckInterval is {options.ReloadCheckInterval}; use 00:00:00 (no watching) or more");
        }

        if (options.ReloadSettleTime < TimeSpan.Zero || options.ReloadSettleTime > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Analysis:ReloadSettleTime is {options.ReloadSettleTime}; use 00:00:00 to 00:10:00");
        }

        return Result(errors);
    }

    /// <summary>
    /// A destination's TLS files, loaded as the export will load them: a missing file, a file that is not PEM
    /// certificates or a client certificate without its private key stops the start, naming the key, instead of
    /// failing every export to that destination later.
    /// </summary>
    private static void CheckTls(string key, DestinationTlsSettings tls, List<string> errors)
    {
        if (!tls.Enabled)
        {
            string? set = new[]
            {
                (nameof(tls.TrustedCertificatesPath), tls.TrustedCertificatesPath), (nameof(tls.ClientCertificatePath), tls.ClientCertificatePath),
                (nameof(tls.ClientKeyPath), tls.ClientKeyPath), (nameof(tls.ServerName), tls.ServerName),
            }.Where(k => !string.IsNullOrWhiteSpace(k.Item2)).Select(k => k.Item1).FirstOrDefault();
            if (set is not null)
            {
                errors.Add($"{key}:Enabled is false but {key}:{set} is set; set {key}:Enabled to true to send over TLS, or remove the TLS keys");
            }

            return;
        }

        if (tls.TrustedCertificatesPath is { Length: > 0 } trusted)
        {
            string name = $"{key}:{nameof(tls.TrustedCertificatesPath)}";
            if (!File.Exists(trusted))
            {
                errors.Add($"{name}: '{trusted}' does not exist");
            }
            else
            {
                try
                {
                    var authorities = DicomTls.LoadAuthorities(trusted);
                    if (authorities.Count == 0)
                    {
                        errors.Add($"{name}: '{trusted}' holds no PEM certificate");
                    }

                    foreach (var authority in authorities)
                    {
                        authority.Dispose();
                    }
                }
                catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
                {
                    errors.Add($"{name}: '{trusted}' cannot be read as PEM certificates: {e.Message}");
                }
            }
        }

        string certificateKey = $"{key}:{nameof(tls.ClientCertificatePath)}";
        string keyKey = $"{key}:{nameof(tls.ClientKeyPath)}";
        if (tls.ClientCertificatePath is not { Length: > 0 } certificate)
        {
            if (!string.IsNullOrWhiteSpace(tls.ClientKeyPath))
            {
                errors.Add($"{certificateKey} is required when {keyKey} is set");
            }
        }
        else if (!File.Exists(certificate))
        {
            errors.Add($"{certificateKey}: '{certificate}' does not exist");
        }
        else if (tls.ClientKeyPath is { Length: > 0 } privateKey && !File.Exists(privateKey))
        {
            errors.Add($"{keyKey}: '{privateKey}' does not exist");
        }
        else
        {
            try
            {
                using var loaded = DicomTls.LoadCertificate(certificate, tls.ClientKeyFile!);
                if (!loaded.HasPrivateKey)
                {
                    errors.Add($"{certificateKey}: '{certificate}' has no private key (give {keyKey})");
                }
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                errors.Add($"{certificateKey}: '{certificate}' cannot be loaded as a PEM certificate with its private key: {e.Message}");
            }
        }

        if (tls.ServerName is { } serverName && Uri.CheckHostName(serverName.Trim()) == UriHostNameType.Unknown)
        {
            errors.Add($"{key}:{nameof(tls.ServerName)} is '{serverName}'; use a host name or an IP address");
        }
    }

    private static ValidateOptionsResult Fail(string message) => ValidateOptionsResult.Fail(message);

    private static ValidateOptionsResult Result(List<string> errors) => errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex DestinationName();

    [GeneratedRegex(@"^[^\\\x00-\x1f]{1,16}$")]
    private static partial Regex AETitle();
}
