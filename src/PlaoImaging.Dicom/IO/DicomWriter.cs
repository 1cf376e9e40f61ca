using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace PlaoImaging.Dicom.IO;

/// <summary>
/// Writes Part 10 files and bare datasets: a File Meta Information group made afresh (PS3.10 7.1), values padded to
/// even length with each VR's padding byte, group lengths other than the meta group's left out.
/// </summary>
internal sealed class DicomWriter
{
    private const uint UndefinedLength = 0xFFFFFFFF;
    private readonly Stream output;
    private readonly DicomWriteOptions options;
    private readonly bool explicitVR;
    private readonly bool bigEndian;
    private readonly Dictionary<object, long> measured = new(ReferenceEqualityComparer.Instance);
    private readonly byte[] header = new byte[12];

    private DicomWriter(Stream output, DicomWriteOptions options, bool explicitVR, bool bigEndian)
    {
        this.output = output;
        this.options = options;
        this.explicitVR = explicitVR;
        this.bigEndian = bigEndian;
    }

    public static void WriteFile(Stream destination, DicomFile file, DicomWriteOptions options)
    {
        var syntax = options.TransferSyntax ?? DefaultSyntax(file);
        CheckSyntax(file.Dataset, syntax, file.TransferSyntax);
        var buffered = new BufferedStream(destination, 1 << 16);
        WritePreambleAndMeta(buffered, file, syntax, options);
        WriteBody(buffered, file.Dataset, syntax, options, padDeflated: true);
        buffered.Flush();
    }

    /// <summary>
    /// The preamble, DICM and the File Meta Information for <paramref name="file"/>'s data set encoded in
    /// <paramref name="syntax"/>, and nothing after it: for writers that append the data set's bytes themselves (a
    /// C-STORE SCP streaming what arrives).
    /// </summary>
    public static void WriteFileHeader(Stream destination, DicomFile file, DicomTransferSyntax syntax, DicomWriteOptions options)
    {
        var buffered = new BufferedStream(destination, 1 << 12);
        WritePreambleAndMeta(buffered, file, syntax, options);
        buffered.Flush();
    }

    private static void WritePreambleAndMeta(Stream stream, DicomFile file, DicomTransferSyntax syntax, DicomWriteOptions options)
    {
        var meta = BuildMeta(file, syntax, options);
        stream.Write(new byte[128]);
        stream.Write("DICM"u8);
        new DicomWriter(stream, options, explicitVR: true, bigEndian: false).WriteElements(meta, keepGroupLengths: true, DicomTextEncoding.Default);
    }

    public static void WriteDataset(Stream destination, DicomDataset dataset, DicomTransferSyntax syntax, DicomWriteOptions options)
    {
        CheckSyntax(dataset, syntax, source: null);
        var buffered = new BufferedStream(destination, 1 << 16);
        WriteBody(buffered, dataset, syntax, options, padDeflated: false);
        buffered.Flush();
    }

    /// <summary>
    /// Explicit VR Little Endian, unless the dataset holds encapsulated pixel data: fragments can only be written in
    /// the syntax they were encoded for, so such a file keeps its own.
    /// </summary>
    private static DicomTransferSyntax DefaultSyntax(DicomFile file) =>
        file.TransferSyntax.IsEncapsulated && ContainsFragments(file.Dataset)
            ? file.TransferSyntax
            : DicomTransferSyntax.ExplicitVRLittleEndian;

    private static void WriteBody(Stream stream, DicomDataset dataset, DicomTransferSyntax syntax, DicomWriteOptions options, bool padDeflated)
    {
        if (syntax.IsDeflated)
        {
            // A raw deflate stream (RFC 1951, no zlib header); in a file it is padded to even length with a NUL.
            var counter = new CountingStream(stream);
            using (var deflate = new DeflateStream(counter, options.DeflateLevel, leaveOpen: true))
            using (var buffered = new BufferedStream(deflate, 1 << 16))
            {
                new DicomWriter(buffered, options, true, false).WriteElements(dataset, keepGroupLengths: false, dataset.TextEncoding);
            }

            if (padDeflated && (counter.Count & 1) != 0)
            {
                stream.WriteByte(0);
            }

            return;
        }

        new DicomWriter(stream, options, syntax.IsExplicitVR, syntax.IsBigEndian).WriteElements(dataset, keepGroupLengths: false, dataset.TextEncoding);
    }

