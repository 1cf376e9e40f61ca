using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace PlaoImaging.Dicom.IO;

/// <summary>
/// Parses Part 10 files and bare datasets (PS3.5 7, PS3.10 7.1) in every uncompressed, deflated and encapsulated
/// transfer syntax. Defined and undefined lengths; a UN element of undefined length is read as an implicit VR little
/// endian sequence (PS3.5 6.2.2); deviations DCMTK tolerates become <see cref="DicomReadWarning"/>s.
/// </summary>
internal sealed class DicomReader
{
    private const uint UndefinedLength = 0xFFFFFFFF;

    // Inserting an element out of tag order shifts the later ones; past this many shifts (about a second of work) the
    // input is rejected rather than sorted in quadratic time.
    private const long MaxOutOfOrderCost = 1L << 27;

    // A private creator is an LO value (64 characters at most); longer values are not looked up in the dictionary.
    private const int MaxPrivateCreatorLength = 1024;
    private static readonly DicomTag[] PixelDataTags = [DicomTag.FloatPixelData, DicomTag.DoubleFloatPixelData, DicomTag.PixelData];

    private readonly DicomReadOptions options;
    private readonly string? path;
    private readonly DicomFileStamp? stamp;
    private readonly List<DicomReadWarning> warnings = [];
    private readonly DicomValueLease? lease;
    private DicomInput input;
    private bool lazyAllowed;
    private bool stopped;

    // Where errors point when no element is being read (the innermost sequence), and the end of the innermost
    // enclosing sequence or item of defined length (-1: none), which no value may run past.
    private DicomTag? container;
    private long limit = -1;
    private DicomTag? currentTag;
    private long outOfOrderCost;
    private DicomDataset? creatorCacheDataset;
    private DicomTag creatorCacheTag;
    private string? creatorCacheValue;

    private DicomReader(Stream stream, DicomReadOptions options, string? path, DicomFileStamp? stamp, DicomValueLease? lease)
    {
        this.options = options;
        this.path = path;
        this.stamp = stamp;
        this.lease = lease;
        input = new DicomInput(stream, stream.CanSeek ? stream.Position : 0);
        lazyAllowed = path is not null && options.LargeValueThreshold > 0;
    }

    private readonly record struct Syntax(bool Explicit, bool BigEndian);

    /// <summary>Reads a file; with a <paramref name="path"/>, large values are left in it, tied to <paramref name="stamp"/>.</summary>
    /// <summary>
    /// Reads a file; with a <paramref name="path"/>, large values are left in it, tied to <paramref name="stamp"/>. With
    /// a <see cref="DicomReadOptions.ValuePool"/>, the values read into memory from <see cref="DicomValuePool.MinimumLength"/>
    /// bytes on live in the pool's arrays, which the file gives back when disposed (here at once if reading fails).
    /// </summary>
    public static DicomFile ReadFile(Stream stream, DicomReadOptions options, string? path, DicomFileStamp? stamp)
    {
        var lease = options.ValuePool is { } pool ? new DicomValueLease(pool) : null;
        var reader = new DicomReader(stream, options, path, stamp, lease);
        try
        {
            var file = reader.Guard(() => reader.GuardedRead(reader.ReadFile));
            file.ValueLease = lease;
            return file;
        }
        catch
        {
            lease?.Return();
            throw;
        }
    }

    public static DicomDataset ReadDataset(Stream stream, DicomTransferSyntax syntax, DicomReadOptions options, out IReadOnlyList<DicomReadWarning> warnings)
    {
        var reader = new DicomReader(stream, options, null, null, null);
        var dataset = reader.Guard(() => reader.GuardedRead(() => reader.ReadBody(syntax)));
        warnings = reader.warnings;
        return dataset;
    }

