using System.Buffers.Binary;

namespace PlaoImaging.Dicom.Network;

/// <summary>
/// The transport side of an association: reads whole PDUs from a stream into one reusable buffer (bounded by the
/// maximum PDU length we announced) and writes PDUs, fragmenting data to the peer's maximum. Not thread-safe: one
/// reader and one writer at a time, which is how an association is driven.
/// </summary>
internal sealed class PduChannel : IAsyncDisposable
{
    private readonly Stream stream;
    private readonly TimeProvider time;
    private byte[] buffer;
    private int start;
    private int end;
    private byte[] sendBuffer = [];

    public PduChannel(Stream stream, uint maxReceivePduLength, TimeProvider time)
    {
        this.stream = stream;
        this.time = time;
        MaxReceivePduLength = maxReceivePduLength;
        buffer = new byte[64 * 1024];
    }

    /// <summary>How long one PDU may take to be written (a peer that stops reading cannot hold the association forever).</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The maximum P-DATA-TF length we announced; longer PDUs are refused as malformed.</summary>
    public uint MaxReceivePduLength { get; }

    /// <summary>Bytes received so far (for progress and diagnostics).</summary>
    public long BytesReceived { get; private set; }

    /// <summary>
    /// Receives the next PDU. The whole PDU must arrive within <paramref name="timeout"/> (a peer sending one byte per
    /// second cannot hold the association forever). Data values of a P-DATA-TF refer to this channel's buffer and are
    /// valid until the next call. End of stream before a whole PDU is a <see cref="DicomNetworkException"/>.
    /// </summary>
    public async ValueTask<Pdu> ReceiveAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);

        // Drop the PDU handed out last time.
        if (start == end)
        {
            start = end = 0;
        }

        try
        {
            while (true)
            {
                var available = buffer.AsMemory(start, end - start);
                if (PduReader.TryRead(available, MaxReceivePduLength, out var pdu, out int needed))
                {
                    start += needed;
                    return pdu;
                }

                if (buffer.Length - start < needed)
                {
                    // Make room: move the partial PDU to the front, or grow to the PDU's size (its header was checked
                    // against our limits, so the size is bounded).
                    var target = needed > buffer.Length ? new byte[Math.Max(needed, Math.Min(buffer.Length * 2, needed * 2))] : buffer;
                    Buffer.BlockCopy(buffer, start, target, 0, end - start);
                    end -= start;
                    start = 0;
                    buffer = target;
                }

                int read = await stream.ReadAsync(buffer.AsMemory(end, buffer.Length - end), deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new DicomNetworkException(end == start
                        ? "the peer closed the connection"
                        : $"the peer closed the connection after {end - start} bytes of a PDU");
                }

                end += read;
                BytesReceived += read;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DicomNetworkTimeoutException($"no complete PDU within {timeout.TotalSeconds:0.#} s ({end - start} bytes of one received)");
        }
    }

    public async ValueTask SendAsync(Pdu pdu, CancellationToken cancellationToken)
    {
        byte[] bytes = PduWriter.ToArray(pdu);
        await WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes with <see cref="WriteTimeout"/>; a peer that does not take the bytes in time is a timeout.</summary>
    private async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(WriteTimeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await stream.WriteAsync(bytes, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DicomNetworkTimeoutException($"the peer took no {bytes.Length} bytes within {WriteTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>
    /// Sends a command or data set as P-DATA-TF PDUs of one PDV each, no longer than <paramref name="peerMaxPduLength"/>
    /// (0 = no limit: 1 MiB PDUs), the last fragment flagged (PS3.8 9.3.5, E.2).
    /// </summary>
    public async ValueTask SendMessagePartAsync(byte contextId, bool isCommand, ReadOnlyMemory<byte> data, uint peerMaxPduLength, CancellationToken cancellationToken)
    {
        int fragment = FragmentSize(peerMaxPduLength);
        int at = 0;
        do
        {
            int length = Math.Min(fragment, data.Length - at);
            bool last = at + length == data.Length;
            await WriteFragmentAsync(contextId, isCommand, last, data.Slice(at, length), cancellationToken).ConfigureAwait(false);
            at += length;
        }
        while (at < data.Length);

        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a data set read from <paramref name="source"/> to its end (e.g. a file after its meta header), fragmented as above.</summary>
    public async ValueTask SendDataSetAsync(byte contextId, Stream source, uint peerMaxPduLength, CancellationToken cancellationToken)
    {
        int fragment = FragmentSize(peerMaxPduLength);
        var current = new byte[fragment];
        var next = new byte[fragment];
        int currentLength = await FillAsync(source, current, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            int nextLength = currentLength == fragment ? await FillAsync(source, next, cancellationToken).ConfigureAwait(false) : 0;
            bool last = nextLength == 0;
            await WriteFragmentAsync(contextId, false, last, current.AsMemory(0, currentLength), cancellationToken).ConfigureAwait(false);
            if (last)
            {
                break;
            }

            (current, next) = (next, current);
            currentLength = nextLength;
        }

        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<int> FillAsync(Stream source, byte[] target, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < target.Length)
        {
            int read = await source.ReadAsync(target.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    private static int FragmentSize(uint peerMaxPduLength)
    {
        // PDU length = PDV item length field (4) + context id (1) + header (1) + data.
        const int overhead = 6;
        uint max = peerMaxPduLength == 0 ? 1 << 20 : Math.Min(peerMaxPduLength, 1u << 24);
        if (max <= overhead)
        {
            throw new DicomNetworkException($"the peer's maximum PDU length {peerMaxPduLength} cannot hold any data");
        }

        // Even fragments keep 16-bit values whole across PDVs (not required, but friendlier to naive peers); a peer
        // that takes a single data byte per PDU gets single bytes.
        int size = (int)(max - overhead);
        return size >= 2 ? size & ~1 : size;
    }

    private async ValueTask WriteFragmentAsync(byte contextId, bool isCommand, bool last, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        int total = PduReader.HeaderLength + 6 + data.Length;
        if (sendBuffer.Length < total)
        {
            sendBuffer = new byte[total];
        }

        var span = sendBuffer.AsSpan(0, total);
        span[0] = 0x04;
        span[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[2..], (uint)(6 + data.Length));
        BinaryPrimitives.WriteUInt32BigEndian(span[6..], (uint)(2 + data.Length));
        span[10] = contextId;
        span[11] = (byte)((isCommand ? 1 : 0) | (last ? 2 : 0));
        data.Span.CopyTo(span[12..]);
        await WriteAsync(sendBuffer.AsMemory(0, total), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the peer to close the connection (after A-RELEASE-RP or A-ASSOCIATE-RJ, ARTIM).</summary>
    public async ValueTask WaitForCloseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var scratch = new byte[512];
        try
        {
            while (await stream.ReadAsync(scratch, deadline.Token).ConfigureAwait(false) > 0)
            {
                // Whatever arrives after the release is ignored (PS3.8 Sta13: PDUs are discarded).
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync().ConfigureAwait(false);
    }
}