    private static void CheckSyntax(DicomDataset dataset, DicomTransferSyntax syntax, DicomTransferSyntax? source)
    {
        if (!syntax.IsKnown)
        {
            throw new DicomWriteException($"cannot write in unknown transfer syntax {syntax.Uid}");
        }

        foreach (var element in dataset)
        {
            if (element.Tag.Group == 0x0002)
            {
                throw new DicomWriteException(element.Tag, "File Meta Information elements (group 0002) cannot be written in the dataset; the meta group is made on writing");
            }
        }

        if (FindFragments(dataset) is { } fragments)
        {
            if (!syntax.IsEncapsulated)
            {
                throw new DicomWriteException(fragments.Tag, $"encapsulated pixel data cannot be written in {syntax.Name}; decode it first");
            }

            if (source is not null && syntax.Uid != source.Uid)
            {
                throw new DicomWriteException(fragments.Tag, $"fragments encoded for {source.Name} cannot be relabelled as {syntax.Name}");
            }
        }

        if (syntax.IsEncapsulated && dataset.TryGetElement(DicomTag.PixelData, out var pixel) && pixel is DicomValueElement)
        {
            throw new DicomWriteException(DicomTag.PixelData, $"native pixel data cannot be written in {syntax.Name} without encoding it");
        }
    }

    private static bool ContainsFragments(DicomDataset dataset) => FindFragments(dataset) is not null;

    /// <summary>The first fragment sequence anywhere in the dataset (pixel data, or an icon image inside a sequence).</summary>
    private static DicomFragmentSequence? FindFragments(DicomDataset dataset)
    {
        foreach (var element in dataset)
        {
            switch (element)
            {
                case DicomFragmentSequence fragments:
                    return fragments;
                case DicomSequence sequence:
                    foreach (var item in sequence.Items)
                    {
                        if (FindFragments(item) is { } nested)
                        {
                            return nested;
                        }
                    }

                    break;
            }
        }

        return null;
    }

    private static DicomDataset BuildMeta(DicomFile file, DicomTransferSyntax syntax, DicomWriteOptions options)
    {
        // PS3.10 7.1: the SOP Class and Instance come from the dataset; a DICOMDIR has them only in the meta group.
        // The value is read as bytes: a UID read from implicit VR without a dictionary entry is still UN.
        static string? UidText(DicomDataset dataset, DicomTag tag) =>
            dataset.TryGetElement(tag, out var element) && element is DicomValueElement value
                ? Encoding.ASCII.GetString(value.Buffer.GetMemory().Span).Trim('\0', ' ')
                : null;

        string Uid(DicomTag datasetTag, DicomTag metaTag)
        {
            var value = UidText(file.Dataset, datasetTag);
            if (string.IsNullOrEmpty(value))
            {
                value = UidText(file.FileMetaInformation, metaTag);
            }

            return string.IsNullOrEmpty(value)
                ? throw new DicomWriteException(datasetTag, "required for the File Meta Information and absent")
                : value;
        }

        var meta = new DicomDataset();
        try
        {
            meta.AddBytes(new DicomTag(0x0002, 0x0001), DicomVR.OB, new byte[] { 0x00, 0x01 });
            meta.AddString(new DicomTag(0x0002, 0x0002), DicomVR.UI, Uid(new DicomTag(0x0008, 0x0016), new DicomTag(0x0002, 0x0002)));
            meta.AddString(new DicomTag(0x0002, 0x0003), DicomVR.UI, Uid(new DicomTag(0x0008, 0x0018), new DicomTag(0x0002, 0x0003)));
            meta.AddString(DicomTag.TransferSyntaxUid, DicomVR.UI, syntax.Uid);
            meta.AddString(new DicomTag(0x0002, 0x0012), DicomVR.UI, DicomImplementation.ClassUid);
            meta.AddString(new DicomTag(0x0002, 0x0013), DicomVR.SH, DicomImplementation.VersionName);
            var sourceAe = options.SourceApplicationEntityTitle ?? file.FileMetaInformation.GetStringOrDefault(new DicomTag(0x0002, 0x0016));
            if (!string.IsNullOrEmpty(sourceAe))
            {
                meta.AddString(new DicomTag(0x0002, 0x0016), DicomVR.AE, sourceAe);
            }
        }
        catch (DicomValueException e) when (e.Tag is { } tag)
        {
            throw new DicomWriteException(tag, "cannot be written into the File Meta Information: " + e.Message);
        }

        foreach (var tag in new[] { new DicomTag(0x0002, 0x0100), new DicomTag(0x0002, 0x0102) })
        {
            if (file.FileMetaInformation.TryGetElement(tag, out var carried))
            {
                meta.Add(carried);
            }
        }

        long groupLength = 0;
        var probe = new DicomWriter(Stream.Null, options, true, false);
        foreach (var element in meta)
        {
            groupLength += probe.Measure(element, DicomTextEncoding.Default);
        }

        meta.AddValues(new DicomTag(0x0002, 0x0000), DicomVR.UL, (uint)groupLength);
        return meta;
    }

