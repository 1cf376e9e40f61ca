using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace PlaoImaging.Dicom.Network;

/// <summary>
/// One association on the SCP side, driven through the states of PS3.8 9.2: Sta2 (transport open, ARTIM running) →
/// Sta3 (A-ASSOCIATE-RQ received) → Sta6 (established) → Sta13 (released or rejected: wait for the peer to close, ARTIM).
/// Any PDU that is not valid in the current state, and any malformed one, aborts the association (A-ABORT, service
/// provider, with the reason) — and a data set that did not arrive whole is removed, never reported as stored.
/// </summary>
internal sealed partial class ScpAssociation
{
    private const int MaxCommandLength = 64 * 1024;

    private readonly DicomServer server;
    private readonly DicomServerOptions options;
    private readonly PduChannel channel;
    private readonly EndPoint? remote;
    private readonly bool secure;
    private readonly string? clientCertificate;
    private readonly ILogger logger;

    private AssociationState state = AssociationState.TransportOpen;
    private DicomAssociationInfo? info;
    private DicomPeer? peer;
    private IDicomStoreHandler? handler;

    // The message being received.
    private readonly MemoryStream command = new();
    private byte commandContext;
    private DimseCommand? pending;
    private FileStream? dataFile;
    private string? dataTempPath;
    private IncrementalHash? dataHash;
    private long dataBytes;
    private DimseStatus? refusal;

    public ScpAssociation(DicomServer server, DicomServerOptions options, PduChannel channel, EndPoint? remote, bool secure, string? clientCertificate, ILogger logger)
    {
        this.server = server;
        this.options = options;
        this.channel = channel;
        this.remote = remote;
        this.secure = secure;
        this.clientCertificate = clientCertificate;
        this.logger = logger;
    }

