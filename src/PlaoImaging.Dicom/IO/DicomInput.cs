using System.Buffers.Binary;

namespace PlaoImaging.Dicom.IO;

/// <summary>
/// A forward-only buffered view of a stream that counts absolute offsets, refuses to allocate more than the input can
/// hold, and reports truncation as <see cref="DicomReadException"/>.
/// </summary>
internal sealed class DicomInput : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private const int MinArrivingBlock = 64 * 1024;

    // The first reads into the buffer are small and grow to the buffer's size: a file's header is usually a few KiB,
    // and what follows it is often a large value that is skipped (left in the file, or not wanted by a header-only
    // read) or read straight into an array of its own, so bytes read ahead of it into the buffer are copied for nothing.
    private const int FirstReadSize = 16 * 1024;

    private readonly Stream stream;
    private readonly byte[] buffer;
    private readonly long? totalLength;
    private int pos;
    private int end;
    private long bufferStart;
    private bool eof;
    private int readSize = FirstReadSize;

    public DicomInput(Stream stream, long startOffset = 0)
    {
        this.stream = stream;
        buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        bufferStart = startOffset;
        if (stream.CanSeek)
        {
            totalLength = stream.Length - stream.Position + startOffset;
        }
    }

    private bool disposed;

    /// <summary>Returns the pooled buffer; the input must not be used afterwards.</summary>
    public void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Absolute offset of the next byte.</summary>
    public long Position => bufferStart + pos;

    /// <summary>Bytes left before the end of input, when the input's length is known.</summary>
    public long? Remaining => totalLength is { } t ? t - Position : null;

    public bool CanSeek => stream.CanSeek;

    /// <summary>True when at least <paramref name="count"/> more bytes are available.</summary>
    public bool TryEnsure(int count)
    {
        if (end - pos >= count)
        {
            return true;
        }

        if (pos > 0)
        {
            Buffer.BlockCopy(buffer, pos, buffer, 0, end - pos);
            bufferStart += pos;
            end -= pos;
            pos = 0;
        }

        while (end < count && !eof)
        {
            int n = stream.Read(buffer, end, Math.Min(buffer.Length - end, Math.Max(readSize, count - end)));
            readSize = Math.Min(readSize * 2, buffer.Length);
            if (n == 0)
            {
                eof = true;
                break;
            }

            end += n;
        }

        return end - pos >= count;
    }

    /// <summary>True when no byte is left.</summary>
    public bool AtEnd => !TryEnsure(1);

    public int Available => end - pos;

    public ReadOnlySpan<byte> Peek(int count, DicomTag? tag)
    {
        if (!TryEnsure(count))
        {
            throw Truncated(tag, count);
        }

        return buffer.AsSpan(pos, count);
    }

    /// <summary>Consumes bytes already made available by <see cref="Peek"/> or <see cref="TryEnsure"/>.</summary>
    public void Advance(int count)
    {
        if (count > end - pos)
        {
            throw new InvalidOperationException($"internal error: advancing {count} bytes with only {end - pos} buffered");
        }

        pos += count;
    }

    public ushort ReadUInt16(bool bigEndian, DicomTag? tag)
    {
        var span = Peek(2, tag);
        pos += 2;
        return bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);
    }

    public uint ReadUInt32(bool bigEndian, DicomTag? tag)
    {
        var span = Peek(4, tag);
        pos += 4;
        return bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);
    }

    /// <summary>
    /// Reads a value of <paramref name="length"/> bytes into a new array, checking the length first. When the input's
    /// length is unknown the value is gathered in blocks that grow with the bytes that actually arrive, so that a false
    /// length costs no more memory than the input holds. A value cut short is reported at its first byte.
    /// </summary>
    public byte[] ReadBytes(long length, DicomTag? tag)
    {
        CheckLength(length, tag);
        if (length == 0)
        {
            return [];
        }

        if (totalLength is null && length > end - pos)
        {
            return ReadArriving((int)length, tag);
        }

        var result = GC.AllocateUninitializedArray<byte>((int)length);
        Fill(result, (int)length, tag);
        return result;
    }

    /// <summary>
    /// Reads a value of <paramref name="length"/> bytes (at least <see cref="DicomValuePool.MinimumLength"/>) into an
    /// array of <paramref name="lease"/>'s pool; only for an input whose length is known, where
    /// <see cref="ReadBytes"/> allocates the whole value at once too.
    /// </summary>
    public Memory<byte> ReadPooled(long length, DicomTag? tag, DicomValueLease lease)
    {
        CheckLength(length, tag);
        if (totalLength is null)
        {
            throw new InvalidOperationException("internal error: a pooled value from an input of unknown length");
        }

        var result = lease.Rent((int)length);
        Fill(result, (int)length, tag);
        return result.AsMemory(0, (int)length);
    }

    /// <summary>Fills the first <paramref name="length"/> bytes of <paramref name="result"/>: buffered bytes first, the rest straight from the stream.</summary>
    private void Fill(byte[] result, int length, DicomTag? tag)
    {
        long start = Position;
        int fromBuffer = Math.Min(end - pos, length);
        Buffer.BlockCopy(buffer, pos, result, 0, fromBuffer);
        pos += fromBuffer;
        int done = fromBuffer;
        if (done == length)
        {
            return;
        }

        while (done < length)
        {
            int n = stream.Read(result, done, length - done);
            if (n == 0)
            {
                eof = true;
                bufferStart += pos + (done - fromBuffer);
                pos = 0;
                end = 0;
                throw ValueTruncated(start, tag, length, done);
            }

            done += n;
        }

        bufferStart += pos + (done - fromBuffer);
        pos = 0;
        end = 0;
    }

    /// <summary>Skips <paramref name="length"/> bytes (seeking when the stream allows); a value cut short is reported at its first byte.</summary>
    public void Skip(long length, DicomTag? tag)
    {
        CheckLength(length, tag);
        long start = Position;
        long inBuffer = Math.Min(end - pos, length);
        pos += (int)inBuffer;
        long left = length - inBuffer;
        if (left == 0)
        {
            return;
        }

        bufferStart += pos;
        pos = 0;
        end = 0;
        if (stream.CanSeek)
        {
            stream.Seek(left, SeekOrigin.Current);
            bufferStart += left;
            return;
        }

        while (left > 0)
        {
            int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0)
            {
                eof = true;
                throw ValueTruncated(start, tag, length, length - left);
            }

            left -= n;
            bufferStart += n;
        }
    }

    /// <summary>The rest of the input as a stream (for inflating a deflated dataset): buffered bytes first.</summary>
    public Stream RemainderAsStream()
    {
        var leftover = buffer.AsMemory(pos, end - pos).ToArray();
        bufferStart += end;
        pos = 0;
        end = 0;
        return new PrefixedStream(leftover, stream);
    }

    public DicomReadException Truncated(DicomTag? tag, long wanted) =>
        new(Position, tag, $"unexpected end of input: {wanted} more bytes were needed");

    private static DicomReadException ValueTruncated(long start, DicomTag? tag, long length, long present) =>
        new(start, tag, $"unexpected end of input: a value of {length} bytes starts here but only {present} follow");

    private void CheckLength(long length, DicomTag? tag)
    {
        if (length < 0 || length > Array.MaxLength)
        {
            throw new DicomReadException(Position, tag, $"value length {length} is beyond what a single value may hold");
        }

        if (Remaining is { } remaining && length > remaining)
        {
            throw new DicomReadException(Position, tag, $"value length {length} exceeds the {remaining} bytes left in the input");
        }
    }

    private byte[] ReadArriving(int length, DicomTag? tag)
    {
        // The input's size is unknown (a deflate or network stream): gather blocks that grow geometrically with what
        // has arrived, so that the memory held never exceeds about twice the bytes actually read (plus one block).
        long start = Position;
        var blocks = new List<byte[]>();
        int done = 0;
        int fromBuffer = end - pos;
        if (fromBuffer > 0)
        {
            blocks.Add(buffer.AsSpan(pos, fromBuffer).ToArray());
            done = fromBuffer;
        }

        bufferStart += end;
        pos = 0;
        end = 0;
        while (done < length)
        {
            int size = Math.Min(length - done, Math.Max(MinArrivingBlock, done));
            var block = GC.AllocateUninitializedArray<byte>(size);
            int filled = 0;
            while (filled < size)
            {
                int n = stream.Read(block, filled, size - filled);
                if (n == 0)
                {
                    eof = true;
                    bufferStart += filled;
                    throw ValueTruncated(start, tag, length, done + filled);
                }

                filled += n;
            }

            bufferStart += size;
            blocks.Add(block);
            done += size;
        }

        if (blocks.Count == 1)
        {
            return blocks[0];
        }

        var result = GC.AllocateUninitializedArray<byte>(length);
        int offset = 0;
        foreach (var block in blocks)
        {
            Buffer.BlockCopy(block, 0, result, offset, block.Length);
            offset += block.Length;
        }

        return result;
    }
}