    /// <summary>
    /// Writes a dataset's elements. <paramref name="encoding"/> is the character set in force in it (its own Specific
    /// Character Set, else the one of the dataset holding it): text values are encoded with it now.
    /// </summary>
    private void WriteElements(DicomDataset dataset, bool keepGroupLengths, DicomTextEncoding encoding)
    {
        foreach (var element in dataset)
        {
            if (SkipElement(element, keepGroupLengths))
            {
                continue;
            }

            WriteElement(element, encoding);
        }
    }

    private static bool SkipElement(DicomElement element, bool keepGroupLengths) =>
        !keepGroupLengths && element.Tag.IsGroupLength;

    private void WriteElement(DicomElement element, DicomTextEncoding encoding)
    {
        switch (element)
        {
            case DicomValueElement value:
                WriteValueElement(value, encoding);
                break;
            case DicomSequence sequence:
                WriteSequence(sequence, encoding);
                break;
            case DicomFragmentSequence fragments:
                WriteFragments(fragments);
                break;
            default:
                throw new DicomWriteException(element.Tag, "unknown element kind");
        }
    }

    private void WriteValueElement(DicomValueElement element, DicomTextEncoding encoding)
    {
        var vr = element.VR;
        if (!DicomVRInfo.IsKnown(vr))
        {
            throw new DicomWriteException(element.Tag, "has no VR");
        }

        if (element.Text is not null)
        {
            WriteTextElement(element, encoding);
            return;
        }

        long length = element.Length;
        long padded = length + (length & 1);
        if (padded > 0xFFFFFFFE)
        {
            throw new DicomWriteException(element.Tag, $"value of {length} bytes exceeds the 32-bit length field");
        }

        if (explicitVR && !vr.HasLongExplicitLength() && padded > 0xFFFF)
        {
            throw new DicomWriteException(element.Tag, $"value of {length} bytes does not fit the 16-bit length field of VR {vr.Code()} in explicit VR");
        }

        if (options.ValidateValues)
        {
            DicomValueValidator.Validate(element);
        }

        WriteHeader(element.Tag, vr, (uint)padded);
        int swap = bigEndian ? vr.SwapUnit() : 1;
        if (swap > 1)
        {
            var copy = element.Buffer.GetMemory().ToArray();
            ByteSwap.InPlace(copy, swap);
            output.Write(copy);
        }
        else
        {
            element.Buffer.CopyTo(output);
        }

        if ((length & 1) != 0)
        {
            output.WriteByte(vr.PaddingByte());
        }
    }

