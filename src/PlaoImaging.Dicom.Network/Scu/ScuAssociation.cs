using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace PlaoImaging.Dicom.Network;

/// <summary>
/// One association on the requestor side (PS3.8 9.2: Sta4 → Sta5 → Sta6 → Sta7 → Sta1): connect, A-ASSOCIATE-RQ,
/// DIMSE request/response pairs one at a time, then A-RELEASE-RQ. Any protocol error aborts it.
/// </summary>
internal sealed class ScuAssociation : IAsyncDisposable
{
    private readonly DicomClientOptions options;
    private readonly PduChannel channel;
    private readonly MemoryStream command = new();
    private ushort nextMessageId = 1;

    private ScuAssociation(DicomClientOptions options, PduChannel channel, AssociateAcceptPdu accept, IReadOnlyDictionary<byte, AcceptedPresentationContext> contexts)
    {
        this.options = options;
        this.channel = channel;
        Accept = accept;
        Contexts = contexts;
        State = AssociationState.Established;
    }

    public AssociationState State { get; private set; }

    public AssociateAcceptPdu Accept { get; }

    public IReadOnlyDictionary<byte, AcceptedPresentationContext> Contexts { get; }

    public uint PeerMaxPduLength => Accept.UserInformation.MaxPduLength;

    public static async Task<ScuAssociation> OpenAsync(string host, int port, DicomClientOptions options, IReadOnlyList<PresentationContextProposal> proposals, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (var connect = new CancellationTokenSource(options.ConnectTimeout, options.TimeProvider))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connect.Token))
            {
                try
                {
                    await socket.ConnectAsync(host, port, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new DicomNetworkTimeoutException($"no connection to {host}:{port} within {options.ConnectTimeout.TotalSeconds:0.#} s");
                }
                catch (SocketException e)
                {
                    throw new DicomNetworkException($"cannot connect to {host}:{port}: {e.Message}", e);
                }
            }

            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (options.Tls is { } tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                try
                {
                    await ssl.AuthenticateAsClientAsync(ClientTls(tls, host), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
                {
                    await ssl.DisposeAsync().ConfigureAwait(false);
                    throw new DicomNetworkException($"TLS handshake with {host}:{port} failed: {e.Message}", e);
                }
            }

            var channel = new PduChannel(stream, options.MaxPduLength, options.TimeProvider) { WriteTimeout = options.ResponseTimeout };
            try
            {
                var request = new AssociateRequestPdu(options.CalledAETitle, options.CallingAETitle, proposals, new UserInformation
                {
                    MaxPduLength = options.MaxPduLength,
                    ImplementationClassUid = DicomImplementation.ClassUid,
                    ImplementationVersionName = DicomImplementation.VersionName,
                    UserIdentity = options.UserIdentity,
                });
                await channel.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var answer = await channel.ReceiveAsync(options.ArtimTimeout, cancellationToken).ConfigureAwait(false);
                switch (answer)
                {
                    case AssociateAcceptPdu accept:
                    {
                        var contexts = new Dictionary<byte, AcceptedPresentationContext>();
                        foreach (var result in accept.PresentationContexts)
                        {
                            var proposal = proposals.FirstOrDefault(p => p.Id == result.Id);
                            if (result.Outcome != PresentationContextOutcome.Acceptance || proposal is null)
                            {
                                continue;
                            }

                            if (!proposal.TransferSyntaxes.Contains(result.TransferSyntax) || !DicomTransferSyntax.TryLookup(result.TransferSyntax, out var syntax))
                            {
                                throw new DicomNetworkException($"the peer accepted presentation context {result.Id} with transfer syntax {result.TransferSyntax}, which was not proposed");
                            }

                            contexts[result.Id] = new AcceptedPresentationContext(result.Id, proposal.AbstractSyntax, syntax);
                        }

                        return new ScuAssociation(options, channel, accept, contexts);
                    }

                    case AssociateRejectPdu reject:
                        throw new DicomAssociationRejectedException(reject);
                    case AbortPdu abort:
                        throw new DicomAssociationAbortedException(abort, byPeer: true);
                    default:
                        throw new DicomNetworkException($"the peer answered A-ASSOCIATE-RQ with {DicomPduException.PduTypeName(answer.Type)}");
                }
            }
            catch
            {
                await TryAbortAsync(channel).ConfigureAwait(false);
                await channel.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static SslClientAuthenticationOptions ClientTls(DicomTlsClientOptions tls, string host) => new()
    {
        TargetHost = tls.TargetHost ?? host,
        ClientCertificates = tls.ClientCertificate is null ? null : [tls.ClientCertificate],
        EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
        RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (tls.AllowUntrustedServer)
            {
                return true;
            }

            if (tls.TrustedAuthorities is null)
            {
                return errors == SslPolicyErrors.None;
            }

            // Our own authorities decide the chain; the name must still match.
            return certificate is not null
                && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                && DicomTls.ChainsTo(new X509Certificate2(certificate), tls.TrustedAuthorities);
        },
    };

    /// <summary>Message IDs 1, 2, … 65535, 1, … (0 is avoided: some peers treat it as unset).</summary>
    public ushort NextMessageId()
    {
        ushort id = nextMessageId;
        nextMessageId = nextMessageId == ushort.MaxValue ? (ushort)1 : (ushort)(nextMessageId + 1);
        return id;
    }

    public async Task SendCommandAsync(byte contextId, DimseCommand request, CancellationToken cancellationToken)
    {
        EnsureEstablished();
        await channel.SendMessagePartAsync(contextId, isCommand: true, request.Encode(), PeerMaxPduLength, cancellationToken).ConfigureAwait(false);
    }

    public async Task SendDataSetAsync(byte contextId, ReadOnlyMemory<byte> dataSet, CancellationToken cancellationToken) =>
        await channel.SendMessagePartAsync(contextId, isCommand: false, dataSet, PeerMaxPduLength, cancellationToken).ConfigureAwait(false);

    public async Task SendDataSetAsync(byte contextId, Stream dataSet, CancellationToken cancellationToken) =>
        await channel.SendDataSetAsync(contextId, dataSet, PeerMaxPduLength, cancellationToken).ConfigureAwait(false);

    /// <summary>Waits for the response to <paramref name="messageId"/> (DIMSE timeout); data sets of responses are read and dropped.</summary>
    public async Task<DimseCommand> ReceiveResponseAsync(ushort messageId, CancellationToken cancellationToken)
    {
        EnsureEstablished();
        command.SetLength(0);
        while (true)
        {
            var pdu = await channel.ReceiveAsync(options.ResponseTimeout, cancellationToken).ConfigureAwait(false);
            switch (pdu)
            {
                case DataTransferPdu data:
                    foreach (var value in data.Values)
                    {
                        if (!value.IsCommand)
                        {
                            continue; // a response data set (not used by C-ECHO or C-STORE)
                        }

                        command.Write(value.Data.Span);
                        if (command.Length > 64 * 1024)
                        {
                            throw new DicomNetworkException("a response command set longer than 64 KiB");
                        }

                        if (value.IsLast)
                        {
                            var response = DimseCommand.Decode(command.ToArray());
                            command.SetLength(0);
                            if (response.IsRequest)
                            {
                                throw new DicomNetworkException($"the peer sent a request ({response.CommandField}) while we waited for a response");
                            }

                            if (response.MessageIdBeingRespondedTo == messageId && response.Status.Category != DimseStatusCategory.Pending)
                            {
                                return response;
                            }
                        }
                    }

                    break;
                case AbortPdu abort:
                    State = AssociationState.Idle;
                    throw new DicomAssociationAbortedException(abort, byPeer: true);
                default:
                    throw new DicomNetworkException($"unexpected {DicomPduException.PduTypeName(pdu.Type)} while waiting for a response");
            }
        }
    }

    /// <summary>A-RELEASE-RQ, then A-RELEASE-RP within ARTIM; a peer that does not answer is aborted.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (State != AssociationState.Established)
        {
            return;
        }

        State = AssociationState.AwaitingReleaseResponse;
        await channel.SendAsync(new ReleaseRequestPdu(), cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var pdu = await channel.ReceiveAsync(options.ArtimTimeout, cancellationToken).ConfigureAwait(false);
                if (pdu is ReleaseResponsePdu or AbortPdu)
                {
                    break;
                }

                if (pdu is ReleaseRequestPdu)
                {
                    // Release collision (PS3.8 Sta9 ff.): the requestor answers.
                    await channel.SendAsync(new ReleaseResponsePdu(), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (DicomNetworkTimeoutException)
        {
            await TryAbortAsync(channel).ConfigureAwait(false);
        }

        State = AssociationState.Idle;
    }

    public async Task AbortAsync()
    {
        if (State is AssociationState.Established or AssociationState.AwaitingReleaseResponse)
        {
            await TryAbortAsync(channel).ConfigureAwait(false);
        }

        State = AssociationState.Idle;
    }

    private static async Task TryAbortAsync(PduChannel channel)
    {
        try
        {
            await channel.SendAsync(new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or SocketException)
        {
        }
    }

    private void EnsureEstablished()
    {
        if (State != AssociationState.Established)
        {
            throw new InvalidOperationException($"the association is {State}, not established");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await channel.DisposeAsync().ConfigureAwait(false);
        await command.DisposeAsync().ConfigureAwait(false);
    }
}
