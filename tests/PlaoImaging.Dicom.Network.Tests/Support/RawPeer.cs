using System.Net;
using System.Net.Sockets;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.Support;

/// <summary>
/// A test double of a DICOM peer on a bare socket: it sends whatever bytes or PDUs a test wants (PDUs made with
/// <see cref="PduWriter"/>), in whatever order and at whatever pace, and reads the server's answers with
/// <see cref="PduReader"/>. Every wait is bounded; a connection the server closed or reset reads as "closed".
/// </summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly Socket socket;
    private readonly NetworkStream stream;
    private byte[] received = new byte[64 * 1024];
    private int count;

    private RawPeer(Socket socket)
    {
        this.socket = socket;
        stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Bytes of PDUs sent so far.</summary>
    public long BytesSent { get; private set; }

    public static async Task<RawPeer> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            return new RawPeer(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The other side: waits (bounded) for a client to connect to <paramref name="listener"/>, for tests of the client against a misbehaving SCP.</summary>
    public static async Task<RawPeer> AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var socket = await listener.AcceptSocketAsync(timeout.Token);
        socket.NoDelay = true;
        return new RawPeer(socket);
    }

    /// <summary>An A-ASSOCIATE-RQ from STORESCU to the given called AE with the given contexts.</summary>
    public static AssociateRequestPdu Request(string called, params PresentationContextProposal[] contexts) => new(
        called,
        "RAWPEER",
        contexts,
        new UserInformation { MaxPduLength = 16384, ImplementationClassUid = SamplePdus.ImplementationClassUid, ImplementationVersionName = "RAWPEER" });

    /// <summary>Verification with Implicit VR Little Endian as context 1.</summary>
    public static AssociateRequestPdu VerificationRequest() =>
        Request("ANY-SCP", new PresentationContextProposal(1, DicomNetworkUids.Verification, [SamplePdus.ImplicitVRLittleEndian]));

    public Task SendAsync(Pdu pdu, CancellationToken cancellationToken) => SendBytesAsync(PduWriter.ToArray(pdu), cancellationToken);

    public async Task SendBytesAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(bytes, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        BytesSent += bytes.Length;
    }

    /// <summary>Sends A-ASSOCIATE-RQ and returns the answer (AC, RJ or A-ABORT); fails the test when none comes.</summary>
    public async Task<Pdu> AssociateAsync(AssociateRequestPdu request, CancellationToken cancellationToken)
    {
        await SendAsync(request, cancellationToken);
        var answer = await ReceiveAsync(TimeSpan.FromSeconds(20), cancellationToken);
        Assert.NotNull(answer);
        return answer;
    }

    /// <summary>Sends A-ASSOCIATE-RQ and asserts that it was accepted.</summary>
    public async Task<AssociateAcceptPdu> AssociateAcceptedAsync(AssociateRequestPdu request, CancellationToken cancellationToken)
    {
        var answer = await AssociateAsync(request, cancellationToken);
        return Assert.IsType<AssociateAcceptPdu>(answer);
    }

    /// <summary>Sends a command (one PDV) on a context.</summary>
    public Task SendCommandAsync(byte contextId, DimseCommand command, CancellationToken cancellationToken) =>
        SendAsync(new DataTransferPdu([new PresentationDataValue(contextId, true, true, command.Encode())]), cancellationToken);

    /// <summary>
    /// Sends data set bytes in fragments of at most <paramref name="fragment"/> bytes, one PDU each; the last one is
    /// flagged as the last fragment unless <paramref name="last"/> is false (more is to follow).
    /// </summary>
    public async Task SendDataSetAsync(byte contextId, byte[] dataSet, int fragment, bool last, CancellationToken cancellationToken)
    {
        for (int at = 0; at < dataSet.Length; at += fragment)
        {
            int length = Math.Min(fragment, dataSet.Length - at);
            bool isLast = last && at + length == dataSet.Length;
            await SendAsync(new DataTransferPdu([new PresentationDataValue(contextId, false, isLast, dataSet.AsMemory(at, length))]), cancellationToken);
        }
    }

    /// <summary>Reads the next DIMSE command (all its command fragments); fails the test when the connection ends first.</summary>
    public async Task<DimseCommand> ReceiveCommandAsync(CancellationToken cancellationToken)
    {
        var command = new MemoryStream();
        while (true)
        {
            var pdu = await ReceiveAsync(TimeSpan.FromSeconds(20), cancellationToken);
            var data = Assert.IsType<DataTransferPdu>(pdu);
            foreach (var value in data.Values)
            {
                Assert.True(value.IsCommand, "the server sent a data set fragment where a response command was expected");
                command.Write(value.Data.Span);
                if (value.IsLast)
                {
                    return DimseCommand.Decode(command.ToArray());
                }
            }
        }
    }

    /// <summary>A-RELEASE-RQ, then A-RELEASE-RP expected; then the connection is closed by us.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        await SendAsync(new ReleaseRequestPdu(), cancellationToken);
        var answer = await ReceiveAsync(TimeSpan.FromSeconds(20), cancellationToken);
        Assert.IsType<ReleaseResponsePdu>(answer);
        Close();
    }

    /// <summary>
    /// The next whole PDU, or null when the peer closed or reset the connection first. Throws
    /// <see cref="TimeoutException"/> when neither happened within <paramref name="timeout"/>.
    /// </summary>
    public async Task<Pdu?> ReceiveAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (TryTake(out var pdu))
            {
                return pdu;
            }

            if (count == received.Length)
            {
                Array.Resize(ref received, received.Length * 2);
            }

            int read;
            try
            {
                read = await stream.ReadAsync(received.AsMemory(count), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no PDU and no close from the server within {timeout.TotalSeconds} s ({count} bytes of one received)");
            }
            catch (IOException)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            count += read;
        }
    }

    /// <summary>Reads until the server closes the connection; returns whether it did within <paramref name="timeout"/> and the PDUs received before.</summary>
    public async Task<(bool Closed, List<Pdu> Received)> WaitForCloseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pdus = new List<Pdu>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var pdu = await ReceiveAsync(timeout, deadline.Token);
                if (pdu is null)
                {
                    return (true, pdus);
                }

                pdus.Add(pdu);
            }
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (false, pdus);
        }
    }

    /// <summary>Closes the connection at once (FIN; what is not sent yet is lost to the server).</summary>
    public void Close()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        stream.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
    }

    private bool TryTake(out Pdu? pdu)
    {
        pdu = null;
        if (!PduReader.TryRead(received.AsMemory(0, count), 0, out _, out int needed))
        {
            if (needed > received.Length)
            {
                Array.Resize(ref received, needed);
            }

            return false;
        }

        // Re-read from a copy of its own bytes, so that data values do not point into the receive buffer.
        var own = received.AsSpan(0, needed).ToArray();
        Buffer.BlockCopy(received, needed, received, 0, count - needed);
        count -= needed;
        PduReader.TryRead(own, 0, out pdu, out _);
        return true;
    }
}
