using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;

namespace PlaoImaging.Worker.Ingest;

/// <summary>
/// The SCP's store handler: indexes each stored instance before the C-STORE response. Success only when the file is on
/// disk (the SCP synced it) and indexed; a database failure answers "out of resources" so that the sender retries, and
/// the file it left is indexed by the start-up recovery if the sender never does.
/// </summary>
public sealed partial class StoreHandler(IngestService ingest, ILogger<StoreHandler> logger) : IDicomStoreHandler
{
    public async ValueTask<DimseStatus> OnStoredAsync(DicomStoredInstance instance, DicomAssociationInfo association, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        try
        {
            await ingest.IndexAsync(new StoredFile(instance.Path, instance.Length, instance.CallingAETitle, instance.ReceivedAt) { Sha256 = instance.DataSetSha256 }, cancellationToken).ConfigureAwait(false);
            return DimseStatus.Success;
        }
        catch (DicomException e)
        {
            LogUnusable(logger, e.Message);
            return DimseStatus.CannotUnderstand;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogIndexFailed(logger, e);
            return DimseStatus.RefusedOutOfResources;
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "A received instance was stored but cannot be indexed: {Reason}")]
    private static partial void LogUnusable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "A received instance could not be indexed; the sender is told to retry")]
    private static partial void LogIndexFailed(ILogger logger, Exception exception);
}
