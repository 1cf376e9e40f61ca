namespace PlaoImaging.Dicom.IO;

/// <summary>
/// The arrays one file took from a <see cref="DicomValuePool"/> for its values, given back together when the file is
/// disposed (or at once when reading it fails). Values read through the lease check it on every access, so a value
/// used after its file was disposed throws <see cref="ObjectDisposedException"/> instead of showing another file's bytes.
/// </summary>
internal sealed class DicomValueLease(DicomValuePool pool)
{
    private readonly List<(byte[] Array, int Written)> arrays = [];
    private int returned;

    public bool IsReturned => Volatile.Read(ref returned) != 0;

    /// <summary>A value of <paramref name="length"/> bytes in a pooled array; the caller fills the array's first <paramref name="length"/> bytes.</summary>
    public byte[] Rent(int length)
    {
        var array = pool.Rent(length);
        arrays.Add((array, length));
        return array;
    }

    /// <summary>Gives every array back to the pool; later calls do nothing.</summary>
    public void Return()
    {
        if (Interlocked.Exchange(ref returned, 1) != 0)
        {
            return;
        }

        foreach (var (array, written) in arrays)
        {
            pool.Return(array, written);
        }

        arrays.Clear();
    }

    public void ThrowIfReturned()
    {
        ObjectDisposedException.ThrowIf(IsReturned, typeof(DicomFile));
    }
}

/// <summary>A value held in an array of a <see cref="DicomValuePool"/>, valid until its file is disposed.</summary>
internal sealed class PooledDicomBuffer(ReadOnlyMemory<byte> bytes, DicomValueLease lease) : DicomBuffer
{
    public override long Length => bytes.Length;

    public override bool IsInMemory => true;

    public override ReadOnlyMemory<byte> GetMemory()
    {
        lease.ThrowIfReturned();
        return bytes;
    }

    public override void CopyTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        lease.ThrowIfReturned();
        destination.Write(bytes.Span);
    }

    public override void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        lease.ThrowIfReturned();
        bytes.Span.Slice((int)offset, destination.Length).CopyTo(destination);
    }
}
