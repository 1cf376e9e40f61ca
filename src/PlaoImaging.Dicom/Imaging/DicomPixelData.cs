using System.Buffers.Binary;

namespace PlaoImaging.Dicom.Imaging;

/// <summary>
/// Frame-wise access to a dataset's pixels: native frames are sliced (a file-backed value reads only that frame's
/// bytes); encapsulated frames are found as one fragment per frame, through the Extended Offset Table or the Basic
/// Offset Table, or by the codestreams' start markers (PS3.5 A.4), then decoded by the registry's codec. Nothing decodes
/// more than the frame asked for, and a frame that cannot be located or decoded fails alone: its
/// <see cref="DicomPixelDataException"/> names it and the cause, and the other frames still decode.
/// </summary>
public sealed class DicomPixelData
{
    private static readonly DicomTag ExtendedOffsetTable = new(0x7FE0, 0x0001);
    private static readonly DicomTag ExtendedOffsetTableLengths = new(0x7FE0, 0x0002);

    private readonly DicomElement element;
    private FrameMap? frameMap;

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

    /// <summary>
    /// How many frames the pixel data holds: <see cref="FrameCount"/>, or fewer when encapsulated data ends before Number
    /// of Frames (fewer fragments than frames, each starting a codestream, as a transfer cut short leaves it: the first
    /// frames are there and the others are missing).
    /// </summary>
    public int PresentFrameCount =>
        element is DicomFragmentSequence fragments && MapFrames(fragments) is { Missing: true } map ? map.Located.Length : FrameCount;

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
        var value = CheckNativeFrame(frame);
        if (Info.BitsAllocated == 1)
        {
            return GetBitFrame(value.Buffer, frame);
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)Info.NativeFrameBytes);
        value.Buffer.Read(frame * Info.NativeFrameBytes, bytes);
        return bytes;
    }

    /// <summary>
    /// Reads the native bytes of one frame into <paramref name="destination"/>, which must hold at least
    /// <see cref="DicomImageInfo.NativeFrameBytes"/> bytes (the same bytes as <see cref="GetNativeFrame"/>, into memory
    /// the caller owns, for example a buffer reused from frame to frame).
    /// </summary>
    public void ReadNativeFrame(int frame, Span<byte> destination)
    {
        var value = CheckNativeFrame(frame);
        int length = (int)Info.NativeFrameBytes;
        if (destination.Length < length)
        {
            throw new ArgumentException($"the frame needs {length} bytes; the destination holds {destination.Length}", nameof(destination));
        }

        if (Info.BitsAllocated == 1)
        {
            GetBitFrame(value.Buffer, frame).CopyTo(destination);
            return;
        }

        value.Buffer.Read(frame * Info.NativeFrameBytes, destination[..length]);
    }

    private DicomValueElement CheckNativeFrame(int frame)
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

        return value;
    }

    /// <summary>The encoded bytes of one frame: its fragments joined.</summary>
    public byte[] GetEncodedFrame(int frame)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(EncodedFrameLength(frame));
        ReadEncodedFrame(frame, bytes);
        return bytes;
    }

    /// <summary>How many bytes the encoded frame holds (its fragments' lengths added up).</summary>
    public int EncodedFrameLength(int frame)
    {
        var (fragments, indices) = LocateEncodedFrame(frame);
        long total = 0;
        foreach (int i in indices)
        {
            total += fragments.Fragments[i].Length;
        }

        if (total > int.MaxValue)
        {
            throw new DicomPixelDataException(frame, $"the frame's fragments total {total} bytes");
        }

        return (int)total;
    }

    /// <summary>
    /// Reads the encoded bytes of one frame (its fragments joined, as <see cref="GetEncodedFrame"/>) into the first
    /// <see cref="EncodedFrameLength"/> bytes of <paramref name="destination"/>, and returns that length.
    /// </summary>
    public int ReadEncodedFrame(int frame, Span<byte> destination)
    {
        int total = EncodedFrameLength(frame);
        if (destination.Length < total)
        {
            throw new ArgumentException($"the frame needs {total} bytes; the destination holds {destination.Length}", nameof(destination));
        }

        var (fragments, indices) = LocateEncodedFrame(frame);
        int offset = 0;
        foreach (int i in indices)
        {
            var fragment = fragments.Fragments[i];
            fragment.Read(0, destination.Slice(offset, (int)fragment.Length));
            offset += (int)fragment.Length;
        }

        return total;
    }

    private (DicomFragmentSequence Fragments, IReadOnlyList<int> Indices) LocateEncodedFrame(int frame)
    {
        CheckFrame(frame);
        if (element is not DicomFragmentSequence fragments)
        {
            throw new DicomPixelDataException(frame, "pixel data is native, not encapsulated");
        }

        var map = MapFrames(fragments);
        if (frame >= map.Located.Length)
        {
            throw new DicomPixelDataException(frame, map.Problem!);
        }

        return (fragments, map.Located[frame]);
    }

    /// <summary>One frame decoded to native stored values: sliced when native, decoded by <paramref name="codecs"/> when encapsulated.</summary>
    public DicomDecodedFrame DecodeFrame(int frame, DicomCodecRegistry codecs)
    {
        ArgumentNullException.ThrowIfNull(codecs);
        if (!IsEncapsulated)
        {
            return new DicomDecodedFrame(GetNativeFrame(frame), Info.PhotometricInterpretation, Info.PlanarConfiguration);
        }

        return DecodeEncodedFrame(GetEncodedFrame(frame), frame, codecs);
    }

    /// <summary>
    /// Decodes frame <paramref name="frame"/>'s encoded bytes, read by the caller (<see cref="ReadEncodedFrame"/>), with
    /// the registry's codec for this transfer syntax; errors as <see cref="DecodeFrame"/>.
    /// </summary>
    public DicomDecodedFrame DecodeEncodedFrame(ReadOnlySpan<byte> encoded, int frame, DicomCodecRegistry codecs)
    {
        ArgumentNullException.ThrowIfNull(codecs);
        CheckFrame(frame);
        var codec = codecs.Get(TransferSyntax);
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

    /// <summary>
    /// Which fragments make each frame (PS3.5 A.4), worked out once; a frame that cannot be located has no fragments
    /// here (decoding it throws, saying why).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int>> GetFrameFragmentMap()
    {
        if (element is not DicomFragmentSequence fragments)
        {
            return [];
        }

        var map = MapFrames(fragments);
        return new FrameFragmentList(map.Located, FrameCount);
    }

    /// <summary>
    /// Locates every frame's fragments. Each frame has at least one fragment and no fragment holds parts of two frames
    /// (PS3.5 A.4), so as many fragments as frames are one frame each whatever an offset table says (DCMTK reads such
    /// files the same way). Otherwise the Extended or Basic Offset Table is used when it is consistent, else the
    /// codestreams' start markers. Fewer fragments than frames, each starting a codestream, are the first frames, and only
    /// the others fail (as missing); when nothing locates the frames, each one fails with the cause.
    /// </summary>
    private FrameMap MapFrames(DicomFragmentSequence fragments)
    {
        if (frameMap is not null)
        {
            return frameMap;
        }

        int frames = Info.NumberOfFrames;
        int count = fragments.Fragments.Count;
        if (count == 0)
        {
            frameMap = FrameMap.Failed("encapsulated pixel data has no fragments");
        }
        else if (frames == 1)
        {
            frameMap = FrameMap.FromStarts([0], count);
        }
        else if (count == frames)
        {
            frameMap = FrameMap.FromStarts([.. Enumerable.Range(0, count)], count);
        }
        else
        {
            frameMap = MapFromTableOrMarkers(fragments, frames, count);
        }

        return frameMap;
    }

    private FrameMap MapFromTableOrMarkers(DicomFragmentSequence fragments, int frames, int count)
    {
        // Where each fragment item starts, relative to the first fragment item's tag (the offset tables' origin).
        var items = new (long Start, long Length)[count];
        long position = 0;
        for (int i = 0; i < count; i++)
        {
            long length = fragments.Fragments[i].Length + (fragments.Fragments[i].Length & 1);
            items[i] = (position, length);
            position += 8 + length;
        }

        string? tableProblem = null;
        var (offsets, table, readProblem) = ReadOffsets(fragments.OffsetTable);
        if (offsets is not null)
        {
            var (starts, problem) = FromOffsets(offsets, table, frames, items);
            if (starts is not null)
            {
                return FrameMap.FromStarts(starts, count);
            }

            tableProblem = problem;
        }
        else
        {
            tableProblem = readProblem;
        }

        var markers = FromStartMarkers(fragments);
        if (markers.Count == frames && markers[0] == 0)
        {
            return FrameMap.FromStarts([.. markers], count);
        }

        if (count < frames && markers.Count == count)
        {
            // Every fragment starts a codestream: they are the first frames, and the others are not in the file.
            return FrameMap.FromStarts([.. markers], count) with
            {
                Problem = $"the frame is missing: the pixel data holds {count} fragments, one codestream each, for {frames} frames",
                Missing = true,
            };
        }

        string found = $"{frames} frames declared, {count} fragments, and {markers.Count} codestream starts found in them";
        return FrameMap.Failed(tableProblem is null
            ? $"the frames cannot be located: {found}, no offset table"
            : $"the frames cannot be located: {tableProblem}; {found}");
    }

    private (long[]? Offsets, string Table, string? Problem) ReadOffsets(DicomBuffer basic)
    {
        if (Dataset.TryGetElement(ExtendedOffsetTable, out var table) && table is DicomValueElement tableValue && tableValue.Length > 0)
        {
            ulong[] offsets;
            ulong[]? lengths;
            try
            {
                offsets = Dataset.GetValues<ulong>(ExtendedOffsetTable);
                lengths = Dataset.Contains(ExtendedOffsetTableLengths) ? Dataset.GetValues<ulong>(ExtendedOffsetTableLengths) : null;
            }
            catch (DicomException e)
            {
                return (null, "the Extended Offset Table", $"the Extended Offset Table cannot be read: {e.Message}");
            }

            if (lengths is not null && lengths.Length != offsets.Length)
            {
                return (null, "the Extended Offset Table", $"the Extended Offset Table lists {offsets.Length} offsets but its Lengths {lengths.Length}");
            }

            return ([.. offsets.Select(o => o > long.MaxValue ? long.MaxValue : (long)o)], "the Extended Offset Table", null);
        }

        if (basic.Length == 0)
        {
            return (null, "no offset table", null);
        }

        if (basic.Length % 4 != 0)
        {
            return (null, "the Basic Offset Table", $"the Basic Offset Table of {basic.Length} bytes is not a whole number of 32-bit offsets");
        }

        var bytes = basic.GetMemory().Span;
        var result = new long[bytes.Length / 4];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]);
        }

        return (result, "the Basic Offset Table", null);
    }

    private static (int[]? Starts, string? Problem) FromOffsets(long[] offsets, string table, int frames, (long Start, long Length)[] items)
    {
        if (offsets.Length != frames)
        {
            return (null, $"{table} lists {offsets.Length} frames; Number of Frames is {frames}");
        }

        var starts = new int[frames];
        for (int f = 0; f < frames; f++)
        {
            // The items are in increasing order of start: a binary search keeps a long table from costing frames × items.
            int index = Array.BinarySearch(items, (offsets[f], 0L), StartComparer.Instance);
            if (index < 0)
            {
                return (null, $"{table}'s offset {offsets[f]} for frame {f + 1} is not the start of a fragment item (the items span {items[^1].Start + 8 + items[^1].Length} bytes)");
            }

            if (f == 0 && index != 0)
            {
                return (null, $"{table}'s first offset is {offsets[0]}, not 0: fragments before it would belong to no frame");
            }

            if (f > 0 && index <= starts[f - 1])
            {
                return (null, $"{table}'s offsets are not increasing at frame {f + 1}");
            }

            starts[f] = index;
        }

        return (starts, null);
    }

    private static List<int> FromStartMarkers(DicomFragmentSequence fragments)
    {
        // A frame starts at each fragment that opens with a codestream marker:
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

        return starts;
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

    /// <summary>Each frame's fragment indices (empty when it cannot be located) and, for those, why.</summary>
    /// <summary>
    /// The fragment indices of the first frames (all of them when every frame is located); the frames after those fail
    /// with <see cref="Problem"/>. Nothing here is sized by Number of Frames, which the data may not back.
    /// </summary>
    private sealed record FrameMap(int[][] Located, string? Problem, bool Missing)
    {
        public static FrameMap Failed(string problem) => new([], problem, Missing: false);

        /// <summary>Frames starting at these increasing fragment indices, the last running to the last fragment.</summary>
        public static FrameMap FromStarts(int[] starts, int count)
        {
            var map = new int[starts.Length][];
            for (int f = 0; f < starts.Length; f++)
            {
                int end = f + 1 < starts.Length ? starts[f + 1] : count;
                map[f] = [.. Enumerable.Range(starts[f], end - starts[f])];
            }

            return new FrameMap(map, null, Missing: false);
        }
    }

    /// <summary>Every frame's fragment indices, empty for a frame that cannot be located, without a list per declared frame.</summary>
    private sealed class FrameFragmentList(int[][] located, int frames) : IReadOnlyList<IReadOnlyList<int>>
    {
        public int Count => frames;

        public IReadOnlyList<int> this[int index] =>
            (uint)index < (uint)frames ? (index < located.Length ? located[index] : []) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<IReadOnlyList<int>> GetEnumerator()
        {
            for (int f = 0; f < frames; f++)
            {
                yield return this[f];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
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
            throw new DicomPixelDataException(frame, $"there are {Info.NumberOfFrames} frames (1..{Info.NumberOfFrames})");
        }
    }
}
