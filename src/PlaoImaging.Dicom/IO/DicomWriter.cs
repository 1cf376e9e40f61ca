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
        var syntax = options.TransferSyntax ?? file.TransferSyntax;
        CheckSyntax(file, syntax);
        var meta = BuildMeta(file, syntax, options);
        var buffered = new BufferedStream(destination, 1 << 16);
        buffered.Write(new byte[128]);
        buffered.Write("DICM"u8);
        new DicomWriter(buffered, options, explicitVR: true, bigEndian: false).WriteElements(meta, topLevel: true, keepGroupLengths: true);
        WriteBody(buffered, file.Dataset, syntax, options);
        buffered.Flush();
    }

    public static void WriteDataset(Stream destination, DicomDataset dataset, DicomTransferSyntax syntax, DicomWriteOptions options)
    {
        var buffered = new BufferedStream(destination, 1 << 16);
        WriteBody(buffered, dataset, syntax, options);
        buffered.Flush();
    }

    private static void WriteBody(Stream stream, DicomDataset dataset, DicomTransferSyntax syntax, DicomWriteOptions options)
    {
        if (syntax.IsDeflated)
        {
            using var deflate = new DeflateStream(stream, options.DeflateLevel, leaveOpen: true);
            using var buffered = new BufferedStream(deflate, 1 << 16);
            new DicomWriter(buffered, options, true, false).WriteElements(dataset, topLevel: true, keepGroupLengths: false);
            buffered.Flush();
            return;
        }

        new DicomWriter(stream, options, syntax.IsExplicitVR, syntax.IsBigEndian).WriteElements(dataset, topLevel: true, keepGroupLengths: false);
    }

    private static void CheckSyntax(DicomFile file, DicomTransferSyntax syntax)
    {
        if (!syntax.IsKnown)
        {
            throw new DicomWriteException($"cannot write in unknown transfer syntax {syntax.Uid}");
        }

        bool hasFragments = file.Dataset.TryGetElement(DicomTag.PixelData, out var pixel) && pixel is DicomFragmentSequence;
        if (hasFragments && !syntax.IsEncapsulated)
        {
            throw new DicomWriteException(DicomTag.PixelData, $"encapsulated pixel data cannot be written in {syntax.Name}; decode it first");
        }

        if (hasFragments && syntax.Uid != file.TransferSyntax.Uid)
        {
            throw new DicomWriteException(DicomTag.PixelData, $"fragments encoded for {file.TransferSyntax.Name} cannot be relabelled as {syntax.Name}");
        }

        if (syntax.IsEncapsulated && pixel is DicomValueElement)
        {
            throw new DicomWriteException(DicomTag.PixelData, $"native pixel data cannot be written in {syntax.Name} without encoding it");
        }
    }

    private static DicomDataset BuildMeta(DicomFile file, DicomTransferSyntax syntax, DicomWriteOptions options)
    {
        string Uid(DicomTag datasetTag, DicomTag metaTag)
        {
            var value = file.Dataset.GetStringOrDefault(datasetTag) ?? file.FileMetaInformation.GetStringOrDefault(metaTag);
            return string.IsNullOrEmpty(value)
                ? throw new DicomWriteException(datasetTag, "required for the File Meta Information and absent")
                : value;
        }

        var meta = new DicomDataset();
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
            groupLength += probe.Measure(element);
        }

        meta.AddValues(new DicomTag(0x0002, 0x0000), DicomVR.UL, (uint)groupLength);
        return meta;
    }

    private void WriteElements(DicomDataset dataset, bool topLevel, bool keepGroupLengths)
    {
        foreach (var element in dataset)
        {
            if (SkipElement(element, keepGroupLengths))
            {
                continue;
            }

            WriteElement(element);
        }
    }

    private static bool SkipElement(DicomElement element, bool keepGroupLengths) =>
        !keepGroupLengths && element.Tag.IsGroupLength;

    private void WriteElement(DicomElement element)
    {
        switch (element)
        {
            case DicomValueElement value:
                WriteValueElement(value);
                break;
            case DicomSequence sequence:
                WriteSequence(sequence);
                break;
            case DicomFragmentSequence fragments:
                WriteFragments(fragments);
                break;
            default:
                throw new DicomWriteException(element.Tag, "unknown element kind");
        }
    }

    private void WriteValueElement(DicomValueElement element)
    {
        var vr = element.VR;
        if (!DicomVRInfo.IsKnown(vr))
        {
            throw new DicomWriteException(element.Tag, "has no VR");
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

    private void WriteSequence(DicomSequence sequence)
    {
        bool explicitLengths = options.ExplicitSequenceLengths;
        WriteHeader(sequence.Tag, DicomVR.SQ, explicitLengths ? (uint)MeasureSequenceContent(sequence) : UndefinedLength);
        foreach (var item in sequence.Items)
        {
            WriteTagAndLength(DicomTag.Item, explicitLengths ? (uint)MeasureItemContent(item) : UndefinedLength);
            WriteElements(item, topLevel: false, keepGroupLengths: false);
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
    private long Measure(DicomElement element)
    {
        long headerSize = explicitVR && (element.VR.HasLongExplicitLength() || element is DicomFragmentSequence) ? 12 : 8;
        return element switch
        {
            DicomValueElement v => headerSize + v.Length + (v.Length & 1),
            DicomSequence s => headerSize + MeasureSequenceContent(s) + (options.ExplicitSequenceLengths ? 0 : 8),
            DicomFragmentSequence f => headerSize + 8 + f.OffsetTable.Length + (f.OffsetTable.Length & 1) +
                                       f.Fragments.Sum(x => 8 + x.Length + (x.Length & 1)) + 8,
            _ => 0,
        };
    }

    private long MeasureSequenceContent(DicomSequence sequence)
    {
        if (measured.TryGetValue(sequence, out long known))
        {
            return known;
        }

        long total = 0;
        foreach (var item in sequence.Items)
        {
            total += 8 + MeasureItemContent(item) + (options.ExplicitSequenceLengths ? 0 : 8);
        }

        if (total > 0xFFFFFFFE)
        {
            throw new DicomWriteException(sequence.Tag, "the sequence is too large for a 32-bit length; write with undefined lengths");
        }

        measured[sequence] = total;
        return total;
    }

    private long MeasureItemContent(DicomDataset item)
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
                total += Measure(element);
            }
        }

        measured[item] = total;
        return total;
    }
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
                var uid = Encoding.ASCII.GetString(bytes).TrimEnd('\0');
                foreach (var one in uid.Split('\\'))
                {
                    if (one.Length > 64 || one.AsSpan().ContainsAnyExcept("0123456789."))
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
