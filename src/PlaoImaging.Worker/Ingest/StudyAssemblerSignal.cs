namespace PlaoImaging.Worker.Ingest;

/// <summary>Wakes the study assembler early (a new instance, a start); it also wakes on its own every poll interval.</summary>
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

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => signal.WaitAsync(timeout, cancellationToken);
}
