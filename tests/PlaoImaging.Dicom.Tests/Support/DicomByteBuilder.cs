using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using PlaoImaging.Dicom;

namespace PlaoImaging.Dicom.Tests.Support;

/// <summary>
/// Writes DICOM bytes by hand (explicit or implicit VR little endian, defined or undefined lengths) and records the
/// layout of every field, so that tests can state exactly where a reader must fail on a truncated copy.
/// Independent of the library's writer so that malformed encodings can be produced too.
/// </summary>
internal sealed class DicomByteBuilder
{
    private readonly MemoryStream bytes = new();
    private readonly Stack<OpenContainer> open = new();
    private readonly List<Field> fields = [];

    /// <param name="explicitVR">Whether elements are written with explicit VRs.</param>
    /// <param name="origin">Offset the first byte written will have in the final input (for layouts of a dataset embedded later).</param>
    public DicomByteBuilder(bool explicitVR = true, long origin = 0)
    {
        Explicit = explicitVR;
        Origin = origin;
    }

    /// <summary>Whether the next elements are written with explicit VRs.</summary>
    public bool Explicit { get; set; }

    /// <summary>Offset of the first byte in the final input.</summary>
    public long Origin { get; }

    /// <summary>Offset of the next byte, counted from <see cref="Origin"/>.</summary>
    public long Position => Origin + bytes.Length;

    /// <summary>Every field written, in file order.</summary>
    public IReadOnlyList<Field> Fields => fields;

    /// <summary>The tag a failure in the next field is attributed to: the innermost open sequence, or none at the top level.</summary>
    private DicomTag? Container => open.Count > 0 ? open.Peek().Tag : null;

    /// <summary>The 128-byte preamble and the DICM prefix.</summary>
    public DicomByteBuilder Preamble()
    {
        bytes.Write(new byte[128]);
        bytes.Write("DICM"u8);
        return this;
    }

    /// <summary>A File Meta Information group (explicit VR little endian) with its group length.</summary>
    public DicomByteBuilder Meta(string transferSyntaxUid, string sopClassUid = "1.2.840.10008.5.1.4.1.1.7", string sopInstanceUid = "1.2.3.4.5.6.7.8.9")
    {
        bool wasExplicit = Explicit;
        Explicit = true;
        var inner = new DicomByteBuilder(true);
        inner.Element(0x00020001, "OB", [0, 1]);
        inner.Text(0x00020002, "UI", sopClassUid);
        inner.Text(0x00020003, "UI", sopInstanceUid);
        inner.Text(0x00020010, "UI", transferSyntaxUid);
        inner.Text(0x00020012, "UI", "1.2.826.0.1.3680043.10.1");
        inner.Text(0x00020013, "SH", "PLAO_TEST");
        var group = inner.ToArray();
        Element(0x00020000, "UL", U32((uint)group.Length));
        long offset = Position;
        foreach (var f in inner.Fields)
        {
            fields.Add(f with { Start = f.Start + offset, End = f.End + offset, ExtentEnd = f.ExtentEnd + offset, ContentStart = f.ContentStart + offset });
        }

        bytes.Write(group);
        Explicit = wasExplicit;
        return this;
    }

    /// <summary>An element with a defined length and the given value bytes (written as given: no padding).</summary>
    public DicomByteBuilder Element(uint tag, string vr, ReadOnlySpan<byte> value, uint? declaredLength = null)
    {
        var t = new DicomTag(tag);
        Header(t, vr, declaredLength ?? (uint)value.Length, container: false);
        long start = Position;
        bytes.Write(value);
        fields.Add(new Field(FieldKind.Value, start, Position, t));
        return this;
    }

    /// <summary>A text element, padded to even length with a space (NUL for UI).</summary>
    public DicomByteBuilder Text(uint tag, string vr, string text)
    {
        var value = Encoding.Latin1.GetBytes(text);
        if ((value.Length & 1) != 0)
        {
            value = [.. value, vr == "UI" ? (byte)0 : (byte)' '];
        }

        return Element(tag, vr, value);
    }

    public DicomByteBuilder UInt16(uint tag, string vr, params ushort[] values)
    {
        var value = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(value.AsSpan(i * 2), values[i]);
        }

