using System.Buffers.Binary;
using PlaoImaging.Dicom.Codecs.Native;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.StructuredReport;

namespace PlaoImaging.Dicom.Fuzz;

/// <summary>
/// The fuzz targets beyond the Part 10 reader and the PDU reader: one per codec that decodes untrusted bytes, the frame
/// location of encapsulated pixel data and the SR content tree reader. Each takes the raw fuzz input; only
/// <see cref="DicomException"/> (and its subclasses) may come out, anything else is a crash.
/// </summary>
public static class Targets
{
    /// <summary>Length of the image description that precedes the encoded frame in a codec target's input.</summary>
    public const int CodecHeaderLength = 6;

    /// <summary>The codec targets' names. Nothing of the instrumented libraries may run before the fuzzer has set up its shared memory, so the syntax is looked up per input (<see cref="CodecSyntax"/>).</summary>
    public static IReadOnlyList<string> CodecTargets { get; } = ["jpeg", "rle", "jpegls", "j2k"];

    /// <summary>The transfer syntax a codec target decodes.</summary>
    public static DicomTransferSyntax CodecSyntax(string target) => target switch
    {
        // One JPEG target: the codestream's own process picks the decoder (baseline, extended, lossless), whatever the syntax.
        "jpeg" => DicomTransferSyntax.JpegExtended12Bit,
        "rle" => DicomTransferSyntax.RleLossless,
        "jpegls" => DicomTransferSyntax.JpegLSLossless,
        "j2k" => DicomTransferSyntax.Jpeg2000Lossless,
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "not a codec target"),
    };

    /// <summary>
    /// Decodes one frame with the codec of <paramref name="syntax"/>. The input is a 6-byte image description followed
    /// by the encoded frame: Rows (UInt16 LE, 1 to 1024), Columns (UInt16 LE, 1 to 1024), a flags byte (bit 0: three
    /// samples per pixel; bit 1: 16 bits allocated, else 8; bit 2: signed; bit 3: planar configuration 1; bits 4-5 of a
    /// colour image: RGB, YBR_FULL, YBR_FULL_422, YBR_PARTIAL_422) and the Bits Stored less one (taken modulo Bits
    /// Allocated). The JPEG (baseline/extended/lossless, one decoder chosen by the codestream), RLE and JPEG-LS preset
    /// decoders are managed and instrumented; the CharLS and OpenJPEG paths run native code SharpFuzz cannot see, so
    /// for them this is a whole-frame decode through our wrapper whose coverage is only the wrapper's.
    /// </summary>
    public static void RunCodec(DicomTransferSyntax syntax, byte[] input)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        ArgumentNullException.ThrowIfNull(input);
        if (input.Length < CodecHeaderLength)
        {
            return;
        }

        var info = DescribeImage(input);
        try
        {
            var decoded = Registry.Codecs.Get(syntax).Decode(input.AsSpan(CodecHeaderLength), info, 0);
            _ = DicomFrameSamples.Unpack(decoded, info);
        }
        catch (DicomException)
        {
        }
    }

    /// <summary>The image a codec input describes in its first <see cref="CodecHeaderLength"/> bytes.</summary>
    public static DicomImageInfo DescribeImage(ReadOnlySpan<byte> input)
    {
        int rows = 1 + (BinaryPrimitives.ReadUInt16LittleEndian(input) % 1024);
        int columns = 1 + (BinaryPrimitives.ReadUInt16LittleEndian(input[2..]) % 1024);
        byte flags = input[4];
        bool color = (flags & 1) != 0;
        int bits = (flags & 2) != 0 ? 16 : 8;
        int stored = 1 + (input[5] % bits);
        string photometric = !color
            ? "MONOCHROME2"
            : ((flags >> 4) & 3) switch { 0 => "RGB", 1 => "YBR_FULL", 2 => "YBR_FULL_422", _ => "YBR_PARTIAL_422" };
        return new DicomImageInfo
        {
            Rows = rows,
            Columns = columns,
            SamplesPerPixel = color ? 3 : 1,
            BitsAllocated = bits,
            BitsStored = stored,
            HighBit = stored - 1,
            IsSigned = (flags & 4) != 0,
            PlanarConfiguration = color && (flags & 8) != 0 ? 1 : 0,
            PhotometricInterpretation = photometric,
            NumberOfFrames = 1,
        };
    }

    /// <summary>The 6-byte codec input header that describes <paramref name="info"/> (inverse of <see cref="DescribeImage"/>).</summary>
    public static byte[] CodecHeader(DicomImageInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var header = new byte[CodecHeaderLength];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(info.Rows - 1));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), (ushort)(info.Columns - 1));
        int photometric = info.PhotometricInterpretation switch { "YBR_FULL" => 1, "YBR_FULL_422" => 2, "YBR_PARTIAL_422" => 3, _ => 0 };
        header[4] = (byte)((info.SamplesPerPixel > 1 ? 1 : 0) | (info.BitsAllocated == 16 ? 2 : 0) | (info.IsSigned ? 4 : 0)
            | (info.PlanarConfiguration == 1 ? 8 : 0) | (photometric << 4));
        header[5] = (byte)(info.BitsStored - 1);
        return header;
    }

    /// <summary>
    /// Frame location in encapsulated pixel data: reads the input as a Part 10 file and, when its pixel data is
    /// encapsulated, maps fragments to frames (Basic and Extended Offset Tables, JPEG markers) and joins the fragments
    /// of every frame (at most 64).
    /// </summary>
    public static void RunFrames(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            var file = DicomFile.Read(new MemoryStream(input, writable: false));
            var pixels = DicomPixelData.Create(file);
            if (!pixels.IsEncapsulated)
            {
                return;
            }

            _ = pixels.GetFrameFragmentMap();
            for (int frame = 0; frame < Math.Min(64, pixels.FrameCount); frame++)
            {
                try
                {
                    _ = pixels.GetEncodedFrame(frame);
                }
                catch (DicomPixelDataException)
                {
                    // This frame cannot be located; the next one may be.
                }
            }
        }
        catch (DicomException)
        {
        }
    }

    /// <summary>
    /// The SR reader: reads the input as a data set in Explicit VR Little Endian (no preamble or file meta), reads its
    /// content tree, formats it as text and, for a TID 1500 measurement report, reads the report.
    /// </summary>
    public static void RunSr(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            var dataset = DicomFile.ReadDataset(new MemoryStream(input, writable: false), DicomTransferSyntax.ExplicitVRLittleEndian);
            var root = SrContentTree.Read(dataset);
            _ = SrTreeText.Format(root, withCodes: true);
            if (Tid1500Reader.IsMeasurementReport(root))
            {
                _ = Tid1500Reader.Read(root);
            }
        }
        catch (DicomException)
        {
        }
    }

    /// <summary>A codec seed: the header describing <paramref name="file"/>'s image followed by its first encoded frame; null when its pixel data is not encapsulated.</summary>
    public static byte[]? CodecSeed(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var pixels = DicomPixelData.Create(file);
        if (!pixels.IsEncapsulated)
        {
            return null;
        }

        return [.. CodecHeader(pixels.Info), .. pixels.GetEncodedFrame(0)];
    }

    /// <summary>SR seeds: content trees with every value type, as Explicit VR Little Endian data sets.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> SrSeeds()
    {
        var image = new SopReference("1.2.840.10008.5.1.4.1.1.1.1", "1.2.3.4", null);
        var everything = new ContainerItem(null, SrCodes.ImagingMeasurementReport, templateIdentifier: "1500")
        {
            Children =
            [
                new TextItem(RelationshipType.Contains, SrCodes.Finding, "text"),
                new CodeItem(RelationshipType.HasConceptModifier, SrCodes.ProcedureReported, SrCodes.XrUnspecifiedBodyRegion),
                new NumItem(RelationshipType.Contains, SrCodes.Height, 12.5, SrCodes.Millimetre)
                {
                    Children = [new ScoordItem(RelationshipType.InferredFrom, null, GraphicType.Polyline, [1.5f, 2.5f, 3.5f, 40.25f])
                    {
                        Children = [new ImageItem(RelationshipType.SelectedFrom, null, image)],
                    }],
                },
                new NumItem(RelationshipType.Contains, SrCodes.Height, new CodedConcept("114006", "DCM", "Measurement failure")),
                new UidRefItem(RelationshipType.HasObservationContext, SrCodes.DeviceObserverUid, "2.25.1234"),
                new DateTimeItem(RelationshipType.Contains, SrCodes.Finding, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)),
                new DateItem(RelationshipType.Contains, SrCodes.Finding, new DateOnly(2026, 2, 28)),
                new PersonNameItem(RelationshipType.HasObservationContext, SrCodes.PersonObserverName, new DicomPersonName("Doe^Jane")),
                new CompositeItem(RelationshipType.Contains, SrCodes.Source, new SopReference("1.2.840.10008.5.1.4.1.1.88.34", "1.2.3.9", null)),
                new ImageItem(RelationshipType.Contains, SrCodes.Source, new SopReference("1.2.840.10008.5.1.4.1.1.4", "1.2.3.7", [2, 5])),
            ],
        };
        yield return ("sr-every-value-type", SrBytes(everything));
        yield return ("sr-minimal", SrBytes(new ContainerItem(null, SrCodes.ImagingMeasurementReport)
        {
            Children = [new TextItem(RelationshipType.Contains, SrCodes.Finding, "x")],
        }));
    }

    private static byte[] SrBytes(ContainerItem root)
    {
        var dataset = new DicomDataset().AddString(DicomTags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        SrContentTree.Write(root, dataset);
        using var stream = new MemoryStream();
        DicomFile.WriteDataset(stream, dataset, DicomTransferSyntax.ExplicitVRLittleEndian);
        return stream.ToArray();
    }

    /// <summary>The codecs, made on first use (inside the fuzzer's loop, after its shared memory exists).</summary>
    private static class Registry
    {
        public static readonly DicomCodecRegistry Codecs = DicomCodecRegistry.CreateDefault().AddNativeCodecs();
    }
}
