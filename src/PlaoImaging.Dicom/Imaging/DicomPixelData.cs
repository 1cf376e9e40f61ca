using System.Buffers.Binary;

namespace PlaoImaging.Dicom.Imaging;

/// <summary>
/// Frame-wise access to a dataset's pixels: native frames are sliced (a file-backed value reads only that frame's
/// bytes); encapsulated frames are found through the Extended Offset Table, the Basic Offset Table, one fragment per
/// frame, or the codestreams' start markers (PS3.5 A.4), then decoded by the registry's codec. Nothing decodes more
/// than the frame asked for.
/// </summary>
public sealed class DicomPixelData
{
    private static readonly DicomTag ExtendedOffsetTable = new(0x7FE0, 0x0001);
    private static readonly DicomTag ExtendedOffsetTableLengths = new(0x7FE0, 0x0002);

    private readonly DicomElement element;
    private (long Start, long Length)[]? fragmentItems;
    private int[][]? frameFragments;

    private DicomPixelData(DicomDataset dataset, DicomTransferSyntax syntax, DicomImageInfo info, DicomElement element)
    {
        Dataset = dataset;
        TransferSyntax = syntax;
        Info = info;
        this.element = element;
    }

    public DicomDataset Dataset { get; }

    public DicomTransferSyntax TransferSyntax { get; }

    public DicomImageInfo Info { get; }

    public bool IsEncapsulated => element is DicomFragmentSequence;

    public int FrameCount => Info.NumberOfFrames;

    /// <summary>Reads and checks the pixel attributes of a dataset read in <paramref name="syntax"/>.</summary>
    public static DicomPixelData Create(DicomDataset dataset, DicomTransferSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(syntax);
        var info = DicomImageInfo.FromDataset(dataset);
        var element = dataset[info.PixelDataTag];
        if (element is DicomSequence)
        {
            throw new DicomPixelDataException(null, "Pixel Data is a sequence of items, not pixels");
        }

        if (element is DicomValueElement value)
        {
            if (syntax.IsEncapsulated && syntax.Uid != DicomTransferSyntax.EncapsulatedUncompressedExplicitVRLittleEndian.Uid && value.Length > 0)
            {
                throw new DicomPixelDataException(null, $"{syntax.Name} requires encapsulated pixel data, but the value is native");
            }
        }

        return new DicomPixelData(dataset, syntax, info, element);
    }

    public static DicomPixelData Create(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Create(file.Dataset, file.TransferSyntax);
    }

