using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom.Network;

namespace PlaoImaging.Dicom.Hosting;

/// <summary>
/// Runs a <see cref="DicomServer"/> for the lifetime of the host. <see cref="StartAsync"/> returns once the port is
/// bound (so readiness may rely on <see cref="IDicomScpStatus.IsListening"/>); <see cref="StopAsync"/> lets the
/// associations in progress finish until the host's shutdown timeout cancels its token, then aborts what is left
/// (their temp files are removed, nothing unacknowledged is kept). The store handler is the
/// <see cref="IDicomStoreHandler"/> registered in the container, resolved once per association; when none is
/// registered the instances are only stored, and every one that reaches the disk is acknowledged. An
/// <see cref="IDicomScpAvailability"/> in the container turns new associations away while it gives a reason.
/// </summary>
public sealed partial class DicomScpHostedService : IHostedService, IAsyncDisposable
{
    private readonly DicomScpSettings settings;
    private readonly IServiceProvider services;
    private readonly DicomScpStatus status;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly string keyPrefix;
    private DicomServer? server;

    public DicomScpHostedService(IOptions<DicomScpSettings> settings, IServiceProvider services, DicomScpStatus status, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, DicomScpSection? section = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(status);
        this.settings = settings.Value;
        this.services = services;
        this.status = status;
        this.loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        logger = this.loggerFactory.CreateLogger<DicomScpHostedService>();
        this.timeProvider = timeProvider ?? TimeProvider.System;
        string path = section?.Path ?? DicomScpSettings.DefaultSectionPath;
        keyPrefix = path.Length == 0 ? string.Empty : path + ":";
    }

    /// <summary>
    /// Builds the server from the settings, binds the port and starts accepting associations; a port that cannot be
    /// bound fails with a <see cref="DicomScpStartException"/> naming the key.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (server is not null)
        {
            throw new InvalidOperationException("the DICOM SCP is already started");
        }

        cancellationToken.ThrowIfCancellationRequested();
        Func<DicomAssociationInfo, IDicomStoreHandler>? factory = null;
        if (services.GetService<IServiceProviderIsService>()?.IsService(typeof(IDicomStoreHandler)) ?? services.GetService<IDicomStoreHandler>() is not null)
        {
            factory = _ => services.GetRequiredService<IDicomStoreHandler>();
        }

        var availability = services.GetService<IDicomScpAvailability>();
        var options = DicomScpServerOptions.Create(settings, factory, timeProvider, availability is null ? null : () => availability.UnavailableReason);
        var created = new DicomServer(options, loggerFactory.CreateLogger<DicomServer>());
        try
        {
            created.Start();
        }
        catch (SocketException e)
        {
            throw new DicomScpStartException(
                keyPrefix + (e.SocketErrorCode == SocketError.AddressNotAvailable ? nameof(DicomScpSettings.BindAddress) : nameof(DicomScpSettings.Port)),
                $"cannot listen on {options.Address}:{options.Port.ToString(CultureInfo.InvariantCulture)}: {e.Message}",
                e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DicomScpStartException(keyPrefix + nameof(DicomScpSettings.StorageRoot), $"cannot prepare '{options.StorageDirectory}': {e.Message}", e);
        }

        server = created;
        var endpoint = new IPEndPoint(options.Address, created.Port);
        status.Listening(created, endpoint);
        LogStarted(logger, endpoint, options.AETitle, options.StorageDirectory, factory is null ? "file storage only" : "registered IDicomStoreHandler");
        return Task.CompletedTask;
    }

    /// <summary>
    /// Closes the listener first (a new association is refused), then waits for the running associations to end until
    /// <paramref name="cancellationToken"/> (the host's shutdown timeout) fires, then aborts the associations still open.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var running = server;
        if (running is null)
        {
            return;
        }

        await running.StopAcceptingAsync().ConfigureAwait(false);
        status.StoppedAccepting();
        int waitingFor = running.ActiveAssociations;
        if (waitingFor > 0)
        {
            LogDraining(logger, waitingFor);
            if (!await running.WaitForAssociationsAsync(cancellationToken).ConfigureAwait(false))
            {
                LogAborting(logger, running.ActiveAssociations);
            }
        }

        await running.StopAsync().ConfigureAwait(false);
        status.Stopped();
        server = null;
        LogStopped(logger);
    }

    public async ValueTask DisposeAsync()
    {
        if (server is { } running)
        {
            server = null;
            status.Stopped();
            await running.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "DICOM SCP hosted on {EndPoint} as {AETitle}, storing under {StorageRoot} ({Handler})")]
    private static partial void LogStarted(ILogger logger, IPEndPoint endPoint, string aeTitle, string storageRoot, string handler);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "DICOM SCP stopping: waiting for {Count} association(s) to finish")]
    private static partial void LogDraining(ILogger logger, int count);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "DICOM SCP shutdown timeout reached: aborting {Count} association(s)")]
    private static partial void LogAborting(ILogger logger, int count);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "DICOM SCP stopped")]
    private static partial void LogStopped(ILogger logger);
}
