using Microsoft.Extensions.Options;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Worker.Configuration;

namespace PlaoImaging.Worker.Export;

/// <summary>
/// C-STORE associations to the export destinations, each used for the exports to its destination that start within
/// <see cref="DestinationSettings.KeepAssociationOpen"/> of its opening, then released: a burst of studies reaches the
/// PACS over a few associations instead of one per study (each costs both sides a connection, a negotiation and, with
/// TLS, a handshake), while no association is held for long, so that a PACS serving one association at a time (or
/// limiting them per AE title) is never kept from another node. An association is used by one export at a time;
/// exports running at once get one each. An idle association the peer has closed meanwhile shows itself at the next
/// send, before any answer: that send is made again, once, on a new association. Idle ones are released when their
/// time is up and when the worker stops.
/// </summary>
public sealed partial class DestinationAssociations : IAsyncDisposable
{
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromSeconds(1);

    private readonly IOptions<ExportSettings> settings;
    private readonly TimeProvider time;
    private readonly ILogger<DestinationAssociations> logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, List<Pooled>> idle = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> classesSeen = new(StringComparer.Ordinal);
    private readonly ITimer sweeper;
    private bool disposed;

    public DestinationAssociations(IOptions<ExportSettings> settings, TimeProvider time, ILogger<DestinationAssociations> logger)
    {
        this.settings = settings;
        this.time = time;
        this.logger = logger;
        sweeper = time.CreateTimer(_ => Sweep(), null, SweepPeriod, SweepPeriod);
    }

    /// <summary>Associations opened so far (for tests and metrics: a burst should need few).</summary>
    public int Opened => Volatile.Read(ref opened);

    private int opened;

