namespace PlaoImaging.Dicom.IO;

/// <summary>A read-only, forward-only stream that yields some bytes already read, then the rest of another stream.</summary>
internal sealed class PrefixedStream(byte[] head, Stream tail) : Stream
{
    private int headPos;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (headPos < head.Length)
        {
            int n = Math.Min(count, head.Length - headPos);
            Buffer.BlockCopy(head, headPos, buffer, offset, n);
            headPos += n;
            return n;
        }

        return tail.Read(buffer, offset, count);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
