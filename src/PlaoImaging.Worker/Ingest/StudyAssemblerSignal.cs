namespace PlaoImaging.Worker.Ingest;

/// <summary>
/// Wakes the study assembler early (a new instance, a start); it also wakes on its own when the next quiet period ends,
/// and at least every poll interval.
/// </summary>
public sealed class StudyAssemblerSignal
{
    private readonly SemaphoreSlim signal = new(0, 1);

    public void Wake()
    {
        try
        {
            signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>Waits for <see cref="Wake"/> or for <paramref name="timeout"/> on <paramref name="time"/>'s clock; true when woken.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            await signal.WaitAsync(either.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
