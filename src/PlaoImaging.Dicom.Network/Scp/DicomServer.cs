using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PlaoImaging.Dicom.Network;

/// <summary>
/// A C-ECHO / C-STORE SCP. Each connection is an association served on its own task with its own cancellation
/// (cancelled on abort, disconnect or <see cref="StopAsync"/>); received instances stream to disk and are synced and
/// renamed into place before the handler is told and the response is sent. Composition: what happens to a stored
/// instance is decided by the <see cref="IDicomStoreHandler"/> the options' factory makes for each association.
/// </summary>
public sealed partial class DicomServer : IAsyncDisposable
{
    private readonly DicomServerOptions options;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource accepting = new();
    private readonly Lock gate = new();
    private readonly HashSet<Task> connections = [];
    private TcpListener? listener;
    private Task? acceptLoop;
    private int active;

    public DicomServer(DicomServerOptions options, ILogger<DicomServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!DicomAETitle.IsValid(options.AETitle))
        {
            throw new ArgumentException($"AE title '{options.AETitle}' is not valid", nameof(options));
        }

        if (options.MaxAssociations < 1)
        {
            throw new ArgumentException("MaxAssociations must be at least 1", nameof(options));
        }

        this.options = options;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        Negotiator = new AssociationNegotiator(options);
        Storage = new InstanceStorage(options.StorageDirectory, options.RelativePath, options.SyncToDisk);
    }

    /// <summary>The port listened on (the chosen one when the options said 0); valid after <see cref="Start"/>.</summary>
    public int Port { get; private set; }

    /// <summary>Associations being served now.</summary>
    public int ActiveAssociations => Volatile.Read(ref active);

    internal AssociationNegotiator Negotiator { get; }

    internal InstanceStorage Storage { get; }

    /// <summary>Binds the port, clears temp files a previous run left (never acknowledged) and starts accepting.</summary>
    public void Start()
    {
        if (listener is not null)
        {
            throw new InvalidOperationException("the server is already started");
        }

        Storage.RemoveLeftovers(2 * options.PduTimeout);
        listener = new TcpListener(options.Address, options.Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start(backlog: 256);
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        LogListening(logger, options.Address, Port, options.AETitle);
        acceptLoop = AcceptLoopAsync(accepting.Token, stopping.Token);
    }

    /// <summary>
    /// Closes the listening socket (a new connection is refused) and leaves the associations in progress running: the
    /// first step of a graceful stop; <see cref="WaitForAssociationsAsync"/> then waits for them.
    /// </summary>
    public async Task StopAcceptingAsync()
    {
        if (listener is null)
        {
            return;
        }

        await accepting.CancelAsync().ConfigureAwait(false);
        listener.Stop();
        if (acceptLoop is not null)
        {
            await acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Waits until every association (and connection not yet associated) in progress has ended, or until
    /// <paramref name="cancellationToken"/> is cancelled (then returns without aborting them; <see cref="StopAsync"/> aborts).
    /// Returns whether all ended.
    /// </summary>
    public async Task<bool> WaitForAssociationsAsync(CancellationToken cancellationToken)
    {
        Task[] running;
        lock (gate)
        {
            running = [.. connections];
        }

        // Suppressed: a cancelled wait returns here too, with some connections still running.
        await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return running.All(t => t.IsCompleted);
    }

    /// <summary>Stops accepting, aborts the associations in progress (their temp files are removed) and waits for them.</summary>
    public async Task StopAsync()
    {
        if (listener is null)
        {
            return;
        }

        await StopAcceptingAsync().ConfigureAwait(false);
        await stopping.CancelAsync().ConfigureAwait(false);
        Task[] running;
        lock (gate)
        {
            running = [.. connections];
        }

        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        stopping.Dispose();
        accepting.Dispose();
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken, CancellationToken serveToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener!.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(logger, e.SocketErrorCode);
                continue;
            }

            socket.NoDelay = true;
            var task = ServeConnectionAsync(socket, serveToken);
            lock (gate)
            {
                connections.Add(task);
            }

            _ = task.ContinueWith(
                t =>
                {
                    lock (gate)
                    {
                        connections.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task ServeConnectionAsync(Socket socket, CancellationToken serverToken)
    {
        await Task.Yield();
        var remote = socket.RemoteEndPoint;
        int now = Interlocked.Increment(ref active);
        try
        {
            // Far over the limit (a flood): close at once instead of holding a socket for the rejection.
            if (now > 2 * options.MaxAssociations + 16)
            {
                socket.Dispose();
                return;
            }

            using var association = CancellationTokenSource.CreateLinkedTokenSource(serverToken);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            string? clientCertificate = null;
            if (options.Tls is { } tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                try
                {
                    using var handshake = new CancellationTokenSource(options.ArtimTimeout, options.TimeProvider);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(association.Token, handshake.Token);
                    await ssl.AuthenticateAsServerAsync(ServerTls(tls), linked.Token).ConfigureAwait(false);
                    clientCertificate = ssl.RemoteCertificate?.Subject;
                }
                catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
                {
                    LogTlsFailed(logger, remote, e.Message);
                    await stream.DisposeAsync().ConfigureAwait(false);
                    return;
                }
            }

            var channel = new PduChannel(stream, options.MaxPduLength, options.TimeProvider) { WriteTimeout = options.PduTimeout };
            await using (channel.ConfigureAwait(false))
            {
                var session = new ScpAssociation(this, options, channel, remote, options.Tls is not null, clientCertificate, logger);
                await session.RunAsync(overLimit: now > options.MaxAssociations, association).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing a peer does may end the server: every failure ends its own association only.
            LogAssociationFailed(logger, remote, e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref active);
        }
    }

    private static SslServerAuthenticationOptions ServerTls(DicomTlsServerOptions tls)
    {
        var authorities = tls.ClientCertificateAuthorities;
        return new SslServerAuthenticationOptions
        {
            ServerCertificate = tls.Certificate,
            ClientCertificateRequired = authorities is not null,
            RemoteCertificateValidationCallback = authorities is null
                ? null
                : (_, certificate, _, _) => certificate is not null && DicomTls.ChainsTo(new X509Certificate2(certificate), authorities),
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
        };
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "DICOM SCP listening on {Address}:{Port} as {AETitle}")]
    private static partial void LogListening(ILogger logger, IPAddress address, int port, string aeTitle);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "accepting a connection failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "association from {Remote} ended: {Reason}")]
    private static partial void LogAssociationFailed(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "TLS handshake with {Remote} failed: {Reason}")]
    private static partial void LogTlsFailed(ILogger logger, EndPoint? remote, string reason);
}
