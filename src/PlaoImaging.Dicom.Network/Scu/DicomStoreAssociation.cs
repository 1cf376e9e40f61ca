using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Network;

/// <summary>
/// A C-STORE association kept open across sends (<see cref="DicomClient.OpenStoreAssociationAsync"/>). Each
/// <see cref="StoreAsync"/> sends its files one after another and returns one outcome per file, as
/// <see cref="DicomClient.StoreAsync(IReadOnlyList{string}, IProgress{DicomStoreProgress}?, CancellationToken)"/> does.
/// When the association fails (the network, the peer's abort, a protocol error) it is aborted: the file in flight is a
/// Failure, the files after it are NotSent, and <see cref="IsUsable"/> turns false for good; the caller opens another.
/// One send at a time: calls must not overlap.
/// </summary>
public sealed class DicomStoreAssociation : IAsyncDisposable
{
    private readonly ScuAssociation association;
    private readonly DicomCodecRegistry codecs;
    private readonly DicomStoreFileReading reading;
    private bool broken;
    private int busy;

    internal DicomStoreAssociation(ScuAssociation association, DicomCodecRegistry codecs, DicomStoreFileReading reading, IReadOnlyList<string> sopClassUids)
    {
        this.association = association;
        this.codecs = codecs;
        this.reading = reading;
        ProposedSopClasses = sopClassUids.ToHashSet(StringComparer.Ordinal);
        AcceptedSopClasses = association.Contexts.Values.Select(c => c.AbstractSyntax).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The SOP classes proposed when it was opened.</summary>
    public IReadOnlySet<string> ProposedSopClasses { get; }

    /// <summary>The SOP classes the peer accepted (a file of any other class is NotSent).</summary>
    public IReadOnlySet<string> AcceptedSopClasses { get; }

    /// <summary>True while the association is established and has not failed: another send may use it.</summary>
    public bool IsUsable => !broken && association.State == AssociationState.Established;

    /// <summary>The <see cref="StoreAsync"/> calls made on it so far.</summary>
    public int Sends { get; private set; }

    /// <summary>
    /// Sends <paramref name="files"/> over this association. A file that is not DICOM is Skipped; one whose SOP class
    /// the peer did not accept is NotSent; after a failure of the association, every file left is NotSent. Cancellation
    /// aborts the association and throws.
    /// </summary>
    public async Task<IReadOnlyList<DicomStoreOutcome>> StoreAsync(IReadOnlyList<string> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (Interlocked.Exchange(ref busy, 1) != 0)
        {
            throw new InvalidOperationException("another send is using this association");
        }

        try
        {
            Sends++;
            var outcomes = new DicomStoreOutcome[files.Count];
            for (int i = 0; i < files.Count; i++)
            {
                if (!IsUsable)
                {
                    outcomes[i] = new DicomStoreOutcome(files[i], DicomStoreResult.NotSent, "the association had failed");
                    continue;
                }

                if (!DicomClient.FileEntry.TryRead(files[i], reading, out var entry, out string? problem))
                {
                    outcomes[i] = new DicomStoreOutcome(files[i], DicomStoreResult.Skipped, problem);
                    continue;
                }

                try
                {
                    outcomes[i] = await DicomClient.StoreOneAsync(association, entry, codecs, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is DicomNetworkException or IOException)
                {
                    broken = true;
                    await association.AbortAsync().ConfigureAwait(false);
                    outcomes[i] = new DicomStoreOutcome(entry.Path, DicomStoreResult.Failure, e.Message) { SopInstanceUid = entry.SopInstanceUid };
                }
                catch
                {
                    broken = true;
                    await association.AbortAsync().ConfigureAwait(false);
                    throw;
                }
            }

            return outcomes;
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }

    /// <summary>Releases the association (A-RELEASE); one that has failed or was released already is left as it is.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (!IsUsable)
        {
            return;
        }

        try
        {
            await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DicomNetworkException or IOException)
        {
            broken = true;
            await association.AbortAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Aborts the association if it is still open (call <see cref="ReleaseAsync"/> first for an orderly end) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await association.AbortAsync().ConfigureAwait(false);
        await association.DisposeAsync().ConfigureAwait(false);
    }
}
