using System.Collections.Concurrent;

namespace PlaoImaging.Dicom.Network.Tests.Support;

/// <summary>One call of the store handler: when (in the shared sequence), what, over which association, and whether the file was in place then.</summary>
internal sealed record HandledInstance(long Sequence, DicomStoredInstance Instance, DicomAssociationInfo Association, bool FileInPlace, long FileLength);

/// <summary>A shared clock of events: a strictly increasing number, so that the order of two events is a comparison, not a time.</summary>
internal sealed class EventSequence
{
    private long last;

    public long Next() => Interlocked.Increment(ref last);
}

/// <summary>
/// An <see cref="IDicomStoreHandler"/> test double: records every instance it is told of (with a number from the shared
/// sequence) and answers with the status <see cref="Respond"/> gives, or throws what it throws.
/// </summary>
internal sealed class RecordingStoreHandler(EventSequence sequence) : IDicomStoreHandler
{
    private readonly ConcurrentQueue<HandledInstance> handled = new();

    public Func<DicomStoredInstance, DimseStatus> Respond { get; init; } = _ => DimseStatus.Success;

    public IReadOnlyList<HandledInstance> Handled => [.. handled];

    public ValueTask<DimseStatus> OnStoredAsync(DicomStoredInstance instance, DicomAssociationInfo association, CancellationToken cancellationToken)
    {
        var file = new FileInfo(instance.Path);
        handled.Enqueue(new HandledInstance(sequence.Next(), instance, association, file.Exists, file.Exists ? file.Length : -1));
        return ValueTask.FromResult(Respond(instance));
    }
}

/// <summary>Records each store outcome the client reports, numbered from the shared sequence (synchronously: no context posting).</summary>
internal sealed class RecordingProgress(EventSequence sequence) : IProgress<DicomStoreProgress>
{
    private readonly ConcurrentQueue<(long Sequence, DicomStoreOutcome Outcome)> reports = new();

    public IReadOnlyList<(long Sequence, DicomStoreOutcome Outcome)> Reports => [.. reports];

    public void Report(DicomStoreProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        reports.Enqueue((sequence.Next(), value.Latest));
    }
}