        return Element(tag, vr, value);
    }

    /// <summary>Opens a sequence (SQ, or UN of undefined length whose items are implicit VR little endian).</summary>
    public DicomByteBuilder BeginSequence(uint tag, bool definedLength, string vr = "SQ")
    {
        var t = new DicomTag(tag);
        long lengthAt = Header(t, vr, definedLength ? 0 : 0xFFFFFFFF, container: definedLength);
        open.Push(new OpenContainer(t, definedLength ? lengthAt : -1, Position, fields.Count - 1, Explicit, IsItem: false));
        if (vr == "UN")
        {
            Explicit = false;
        }

        return this;
    }

    public DicomByteBuilder EndSequence()
    {
        var c = open.Pop();
        if (c.LengthAt < 0)
        {
            // The sequence delimiter is read as one 8-byte header, attributed to the sequence.
            long start = Position;
            WriteTagAndLength(DicomTag.SequenceDelimitationItem, 0);
            fields.Add(new Field(FieldKind.Header, start, Position, c.Tag));
        }
        else
        {
            Close(c);
        }

        Explicit = c.ExplicitBefore;
        return this;
    }

    /// <summary>Opens an item of the innermost sequence.</summary>
    public DicomByteBuilder BeginItem(bool definedLength)
    {
        var seq = open.Peek();
        long start = Position;
        WriteTagAndLength(DicomTag.Item, definedLength ? 0 : 0xFFFFFFFF);
        fields.Add(new Field(FieldKind.Header, start, Position, seq.Tag) { ExtentEnd = Position, ContentStart = Position, IsContainer = definedLength });
        open.Push(new OpenContainer(seq.Tag, definedLength ? start + 4 : -1, Position, fields.Count - 1, Explicit, IsItem: true));
        return this;
    }

    public DicomByteBuilder EndItem()
    {
        var c = open.Pop();
        if (c.LengthAt < 0)
        {
            // An item delimiter is read like an element: its tag, then its length, both attributed to the sequence.
            long start = Position;
            WriteTagAndLength(DicomTag.ItemDelimitationItem, 0);
            fields.Add(new Field(FieldKind.Tag, start, start + 4, c.Tag));
            fields.Add(new Field(FieldKind.Header, start + 4, Position, c.Tag));
        }
        else
        {
            Close(c);
        }

        return this;
    }

    /// <summary>Encapsulated pixel data: the basic offset table item, the fragments, and the sequence delimiter.</summary>
    public DicomByteBuilder Fragments(uint tag, byte[] offsetTable, params byte[][] fragments)
    {
        var t = new DicomTag(tag);
        Header(t, "OB", 0xFFFFFFFF, container: false);
        foreach (var item in fragments.Prepend(offsetTable))
        {
            long start = Position;
            WriteTagAndLength(DicomTag.Item, (uint)item.Length);
            fields.Add(new Field(FieldKind.Header, start, Position, t));
            long valueStart = Position;
            bytes.Write(item);
            fields.Add(new Field(FieldKind.Value, valueStart, Position, t));
        }

        long end = Position;
        WriteTagAndLength(DicomTag.SequenceDelimitationItem, 0);
        fields.Add(new Field(FieldKind.Header, end, Position, t));
        return this;
    }

    /// <summary>Bytes outside any layout (for deliberately malformed input).</summary>
    public DicomByteBuilder Raw(ReadOnlySpan<byte> raw)
    {
        bytes.Write(raw);
        return this;
    }

    /// <summary>Forgets the open items up to and including the innermost open sequence, writing nothing (for hand-made endings).</summary>
    public DicomByteBuilder EndSequenceUnchecked()
    {
        OpenContainer c;
        do
        {
            c = open.Pop();
        }
        while (c.IsItem);
        Explicit = c.ExplicitBefore;
        return this;
    }

    /// <summary>The bytes so far, even with sequences or items still open.</summary>
    public byte[] ToArrayUnchecked() => bytes.ToArray();

    public byte[] ToArray()
    {
        if (open.Count > 0)
        {
            throw new InvalidOperationException("a sequence or item is still open");
        }

        return bytes.ToArray();
    }

    public static byte[] U32(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return b;
    }

    /// <summary>Raw deflate (PS3.5 A.5) of the given bytes.</summary>
    public static byte[] Deflate(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Where a reader must fail on a copy cut at <paramref name="cut"/> bytes: null when the cut lies on a boundary
    /// between top-level elements (a shorter valid input), else the offset and tag it must report.
    /// A reader that knows the input's length rejects a defined-length sequence or item that runs past the end when
    /// it reads its length; one that does not (a non-seekable stream) fails at the first field that is incomplete.
    /// Truncation inside a value is reported at the start of the value.
    /// </summary>
    public static (long Offset, DicomTag? Tag)? ExpectedFailure(IReadOnlyList<Field> layout, long cut, bool lengthKnown)
    {
        foreach (var f in layout)
        {
            if (f.Kind == FieldKind.Tag && f.TopLevel && f.Start == cut)
            {
                return null;
            }

            if (f.End > cut)
            {
                return (f.Start, f.Tag);
            }

            if (lengthKnown && f.IsContainer && f.ExtentEnd > cut)
            {
                return (f.ContentStart, f.Tag);
            }
        }

        return null;
    }

    /// <summary>The tags of the top-level elements that lie wholly before <paramref name="cut"/>.</summary>
    public static IEnumerable<DicomTag> TopLevelTagsBefore(IReadOnlyList<Field> layout, long cut) =>
        layout.Where(f => f.Kind == FieldKind.Tag && f.TopLevel && f.Start < cut).Select(f => f.Element!.Value);

    private long Header(DicomTag tag, string vr, uint length, bool container)
    {
        long start = Position;
        Span<byte> head = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(head, tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(head[2..], tag.Element);
        fields.Add(new Field(FieldKind.Tag, start, start + 4, Container) { TopLevel = open.Count == 0, Element = tag });
        if (!Explicit)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(head[4..], length);
            bytes.Write(head[..8]);
            fields.Add(new Field(FieldKind.Header, start + 4, start + 8, tag) { IsContainer = container, ContentStart = start + 8, ExtentEnd = start + 8 });
            return start + 4;
        }

        head[4] = (byte)vr[0];
        head[5] = (byte)vr[1];
        fields.Add(new Field(FieldKind.Header, start + 4, start + 6, tag));
        if (vr is "OB" or "OD" or "OF" or "OL" or "OV" or "OW" or "SQ" or "SV" or "UC" or "UN" or "UR" or "UT" or "UV")
        {
            head[6] = 0;
            head[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(head[8..], length);
            bytes.Write(head);
            fields.Add(new Field(FieldKind.Header, start + 6, start + 8, tag));
            fields.Add(new Field(FieldKind.Header, start + 8, start + 12, tag) { IsContainer = container, ContentStart = start + 12, ExtentEnd = start + 12 });
            return start + 8;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(head[6..], (ushort)length);
        bytes.Write(head[..8]);
        fields.Add(new Field(FieldKind.Header, start + 6, start + 8, tag));
        return start + 6;
    }

    private void Close(OpenContainer c)
    {
        long end = Position;
        uint length = (uint)(end - c.ContentStart);
        var buffer = bytes.GetBuffer();
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan((int)(c.LengthAt - Origin)), length);
        fields[c.HeaderField] = fields[c.HeaderField] with { ExtentEnd = end };
    }

    private void WriteTagAndLength(DicomTag tag, uint length)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(head, tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(head[2..], tag.Element);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], length);
        bytes.Write(head);
    }

    public enum FieldKind
    {
        /// <summary>The 4-byte tag of an element (or item delimiter); a failure here is attributed to the enclosing sequence.</summary>
        Tag,

        /// <summary>VR or length bytes of an element, or an item / delimiter header.</summary>
        Header,

        /// <summary>A value.</summary>
        Value,
    }

    /// <summary>One field of the encoding. For a defined-length container header, <see cref="ExtentEnd"/> is where its content ends.</summary>
    internal sealed record Field(FieldKind Kind, long Start, long End, DicomTag? Tag)
    {
        public bool TopLevel { get; init; }

        /// <summary>For the tag field of an element: the element's tag.</summary>
        public DicomTag? Element { get; init; }

        public bool IsContainer { get; init; }

        public long ContentStart { get; init; } = End;

        public long ExtentEnd { get; init; } = End;
    }

    private readonly record struct OpenContainer(DicomTag Tag, long LengthAt, long ContentStart, int HeaderField, bool ExplicitBefore, bool IsItem);
}
