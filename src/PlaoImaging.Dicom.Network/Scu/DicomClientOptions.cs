using System.Security.Cryptography.X509Certificates;
using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Network;

/// <summary>TLS for the SCU (PS3.15 B.1): whom to trust and, optionally, our client certificate.</summary>
public sealed record DicomTlsClientOptions
{
    /// <summary>Authorities the server certificate must chain to; null: the system's trust store.</summary>
    public X509Certificate2Collection? TrustedAuthorities { get; init; }

    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Accept any server certificate (tests and closed networks only).</summary>
    public bool AllowUntrustedServer { get; init; }

    /// <summary>The name to check the server certificate against; null: the host name connected to.</summary>
    public string? TargetHost { get; init; }
}

/// <summary>How a <see cref="DicomClient"/> associates and how long it waits.</summary>
public sealed record DicomClientOptions
{
    public string CallingAETitle { get; init; } = "PLAO";

    public string CalledAETitle { get; init; } = "ANY-SCP";

    /// <summary>The maximum P-DATA-TF PDU length we announce.</summary>
    public uint MaxPduLength { get; init; } = 256 * 1024;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>ARTIM: how long the peer may take to answer A-ASSOCIATE-RQ and A-RELEASE-RQ.</summary>
    public TimeSpan ArtimTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the peer may take to answer one DIMSE request (after we have sent it whole).</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(120);

    public DicomTlsClientOptions? Tls { get; init; }

    public UserIdentityRequest? UserIdentity { get; init; }

    /// <summary>Decoders for transcoding when the peer refuses a file's own transfer syntax.</summary>
    public DicomCodecRegistry Codecs { get; init; } = DicomCodecRegistry.CreateDefault();

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How much of each file a C-STORE of files reads before sending it (see <see cref="DicomStoreFileReading"/>).</summary>
    public DicomStoreFileReading FileReading { get; init; } = DicomStoreFileReading.Header;
}

/// <summary>How much of a file the SCU reads before it sends the file with C-STORE.</summary>
public enum DicomStoreFileReading
{
    /// <summary>
    /// The data set up to its pixel data: the SOP Class and Instance UIDs come from the data set, and a file whose
    /// header the reader had to tolerate (read warnings) is re-encoded rather than sent byte for byte. For files from
    /// anywhere.
    /// </summary>
    Header,

    /// <summary>
    /// The File Meta Information only: the Media Storage SOP Class and Instance UIDs and the transfer syntax named there,
    /// and the data set sent byte for byte without being read. For files this application wrote itself, whose meta group
    /// agrees with their data set; a large structured report then costs no parse before it is sent. A file without a
    /// preamble, or whose meta group lacks either UID, is read as <see cref="Header"/> reads it.
    /// </summary>
    FileMetaInformation,
}

/// <summary>What became of one file of a C-STORE run.</summary>
public enum DicomStoreResult
{
    Success,
    Warning,
    Failure,

    /// <summary>Not a readable DICOM instance: nothing was sent.</summary>
    Skipped,

    /// <summary>Not sent: no acceptable presentation context, or the association failed before its turn.</summary>
    NotSent,
}

/// <summary>
/// The outcome of one file or in-memory instance (<see cref="Path"/> empty): reported once per attempt; whether to
/// retry is the caller's decision.
/// </summary>
public sealed record DicomStoreOutcome(string Path, DicomStoreResult Result, string Message)
{
    /// <summary>Why an instance was not sent, when a typed error says it (an instance that cannot be encoded in an accepted syntax).</summary>
    public DicomException? Error { get; init; }

    public string? SopInstanceUid { get; init; }

    /// <summary>The C-STORE-RSP status, when a response came.</summary>
    public DimseStatus? Status { get; init; }

    /// <summary>The transfer syntax the data set was sent in (differs from the file's when the peer made us transcode).</summary>
    public DicomTransferSyntax? SentTransferSyntax { get; init; }

    /// <summary>The transfer syntax of the file itself.</summary>
    public DicomTransferSyntax? FileTransferSyntax { get; init; }

    /// <summary>Whether the data set went out in another transfer syntax than the file's (the peer refused the file's own).</summary>
    public bool Transcoded => SentTransferSyntax is not null && FileTransferSyntax is not null && SentTransferSyntax != FileTransferSyntax;

    public long Bytes { get; init; }
}

/// <summary>
/// An instance held in memory cannot be encoded in any transfer syntax the peer accepted for its SOP class (for
/// example its pixel data is encapsulated in a syntax the peer refused and no codec here decodes it). Nothing was sent.
/// </summary>
public class DicomStoreEncodingException : DicomNetworkException
{
    public DicomStoreEncodingException()
    {
    }

    public DicomStoreEncodingException(string message) : base(message)
    {
    }

    public DicomStoreEncodingException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public DicomStoreEncodingException(string sopInstanceUid, DicomTransferSyntax instanceSyntax, IReadOnlyList<DicomTransferSyntax> accepted, Exception? innerException)
        : base(Describe(sopInstanceUid, instanceSyntax, accepted, innerException), innerException)
    {
        SopInstanceUid = sopInstanceUid;
        InstanceTransferSyntax = instanceSyntax;
        AcceptedTransferSyntaxes = accepted;
    }

    public string? SopInstanceUid { get; }

    /// <summary>The syntax the instance is in (that of its encapsulated pixel data, if any).</summary>
    public DicomTransferSyntax? InstanceTransferSyntax { get; }

    /// <summary>What the peer accepted for the instance's SOP class.</summary>
    public IReadOnlyList<DicomTransferSyntax> AcceptedTransferSyntaxes { get; } = [];

    private static string Describe(string sopInstanceUid, DicomTransferSyntax instanceSyntax, IReadOnlyList<DicomTransferSyntax> accepted, Exception? inner)
    {
        var names = accepted.Count == 0 ? "nothing we proposed" : string.Join(", ", accepted.Select(a => a.Name));
        return $"instance {sopInstanceUid} ({instanceSyntax.Name}) cannot be encoded in what the peer accepted ({names})" +
               (inner is null ? string.Empty : ": " + inner.Message);
    }
}

/// <summary>Progress of a C-STORE run: files done of the total, bytes sent so far, and the latest outcome.</summary>
public sealed record DicomStoreProgress(int Done, int Total, long Bytes, DicomStoreOutcome Latest);