    /// <summary>The idle associations held now, over all destinations.</summary>
    public int IdleCount
    {
        get
        {
            lock (gate)
            {
                return idle.Values.Sum(l => l.Count);
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="files"/> (path and SOP class UID) to the C-STORE destination: over an idle association when
    /// one proposed their SOP classes, else a new one. One outcome per file, in order. Throws
    /// <see cref="DicomNetworkException"/> when no association could be opened, and whatever opening the TLS files throws.
    /// </summary>
    public async Task<IReadOnlyList<DicomStoreOutcome>> StoreAsync(DestinationSettings destination, IReadOnlyList<(string Path, string SopClassUid)> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(files);
        var paths = files.Select(f => f.Path).ToList();
        if (destination.KeepAssociationOpen <= TimeSpan.Zero)
        {
            using var tls = DestinationTls.Open(destination.Tls);
            Interlocked.Increment(ref opened);
            return await Client(destination, tls).StoreAsync(paths, null, cancellationToken).ConfigureAwait(false);
        }

        var needed = files.Select(f => f.SopClassUid).ToHashSet(StringComparer.Ordinal);
        if (Take(destination.Name, needed) is { } reused)
        {
            var outcomes = await SendAsync(reused, paths, cancellationToken).ConfigureAwait(false);
            if (reused.Association.IsUsable || outcomes.Any(o => o.Status is not null))
            {
                await ReturnAsync(destination.Name, reused).ConfigureAwait(false);
                return outcomes;
            }

            // Failed before the peer answered anything: most likely closed at its end while it waited here. Nothing of
            // this send was acknowledged, so it is made again on a new association.
            LogStale(logger, destination.Name, outcomes.FirstOrDefault(o => o.Result == DicomStoreResult.Failure)?.Message ?? "closed");
            await CloseAsync(reused, release: false).ConfigureAwait(false);
        }

        var fresh = await OpenAsync(destination, needed, cancellationToken).ConfigureAwait(false);
        var result = await SendAsync(fresh, paths, cancellationToken).ConfigureAwait(false);
        await ReturnAsync(destination.Name, fresh).ConfigureAwait(false);
        return result;
    }

    private static async Task<IReadOnlyList<DicomStoreOutcome>> SendAsync(Pooled pooled, List<string> paths, CancellationToken cancellationToken)
    {
        try
        {
            return await pooled.Association.StoreAsync(paths, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Cancelled or a fault: the association was aborted; nobody else will use it.
            await CloseAsync(pooled, release: false).ConfigureAwait(false);
            throw;
        }
    }

    private DicomClient Client(DestinationSettings destination, DestinationTls? tls) => new(destination.Host!, destination.Port, new DicomClientOptions
    {
        CallingAETitle = destination.CallingAETitle ?? settings.Value.CallingAETitle,
        CalledAETitle = destination.CalledAETitle,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ResponseTimeout = TimeSpan.FromSeconds(60),
        Tls = tls?.Options,
        // Only the outbox's objects are sent, written by the analysis: their meta group names them, and the report (up
        // to a few hundred kilobytes of content tree) is not parsed again before it goes.
        FileReading = DicomStoreFileReading.FileMetaInformation,
    });

    private async Task<Pooled> OpenAsync(DestinationSettings destination, HashSet<string> needed, CancellationToken cancellationToken)
    {
        // Proposes every SOP class sent to this destination so far, so that the association suits the exports to come.
        List<string> classes;
        lock (gate)
        {
            if (!classesSeen.TryGetValue(destination.Name, out var seen))
            {
                classesSeen[destination.Name] = seen = new HashSet<string>(StringComparer.Ordinal);
            }

            seen.UnionWith(needed);
            classes = [.. seen.Order(StringComparer.Ordinal)];
        }

        var tls = DestinationTls.Open(destination.Tls);
        try
        {
            var association = await Client(destination, tls).OpenStoreAssociationAsync(classes, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref opened);
            return new Pooled(association, tls, time.GetUtcNow() + destination.KeepAssociationOpen);
        }
        catch
        {
            tls?.Dispose();
            throw;
        }
    }

    private Pooled? Take(string destination, HashSet<string> needed)
    {
        lock (gate)
        {
            if (!idle.TryGetValue(destination, out var list))
            {
                return null;
            }

            // The youngest first: the older ones then reach their time unused and are released.
            var now = time.GetUtcNow();
            for (int i = list.Count - 1; i >= 0; i--)
            {
                var candidate = list[i];
                if (candidate.Association.IsUsable && now < candidate.Until && needed.IsSubsetOf(candidate.Association.ProposedSopClasses))
                {
                    list.RemoveAt(i);
                    return candidate;
                }
            }

            return null;
        }
    }

    private async Task ReturnAsync(string destination, Pooled pooled)
    {
        lock (gate)
        {
            if (!disposed && pooled.Association.IsUsable && time.GetUtcNow() < pooled.Until)
            {
                if (!idle.TryGetValue(destination, out var list))
                {
                    idle[destination] = list = [];
                }

                list.Add(pooled);
                return;
            }
        }

        await CloseAsync(pooled, release: pooled.Association.IsUsable).ConfigureAwait(false);
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        var expired = new List<Pooled>();
        lock (gate)
        {
            foreach (var list in idle.Values)
            {
                expired.AddRange(list.Where(p => now >= p.Until || !p.Association.IsUsable));
                list.RemoveAll(expired.Contains);
            }
        }

        foreach (var pooled in expired)
        {
            _ = CloseAsync(pooled, release: true);
        }
    }

    private static async Task CloseAsync(Pooled pooled, bool release)
    {
        try
        {
            if (release)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await pooled.Association.ReleaseAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // A peer that does not answer the release is aborted by the dispose below.
        }
        finally
        {
            await pooled.Association.DisposeAsync().ConfigureAwait(false);
            pooled.Tls?.Dispose();
        }
    }

    /// <summary>Releases every idle association (at the worker's stop).</summary>
    public async ValueTask DisposeAsync()
    {
        List<Pooled> all;
        lock (gate)
        {
            disposed = true;
            all = idle.Values.SelectMany(l => l).ToList();
            idle.Clear();
        }

        await sweeper.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(all.Select(p => CloseAsync(p, release: true))).ConfigureAwait(false);
    }

    /// <param name="Association">The open association.</param>
    /// <param name="Tls">The TLS material it was opened with (released with it).</param>
    /// <param name="Until">No export starts on it from then on: it is released.</param>
    private sealed record Pooled(DicomStoreAssociation Association, DestinationTls? Tls, DateTimeOffset Until);

    [LoggerMessage(EventId = 1410, Level = LogLevel.Information, Message = "An idle association to {Destination} had been closed ({Error}); sending again on a new one")]
    private static partial void LogStale(ILogger logger, string destination, string error);
}
