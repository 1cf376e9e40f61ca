using System.Collections.Concurrent;
using PlaoImaging.Dicom.Network;

namespace PlaoImaging.Dicom.Hosting.Tests;

/// <summary>Records every stored instance and acknowledges it.</summary>
internal sealed class RecordingHandler : IDicomStoreHandler
{
    public ConcurrentQueue<DicomStoredInstance> Received { get; } = new();

    public ValueTask<DimseStatus> OnStoredAsync(DicomStoredInstance instance, DicomAssociationInfo association, CancellationToken cancellationToken)
    {
        Received.Enqueue(instance);
        return ValueTask.FromResult(DimseStatus.Success);
    }
}

/// <summary>Holds each instance for <see cref="Hold"/> (infinite: until the association is aborted) after saying it has one.</summary>
internal sealed class HoldingHandler(TimeSpan hold) : IDicomStoreHandler
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TimeSpan Hold { get; } = hold;

    public bool Cancelled { get; private set; }

    public async ValueTask<DimseStatus> OnStoredAsync(DicomStoredInstance instance, DicomAssociationInfo association, CancellationToken cancellationToken)
    {
        Entered.TrySetResult();
        try
        {
            await Task.Delay(Hold, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Cancelled = true;
            throw;
        }

        return DimseStatus.Success;
    }
}
