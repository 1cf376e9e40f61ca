using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

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
/// when the bytes are read. Every read opens the file anew and, when the buffer has a <see cref="Stamp"/> (as every
/// buffer <see cref="DicomFile.Open"/> makes has), checks before and after reading that the file is still the version
/// the stamp describes: a file replaced, rewritten or removed since gives a <see cref="DicomSourceChangedException"/>,
/// never other bytes from the old offsets (what a stamp can and cannot see is on <see cref="DicomFileStamp"/>).
/// Without a stamp only a file now too short to hold the value is detected.
/// </summary>
public sealed class FileDicomBuffer : DicomBuffer
{
    private const int CopyBlock = 1 << 20;

    public FileDicomBuffer(string path, long offset, long length, int swapUnit = 1, DicomFileStamp? stamp = null)
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
        Stamp = stamp;
    }

    private readonly long length;

    public string Path { get; }

    public long Offset { get; }

    /// <summary>1 when no swap is needed, else 2, 4 or 8 (the value was stored big-endian).</summary>
    public int SwapUnit { get; }

    /// <summary>The version of the file the value was found in; null: not checked beyond the file's length.</summary>
    public DicomFileStamp? Stamp { get; }

    public override long Length => length;

    public override bool IsInMemory => false;

    public override ReadOnlyMemory<byte> GetMemory()
    {
        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        using (var file = OpenChecked())
        {
            ReadAt(file, Offset, bytes);
            CheckUnchanged(file);
        }

        ByteSwap.InPlace(bytes, SwapUnit);
        return bytes;
    }

    /// <summary>Writes the value block by block, each checked before it is written; on a change, what was written must be discarded.</summary>
    public override void CopyTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var file = OpenChecked();
        var block = new byte[(int)Math.Min(CopyBlock, Math.Max(length, 1))];
        long done = 0;
        while (done < length)
        {
            int n = (int)Math.Min(block.Length, length - done);
            ReadAt(file, Offset + done, block.AsSpan(0, n));
            CheckUnchanged(file);
            ByteSwap.InPlace(block.AsSpan(0, n), SwapUnit);
            destination.Write(block, 0, n);
            done += n;
        }
    }

    public override void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        if (SwapUnit > 1 && (offset % SwapUnit != 0 || destination.Length % SwapUnit != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"a byte-swapped value is read in whole units of {SwapUnit} bytes");
        }

        using (var file = OpenChecked())
        {
            ReadAt(file, Offset + offset, destination);
            CheckUnchanged(file);
        }

        ByteSwap.InPlace(destination, SwapUnit);
    }

    private void ReadAt(SafeFileHandle file, long position, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(file, destination, position);
            if (n == 0)
            {
                throw new DicomSourceChangedException(Path, $"it ended at byte {position} while the value of {length} bytes at offset {Offset} was read", null);
            }

            destination = destination[n..];
            position += n;
        }
    }

    /// <summary>Opens the file and checks that it is the version read (or, without a stamp, long enough).</summary>
    private SafeFileHandle OpenChecked()
    {
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DicomSourceChangedException(Path, "it is gone", e);
        }

        try
        {
            CheckUnchanged(file);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private void CheckUnchanged(SafeFileHandle file)
    {
        if (Stamp is null)
        {
            long now = RandomAccess.GetLength(file);
            if (now < Offset + length)
            {
                throw new DicomSourceChangedException(Path, $"it is {now} bytes long: the value of {length} bytes at offset {Offset} is gone", null);
            }

            return;
        }

        if (Stamp.DescribeChange(DicomFileStamp.Of(file)) is { } change)
        {
            throw new DicomSourceChangedException(Path, change, null);
        }
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
