namespace PlaoImaging.Dicom.Tests.Support;

/// <summary>
/// A read-only stream that hides its length and cannot seek (like a network stream), and hands out at most
/// <c>maxChunk</c> bytes per read, cycling through 1..maxChunk so that buffer boundaries fall everywhere.
/// </summary>
internal sealed class NonSeekableStream(byte[] data, int maxChunk = int.MaxValue) : Stream
{
    private int position;
    private int nextChunk = 1;

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
        int chunk = maxChunk == int.MaxValue ? count : nextChunk;
        nextChunk = nextChunk % Math.Max(1, maxChunk == int.MaxValue ? 1 : maxChunk) + 1;
        int n = Math.Min(Math.Min(count, chunk), data.Length - position);
        Array.Copy(data, position, buffer, offset, n);
        position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
