using System.Net;

namespace PlaoImaging.Dicom.Network;

/// <summary>
/// The SCP's answer to an A-ASSOCIATE-RQ (PS3.8 9.2, PS3.7 D.3): reject with the standard's reason, or accept with one
/// outcome per presentation context. A context gets the first transfer syntax in the proposer's order that we accept,
/// so an instance arrives in the syntax the peer holds it in and nothing is transcoded on ingest.
/// </summary>
internal sealed class AssociationNegotiator
{
    private static readonly DicomTransferSyntax[] Native =
    [
        DicomTransferSyntax.ExplicitVRLittleEndian,
        DicomTransferSyntax.ImplicitVRLittleEndian,
        DicomTransferSyntax.DeflatedExplicitVRLittleEndian,
        DicomTransferSyntax.ExplicitVRBigEndian,
    ];

    private static readonly Lazy<HashSet<string>> StorageClasses = new(() =>
        DicomUidRegistry.All
            .Where(u => u.Type == DicomUidType.SopClass && u.Name.Contains("Storage", StringComparison.Ordinal) && !u.Name.Contains("Storage Commitment", StringComparison.Ordinal))
            .Select(u => u.Value)
            .ToHashSet(StringComparer.Ordinal));

    private readonly DicomServerOptions options;
    private readonly HashSet<string> transferSyntaxes;

    public AssociationNegotiator(DicomServerOptions options)
    {
        this.options = options;
        var accepted = options.TransferSyntaxes
            ?? [.. Native, .. options.Codecs.All.Select(c => c.TransferSyntax)];
        transferSyntaxes = accepted.Select(t => t.Uid).ToHashSet(StringComparer.Ordinal);
    }

    public bool AcceptsSopClass(string uid, DicomPeer? peer)
    {
        var classes = peer?.SopClasses ?? options.SopClasses;
        return uid == DicomNetworkUids.Verification || (classes ?? StorageClasses.Value).Contains(uid);
    }

    public Pdu Negotiate(AssociateRequestPdu request, EndPoint? remote, bool overLimit, out DicomAssociationInfo? info, out DicomPeer? peer)
    {
        info = null;
        peer = null;
        if ((request.ProtocolVersion & 1) == 0)
        {
            return new AssociateRejectPdu(AssociateRejectResult.Permanent, AssociateRejectSource.ServiceProviderAcse, AssociateRejectReasons.ProtocolVersionNotSupported);
        }

        if (request.ApplicationContextName != DicomApplicationContext.Name)
        {
            return new AssociateRejectPdu(AssociateRejectResult.Permanent, AssociateRejectSource.ServiceUser, AssociateRejectReasons.ApplicationContextNameNotSupported);
        }

        if (options.CalledAETitles.Count > 0 && !options.CalledAETitles.Contains(request.CalledAETitle))
        {
            return new AssociateRejectPdu(AssociateRejectResult.Permanent, AssociateRejectSource.ServiceUser, AssociateRejectReasons.CalledAETitleNotRecognized);
        }

        if (options.Peers.Count > 0)
        {
            var address = (remote as IPEndPoint)?.Address;
            if (address is { IsIPv4MappedToIPv6: true })
            {
                address = address.MapToIPv4();
            }

            peer = options.Peers.FirstOrDefault(p => p.AETitle == request.CallingAETitle
                && (p.Addresses.Count == 0 || (address is not null && p.Addresses.Any(n => n.Contains(address)))));
            if (peer is null)
            {
                return new AssociateRejectPdu(AssociateRejectResult.Permanent, AssociateRejectSource.ServiceUser, AssociateRejectReasons.CallingAETitleNotRecognized);
            }
        }

        if (options.Unavailable?.Invoke() is not null)
        {
            return new AssociateRejectPdu(AssociateRejectResult.Transient, AssociateRejectSource.ServiceProviderPresentation, AssociateRejectReasons.TemporaryCongestion);
        }

        if (overLimit)
        {
            return new AssociateRejectPdu(AssociateRejectResult.Transient, AssociateRejectSource.ServiceProviderPresentation, AssociateRejectReasons.LocalLimitExceeded);
        }

        var results = new List<PresentationContextResult>();
        var accepted = new Dictionary<byte, AcceptedPresentationContext>();
        foreach (var proposal in request.PresentationContexts)
        {
            if (!AcceptsSopClass(proposal.AbstractSyntax, peer) || accepted.ContainsKey(proposal.Id) || (proposal.Id & 1) == 0)
            {
                results.Add(new PresentationContextResult(proposal.Id, PresentationContextOutcome.AbstractSyntaxNotSupported, DicomTransferSyntax.ImplicitVRLittleEndian.Uid));
                continue;
            }

            string? chosen = proposal.TransferSyntaxes.FirstOrDefault(transferSyntaxes.Contains);
            if (chosen is null)
            {
                results.Add(new PresentationContextResult(proposal.Id, PresentationContextOutcome.TransferSyntaxesNotSupported, DicomTransferSyntax.ImplicitVRLittleEndian.Uid));
                continue;
            }

            results.Add(new PresentationContextResult(proposal.Id, PresentationContextOutcome.Acceptance, chosen));
            accepted[proposal.Id] = new AcceptedPresentationContext(proposal.Id, proposal.AbstractSyntax, DicomTransferSyntax.Lookup(chosen));
        }

        var theirs = request.UserInformation;
        var ours = new UserInformation
        {
            MaxPduLength = options.MaxPduLength,
            ImplementationClassUid = DicomImplementation.ClassUid,
            ImplementationVersionName = DicomImplementation.VersionName,

            // One operation at a time (PS3.7 D.3.3.3); roles: the peer may be SCU of what it asked for, never SCP.
            AsynchronousOperationsWindow = theirs.AsynchronousOperationsWindow is null ? null : ((ushort)1, (ushort)1),
            RoleSelections = [.. theirs.RoleSelections
                .Where(r => accepted.Values.Any(c => c.AbstractSyntax == r.SopClassUid))
                .Select(r => new RoleSelection(r.SopClassUid, r.ScuRole, false))],
            UserIdentityServerResponse = theirs.UserIdentity is { PositiveResponseRequested: true } ? ReadOnlyMemory<byte>.Empty : null,
        };

        info = new DicomAssociationInfo
        {
            CallingAETitle = request.CallingAETitle,
            CalledAETitle = request.CalledAETitle,
            RemoteEndPoint = remote,
            PresentationContexts = accepted,
            PeerMaxPduLength = theirs.MaxPduLength,
            PeerImplementationClassUid = theirs.ImplementationClassUid,
            PeerImplementationVersionName = theirs.ImplementationVersionName,
            UserIdentity = theirs.UserIdentity,
        };
        return new AssociateAcceptPdu(request.CalledAETitle, request.CallingAETitle, results, ours);
    }
}
