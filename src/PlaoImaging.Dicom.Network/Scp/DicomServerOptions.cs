using System.Net;
using System.Security.Cryptography.X509Certificates;
using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Network;

/// <summary>A known peer: its calling AE title, the addresses it may connect from (none listed: any) and, optionally, the SOP classes it may send.</summary>
public sealed record DicomPeer(string AETitle)
{
    public IReadOnlyList<IPNetwork> Addresses { get; init; } = [];

    /// <summary>SOP classes this peer may use; null: the server's.</summary>
    public IReadOnlySet<string>? SopClasses { get; init; }
}

/// <summary>TLS for the SCP (PS3.15 B.1): our certificate and, when <see cref="ClientCertificateAuthorities"/> is set, required client certificates issued by one of them.</summary>
public sealed record DicomTlsServerOptions(X509Certificate2 Certificate)
{
    public X509Certificate2Collection? ClientCertificateAuthorities { get; init; }
}

/// <summary>How a <see cref="DicomServer"/> listens, whom it accepts and where it stores.</summary>
public sealed record DicomServerOptions
{
    public string AETitle { get; init; } = "PLAO";

    public IPAddress Address { get; init; } = IPAddress.Any;

    /// <summary>TCP port; 0 picks a free one (see <see cref="DicomServer.Port"/>).</summary>
    public int Port { get; init; } = 11112;

    /// <summary>Folder for received instances; temp files go to its <c>.incoming</c> subfolder (same file system, so the final rename is atomic).</summary>
    public required string StorageDirectory { get; init; }

    /// <summary>Associations served at once; one more is rejected (transient, local-limit-exceeded).</summary>
    public int MaxAssociations { get; init; } = 32;

    /// <summary>The maximum P-DATA-TF PDU length we announce (and accept).</summary>
    public uint MaxPduLength { get; init; } = 256 * 1024;

    /// <summary>ARTIM (PS3.8 9.1.5): how long an open connection may take to send its A-ASSOCIATE-RQ, and to close after release or rejection.</summary>
    public TimeSpan ArtimTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an established association may take to deliver its next whole PDU.</summary>
    public TimeSpan PduTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Called AE titles we answer to; empty: any (PACS often route to a title of their own choosing).</summary>
    public IReadOnlySet<string> CalledAETitles { get; init; } = new HashSet<string>();

    /// <summary>Known peers; empty: anyone may associate.</summary>
    public IReadOnlyList<DicomPeer> Peers { get; init; } = [];

    /// <summary>Abstract syntaxes accepted; null: Verification and every Storage SOP class of the UID registry.</summary>
    public IReadOnlySet<string>? SopClasses { get; init; }

    /// <summary>Transfer syntaxes accepted; null: the native ones and every one <see cref="Codecs"/> decodes.</summary>
    public IReadOnlyList<DicomTransferSyntax>? TransferSyntaxes { get; init; }

    /// <summary>
    /// fsync every instance and its folder before the success response (default). Off, an acknowledged instance may be
    /// lost in a power cut: only for benchmarks and throw-away staging.
    /// </summary>
    public bool SyncToDisk { get; init; } = true;

    public DicomCodecRegistry Codecs { get; init; } = DicomCodecRegistry.CreateDefault();

    public DicomTlsServerOptions? Tls { get; init; }

    /// <summary>Makes the store handler for one association (composition: the host decides, per association).</summary>
    public Func<DicomAssociationInfo, IDicomStoreHandler>? StoreHandlerFactory { get; init; }

    /// <summary>Where a stored instance goes, relative to <see cref="StorageDirectory"/>; default Study/Series/SOPInstance.dcm.</summary>
    public Func<DicomInstanceKeys, string>? RelativePath { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Asked at every A-ASSOCIATE-RQ that passes the AE title and address checks: a reason when the service cannot take
    /// instances now (e.g. its index database is down). The association is then rejected as transient, by the service
    /// provider (presentation) with reason 1, temporary congestion (PS3.8 9.3.4), so that the sender keeps its
    /// instances and tries again later; the reason is logged. Null (or no function): accept.
    /// </summary>
    public Func<string?>? Unavailable { get; init; }
}
