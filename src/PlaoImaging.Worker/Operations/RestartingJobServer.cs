using Hangfire;
using Hangfire.Common;
using Hangfire.Server;

namespace PlaoImaging.Worker.Operations;

/// <summary>
/// One Hangfire job server (its queues and workers as configured), started when the host has started, and started
/// afresh when its job storage answers again after it did not.
/// </summary>
/// <remarks>
/// Why: each loop of a Hangfire server (every worker, the schedulers) that meets a storage error waits before it tries
/// again, n² seconds after its n-th error in a row (1, 4, 9, ... 100 s after the tenth). After the database has been
/// away for a few minutes, the loops go on waiting for up to that long after it is back, and routed studies wait with
/// them although the node is ready again. A new server has none of that waiting: its loops fetch at once. The old one
/// is told to stop (which also ends its waits) and is let go in the background; a job it was running when the
/// storage went away goes back to its queue as Hangfire does at any server's stop.
/// <para>
/// The storage is probed every <see cref="ProbeInterval"/> with one read through a new connection, the way every
/// loop reaches it. Nothing restarts a server whose storage never failed.
/// </para>
/// </remarks>
public sealed partial class RestartingJobServer : IHostedService, IDisposable
{
    private readonly Func<BackgroundJobServerHostedService> create;
    private readonly JobStorage storage;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly string name;
    private readonly Lock gate = new();
    private readonly List<Task> retiring = [];
    private readonly CancellationTokenSource stopping = new();
    private BackgroundJobServerHostedService? current;
    private Task? probing;
    private bool stopped;

    public RestartingJobServer(
        BackgroundJobServerOptions options,
        JobStorage storage,
        IServiceProvider services,
        TimeProvider time,
        ILogger<RestartingJobServer> logger,
        TimeSpan? probeInterval = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(services);

        // What Hangfire's own AddHangfireServer takes from the container, so that jobs are activated and filtered alike
        // (the job factory, performer and state changer are then Hangfire's defaults over these, as the container's are).
        options.Activator ??= services.GetService<JobActivator>();
        options.FilterProvider ??= services.GetService<IJobFilterProvider>();
        options.TimeZoneResolver ??= services.GetService<ITimeZoneResolver>();
        var processes = services.GetServices<IBackgroundProcess>().ToList();
        var lifetime = services.GetService<IHostApplicationLifetime>();
        create = () => new BackgroundJobServerHostedService(storage, options, processes, lifetime);
        this.storage = storage;
        this.time = time;
        this.logger = logger;
        name = options.ServerName ?? "job server";
        ProbeInterval = probeInterval ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>How often the storage is probed.</summary>
    public TimeSpan ProbeInterval { get; }

    /// <summary>How many times the server was started afresh after its storage came back.</summary>
    public int Restarts { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Hangfire's hosted server starts its jobs once the host has started (after the start-up recovery has run).
        var first = create();
        lock (gate)
        {
            current = first;
        }

        await first.StartAsync(cancellationToken).ConfigureAwait(false);
        probing = Task.Run(() => ProbeAsync(stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        BackgroundJobServerHostedService? last;
        Task[] others;
        lock (gate)
        {
            stopped = true;
            last = current;
            current = null;
            others = [.. retiring];
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        if (probing is { } probe)
        {
            await probe.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (last is not null)
        {
            await last.StopAsync(cancellationToken).ConfigureAwait(false);
            last.Dispose();
        }

        await Task.WhenAll(others).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose()
    {
        lock (gate)
        {
            stopped = true;
            current?.Dispose();
            current = null;
        }

        stopping.Cancel();
        stopping.Dispose();
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? downSince = null;
        string? error = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ProbeInterval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                using var connection = storage.GetConnection();
                connection.GetAllEntriesFromHash("plao:storage-probe");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (downSince is null)
                {
                    LogStorageFailed(logger, name, e.Message);
                }

                downSince ??= time.GetUtcNow();
                error = e.Message;
                continue;
            }

            if (downSince is { } since)
            {
                downSince = null;
                await RestartAsync(time.GetUtcNow() - since, error).ConfigureAwait(false);
            }
        }
    }

    private async Task RestartAsync(TimeSpan away, string? error)
    {
        BackgroundJobServerHostedService? old;
        BackgroundJobServerHostedService fresh;
        lock (gate)
        {
            if (stopped)
            {
                return;
            }

            old = current;
            current = fresh = create();
            Restarts++;
            retiring.RemoveAll(t => t.IsCompleted);
            retiring.Add(Task.Run(async () =>
            {
                // The old server stops: its loops end their waits at once, and a job it was running gets the shutdown's
                // cancellation and goes back to its queue. The new one starts beside it.
                if (old is not null)
                {
                    await old.StopAsync(CancellationToken.None).ConfigureAwait(false);
                    old.Dispose();
                }
            }));
        }

        await fresh.StartAsync(CancellationToken.None).ConfigureAwait(false);
        LogRestarted(logger, name, away.TotalSeconds, error ?? "unknown");
    }

    [LoggerMessage(EventId = 1380, Level = LogLevel.Warning, Message = "Hangfire job server {Name}: its storage does not answer ({Error}); probing until it does")]
    private static partial void LogStorageFailed(ILogger logger, string name, string error);

    [LoggerMessage(EventId = 1381, Level = LogLevel.Information, Message = "Hangfire job server {Name} started afresh: its storage answers again after {Seconds:F0} s ({Error}), so its loops fetch now instead of waiting out their back-off")]
    private static partial void LogRestarted(ILogger logger, string name, double seconds, string error);
}