    /// <summary>A value kept as text: encoded with the character set in force here, padded with a space.</summary>
    private void WriteTextElement(DicomValueElement element, DicomTextEncoding encoding)
    {
        var bytes = element.GetBytes(encoding);
        long length = bytes.Length;
        long padded = length + (length & 1);
        if (padded > 0xFFFFFFFE || (explicitVR && !element.VR.HasLongExplicitLength() && padded > 0xFFFF))
        {
            throw new DicomWriteException(element.Tag, $"value of {length} bytes does not fit the length field of VR {element.VR.Code()}");
        }

        WriteHeader(element.Tag, element.VR, (uint)padded);
        output.Write(bytes.Span);
        if ((length & 1) != 0)
        {
            output.WriteByte(element.VR.PaddingByte());
        }
    }

    private void WriteSequence(DicomSequence sequence, DicomTextEncoding encoding)
    {
        bool explicitLengths = options.ExplicitSequenceLengths;
        WriteHeader(sequence.Tag, DicomVR.SQ, explicitLengths ? (uint)MeasureSequenceContent(sequence, encoding) : UndefinedLength);
        foreach (var item in sequence.Items)
        {
            var itemEncoding = item.OwnTextEncoding ?? encoding;
            WriteTagAndLength(DicomTag.Item, explicitLengths ? (uint)MeasureItemContent(item, itemEncoding) : UndefinedLength);
            WriteElements(item, keepGroupLengths: false, itemEncoding);
            if (!explicitLengths)
            {
                WriteTagAndLength(DicomTag.ItemDelimitationItem, 0);
            }
        }

        if (!explicitLengths)
        {
            WriteTagAndLength(DicomTag.SequenceDelimitationItem, 0);
        }
    }

    private void WriteFragments(DicomFragmentSequence fragments)
    {
        if (bigEndian)
        {
            throw new DicomWriteException(fragments.Tag, "encapsulated pixel data cannot be written big-endian");
        }

        WriteHeader(fragments.Tag, DicomVR.OB, UndefinedLength);
        WriteFragment(fragments.OffsetTable);
        foreach (var fragment in fragments.Fragments)
        {
            WriteFragment(fragment);
        }

        WriteTagAndLength(DicomTag.SequenceDelimitationItem, 0);
    }

    private void WriteFragment(DicomBuffer fragment)
    {
        long length = fragment.Length;
        WriteTagAndLength(DicomTag.Item, (uint)(length + (length & 1)));
        fragment.CopyTo(output);
        if ((length & 1) != 0)
        {
            output.WriteByte(0);
        }
    }

    private void WriteHeader(DicomTag tag, DicomVR vr, uint length)
    {
        var span = header.AsSpan();
        WriteTag(span, tag);
        if (!explicitVR)
        {
            WriteUInt32(span[4..], length);
            output.Write(span[..8]);
            return;
        }

        ushort code = (ushort)vr;
        span[4] = (byte)(code >> 8);
        span[5] = (byte)code;
        if (vr.HasLongExplicitLength())
        {
            span[6] = 0;
            span[7] = 0;
            WriteUInt32(span[8..], length);
            output.Write(span[..12]);
        }
        else
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(span[6..], (ushort)length);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)length);
            }

            output.Write(span[..8]);
        }
    }

    private void WriteTagAndLength(DicomTag tag, uint length)
    {
        var span = header.AsSpan();
        WriteTag(span, tag);
        WriteUInt32(span[4..], length);
        output.Write(span[..8]);
    }

    private void WriteTag(Span<byte> span, DicomTag tag)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, tag.Group);
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], tag.Element);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span, tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(span[2..], tag.Element);
        }
    }

    private void WriteUInt32(Span<byte> span, uint value)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span, value);
        }
    }

    /// <summary>Encoded size of an element: header plus padded value (with explicit sequence lengths).</summary>
    private long Measure(DicomElement element, DicomTextEncoding encoding)
    {
        long headerSize = explicitVR && (element.VR.HasLongExplicitLength() || element is DicomFragmentSequence) ? 12 : 8;
        return element switch
        {
            DicomValueElement { Text: not null } t => headerSize + Padded(t.GetBytes(encoding).Length),
            DicomValueElement v => headerSize + v.Length + (v.Length & 1),
            DicomSequence s => headerSize + MeasureSequenceContent(s, encoding) + (options.ExplicitSequenceLengths ? 0 : 8),
            DicomFragmentSequence f => headerSize + 8 + f.OffsetTable.Length + (f.OffsetTable.Length & 1) +
                                       f.Fragments.Sum(x => 8 + x.Length + (x.Length & 1)) + 8,
            _ => 0,
        };
    }

    private static long Padded(long length) => length + (length & 1);

    private long MeasureSequenceContent(DicomSequence sequence, DicomTextEncoding encoding)
    {
        if (measured.TryGetValue(sequence, out long known))
        {
            return known;
        }

        long total = 0;
        foreach (var item in sequence.Items)
        {
            total += 8 + MeasureItemContent(item, item.OwnTextEncoding ?? encoding) + (options.ExplicitSequenceLengths ? 0 : 8);
        }

        if (total > 0xFFFFFFFE)
        {
            throw new DicomWriteException(sequence.Tag, "the sequence is too large for a 32-bit length; write with undefined lengths");
        }

        measured[sequence] = total;
        return total;
    }

    private long MeasureItemContent(DicomDataset item, DicomTextEncoding encoding)
    {
        if (measured.TryGetValue(item, out long known))
        {
            return known;
        }

        long total = 0;
        foreach (var element in item)
        {
            if (!SkipElement(element, keepGroupLengths: false))
            {
                total += Measure(element, encoding);
            }
        }

        measured[item] = total;
        return total;
    }
}