    /// <summary>
    /// The last line of defence: whatever the input, only <see cref="DicomException"/>s (and I/O errors of the
    /// underlying stream) leave the reader. Anything else is a bug in the reader, reported with the position reached
    /// and the original exception inside.
    /// </summary>
    private T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        finally
        {
            input.Dispose();
        }
    }

    private T GuardedRead<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InsufficientExecutionStackException e)
        {
            throw new DicomReadException(input.Position, currentTag, "sequences nested too deeply for the stack", e);
        }
        catch (Exception e) when (e is not (DicomException or IOException or ObjectDisposedException or OutOfMemoryException or OperationCanceledException))
        {
            throw new DicomReadException(input.Position, currentTag, $"internal error while parsing ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private DicomFile ReadFile()
    {
        if (input.AtEnd)
        {
            throw new DicomReadException(input.Position, null, "the input is empty");
        }

        bool preamble = false;
        if (input.TryEnsure(132) && Encoding.ASCII.GetString(input.Peek(132, null)[128..]) == "DICM")
        {
            input.Advance(132);
            preamble = true;
        }
        else if (input.TryEnsure(4) && input.Peek(4, null).SequenceEqual("DICM"u8))
        {
            Warn(null, "file starts with DICM but has no 128-byte preamble");
            input.Advance(4);
            preamble = true;
        }

        var meta = new DicomDataset();
        bool hasMeta = false;
        if (LooksLikeMetaGroup())
        {
            hasMeta = true;
            if (!preamble)
            {
                Warn(null, "File Meta Information without preamble and DICM prefix");
            }

            ReadMetaGroup(meta);
        }
        else if (preamble && input.AtEnd)
        {
            throw new DicomReadException(input.Position, null, "nothing follows the DICM prefix");
        }
        else if (preamble)
        {
            Warn(null, "no File Meta Information after the DICM prefix");
        }

        DicomTransferSyntax syntax;
        if (meta.TryGetElement(DicomTag.TransferSyntaxUid, out var tsElement) && tsElement is DicomValueElement tsValue)
        {
            string uid = Encoding.ASCII.GetString(tsValue.Buffer.GetMemory().Span).TrimEnd('\0', ' ');
            syntax = DicomTransferSyntax.Lookup(uid);
            if (!syntax.IsKnown)
            {
                Warn(DicomTag.TransferSyntaxUid, $"unknown transfer syntax {uid}: read as explicit VR little endian");
            }
        }
        else
        {
            if (hasMeta)
            {
                Warn(DicomTag.TransferSyntaxUid, "File Meta Information lacks the Transfer Syntax UID: detected from the dataset");
            }

            syntax = options.BareDatasetTransferSyntax ??
                (hasMeta && !input.TryEnsure(8) ? DicomTransferSyntax.ExplicitVRLittleEndian : DetectSyntax());
        }

        var dataset = ReadBody(syntax);
        return new DicomFile(meta, dataset, syntax, warnings) { HasPreamble = preamble };
    }

    private DicomDataset ReadBody(DicomTransferSyntax syntax)
    {
        if (syntax.IsDeflated)
        {
            long start = input.Position;
            var rest = input.RemainderAsStream();
            Stream inflated;
            if (input.Available == 0 && PeekZlibHeader(ref rest))
            {
                Warn(null, "deflated dataset has a zlib header (the standard asks for raw deflate): accepted");
                inflated = new ZLibStream(rest, CompressionMode.Decompress);
            }
            else
            {
                inflated = new DeflateStream(rest, CompressionMode.Decompress);
            }

            input.Dispose();
            input = new DicomInput(new InflateErrorStream(inflated, start), 0);
            lazyAllowed = false;
        }

        var dataset = new DicomDataset();
        var ctx = new Syntax(syntax.IsExplicitVR, syntax.IsBigEndian);
        if (!syntax.IsBigEndian && input.TryEnsure(6))
        {
            // The first element tells whether a declared syntax lies about VR explicitness (seen in the field).
            var head = input.Peek(6, null);
            bool looksExplicit = DicomVRInfo.TryParse(head[4], head[5], out _);
            ushort group = BinaryPrimitives.ReadUInt16LittleEndian(head);
            if (group != 0xFFFE && looksExplicit != ctx.Explicit && (group is 0x0008 or 0x0002 || !looksExplicit))
            {
                Warn(null, $"transfer syntax says {(ctx.Explicit ? "explicit" : "implicit")} VR but the dataset is {(looksExplicit ? "explicit" : "implicit")} VR: read as found");
                ctx = ctx with { Explicit = looksExplicit };
            }
        }

        try
        {
            ReadItemContent(dataset, -1, ctx, 0, topLevel: true);
        }
        catch (InvalidDataException e)
        {
            throw new DicomReadException(input.Position, null, "the deflated dataset is corrupt: " + e.Message, e);
        }
        catch (DicomReadException e) when (syntax.IsDeflated && e.InnerException is not InvalidDataException)
        {
            throw new DicomReadException(e.Offset, e.Tag, e.Problem + " (the offset counts bytes of the inflated dataset)", e);
        }

        return dataset;
    }

    private static bool PeekZlibHeader(ref Stream rest)
    {
        var head = new byte[2];
        int n = rest.Read(head, 0, 2);
        if (n < 2)
        {
            rest = new PrefixedStream(head.AsMemory(0, n).ToArray(), rest);
            return false;
        }

        rest = new PrefixedStream(head, rest);
        return head[0] == 0x78 && (((head[0] << 8) | head[1]) % 31) == 0;
    }

    private bool LooksLikeMetaGroup()
    {
        // Four bytes decide: a meta element cut short after its tag is reported field by field, like any other.
        if (!input.TryEnsure(4))
        {
            return false;
        }

        var head = input.Peek(4, null);
        return BinaryPrimitives.ReadUInt16LittleEndian(head) == 0x0002;
    }

    private void ReadMetaGroup(DicomDataset meta)
    {
        // File Meta Information is always explicit VR little endian (PS3.10 7.1); some writers used implicit VR.
        var ctx = new Syntax(Explicit: !input.TryEnsure(6) || DicomVRInfo.TryParse(input.Peek(6, null)[4], input.Peek(6, null)[5], out _), BigEndian: false);
        if (!ctx.Explicit)
        {
            Warn(null, "File Meta Information is encoded with implicit VR");
        }

        long? end = null;
        while (input.TryEnsure(4))
        {
            var peek = input.Peek(4, null);
            if (BinaryPrimitives.ReadUInt16LittleEndian(peek) != 0x0002)
            {
                break;
            }

            long before = input.Position;
            var element = ReadElement(meta, ctx, 0, topLevel: false, out _);
            if (element is null)
            {
                throw new DicomReadException(before, null, "an item delimiter inside the File Meta Information");
            }

            if (!meta.TryAdd(element))
            {
                Warn(element.Tag, "element appears twice; the first is kept");
            }

            if (element.Tag == new DicomTag(0x0002, 0x0000) && element is DicomValueElement gl && gl.Length == 4)
            {
                end = input.Position + BinaryPrimitives.ReadUInt32LittleEndian(gl.Buffer.GetMemory().Span);
            }
        }

        if (end is { } e && e != input.Position)
        {
            Warn(new DicomTag(0x0002, 0x0000), $"File Meta Information Group Length says the group ends at {e} but it ends at {input.Position}");
        }
    }

    private DicomTransferSyntax DetectSyntax()
    {
        if (!input.TryEnsure(8))
        {
            if (input.AtEnd)
            {
                return DicomTransferSyntax.ExplicitVRLittleEndian;
            }

            throw new DicomReadException(input.Position, null, "too short to hold a DICOM data element");
        }

        var head = input.Peek(8, null);
        ushort groupLe = BinaryPrimitives.ReadUInt16LittleEndian(head);
        ushort groupBe = BinaryPrimitives.ReadUInt16BigEndian(head);
        bool explicitVR = DicomVRInfo.TryParse(head[4], head[5], out _);
        bool bigEndian = groupBe < groupLe && groupBe is > 0 and <= 0x0100;
        if (groupLe > 0x7FE0 && groupBe > 0x7FE0 && groupLe != 0xFFFE)
        {
            throw new DicomReadException(input.Position, new DicomTag(groupLe, BinaryPrimitives.ReadUInt16LittleEndian(head[2..])), "not a DICOM file: no DICM prefix and no plausible first data element");
        }

        Warn(null, $"no File Meta Information: dataset read as {(explicitVR ? "explicit" : "implicit")} VR {(bigEndian ? "big" : "little")} endian, as detected");
        return (explicitVR, bigEndian) switch
        {
            (true, true) => DicomTransferSyntax.ExplicitVRBigEndian,
            (true, false) => DicomTransferSyntax.ExplicitVRLittleEndian,
            _ => DicomTransferSyntax.ImplicitVRLittleEndian,
        };
    }

    /// <summary>Reads elements into <paramref name="dataset"/> until <paramref name="end"/> (or an item delimiter / end of input when -1).</summary>
    private void ReadItemContent(DicomDataset dataset, long end, Syntax ctx, int depth, bool topLevel)
    {
        while (!stopped)
        {
            if (end >= 0)
            {
                if (input.Position >= end)
                {
                    if (input.Position > end)
                    {
                        throw new DicomReadException(input.Position, container, $"an element runs past the end of its item at {end}");
                    }

                    return;
                }
            }
            else if (input.AtEnd)
            {
                if (topLevel)
                {
                    return;
                }

                throw new DicomReadException(input.Position, container, "end of input inside an item of undefined length (no item delimiter)");
            }

            long start = input.Position;
            var element = ReadElement(dataset, ctx, depth, topLevel, out bool itemEnd);
            if (itemEnd)
            {
                if (end >= 0 || topLevel)
                {
                    Warn(null, topLevel ? "stray item delimiter in the dataset is ignored" : "item delimiter inside an item of defined length is ignored");
                    continue;
                }

                return;
            }

            if (element is null)
            {
                continue;
            }

            var count = dataset.Count;
            if (count > 0 && dataset.LastTag >= element.Tag)
            {
                if (dataset.Contains(element.Tag))
                {
                    Warn(element.Tag, $"element at offset {start} appears twice in one dataset; the first is kept");
                    continue;
                }

                Warn(element.Tag, "elements are not in ascending tag order");
                outOfOrderCost += count;
                if (outOfOrderCost > MaxOutOfOrderCost)
                {
                    throw new DicomReadException(start, element.Tag, "too many elements out of ascending tag order to sort them in bounded time");
                }
            }

            dataset.TryAdd(element);
        }
    }

    /// <summary>Reads one element; null with <paramref name="itemEnd"/> set at an item delimiter; null for a skipped element.</summary>
    private DicomElement? ReadElement(DicomDataset dataset, Syntax ctx, int depth, bool topLevel, out bool itemEnd)
    {
        itemEnd = false;
        long start = input.Position;
        var headBytes = input.Peek(4, container);
        var tag = ctx.BigEndian
            ? new DicomTag(BinaryPrimitives.ReadUInt16BigEndian(headBytes), BinaryPrimitives.ReadUInt16BigEndian(headBytes[2..]))
            : new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(headBytes), BinaryPrimitives.ReadUInt16LittleEndian(headBytes[2..]));
        input.Advance(4);
        currentTag = tag;

        if (topLevel && ((options.StopBeforePixelData && Array.IndexOf(PixelDataTags, tag) >= 0) || (options.StopAtTag is { } stopAt && tag.CompareTo(stopAt) >= 0)))
        {
            stopped = true;
            return null;
        }

        if (tag.Group == 0xFFFE)
        {
            uint delimLength = input.ReadUInt32(ctx.BigEndian, container ?? tag);
            if (tag == DicomTag.ItemDelimitationItem)
            {
                if (delimLength != 0)
                {
                    Warn(tag, $"item delimiter with length {delimLength} (should be 0)");
                }

                itemEnd = true;
                return null;
            }

            if (tag == DicomTag.SequenceDelimitationItem && topLevel)
            {
                Warn(tag, "stray sequence delimiter in the dataset is ignored");
                return null;
            }

            throw new DicomReadException(start, tag, "an item or delimiter where a data element was expected");
        }

        DicomVR vr;
        uint length;
        if (ctx.Explicit)
        {
            var vrBytes = input.Peek(2, tag);
            if (DicomVRInfo.TryParse(vrBytes[0], vrBytes[1], out vr))
            {
                input.Advance(2);
                if (vr.HasLongExplicitLength())
                {
                    input.Peek(2, tag);
                    input.Advance(2);
                    length = input.ReadUInt32(ctx.BigEndian, tag);
                }
                else
                {
                    length = input.ReadUInt16(ctx.BigEndian, tag);
                }
            }
            else
            {
                (vr, length) = ReadUnknownVRHeader(tag, start, vrBytes, ctx);
            }
        }
        else
        {
            length = input.ReadUInt32(ctx.BigEndian, tag);
            vr = ImplicitVR(dataset, tag);
        }

        if (length != UndefinedLength)
        {
            CheckWithinLimit(tag, length);
        }

        if (length == UndefinedLength)
        {
            if (vr == DicomVR.SQ)
            {
                return ReadSequence(tag, -1, ctx, depth, dataset);
            }

            if (vr == DicomVR.UN || (!ctx.Explicit && !IsPixelDataTag(tag)))
            {
                // PS3.5 6.2.2: a UN of undefined length holds an implicit VR little endian sequence.
                return ReadSequence(tag, -1, new Syntax(false, false), depth, dataset);
            }

            if (vr is DicomVR.OB or DicomVR.OW || IsPixelDataTag(tag))
            {
                return ReadFragments(tag, vr, ctx);
            }

            throw new DicomReadException(start, tag, $"undefined length is not allowed for VR {vr.Code()}");
        }

        if (vr == DicomVR.SQ)
        {
            CheckFits(tag, length);
            return ReadSequence(tag, input.Position + length, ctx, depth, dataset);
        }

        if ((length & 1) != 0)
        {
            Warn(tag, $"odd value length {length}");
        }

        return new DicomValueElement(tag, vr, ReadValue(tag, vr, length, ctx));
    }

    /// <summary>
    /// The rest of the header of an explicit VR element whose two VR bytes name none of the 34 VRs, read the way DCMTK
    /// reads it with its default options (dcmdata DcmItem::readTagAndLength, where DcmVR::setVR decides the size of
    /// the length field): two upper-case letters are taken for a VR of a later edition and followed by two reserved
    /// bytes and a 4-byte length (new VRs are promised that form); any other two bytes ("  ", "\0\0", "xx", "??",
    /// bytes above 127) are followed by a 2-byte length. Either way the VR stays unknown and the value is kept as the
    /// bytes it is, as UN: DCMTK shows such an element as "??", writes it as UN, and asks the dictionary only when told
    /// to prefer the dictionary's VRs for every element. DCMTK's one exception is kept too: "OX" on Pixel Data is OW.
    /// Each such element gives a warning at its first byte. (DCMTK 3.6.9 and later call bytes outside 32..127 an
    /// invalid VR and then fail to make the element; we read them as 3.6.7 and 3.6.8 do.)
    /// </summary>
    private (DicomVR VR, uint Length) ReadUnknownVRHeader(DicomTag tag, long start, ReadOnlySpan<byte> vrBytes, Syntax ctx)
    {
        byte first = vrBytes[0];
        byte second = vrBytes[1];
        string shown = $"{first:X2} {second:X2}" + (IsPrintablePair(vrBytes) ? $" '{(char)first}{(char)second}'" : string.Empty);
        input.Advance(2);
        if (first is >= (byte)'A' and <= (byte)'Z' && second is >= (byte)'A' and <= (byte)'Z')
        {
            input.Peek(2, tag);
            input.Advance(2);
            uint longLength = input.ReadUInt32(ctx.BigEndian, tag);
            if (tag == DicomTag.PixelData && first == (byte)'O' && second == (byte)'X')
            {
                Warn(start, tag, $"unknown VR {shown}: read with a 4-byte length field, as OW (DCMTK's fix for Pixel Data)");
                return (DicomVR.OW, longLength);
            }

            Warn(start, tag, $"unknown VR {shown}: read with a 4-byte length field; value kept as UN");
            return (DicomVR.UN, longLength);
        }

        uint shortLength = input.ReadUInt16(ctx.BigEndian, tag);
        Warn(start, tag, $"VR bytes {shown} are no VR: read with a 2-byte length field, as DCMTK does; value kept as UN");
        return (DicomVR.UN, shortLength);
    }

    private DicomBuffer ReadValue(DicomTag tag, DicomVR vr, uint length, Syntax ctx)
    {
        int swap = ctx.BigEndian ? vr.SwapUnit() : 1;
        if (lazyAllowed && length >= options.LargeValueThreshold)
        {
            CheckFits(tag, length);
            if (length > Array.MaxLength)
            {
                throw new DicomReadException(input.Position, tag, $"value length {length} is beyond what a single value may hold");
            }

            var lazy = new FileDicomBuffer(path!, input.Position, length, swap, stamp);
            input.Skip(length, tag);
            return lazy;
        }

        if (lease is not null && length >= DicomValuePool.MinimumLength && input.Remaining is not null)
        {
            var pooled = input.ReadPooled(length, tag, lease);
            if (swap > 1)
            {
                ByteSwap.InPlace(pooled.Span, swap);
            }

            return new PooledDicomBuffer(pooled, lease);
        }

        var bytes = input.ReadBytes(length, tag);
        if (swap > 1)
        {
            ByteSwap.InPlace(bytes, swap);
        }

        return DicomBuffer.FromMemory(bytes);
    }

    private DicomSequence ReadSequence(DicomTag tag, long end, Syntax ctx, int depth, DicomDataset parent)
    {
        if (depth >= options.MaxSequenceDepth)
        {
            throw new DicomReadException(input.Position, tag, $"sequences nested deeper than {options.MaxSequenceDepth} levels");
        }

        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        var (outerContainer, outerLimit) = (container, limit);
        container = tag;
        if (end >= 0)
        {
            limit = end;
        }

        var sequence = ReadSequenceItems(tag, end, ctx, depth, parent);
        (container, limit) = (outerContainer, outerLimit);
        return sequence;
    }

    private DicomSequence ReadSequenceItems(DicomTag tag, long end, Syntax ctx, int depth, DicomDataset parent)
    {
        // Held by the dataset being read already, so that each item's parent (its inherited character set) is known
        // while the item is read; the dataset takes the sequence when it is complete.
        var sequence = new DicomSequence(tag);
        sequence.SetHolder(parent);
        while (true)
        {
            if (end >= 0 && input.Position >= end)
            {
                if (input.Position > end)
                {
                    throw new DicomReadException(input.Position, tag, $"an item runs past the end of its sequence at {end}");
                }

                return sequence;
            }

            long itemStart = input.Position;
            var head = input.Peek(8, tag);
            var itemTag = ctx.BigEndian
                ? new DicomTag(BinaryPrimitives.ReadUInt16BigEndian(head), BinaryPrimitives.ReadUInt16BigEndian(head[2..]))
                : new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(head), BinaryPrimitives.ReadUInt16LittleEndian(head[2..]));
            uint itemLength = ctx.BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(head[4..]) : BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
            input.Advance(8);
            if (itemTag == DicomTag.SequenceDelimitationItem)
            {
                if (itemLength != 0)
                {
                    Warn(tag, $"sequence delimiter with length {itemLength} (should be 0)");
                }

                if (end >= 0)
                {
                    Warn(tag, "sequence delimiter inside a sequence of defined length is ignored");
                    continue;
                }

                return sequence;
            }

            if (itemTag != DicomTag.Item)
            {
                throw new DicomReadException(itemStart, tag, $"expected an item (FFFE,E000) in the sequence, found {itemTag}");
            }

            var item = new DicomDataset();
            sequence.Add(item);
            if (itemLength == UndefinedLength)
            {
                ReadItemContent(item, -1, ctx, depth + 1, topLevel: false);
            }
            else
            {
                if (end >= 0 && input.Remaining is { } left && end == input.Position + left && input.Position + itemLength > end)
                {
                    // The last item of a defined-length sequence that ends exactly at the end of the input claims more
                    // bytes than are left (a file shortened without fixing that item's length, e.g. pydicom's
                    // DICOMDIR-nooffset). DCMTK reads the elements that are there; so do we. A truncated file still
                    // fails: there the sequence itself runs past the end.
                    Warn(tag, $"item length {itemLength} runs past the end of its sequence, which is the end of the input: read to the end");
                    itemLength = (uint)(end - input.Position);
                }

                CheckFits(tag, itemLength);
                if (limit >= 0 && input.Position + itemLength > limit)
                {
                    throw new DicomReadException(itemStart, tag, $"item length {itemLength} runs past the end of its sequence or enclosing item at {limit}");
                }

                long sequenceLimit = limit;
                limit = input.Position + itemLength;
                ReadItemContent(item, limit, ctx, depth + 1, topLevel: false);
                limit = sequenceLimit;
            }
        }
    }

    private DicomFragmentSequence ReadFragments(DicomTag tag, DicomVR vr, Syntax ctx)
    {
        DicomBuffer? offsetTable = null;
        var fragments = new List<DicomBuffer>();
        while (true)
        {
            long itemStart = input.Position;
            var head = input.Peek(8, tag);
            var itemTag = ctx.BigEndian
                ? new DicomTag(BinaryPrimitives.ReadUInt16BigEndian(head), BinaryPrimitives.ReadUInt16BigEndian(head[2..]))
                : new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(head), BinaryPrimitives.ReadUInt16LittleEndian(head[2..]));
            uint itemLength = ctx.BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(head[4..]) : BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
            input.Advance(8);
            if (itemTag == DicomTag.SequenceDelimitationItem)
            {
                return new DicomFragmentSequence(tag, vr, offsetTable ?? DicomBuffer.Empty, fragments);
            }

            if (itemTag != DicomTag.Item)
            {
                throw new DicomReadException(itemStart, tag, $"expected a fragment item (FFFE,E000), found {itemTag}");
            }

            if (itemLength == UndefinedLength)
            {
                throw new DicomReadException(itemStart, tag, "a fragment item of undefined length");
            }

            CheckWithinLimit(tag, itemLength);

            var value = ReadValue(tag, DicomVR.OB, itemLength, ctx with { BigEndian = false });
            if (offsetTable is null)
            {
                offsetTable = value;
            }
            else
            {
                fragments.Add(value);
            }
        }
    }

    private DicomVR ImplicitVR(DicomDataset dataset, DicomTag tag)
    {
        if (tag.Element == 0x0000)
        {
            return DicomVR.UL;
        }

        if (tag.IsPrivate)
        {
            if (tag.IsPrivateCreator)
            {
                return DicomVR.LO;
            }

            if (PrivateCreator(dataset, tag) is { } creator && DicomDictionary.LookupPrivateVR(creator, tag) is { } privateVR)
            {
                return privateVR;
            }

            return DicomVR.UN;
        }

        var entry = DicomDictionary.Lookup(tag);
        if (entry is null || entry.VRs.Count == 0)
        {
            return DicomVR.UN;
        }

        if (entry.VRs.Count == 1)
        {
            return entry.VRs[0];
        }

        return ResolveAmbiguousVR(dataset, tag, entry.VRs);
    }

    /// <summary>
    /// The private creator of a private element, remembered while a run of elements of one block is read so that a
    /// long creator value is not decoded once per element; values longer than an LO can be are not looked up.
    /// </summary>
    private string? PrivateCreator(DicomDataset dataset, DicomTag tag)
    {
        if (tag.PrivateCreatorTag is not { } creatorTag)
        {
            return null;
        }

        if (ReferenceEquals(creatorCacheDataset, dataset) && creatorCacheTag == creatorTag)
        {
            return creatorCacheValue;
        }

        if (!dataset.TryGetElement(creatorTag, out var element) || element.Length > MaxPrivateCreatorLength)
        {
            return null;
        }

        var creator = dataset.GetPrivateCreator(tag);
        if (creator is not null)
        {
            // The reader keeps the first of duplicate elements, so a creator once found does not change.
            (creatorCacheDataset, creatorCacheTag, creatorCacheValue) = (dataset, creatorTag, creator);
        }

        return creator;
    }

    /// <summary>
    /// Chooses among "US or SS", "OB or OW" and "US or OW" dictionary entries for an implicit VR element the way DCMTK
    /// does (DcmItem::checkAndUpdateVR, DcmVR::getValidEVR), so that both read the same values from the same bytes:
    /// <list type="bullet">
    /// <item>"US or OW" (LUT Data) and "US or SS or OW" are OW;</item>
    /// <item>"US or SS" follows Pixel Representation (0028,0103) for the pixel-value attributes (padding value and
    /// range limit, smallest/largest image and series values, histogram first/last bin, zero velocity, real world
    /// value first/last mapped, LUT Descriptor): SS when it is 1. Only a Pixel Representation already read in the same
    /// item counts, as in DCMTK. Everything else (the palette descriptors included) is US;</item>
    /// <item>"OB or OW" is OW for Pixel Data and Overlay Data, OB for Curve Data; Waveform Data, Waveform Padding Value
    /// and Channel Minimum/Maximum Value follow Waveform Bits Allocated (5400,1004) of the same item (8: OB, other: OW);
    /// everything else is OB.</item>
    /// </list>
    /// </summary>
    private static DicomVR ResolveAmbiguousVR(DicomDataset dataset, DicomTag tag, IReadOnlyList<DicomVR> vrs)
    {
        if (vrs.Contains(DicomVR.OW) && !vrs.Contains(DicomVR.OB))
        {
            return DicomVR.OW;
        }

        if (vrs.Contains(DicomVR.SS) && vrs.Contains(DicomVR.US))
        {
            bool followsPixelRepresentation = (tag.Group, tag.Element) is
                (0x0028, 0x0120 or 0x0121 or 0x0106 or 0x0107 or 0x0108 or 0x0109 or 0x3002) or
                (0x0060, 0x3004 or 0x3006) or (0x0018, 0x9810) or (0x0040, 0x9211 or 0x9216);
            return followsPixelRepresentation && SmallUnsigned(dataset, new DicomTag(0x0028, 0x0103)) == 1 ? DicomVR.SS : DicomVR.US;
        }

        if (vrs.Contains(DicomVR.OB) && vrs.Contains(DicomVR.OW))
        {
            if (tag == DicomTag.PixelData || ((tag.Group & 0xFF00) == 0x6000 && tag.Element == 0x3000))
            {
                return DicomVR.OW;
            }

            if (tag.Group == 0x5400 && tag.Element is 0x1010 or 0x100A or 0x0110 or 0x0112)
            {
                return SmallUnsigned(dataset, new DicomTag(0x5400, 0x1004)) is { } bits && bits != 8 ? DicomVR.OW : DicomVR.OB;
            }

            return DicomVR.OB;
        }

        return vrs[0];
    }

    /// <summary>A US value of this item (not of enclosing ones), when present and readable.</summary>
    private static ushort? SmallUnsigned(DicomDataset dataset, DicomTag tag) =>
        dataset.TryGetElement(tag, out var element) && element.Length is 2 && dataset.TryGetSingleValue<ushort>(tag, out var value)
            ? value
            : null;

    /// <summary>A value may not run past the end of the innermost enclosing sequence or item of defined length.</summary>
    private void CheckWithinLimit(DicomTag tag, uint length)
    {
        if (limit >= 0 && input.Position + length > limit)
        {
            throw new DicomReadException(input.Position, tag, $"value length {length} runs past the end of the enclosing item or sequence at {limit}");
        }
    }

    private void CheckFits(DicomTag tag, uint length)
    {
        if (input.Remaining is { } remaining && length > remaining)
        {
            throw new DicomReadException(input.Position, tag, $"length {length} exceeds the {remaining} bytes left in the input");
        }
    }

    private static bool IsPixelDataTag(DicomTag tag) => tag == DicomTag.PixelData;

    private static bool IsPrintablePair(ReadOnlySpan<byte> bytes) =>
        bytes[0] is >= 0x20 and < 0x7F && bytes[1] is >= 0x20 and < 0x7F;

    private void Warn(DicomTag? tag, string message) => Warn(input.Position, tag, message);

    private void Warn(long offset, DicomTag? tag, string message)
    {
        if (warnings.Count < 1000)
        {
            warnings.Add(new DicomReadWarning(offset, tag, message));
        }
    }


    /// <summary>Turns a corrupt deflate stream's exception into a <see cref="DicomReadException"/>.</summary>
    private sealed class InflateErrorStream(Stream inner, long start) : Stream
    {
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
            try
            {
                return inner.Read(buffer, offset, count);
            }
            catch (InvalidDataException e)
            {
                throw new DicomReadException(start, null, "the deflated dataset is corrupt: " + e.Message, e);
            }
            catch (IOException e) when (e.GetType().FullName == "System.IO.Compression.ZLibException")
            {
                // zlib failing on the data itself (a zlib header asking for a preset dictionary gives Z_NEED_DICT, which
                // .NET reports as ZLibException, an IOException the reader would otherwise let out as a stream failure).
                throw new DicomReadException(start, null, "the deflated dataset is corrupt: " + e.Message, new InvalidDataException(e.Message, e));
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
