using System.Buffers.Binary;

namespace PlaoImaging.Dicom;

/// <summary>
/// The bytes of one value, always in little-endian byte order. Either held in memory or left in a file and read
/// when asked (large values such as pixel data, so that they are never copied twice).
/// </summary>
public abstract class DicomBuffer
{
    /// <summary>An empty value.</summary>
    public static DicomBuffer Empty { get; } = new MemoryDicomBuffer(ReadOnlyMemory<byte>.Empty);

    /// <summary>Length in bytes.</summary>
    public abstract long Length { get; }

    /// <summary>Whether the bytes are already in memory.</summary>
    public abstract bool IsInMemory { get; }

    /// <summary>The bytes; a file-backed buffer reads them from the file on every call.</summary>
    public abstract ReadOnlyMemory<byte> GetMemory();

    /// <summary>Writes the bytes to a stream without materialising more than a block at a time where possible.</summary>
    public abstract void CopyTo(Stream destination);

    /// <summary>Copies <paramref name="destination"/>.Length bytes starting at <paramref name="offset"/> (a file-backed buffer reads only that range).</summary>
    public abstract void Read(long offset, Span<byte> destination);

    protected void CheckRange(long offset, int count)
    {
        if (offset < 0 || count < 0 || offset + count > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"bytes {offset}..{offset + count} are outside the {Length}-byte value");
        }
    }

    /// <summary>Wraps bytes already in memory (not copied).</summary>
    public static DicomBuffer FromMemory(ReadOnlyMemory<byte> bytes) =>
        bytes.IsEmpty ? Empty : new MemoryDicomBuffer(bytes);
}

/// <summary>A value held in memory.</summary>
public sealed class MemoryDicomBuffer(ReadOnlyMemory<byte> bytes) : DicomBuffer
{
    public override long Length => bytes.Length;

    public override bool IsInMemory => true;

    public override ReadOnlyMemory<byte> GetMemory() => bytes;

    public override void CopyTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(bytes.Span);
    }

    public override void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        bytes.Span.Slice((int)offset, destination.Length).CopyTo(destination);
    }
}

/// <summary>
/// A value left in a file: path, offset and length. Byte-order swapping (for values of big-endian files) is applied
/// when the bytes are read.
/// </summary>
public sealed class FileDicomBuffer : DicomBuffer
{
    private const int CopyBlock = 1 << 20;

    public FileDicomBuffer(string path, long offset, long length, int swapUnit = 1)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "A single value cannot exceed 2 GiB.");
        }

        Path = path;
        Offset = offset;
        this.length = length;
        SwapUnit = swapUnit;
    }

    private readonly long length;

    public string Path { get; }

    public long Offset { get; }

    /// <summary>1 when no swap is needed, else 2, 4 or 8 (the value was stored big-endian).</summary>
    public int SwapUnit { get; }

    public override long Length => length;

    public override bool IsInMemory => false;

    public override ReadOnlyMemory<byte> GetMemory()
    {
        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        using (var file = OpenFile())
        {
            file.ReadExactly(bytes);
        }

        ByteSwap.InPlace(bytes, SwapUnit);
        return bytes;
    }

    public override void CopyTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var file = OpenFile();
        var block = new byte[(int)Math.Min(CopyBlock, Math.Max(length, 1))];
        long left = length;
        while (left > 0)
        {
            int n = (int)Math.Min(block.Length, left);
            file.ReadExactly(block, 0, n);
            ByteSwap.InPlace(block.AsSpan(0, n), SwapUnit);
            destination.Write(block, 0, n);
            left -= n;
        }
    }

    public override void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        if (SwapUnit > 1 && (offset % SwapUnit != 0 || destination.Length % SwapUnit != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"a byte-swapped value is read in whole units of {SwapUnit} bytes");
        }

        using var file = OpenFile();
        file.Position = Offset + offset;
        file.ReadExactly(destination);
        ByteSwap.InPlace(destination, SwapUnit);
    }

    private FileStream OpenFile()
    {
        var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (file.Length < Offset + length)
        {
            file.Dispose();
            throw new DicomReadException(Offset, null, $"the file {System.IO.Path.GetFileName(Path)} is shorter than when it was read: the value of {length} bytes is gone");
        }

        file.Position = Offset;
        return file;
    }
}

internal static class ByteSwap
{
    public static void InPlace(Span<byte> bytes, int unit)
    {
        switch (unit)
        {
            case 2:
                var u16 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes[..(bytes.Length & ~1)]);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                var u32 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(bytes[..(bytes.Length & ~3)]);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(bytes[..(bytes.Length & ~7)]);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
        }
    }
}