/// <summary>Passes writes through and counts the bytes (to pad a deflated stream to even length).</summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    public long Count { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        Count += count;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        Count += buffer.Length;
    }

    public override void WriteByte(byte value)
    {
        inner.WriteByte(value);
        Count++;
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>Checks a value against the rules of its VR (PS3.5 6.2) before it is written.</summary>
internal static class DicomValueValidator
{
    public static void Validate(DicomValueElement element)
    {
        var vr = element.VR;
        long length = element.Length;
        int size = vr.ValueSize();
        if (size > 1 && length % size != 0)
        {
            throw new DicomWriteException(element.Tag, $"a {vr.Code()} value must be a multiple of {size} bytes, not {length}");
        }

        if (!vr.IsString() || length == 0 || !element.Buffer.IsInMemory)
        {
            return;
        }

        var bytes = element.Buffer.GetMemory().Span;
        switch (vr)
        {
            case DicomVR.UI:
                // Digits and dots, at most 64 characters, no empty component (PS3.5 9.1). Leading zeros in a
                // component are not refused: they are common in the field and DCMTK accepts them.
                var uid = Encoding.ASCII.GetString(bytes).TrimEnd('\0');
                foreach (var one in uid.Split('\\'))
                {
                    if (one.Length > 64 || one.AsSpan().ContainsAnyExcept("0123456789.") ||
                        (one.Length > 0 && (one[0] == '.' || one[^1] == '.' || one.Contains("..", StringComparison.Ordinal))))
                    {
                        throw new DicomWriteException(element.Tag, $"'{one}' is not a valid UID");
                    }
                }

                break;
            case DicomVR.AE or DicomVR.AS or DicomVR.CS or DicomVR.DA or DicomVR.DS or DicomVR.DT or DicomVR.IS or DicomVR.TM:
                foreach (byte b in bytes)
                {
                    if (b is < 0x20 or > 0x7E)
                    {
                        throw new DicomWriteException(element.Tag, $"byte 0x{b:X2} is not allowed in a {vr.Code()} value");
                    }
                }

                if (vr.MaxLength() is { } max)
                {
                    foreach (var one in Encoding.ASCII.GetString(bytes).Split('\\'))
                    {
                        if (one.TrimEnd(' ').Length > max)
                        {
                            throw new DicomWriteException(element.Tag, $"'{one}' is longer than the {max} characters {vr.Code()} allows");
                        }
                    }
                }

                break;
        }
    }
}
