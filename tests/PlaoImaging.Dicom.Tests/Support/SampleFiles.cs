namespace PlaoImaging.Dicom.Tests.Support;

/// <summary>Small valid Part 10 files built byte by byte, with the layout of every field recorded.</summary>
internal static class SampleFiles
{
    public const string ExplicitLittle = "1.2.840.10008.1.2.1";
    public const string ImplicitLittle = "1.2.840.10008.1.2";
    public const string Deflated = "1.2.840.10008.1.2.1.99";
    public const string JpegBaseline = "1.2.840.10008.1.2.4.50";

    /// <summary>A built sample: the bytes and the layout of its fields (offsets in the file).</summary>
    public sealed record Sample(string Name, byte[] Bytes, IReadOnlyList<DicomByteBuilder.Field> Layout);

    /// <summary>Explicit VR little endian: private tags, nested sequences of defined and undefined length, a UN sequence, native pixel data.</summary>
    public static Sample Explicit()
    {
        var b = new DicomByteBuilder(explicitVR: true).Preamble().Meta(ExplicitLittle);
        ExplicitDataset(b);
        return new Sample("explicit", b.ToArray(), b.Fields);
    }

    /// <summary>Implicit VR little endian: private tags, an ambiguous US/SS element, sequences, native pixel data.</summary>
    public static Sample Implicit()
    {
        var b = new DicomByteBuilder(explicitVR: true).Preamble().Meta(ImplicitLittle);
        b.Explicit = false;
        b.Text(0x00080005, "CS", "ISO_IR 100")
            .Text(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
            .Text(0x00080018, "UI", "1.2.3.4.5.6.7.8.9")
            // Undefined length: a defined-length sequence in implicit VR is only a sequence when the dictionary says SQ.
            .BeginSequence(0x00081140, definedLength: false)
                .BeginItem(definedLength: true)
                    .Text(0x00081150, "UI", "1.2.840.10008.5.1.4.1.1.2")
                    .Text(0x00081155, "UI", "1.2.3.4")
                .EndItem()
                .BeginItem(definedLength: false)
                    .Text(0x00081150, "UI", "1.2.840.10008.5.1.4.1.1.4")
                .EndItem()
            .EndSequence()
            .Text(0x00090010, "LO", "PLAO TEST")
            .Element(0x00091001, "UN", [1, 2, 3, 4])
            .Text(0x00100010, "PN", "Doe^John")
            .UInt16(0x00280002, "US", 1)
            .UInt16(0x00280010, "US", 2)
            .UInt16(0x00280011, "US", 2)
            .UInt16(0x00280100, "US", 16)
            .UInt16(0x00280101, "US", 16)
            .UInt16(0x00280102, "US", 15)
            .UInt16(0x00280103, "US", 1)
            .UInt16(0x00280106, "US", 0xFFF0)
            .Element(0x7FE00010, "OW", [1, 0, 2, 0, 3, 0, 4, 0]);
        return new Sample("implicit", b.ToArray(), b.Fields);
    }

    /// <summary>Encapsulated (JPEG baseline syntax): a basic offset table, two fragments, trailing padding after them.</summary>
    public static Sample Encapsulated()
    {
        var b = new DicomByteBuilder(explicitVR: true).Preamble().Meta(JpegBaseline);
        b.Text(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
            .Text(0x00080018, "UI", "1.2.3.4.5.6.7.8.9")
            .Text(0x00100010, "PN", "Doe^Jane")
            .UInt16(0x00280002, "US", 1)
            .Text(0x00280004, "CS", "MONOCHROME2")
            .UInt16(0x00280010, "US", 8)
            .UInt16(0x00280011, "US", 8)
            .UInt16(0x00280100, "US", 8)
            .Fragments(0x7FE00010, [0, 0, 0, 0], [0xFF, 0xD8, 0xFF, 0xDB, 1, 2, 3, 4, 0xFF, 0xD9], [5, 6, 7, 8, 0xFF, 0xD9])
            .Element(0xFFFCFFFC, "OB", [0, 0, 0, 0]);
        return new Sample("encapsulated", b.ToArray(), b.Fields);
    }

    /// <summary>
    /// Deflated explicit VR little endian: the meta group, then the explicit sample's dataset deflated. The layout
    /// covers the meta group only; <see cref="DeflatedBody"/> gives the inflated dataset and its layout.
    /// </summary>
    public static Sample Deflate()
    {
        var b = new DicomByteBuilder(explicitVR: true).Preamble().Meta(Deflated);
        var meta = b.ToArray();
        var body = DeflatedBody();
        return new Sample("deflated", [.. meta, .. DicomByteBuilder.Deflate(body.Bytes)], b.Fields);
    }

    /// <summary>The File Meta Information (with preamble) of the deflated sample.</summary>
    public static byte[] DeflatedMeta() => new DicomByteBuilder(explicitVR: true).Preamble().Meta(Deflated).ToArray();

    /// <summary>The inflated dataset of the deflated sample, laid out from offset 0.</summary>
    public static Sample DeflatedBody()
    {
        var b = new DicomByteBuilder(explicitVR: true);
        ExplicitDataset(b);
        return new Sample("deflated-body", b.ToArray(), b.Fields);
    }

    public static IEnumerable<Sample> All() => [Explicit(), Implicit(), Encapsulated(), Deflate()];

    private static void ExplicitDataset(DicomByteBuilder b)
    {
        b.Text(0x00080005, "CS", "ISO_IR 100")
            .Text(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
            .Text(0x00080018, "UI", "1.2.3.4.5.6.7.8.9")
            .Text(0x00080060, "CS", "OT")
            .Text(0x00090010, "LO", "PLAO TEST")
            .Text(0x00091001, "LO", "private value")
            .Element(0x00091002, "OB", [1, 2, 3, 4, 5, 6])
            .Text(0x00100010, "PN", "Doe^Jane")
            .Text(0x00110010, "LO", "PLAO UN")
            .BeginSequence(0x00111001, definedLength: false, vr: "UN")
                .BeginItem(definedLength: false)
                    .Text(0x00100020, "LO", "ID-IN-UN")
                .EndItem()
            .EndSequence()
            .UInt16(0x00280002, "US", 1)
            .Text(0x00280004, "CS", "MONOCHROME2")
            .UInt16(0x00280010, "US", 2)
            .UInt16(0x00280011, "US", 4)
            .UInt16(0x00280100, "US", 16)
            .UInt16(0x00280101, "US", 12)
            .UInt16(0x00280102, "US", 11)
            .UInt16(0x00280103, "US", 0)
            .BeginSequence(0x00400275, definedLength: false)
                .BeginItem(definedLength: false)
                    .Text(0x00400007, "LO", "step one")
                    .BeginSequence(0x0040A730, definedLength: true)
                        .BeginItem(definedLength: true)
                            .Text(0x0040A040, "CS", "TEXT")
                            .Text(0x0040A160, "UT", "hello")
                        .EndItem()
                        .BeginItem(definedLength: false)
                            .BeginSequence(0x00081115, definedLength: false)
                                .BeginItem(definedLength: true)
                                .EndItem()
                            .EndSequence()
                        .EndItem()
                    .EndSequence()
                .EndItem()
                .BeginItem(definedLength: true)
                    .Text(0x00400009, "SH", "SPS1")
                .EndItem()
            .EndSequence()
            .Element(0x7FE00010, "OW", Enumerable.Range(0, 16).SelectMany(i => new[] { (byte)i, (byte)(i >> 8) }).ToArray());
    }
}
