using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom.Network;

namespace PlaoImaging.Dicom.Hosting;

/// <summary>
/// Checks <see cref="DicomScpSettings"/> at host start. Every failure names the configuration key it is about
/// (<c>Dicom:Scp:Port: 70000 is not a TCP port ...</c>), all failures are reported together, and the storage root is
/// created and written to once, so a folder the service cannot use stops the host instead of the first C-STORE.
/// </summary>
public sealed class DicomScpSettingsValidator : IValidateOptions<DicomScpSettings>
{
    private const int MaxAETitleLength = 16;
    private const int MaxUidLength = 64;

    private readonly string prefix;

    /// <param name="sectionPath">The configuration path the settings come from, used in the messages (e.g. <c>Dicom:Scp</c>).</param>
    public DicomScpSettingsValidator(string sectionPath)
    {
        ArgumentNullException.ThrowIfNull(sectionPath);
        prefix = sectionPath.Length == 0 ? string.Empty : sectionPath + ":";
    }

    public ValidateOptionsResult Validate(string? name, DicomScpSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Fail(string key, string message) => failures.Add($"{prefix}{key}: {message}");

        if (AETitleProblem(options.AETitle) is { } aeProblem)
        {
            Fail(nameof(DicomScpSettings.AETitle), aeProblem);
        }

        if (options.Port is < 0 or > IPEndPoint.MaxPort)
        {
            Fail(nameof(DicomScpSettings.Port), $"{options.Port.ToString(CultureInfo.InvariantCulture)} is not a TCP port (1-65535, or 0 to pick a free one)");
        }

        if (!IPAddress.TryParse(options.BindAddress ?? string.Empty, out _))
        {
            Fail(nameof(DicomScpSettings.BindAddress), $"'{options.BindAddress}' is not an IP address (e.g. 0.0.0.0, 127.0.0.1, ::)");
        }

        if (options.MaxAssociations < 1)
        {
            Fail(nameof(DicomScpSettings.MaxAssociations), $"{options.MaxAssociations.ToString(CultureInfo.InvariantCulture)} is not a number of associations (at least 1)");
        }

        CheckTimeout(options.ArtimTimeout, nameof(DicomScpSettings.ArtimTimeout), Fail);
        CheckTimeout(options.PduTimeout, nameof(DicomScpSettings.PduTimeout), Fail);

        for (int i = 0; i < options.AcceptedCallingAETitles.Count; i++)
        {
            if (AETitleProblem(options.AcceptedCallingAETitles[i]) is { } problem)
            {
                Fail($"{nameof(DicomScpSettings.AcceptedCallingAETitles)}:{i.ToString(CultureInfo.InvariantCulture)}", problem);
            }
        }

        for (int i = 0; i < options.AcceptedCallingAddresses.Count; i++)
        {
            if (!TryParseNetwork(options.AcceptedCallingAddresses[i], out _))
            {
                Fail($"{nameof(DicomScpSettings.AcceptedCallingAddresses)}:{i.ToString(CultureInfo.InvariantCulture)}", $"'{options.AcceptedCallingAddresses[i]}' is not an IP address or CIDR network (e.g. 10.1.2.3, 10.0.0.0/8)");
            }
        }

        if (options.AcceptedCallingAddresses.Count > 0 && options.AcceptedCallingAETitles.Count == 0)
        {
            Fail(nameof(DicomScpSettings.AcceptedCallingAddresses), $"an address allow-list needs {nameof(DicomScpSettings.AcceptedCallingAETitles)} too (the server matches a peer by its calling AE title, then by address)");
        }

        for (int i = 0; i < options.AcceptedSopClasses.Count; i++)
        {
            if (!IsUid(options.AcceptedSopClasses[i]))
            {
                Fail($"{nameof(DicomScpSettings.AcceptedSopClasses)}:{i.ToString(CultureInfo.InvariantCulture)}", $"'{options.AcceptedSopClasses[i]}' is not a UID (digits and dots, at most 64 characters)");
            }
        }

        if (StorageRootProblem(options.StorageRoot) is { } storageProblem)
        {
            Fail(nameof(DicomScpSettings.StorageRoot), storageProblem);
        }

        if (options.Tls is { } tls)
        {
            CheckTls(tls, Fail);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>An IP literal (a host network: /32 or /128) or a CIDR network.</summary>
    internal static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (!IPAddress.TryParse(text, out var address))
        {
            return false;
        }

        network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    private static string? AETitleProblem(string? title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            return "an AE title may not be empty or only spaces";
        }

        if (title.Length > MaxAETitleLength)
        {
            return $"'{title}' has {title.Length.ToString(CultureInfo.InvariantCulture)} characters; an AE title has at most {MaxAETitleLength.ToString(CultureInfo.InvariantCulture)}";
        }

        if (title.Contains('\\', StringComparison.Ordinal))
        {
            return $"'{title}' contains a backslash, which an AE title may not";
        }

        if (title.Any(char.IsControl))
        {
            return "the AE title contains a control character";
        }

        return DicomAETitle.IsValid(title) ? null : $"'{title}' is not a valid AE title (ASCII letters, digits, spaces and punctuation)";
    }

    private static void CheckTimeout(TimeSpan value, string key, Action<string, string> fail)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
        {
            fail(key, $"{value.ToString("c", CultureInfo.InvariantCulture)} is not a timeout (more than zero, at most one day; format hh:mm:ss)");
        }
    }

