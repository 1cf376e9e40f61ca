using System.Net;

namespace PlaoImaging.Dicom.Network;

/// <summary>A presentation context both sides agreed on.</summary>
public sealed record AcceptedPresentationContext(byte Id, string AbstractSyntax, DicomTransferSyntax TransferSyntax);

/// <summary>What an association negotiated (immutable once established): peers, contexts, limits and identity.</summary>
public sealed record DicomAssociationInfo
{
    public required string CallingAETitle { get; init; }

    public required string CalledAETitle { get; init; }

    public EndPoint? RemoteEndPoint { get; init; }

    /// <summary>Accepted presentation contexts by id.</summary>
    public required IReadOnlyDictionary<byte, AcceptedPresentationContext> PresentationContexts { get; init; }

    /// <summary>The most the peer accepts in one P-DATA-TF PDU (0 = no limit).</summary>
    public uint PeerMaxPduLength { get; init; }

    public string PeerImplementationClassUid { get; init; } = string.Empty;

    public string? PeerImplementationVersionName { get; init; }

    /// <summary>The requestor's user identity sub-item, when it sent one (PS3.7 D.3.3.7).</summary>
    public UserIdentityRequest? UserIdentity { get; init; }

    /// <summary>Whether the transport is TLS (PS3.15 B).</summary>
    public bool IsSecure { get; init; }

    /// <summary>The subject of the peer's TLS client certificate, when it presented one.</summary>
    public string? PeerCertificateSubject { get; init; }
}