    /// <summary>The native bytes of one frame (stored sample values, little-endian, layout as <see cref="Info"/> says).</summary>
    public byte[] GetNativeFrame(int frame)
    {
        CheckFrame(frame);
        if (element is not DicomValueElement value)
        {
            throw new DicomPixelDataException(frame, "pixel data is encapsulated: decode it with a codec registry");
        }

        long frameEnd = Info.BitsAllocated == 1
            ? (((long)Info.PixelCount * Info.SamplesPerPixel * (frame + 1)) + 7) / 8
            : Info.NativeFrameBytes * (frame + 1);
        if (value.Length < frameEnd)
        {
            // The file declares more frames (or larger ones) than it holds.
            throw new DicomPixelDataException(frame, $"native pixel data holds {value.Length} bytes; this frame ends at byte {frameEnd}");
        }

        if (Info.BitsAllocated == 1)
        {
            return GetBitFrame(value.Buffer, frame);
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)Info.NativeFrameBytes);
        value.Buffer.Read(frame * Info.NativeFrameBytes, bytes);
        return bytes;
    }

    /// <summary>The encoded bytes of one frame: its fragments joined.</summary>
    public byte[] GetEncodedFrame(int frame)
    {
        CheckFrame(frame);
        if (element is not DicomFragmentSequence fragments)
        {
            throw new DicomPixelDataException(frame, "pixel data is native, not encapsulated");
        }

        var map = MapFrames(fragments);
        var indices = map[frame];
        long total = indices.Sum(i => fragments.Fragments[i].Length);
        if (total > int.MaxValue)
        {
            throw new DicomPixelDataException(frame, $"the frame's fragments total {total} bytes");
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)total);
        int offset = 0;
        foreach (int i in indices)
        {
            var fragment = fragments.Fragments[i];
            fragment.Read(0, bytes.AsSpan(offset, (int)fragment.Length));
            offset += (int)fragment.Length;
        }

        return bytes;
    }

    /// <summary>One frame decoded to native stored values: sliced when native, decoded by <paramref name="codecs"/> when encapsulated.</summary>
    public DicomDecodedFrame DecodeFrame(int frame, DicomCodecRegistry codecs)
    {
        ArgumentNullException.ThrowIfNull(codecs);
        if (!IsEncapsulated)
        {
            return new DicomDecodedFrame(GetNativeFrame(frame), Info.PhotometricInterpretation, Info.PlanarConfiguration);
        }

        var codec = codecs.Get(TransferSyntax);
        var encoded = GetEncodedFrame(frame);
        try
        {
            var decoded = codec.Decode(encoded, Info, frame);
            if (decoded.Bytes.Length < Info.FrameBytes)
            {
                throw new DicomPixelDataException(frame, $"{TransferSyntax.Name} decoder returned {decoded.Bytes.Length} bytes; the frame needs {Info.FrameBytes}");
            }

            return decoded;
        }
        catch (DicomException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DicomPixelDataException(frame, $"{TransferSyntax.Name} decoding failed: {e.Message}", e);
        }
    }

    /// <summary>Which fragments make each frame (PS3.5 A.4), worked out once.</summary>
    public IReadOnlyList<IReadOnlyList<int>> GetFrameFragmentMap()
    {
        if (element is not DicomFragmentSequence fragments)
        {
            return [];
        }

        return MapFrames(fragments);
    }

    private int[][] MapFrames(DicomFragmentSequence fragments)
    {
        if (frameFragments is not null)
        {
            return frameFragments;
        }

        int frames = Info.NumberOfFrames;
        int count = fragments.Fragments.Count;
        if (count == 0)
        {
            throw new DicomPixelDataException(0, "encapsulated pixel data has no fragments");
        }

        // Where each fragment item starts, relative to the first fragment item's tag (the offset tables' origin).
        fragmentItems = new (long, long)[count];
        long position = 0;
        for (int i = 0; i < count; i++)
        {
            long length = fragments.Fragments[i].Length + (fragments.Fragments[i].Length & 1);
            fragmentItems[i] = (position, length);
            position += 8 + length;
        }

        long[]? offsets = ReadExtendedOffsets() ?? ReadBasicOffsets(fragments.OffsetTable);
        int[][] map;
        if (frames == 1)
        {
            map = [Enumerable.Range(0, count).ToArray()];
        }
        else if (offsets is not null)
        {
            map = FromOffsets(offsets, frames, count);
        }
        else if (count == frames)
        {
            map = Enumerable.Range(0, count).Select(i => new[] { i }).ToArray();
        }
        else if (count > frames)
        {
            map = FromStartMarkers(fragments, frames);
        }
        else
        {
            throw new DicomPixelDataException(count, $"{frames} frames declared but only {count} fragments and no offset table");
        }

        frameFragments = map;
        return map;
    }

    private long[]? ReadExtendedOffsets()
    {
        if (!Dataset.TryGetElement(ExtendedOffsetTable, out var table) || table is not DicomValueElement tableValue || tableValue.Length == 0)
        {
            return null;
        }

        ulong[] offsets;
        ulong[]? lengths;
        try
        {
            offsets = Dataset.GetValues<ulong>(ExtendedOffsetTable);
            lengths = Dataset.Contains(ExtendedOffsetTableLengths) ? Dataset.GetValues<ulong>(ExtendedOffsetTableLengths) : null;
        }
        catch (DicomException e)
        {
            throw new DicomPixelDataException(null, $"Extended Offset Table: {e.Message}", e);
        }

        if (lengths is not null && lengths.Length != offsets.Length)
        {
            throw new DicomPixelDataException(Math.Min(lengths.Length, offsets.Length), $"the Extended Offset Table lists {offsets.Length} offsets but its Lengths {lengths.Length}");
        }

        var result = new long[offsets.Length];
        for (int i = 0; i < offsets.Length; i++)
        {
            result[i] = offsets[i] > long.MaxValue ? long.MaxValue : (long)offsets[i];
        }

        return result;
    }

    private static long[]? ReadBasicOffsets(DicomBuffer table)
    {
        if (table.Length == 0)
        {
            return null;
        }

        if (table.Length % 4 != 0)
        {
            throw new DicomPixelDataException(null, $"Basic Offset Table of {table.Length} bytes is not a whole number of 32-bit offsets");
        }

        var bytes = table.GetMemory().Span;
        var result = new long[bytes.Length / 4];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]);
        }

        return result;
    }

    private int[][] FromOffsets(long[] offsets, int frames, int count)
    {
        if (offsets.Length != frames)
        {
            throw new DicomPixelDataException(Math.Min(offsets.Length, frames - 1), $"the offset table lists {offsets.Length} frames; Number of Frames is {frames}");
        }

        var starts = new int[frames];
        for (int f = 0; f < frames; f++)
        {
            // The items are in increasing order of start: a binary search keeps a long table from costing frames × items.
            int index = Array.BinarySearch(fragmentItems!, (offsets[f], 0L), StartComparer.Instance);
            if (index < 0)
            {
                throw new DicomPixelDataException(f, $"offset {offsets[f]} is not the start of a fragment item (the items span {fragmentItems![^1].Start + 8 + fragmentItems[^1].Length} bytes)");
            }

            if (f == 0 && index != 0)
            {
                throw new DicomPixelDataException(0, $"the offset table's first offset is {offsets[0]}, not 0: fragments before it would belong to no frame");
            }

            if (f > 0 && index <= starts[f - 1])
            {
                throw new DicomPixelDataException(f, "offsets in the offset table are not increasing");
            }

            starts[f] = index;
        }

        var map = new int[frames][];
        for (int f = 0; f < frames; f++)
        {
            int end = f + 1 < frames ? starts[f + 1] : count;
            map[f] = Enumerable.Range(starts[f], end - starts[f]).ToArray();
        }

        return map;
    }

    private static int[][] FromStartMarkers(DicomFragmentSequence fragments, int frames)
    {
        // Without an offset table, a frame starts at each fragment that opens with a codestream marker:
        // JPEG / JPEG-LS SOI (FFD8), JPEG 2000 SOC (FF4F) or a JP2 signature box.
        var starts = new List<int>();
        Span<byte> head = stackalloc byte[4];
        for (int i = 0; i < fragments.Fragments.Count; i++)
        {
            var fragment = fragments.Fragments[i];
            if (fragment.Length < 4)
            {
                continue;
            }

            fragment.Read(0, head);
            bool marker = (head[0] == 0xFF && head[1] is 0xD8 or 0x4F) || (head[0] == 0 && head[1] == 0 && head[2] == 0 && head[3] == 0x0C);
            if (marker)
            {
                starts.Add(i);
            }
        }

        if (starts.Count != frames || starts[0] != 0)
        {
            throw new DicomPixelDataException(Math.Min(starts.Count, frames - 1), $"{frames} frames declared, {fragments.Fragments.Count} fragments, no offset table, and {starts.Count} codestream starts found");
        }

        var map = new int[frames][];
        for (int f = 0; f < frames; f++)
        {
            int end = f + 1 < frames ? starts[f + 1] : fragments.Fragments.Count;
            map[f] = Enumerable.Range(starts[f], end - starts[f]).ToArray();
        }

        return map;
    }

    private byte[] GetBitFrame(DicomBuffer buffer, int frame)
    {
        // 1-bit frames are packed back to back with no padding (PS3.5 8.1.1): shift the frame's bits to bit 0.
        long bitsPerFrame = (long)Info.PixelCount * Info.SamplesPerPixel;
        long firstBit = bitsPerFrame * frame;
        long firstByte = firstBit / 8;
        int shift = (int)(firstBit % 8);
        int frameBytes = (int)Info.FrameBytes;
        int span = (int)Math.Min(frameBytes + 1, buffer.Length - firstByte);
        var source = new byte[span];
        buffer.Read(firstByte, source);
        var result = new byte[frameBytes];
        for (int i = 0; i < frameBytes; i++)
        {
            int low = source[i] >> shift;
            int high = shift > 0 && i + 1 < source.Length ? source[i + 1] << (8 - shift) : 0;
            result[i] = (byte)(low | high);
        }

        int tailBits = (int)(bitsPerFrame % 8);
        if (tailBits != 0)
        {
            result[^1] &= (byte)((1 << tailBits) - 1);
        }

        return result;
    }

    private sealed class StartComparer : IComparer<(long Start, long Length)>
    {
        public static readonly StartComparer Instance = new();

        public int Compare((long Start, long Length) x, (long Start, long Length) y) => x.Start.CompareTo(y.Start);
    }

    private void CheckFrame(int frame)
    {
        if (frame < 0 || frame >= Info.NumberOfFrames)
        {
            throw new DicomPixelDataException(frame, $"there are {Info.NumberOfFrames} frames (0..{Info.NumberOfFrames - 1})");
        }
    }
}