    private static bool IsUid(string? uid) =>
        !string.IsNullOrEmpty(uid) && uid.Length <= MaxUidLength && uid[0] != '.' && uid[^1] != '.'
        && uid.All(c => c is '.' or (>= '0' and <= '9')) && !uid.Contains("..", StringComparison.Ordinal);

    private static string? StorageRootProblem(string? root)
    {
        if (string.IsNullOrWhiteSpace(root))
        {
            return "a storage folder is required";
        }

        try
        {
            string full = Path.GetFullPath(root);
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, ".write-probe-" + Guid.NewGuid().ToString("N"));
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"'{root}' cannot be created or written to: {e.Message}";
        }
    }

    private static void CheckTls(DicomScpTlsSettings tls, Action<string, string> fail)
    {
        const string Tls = nameof(DicomScpSettings.Tls);
        bool filesPresent = true;
        if (string.IsNullOrWhiteSpace(tls.CertificatePath))
        {
            fail($"{Tls}:{nameof(DicomScpTlsSettings.CertificatePath)}", "TLS is configured but no certificate is given");
            filesPresent = false;
        }
        else if (!File.Exists(tls.CertificatePath))
        {
            fail($"{Tls}:{nameof(DicomScpTlsSettings.CertificatePath)}", $"'{tls.CertificatePath}' does not exist");
            filesPresent = false;
        }

        if (tls.KeyPath is { Length: > 0 } key && !File.Exists(key))
        {
            fail($"{Tls}:{nameof(DicomScpTlsSettings.KeyPath)}", $"'{key}' does not exist");
            filesPresent = false;
        }

        if (tls.ClientCertificateAuthoritiesPath is { Length: > 0 } ca)
        {
            if (!File.Exists(ca))
            {
                fail($"{Tls}:{nameof(DicomScpTlsSettings.ClientCertificateAuthoritiesPath)}", $"'{ca}' does not exist");
            }
            else
            {
                try
                {
                    _ = DicomTls.LoadAuthorities(ca);
                }
                catch (Exception e) when (e is CryptographicException or IOException or ArgumentException or DicomException)
                {
                    fail($"{Tls}:{nameof(DicomScpTlsSettings.ClientCertificateAuthoritiesPath)}", $"'{ca}' cannot be read as PEM certificates: {e.Message}");
                }
            }
        }

        if (filesPresent)
        {
            try
            {
                using var certificate = DicomScpServerOptions.LoadCertificate(tls);
            }
            catch (Exception e) when (e is CryptographicException or IOException or ArgumentException or DicomException)
            {
                fail($"{Tls}:{nameof(DicomScpTlsSettings.CertificatePath)}", $"'{tls.CertificatePath}' cannot be loaded as a certificate with its private key: {e.Message}");
            }
        }
    }
}
