namespace PlaoImaging.Dicom.Hosting;

/// <summary>
/// The storage SCP's settings as they stand in configuration (section <see cref="DefaultSectionPath"/> by default):
/// plain values only, checked at host start by <see cref="DicomScpSettingsValidator"/>; the server's options, its
/// certificate and its handler are made from them by the hosted service.
/// </summary>
public sealed class DicomScpSettings
{
    /// <summary>The configuration section the settings are usually bound from.</summary>
    public const string DefaultSectionPath = "Dicom:Scp";

    /// <summary>Our AE title (1 to 16 characters, no backslash, no control characters).</summary>
    public string AETitle { get; set; } = "PLAO";

    /// <summary>TCP port; 0 lets the system pick a free one (see <see cref="IDicomScpStatus.LocalEndPoint"/>).</summary>
    public int Port { get; set; } = 11112;

    /// <summary>The local address to listen on (an IPv4 or IPv6 literal); 0.0.0.0: every IPv4 interface.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>Folder received instances are stored under (Study/Series/SOPInstance.dcm); created at start when absent.</summary>
    public string StorageRoot { get; set; } = "data/dicom";

    /// <summary>Associations served at once; one more is rejected as transient (local limit exceeded).</summary>
    public int MaxAssociations { get; set; } = 32;

    /// <summary>Reject associations whose called AE title is not <see cref="AETitle"/> (off: PACS often route to a title of their own).</summary>
    public bool RequireCalledAETitle { get; set; }

    /// <summary>Calling AE titles accepted; empty: any.</summary>
    public List<string> AcceptedCallingAETitles { get; set; } = [];

    /// <summary>
    /// Addresses the accepted calling AE titles may connect from, as IP literals or CIDR networks (10.0.0.0/8);
    /// empty: any. Needs <see cref="AcceptedCallingAETitles"/>: peers are matched by title first.
    /// </summary>
    public List<string> AcceptedCallingAddresses { get; set; } = [];

    /// <summary>SOP class UIDs accepted (Verification always is); empty: every Storage SOP class the library knows.</summary>
    public List<string> AcceptedSopClasses { get; set; } = [];

    /// <summary>fsync each instance and its folder before the success response; off only for benchmarks and throw-away staging.</summary>
    public bool SyncToDisk { get; set; } = true;

    /// <summary>How long a new connection may take to send its A-ASSOCIATE-RQ (and to close after release or rejection).</summary>
    public TimeSpan ArtimTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an established association may take to deliver its next whole PDU.</summary>
    public TimeSpan PduTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>TLS (DICOM over TLS, PS3.15 B.1); absent: plain TCP.</summary>
    public DicomScpTlsSettings? Tls { get; set; }
}

/// <summary>
/// The SCP's certificate: either a PKCS#12 file (.pfx / .p12) with its <see cref="Password"/>, or a PEM certificate
/// with its PEM private key (<see cref="KeyPath"/>; absent: the key is in the certificate file).
/// </summary>
public sealed class DicomScpTlsSettings
{
    /// <summary>A PKCS#12 file (.pfx, .p12) or a PEM certificate.</summary>
    public string CertificatePath { get; set; } = string.Empty;

    /// <summary>The PEM private key of a PEM certificate; absent: in the certificate file.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of a PKCS#12 file.</summary>
    public string? Password { get; set; }

    /// <summary>PEM file of the authorities client certificates must chain to; absent: no client certificate is asked for.</summary>
    public string? ClientCertificateAuthoritiesPath { get; set; }
}