    public async Task RunAsync(bool overLimit, CancellationTokenSource association)
    {
        var token = association.Token;
        try
        {
            // Sta2: ARTIM runs until the A-ASSOCIATE-RQ is complete; on expiry the connection is simply closed (AA-2).
            Pdu first;
            try
            {
                first = await channel.ReceiveAsync(options.ArtimTimeout, token).ConfigureAwait(false);
            }
            catch (DicomNetworkTimeoutException e)
            {
                state = AssociationState.Idle;
                LogProtocolError(logger, remote, $"ARTIM expired before A-ASSOCIATE-RQ: {e.Message}");
                return;
            }

            if (first is not AssociateRequestPdu request)
            {
                // AA-1 (PS3.8 Table 9-9): A-ABORT with service-user source from Sta2.
                await AbortAsync(AbortReason.UnexpectedPdu, token).ConfigureAwait(false);
                return;
            }

            state = AssociationState.AwaitingLocalResponse;
            var answer = server.Negotiator.Negotiate(request, remote, overLimit, out info, out peer);
            if (answer is AssociateRejectPdu reject)
            {
                LogRejected(logger, request.CallingAETitle, request.CalledAETitle, remote, reject.Describe());
                await channel.SendAsync(reject, token).ConfigureAwait(false);
                state = AssociationState.AwaitingClose;
                await channel.WaitForCloseAsync(options.ArtimTimeout, token).ConfigureAwait(false);
                return;
            }

            info = info! with { IsSecure = secure, PeerCertificateSubject = clientCertificate };
            handler = options.StoreHandlerFactory?.Invoke(info);
            await channel.SendAsync(answer, token).ConfigureAwait(false);
            state = AssociationState.Established;
            LogAccepted(logger, info.CallingAETitle, info.CalledAETitle, remote, info.PresentationContexts.Count);

            while (state == AssociationState.Established)
            {
                var pdu = await channel.ReceiveAsync(options.PduTimeout, token).ConfigureAwait(false);
                switch (pdu)
                {
                    case DataTransferPdu data:
                        foreach (var value in data.Values)
                        {
                            await OnDataValueAsync(value, token).ConfigureAwait(false);
                        }

                        break;
                    case ReleaseRequestPdu:
                        if (pending is not null)
                        {
                            // A release in the middle of a message: the data set is incomplete.
                            await AbortAsync(AbortReason.UnexpectedPdu, token).ConfigureAwait(false);
                            return;
                        }

                        await channel.SendAsync(new ReleaseResponsePdu(), token).ConfigureAwait(false);
                        state = AssociationState.AwaitingClose;
                        await channel.WaitForCloseAsync(options.ArtimTimeout, token).ConfigureAwait(false);
                        break;
                    case AbortPdu abort:
                        state = AssociationState.Idle;
                        LogPeerAborted(logger, remote, abort.Describe());
                        return;
                    default:
                        await AbortAsync(AbortReason.UnexpectedPdu, token).ConfigureAwait(false);
                        return;
                }
            }
        }
        catch (DicomPduException e)
        {
            LogProtocolError(logger, remote, e.Message);
            await AbortAsync(e.Field == "PDU-type" ? AbortReason.UnrecognizedPdu : AbortReason.InvalidPduParameterValue, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DicomNetworkTimeoutException e)
        {
            LogProtocolError(logger, remote, e.Message);
            await AbortAsync(AbortReason.NotSpecified, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DicomNetworkException e)
        {
            LogProtocolError(logger, remote, e.Message);
            await AbortAsync(AbortReason.UnexpectedPduParameter, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            LogProtocolError(logger, remote, e.Message);
        }
        finally
        {
            // Whatever happened, a data set in progress was not acknowledged: remove it. Handlers see the abort.
            InstanceStorage.Discard(dataFile, dataTempPath);
            dataFile = null;
            DropHash();
            if (!association.IsCancellationRequested)
            {
                await association.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private async ValueTask OnDataValueAsync(PresentationDataValue value, CancellationToken token)
    {
        if (!info!.PresentationContexts.TryGetValue(value.PresentationContextId, out var context))
        {
            throw new DicomNetworkException($"a PDV uses presentation context {value.PresentationContextId}, which was not accepted");
        }

        if (value.IsCommand)
        {
            if (pending is not null)
            {
                throw new DicomNetworkException("a command fragment arrived while the previous message's data set was incomplete");
            }

            if (command.Length == 0)
            {
                commandContext = value.PresentationContextId;
            }
            else if (commandContext != value.PresentationContextId)
            {
                throw new DicomNetworkException("the fragments of one command use different presentation contexts");
            }

            if (command.Length + value.Data.Length > MaxCommandLength)
            {
                throw new DicomNetworkException($"a command set longer than {MaxCommandLength} bytes");
            }

            command.Write(value.Data.Span);
            if (!value.IsLast)
            {
                return;
            }

            var request = DimseCommand.Decode(command.ToArray());
            command.SetLength(0);
            await OnCommandAsync(request, context, token).ConfigureAwait(false);
            return;
        }

        if (pending is null || value.PresentationContextId != commandContext)
        {
            throw new DicomNetworkException(pending is null
                ? "a data set fragment arrived without a command that announced one"
                : "a data set fragment uses another presentation context than its command");
        }

        dataBytes += value.Data.Length;
        if (dataFile is not null)
        {
            try
            {
                await server.Storage.WriteAsync(dataFile, value.Data, token).ConfigureAwait(false);
                dataHash?.AppendData(value.Data.Span);
            }
            catch (IOException e)
            {
                // A full or failing disk: the rest of the data set is drained and the instance refused (A700), so the
                // sender keeps it and the association stays usable.
                RefuseUnwritable(pending.AffectedSopInstanceUid, e);
            }
        }

        if (value.IsLast)
        {
            var request = pending;
            pending = null;
            await CompleteStoreAsync(request, context, token).ConfigureAwait(false);
        }
    }

    private async ValueTask OnCommandAsync(DimseCommand request, AcceptedPresentationContext context, CancellationToken token)
    {
        if (!request.IsRequest)
        {
            throw new DicomNetworkException($"the SCP received a response ({request.CommandField}) it did not ask for");
        }

        switch (request.CommandField)
        {
            case DimseCommandField.CEchoRequest when !request.HasDataSet:
                await SendCommandAsync(DimseCommand.EchoResponse(request, DimseStatus.Success), context.Id, token).ConfigureAwait(false);
                return;
            case DimseCommandField.CStoreRequest when request.HasDataSet:
                BeginStore(request, context);
                return;
            default:
                // An operation we do not provide: drain its data set, then answer 0211.
                refusal = DimseStatus.UnrecognizedOperation;
                if (request.HasDataSet)
                {
                    pending = request;
                    return;
                }

                await SendCommandAsync(DimseCommand.GenericResponse(request, DimseStatus.UnrecognizedOperation), context.Id, token).ConfigureAwait(false);
                refusal = null;
                return;
        }
    }

    private void BeginStore(DimseCommand request, AcceptedPresentationContext context)
    {
        pending = request;
        dataBytes = 0;
        refusal = null;
        string? sopClass = request.AffectedSopClassUid;
        string? sopInstance = request.AffectedSopInstanceUid;
        if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(sopInstance))
        {
            refusal = DimseStatus.MissingAttribute;
            return;
        }

        if (sopClass != context.AbstractSyntax || !server.Negotiator.AcceptsSopClass(sopClass, peer))
        {
            refusal = DimseStatus.RefusedSopClassNotSupported;
            return;
        }

        try
        {
            dataFile = server.Storage.Create(sopClass, sopInstance, context.TransferSyntax, info!.CallingAETitle, out dataTempPath);
            dataHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }
        catch (DicomException e) when (e is DicomWriteException or DicomValueException)
        {
            // UIDs that cannot go into a File Meta Information group: the data set is drained and refused.
            refusal = DimseStatus.InvalidArgumentValue;
        }
        catch (IOException e)
        {
            RefuseUnwritable(sopInstance, e);
        }
    }

    private void DropHash()
    {
        dataHash?.Dispose();
        dataHash = null;
    }

    private void RefuseUnwritable(string? sopInstanceUid, IOException e)
    {
        InstanceStorage.Discard(dataFile, dataTempPath);
        dataFile = null;
        dataTempPath = null;
        DropHash();
        LogStoreFailed(logger, sopInstanceUid, e.Message);
        refusal = DimseStatus.RefusedOutOfResources;
    }

    private async ValueTask CompleteStoreAsync(DimseCommand request, AcceptedPresentationContext context, CancellationToken token)
    {
        if (request.CommandField != DimseCommandField.CStoreRequest || refusal is { } refused)
        {
            DropHash();
            var status = refusal ?? DimseStatus.UnrecognizedOperation;
            refusal = null;
            await SendCommandAsync(
                request.CommandField == DimseCommandField.CStoreRequest ? DimseCommand.StoreResponse(request, status) : DimseCommand.GenericResponse(request, status),
                context.Id,
                token).ConfigureAwait(false);
            return;
        }

        var file = dataFile!;
        string temp = dataTempPath!;
        string? sha256 = dataHash is { } hash ? Convert.ToHexStringLower(hash.GetHashAndReset()) : null;
        dataFile = null;
        dataTempPath = null;
        DropHash();
        DimseStatus response;
        string? comment = null;
        try
        {
            var (path, keys, length) = server.Storage.Commit(file, temp);
            response = keys.SopClassUid != request.AffectedSopClassUid || keys.SopInstanceUid != request.AffectedSopInstanceUid
                ? DimseStatus.DataSetDoesNotMatchSopClassWarning
                : DimseStatus.Success;
            if (!response.IsSuccess)
            {
                comment = "SOP Class/Instance UID of the data set differ from the command";
            }

            var stored = new DicomStoredInstance(path, length, context.TransferSyntax, keys, info!.CallingAETitle, options.TimeProvider.GetUtcNow()) { DataSetSha256 = sha256 };
            LogStored(logger, keys.SopInstanceUid, path, length);
            if (handler is not null)
            {
                try
                {
                    var handled = await handler.OnStoredAsync(stored, info, token).ConfigureAwait(false);
                    if (!handled.IsSuccess)
                    {
                        response = handled;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    LogHandlerFailed(logger, keys.SopInstanceUid, e.Message);
                    response = DimseStatus.ProcessingFailure;
                    comment = "the receiving application failed";
                }
            }
        }
        catch (DicomException e) when (e is not DicomNetworkException)
        {
            // Not readable as DICOM: the temp file is gone; say so (C000) instead of storing garbage.
            response = DimseStatus.CannotUnderstand;
            comment = e.Message;
        }
        catch (IOException e)
        {
            InstanceStorage.Discard(file, temp);
            LogStoreFailed(logger, request.AffectedSopInstanceUid, e.Message);
            response = DimseStatus.RefusedOutOfResources;
            comment = "the instance could not be written";
        }

        await SendCommandAsync(DimseCommand.StoreResponse(request, response, comment), context.Id, token).ConfigureAwait(false);
    }

    private ValueTask SendCommandAsync(DimseCommand response, byte contextId, CancellationToken token) =>
        channel.SendMessagePartAsync(contextId, isCommand: true, response.Encode(), info!.PeerMaxPduLength, token);

    /// <summary>
    /// Sends A-ABORT: from Sta2 (nothing associated yet) with service-user source (AA-1, PS3.8 Table 9-9), otherwise
    /// with service-provider source and the reason (AA-8).
    /// </summary>
    private async ValueTask AbortAsync(AbortReason reason, CancellationToken token)
    {
        var abort = state == AssociationState.TransportOpen
            ? new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified)
            : new AbortPdu(AbortSource.ServiceProvider, reason);
        state = AssociationState.Idle;
        try
        {
            await channel.SendAsync(abort, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or NotSupportedException)
        {
            // The transport is gone already.
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "association {Calling} → {Called} from {Remote} accepted ({Contexts} presentation contexts)")]
    private static partial void LogAccepted(ILogger logger, string calling, string called, EndPoint? remote, int contexts);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "association {Calling} → {Called} from {Remote} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string calling, string called, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "association from {Remote} aborted by the peer: {Reason}")]
    private static partial void LogPeerAborted(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "association from {Remote} aborted: {Reason}")]
    private static partial void LogProtocolError(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Debug, Message = "stored {SopInstanceUid} at {Path} ({Length} bytes)")]
    private static partial void LogStored(ILogger logger, string sopInstanceUid, string path, long length);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Error, Message = "the store handler failed for {SopInstanceUid}: {Reason}")]
    private static partial void LogHandlerFailed(ILogger logger, string sopInstanceUid, string reason);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Error, Message = "storing {SopInstanceUid} failed: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, string? sopInstanceUid, string reason);
}
