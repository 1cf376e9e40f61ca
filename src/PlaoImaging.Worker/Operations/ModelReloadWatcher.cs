using System.Threading.Channels;
using Microsoft.Extensions.Options;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Jobs;

namespace PlaoImaging.Worker.Operations;

/// <summary>
/// Notices a model replaced on disk and has the engine load it: a file-system watcher on the manifest's folder wakes
/// it at once, and a check every <see cref="AnalysisSettings.ReloadCheckInterval"/> catches what notifications miss
/// (network shares, some container mounts). Either way the decision is the <see cref="ModelFilesStamp"/> of the
/// manifest and the files it names: when it differs from the one last loaded or tried, the watcher waits until it has
/// held still for <see cref="AnalysisSettings.ReloadSettleTime"/> (a copy in progress) and reloads once. A refused
/// stamp is not tried again until the files change again, so a corrupt file is logged and counted once, not every
/// interval.
/// </summary>
public sealed partial class ModelReloadWatcher(AnalysisEngine engine, IOptions<AnalysisSettings> settings, TimeProvider time, ILogger<ModelReloadWatcher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = settings.Value.ReloadCheckInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        var changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        using var watcher = Watch(engine.ManifestPath, changed.Writer);
        ModelFilesStamp tried = engine.Current.Files;
        LogWatching(logger, engine.ManifestPath, interval);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await WaitAsync(changed.Reader, interval, stoppingToken).ConfigureAwait(false);
                var stamp = ModelFilesStamp.Of(engine.ManifestPath, tried);
                if (stamp == tried || stamp == engine.Current.Files)
                {
                    continue;
                }

                stamp = await SettledAsync(stamp, stoppingToken).ConfigureAwait(false);
                if (stamp == tried || stamp == engine.Current.Files)
                {
                    continue;
                }

                // Files that change again during the load make the engine defer; their notification (or the next
                // check) sees a stamp other than this one and tries again.
                tried = stamp;
                await engine.ReloadAsync("the model files changed", stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The stamp once it has held still for the settle time (a copy in progress keeps changing it).</summary>
    private async Task<ModelFilesStamp> SettledAsync(ModelFilesStamp stamp, CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(settings.Value.ReloadSettleTime, time, cancellationToken).ConfigureAwait(false);
            var again = ModelFilesStamp.Of(engine.ManifestPath, stamp);
            if (again == stamp)
            {
                return stamp;
            }

            stamp = again;
        }
    }

    /// <summary>Waits for a notification or the interval, whichever comes first.</summary>
    private async Task WaitAsync(ChannelReader<bool> changed, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var notified = changed.WaitToReadAsync(either.Token).AsTask();
        var elapsed = Task.Delay(interval, time, either.Token);
        await Task.WhenAny(notified, elapsed).ConfigureAwait(false);
        await either.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        while (changed.TryRead(out _))
        {
        }
    }

    private FileSystemWatcher? Watch(string manifestPath, ChannelWriter<bool> changed)
    {
        try
        {
            var watcher = new FileSystemWatcher(Path.GetDirectoryName(manifestPath)!)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            void Wake(object sender, FileSystemEventArgs e) => changed.TryWrite(true);
            watcher.Changed += Wake;
            watcher.Created += Wake;
            watcher.Deleted += Wake;
            watcher.Renamed += Wake;
            watcher.Error += (_, e) => LogWatcherError(logger, e.GetException(), manifestPath);
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            // No notifications here (an inotify limit, a folder that cannot be watched): the periodic check still runs.
            LogWatcherError(logger, e, manifestPath);
            return null;
        }
    }

    [LoggerMessage(EventId = 1313, Level = LogLevel.Information, Message = "Watching {ManifestPath} and the files it names for a new model (checked every {Interval} as well)")]
    private static partial void LogWatching(ILogger logger, string manifestPath, TimeSpan interval);

    [LoggerMessage(EventId = 1314, Level = LogLevel.Warning, Message = "No file-system notifications for {ManifestPath}; the periodic check still notices a new model")]
    private static partial void LogWatcherError(ILogger logger, Exception exception, string manifestPath);
}
