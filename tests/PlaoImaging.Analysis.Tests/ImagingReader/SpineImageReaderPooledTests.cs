using System.Buffers.Binary;
using PlaoImaging.Analysis.Tests.Models;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Analysis.Tests.ImagingReader;

/// <summary>
/// Reads through an <see cref="ImageBufferPool"/>: every test of <see cref="SpineImageReaderTests"/> again, then the same
/// values as a read without a pool for each kind of frame the pooled path takes (8 and 16 bits, signed, stored bits
/// below the high bit, rescale and Modality LUT, JPEG lossless and the sample images), arrays reused across images
/// without one image's values showing through another's, and the pool's own limits.
/// </summary>
public sealed class SpineImageReaderPooledTests : SpineImageReaderTests
{
    private readonly SpineImageReader reader = new(DicomCodecRegistry.CreateDefault());

    protected override ImageBufferPool? Buffers { get; } = new();

    public static TheoryData<string> Frames => new()
    {
        "16-bit 12 stored", "16-bit signed", "16-bit 16 stored", "16-bit signed 16 stored", "16-bit 12 stored, high bit 15", "8-bit", "8-bit signed",
        "rescale", "modality LUT", "monochrome1", "JPEG lossless",
    };

    public static TheoryData<string> SampleFiles => new()
    {
        "01-cr-lumbar-mono1-jpegll/lateral.dcm",
        "02-dx-thoracolumbar-explicit/lateral.dcm",
        "04-cr-normal-implicit/lateral.dcm",
        "07-mr-sagittal-acute/T1/T1-08.dcm",
    };

    [Theory]
    [MemberData(nameof(Frames))]
    public void Pooled_SameValuesAsFresh(string kind)
    {
        var (dataset, syntax) = Frame(kind, 160, 150);
        var pool = new ImageBufferPool();

        var fresh = reader.Read(new DicomFile(dataset, syntax));
        var pooled = reader.Read(new DicomFile(dataset, syntax), 0, null, pool);

        var expected = new float[160 * 150];
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] = Expected(kind, Ramp(i / 150, i % 150, kind));
        }

        Assert.Equal(expected, fresh.Values);
        Assert.Equal(expected, pooled.Values);
        Assert.Equal((fresh.Rows, fresh.Columns), (pooled.Rows, pooled.Columns));
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Pooled_SampleImages_SameValuesAsFresh(string file)
    {
        string path = RepositoryFiles.Path("sample-data", file);
        if (!File.Exists(path))
        {
            path = Directory.GetFiles(Path.GetDirectoryName(path)!, "*.dcm").Order(StringComparer.Ordinal).First();
        }

        var pool = new ImageBufferPool();

        var fresh = reader.Read(path);
        var pooled = reader.Read(path, 0, pool);
        pool.Return(pooled.Values);
        var again = reader.Read(path, 0, pool);

        Assert.Equal(fresh.Values, pooled.Values);
        Assert.Same(pooled.Values, again.Values);
        Assert.Equal(fresh.Values, again.Values);
    }

    [Fact]
    public void Reused_ArrayHoldsOnlyTheNewImage()
    {
        var pool = new ImageBufferPool();
        var bright = reader.Read(new DicomFile(SyntheticImages.Gray(200, 100, (r, c) => 4000)), 0, null, pool);
        pool.Return(bright.Values);

        var (dark, syntax) = Frame("8-bit", 200, 100);
        var reused = reader.Read(new DicomFile(dark, syntax), 0, null, pool);

        Assert.Same(bright.Values, reused.Values);
        Assert.Equal(reader.Read(new DicomFile(dark, syntax)).Values, reused.Values);
        Assert.DoesNotContain(4000f, reused.Values);
    }

    [Fact]
    public void CorruptFrame_BytesBackInThePool_NothingElseKept()
    {
        var pool = new ImageBufferPool();
        var (dataset, syntax) = Frame("JPEG lossless", 300, 200);
        var encoded = (DicomFragmentSequence)dataset[DicomTags.PixelData]!;
        var stream = encoded.Fragments[0].GetMemory().ToArray();
        Array.Resize(ref stream, stream.Length / 2);
        dataset.AddOrUpdate(new DicomFragmentSequence(DicomTags.PixelData, DicomVR.OB, DicomBuffer.Empty, [DicomBuffer.FromMemory(stream)]));

        var e = Assert.Throws<ImageRejectedException>(() => reader.Read(new DicomFile(dataset, syntax), 0, null, pool));

        Assert.Contains("frame 1 cannot be decoded", e.Message, StringComparison.Ordinal);
        Assert.Equal(ImageBufferPool.SizeClass(stream.Length), pool.RetainedBytes);
    }

    [Fact]
    public void Pool_KeepsAtMostItsLimit_OldestLetGoFirst()
    {
        int length = ImageBufferPool.MinimumLength;
        var pool = new ImageBufferPool(maxRetainedBytes: 2L * length * sizeof(float));
        var first = new float[length];
        var second = new float[length];
        var third = new float[length];

        pool.Return(first);
        pool.Return(second);
        pool.Return(third);

        Assert.Equal(2L * length * sizeof(float), pool.RetainedBytes);
        Assert.Same(third, pool.RentValues(length));
        Assert.Same(second, pool.RentValues(length));
        Assert.NotSame(first, pool.RentValues(length));
        Assert.Equal(0, pool.RetainedBytes);
    }

    [Fact]
    public void Pool_ValuesExactLength_BytesRoundedUpByAQuarterAtMost()
    {
        var pool = new ImageBufferPool();
        pool.Return(new float[100_000]);
        pool.Return(pool.RentBytes(700_000));

        Assert.Equal(99_999, pool.RentValues(99_999).Length);
        Assert.Equal(100_000, pool.RentValues(100_000).Length);
        Assert.Equal(0, pool.RetainedBytes - ImageBufferPool.SizeClass(700_000));
        Assert.Equal(ImageBufferPool.SizeClass(700_000), pool.RentBytes(690_000).Length);
        Assert.Equal(0, pool.RetainedBytes);
        Assert.Equal(786_432, ImageBufferPool.SizeClass(700_000));
        Assert.Equal(1 << 20, ImageBufferPool.SizeClass(1 << 20));
        Assert.Equal(5 << 18, ImageBufferPool.SizeClass((1 << 20) + 1));
    }

    [Fact]
    public void Pool_SmallArrays_NotKept()
    {
        var pool = new ImageBufferPool();
        pool.Return(new float[ImageBufferPool.MinimumLength - 1]);
        pool.Return(new byte[ImageBufferPool.MinimumLength - 1]);

        Assert.Equal(0, pool.RetainedBytes);
    }

    /// <summary>The stored value a frame of <paramref name="kind"/> holds at (row, column): a ramp over the kind's whole range.</summary>
    private static int Ramp(int r, int c, string kind) => kind switch
    {
        "16-bit 16 stored" => ((((r * 131) + (c * 17)) % 65536) * 3) % 65536,
        "16-bit signed 16 stored" => (((r * 131) + (c * 17)) % 65536) - 32768,
        "16-bit signed" => (((r * 131) + (c * 17)) % 4096) - 2048,
        "8-bit" => ((r * 131) + (c * 17)) % 256,
        "8-bit signed" => (sbyte)(byte)(((r * 131) + (c * 17)) % 256),
        "modality LUT" => ((r * 131) + (c * 17)) % 4200,
        _ => ((r * 131) + (c * 17)) % 4096,
    };

    /// <summary>The modality value of a stored value, worked out here from the kind's definition (not by the library).</summary>
    private static float Expected(string kind, int stored) => kind switch
    {
        "rescale" => (float)((stored * 0.37) + -1024.5),
        "modality LUT" => (ushort)(Math.Sqrt(Math.Min(stored, 4095)) * 100),
        _ => stored,
    };

    /// <summary>A frame of the named kind (stored values <see cref="Ramp"/>), and the syntax to read it in.</summary>
    private static (DicomDataset Dataset, DicomTransferSyntax Syntax) Frame(string kind, int rows, int columns)
    {
        switch (kind)
        {
            case "16-bit 12 stored":
                return (SyntheticImages.Gray(rows, columns, (r, c) => Ramp(r, c, kind)), DicomTransferSyntax.ExplicitVRLittleEndian);
            case "16-bit signed":
                return (SyntheticImages.Gray(rows, columns, (r, c) => Ramp(r, c, kind), signed: true), DicomTransferSyntax.ExplicitVRLittleEndian);
            case "16-bit 16 stored":
                return (SyntheticImages.Gray(rows, columns, (r, c) => Ramp(r, c, kind), bitsStored: 16), DicomTransferSyntax.ExplicitVRLittleEndian);
            case "16-bit signed 16 stored":
                return (SyntheticImages.Gray(rows, columns, (r, c) => Ramp(r, c, kind), signed: true, bitsStored: 16), DicomTransferSyntax.ExplicitVRLittleEndian);
            case "16-bit 12 stored, high bit 15":
            {
                // Stored bits 4..15 with noise in the low bits, which the reader must shift out.
                var ds = SyntheticImages.Gray(rows, columns, (r, c) => (Ramp(r, c, kind) << 4) | (c & 15), bitsStored: 16);
                ds.AddValues(DicomTags.BitsStored, DicomVR.US, (ushort)12);
                ds.AddValues(DicomTags.HighBit, DicomVR.US, (ushort)15);
                return (ds, DicomTransferSyntax.ExplicitVRLittleEndian);
            }

            case "8-bit":
            case "8-bit signed":
            {
                bool signed = kind == "8-bit signed";
                var ds = SyntheticImages.Header();
                ds.AddValues(DicomTags.SamplesPerPixel, DicomVR.US, (ushort)1);
                ds.AddString(DicomTags.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
                ds.AddValues(DicomTags.Rows, DicomVR.US, (ushort)rows);
                ds.AddValues(DicomTags.Columns, DicomVR.US, (ushort)columns);
                ds.AddValues(DicomTags.BitsAllocated, DicomVR.US, (ushort)8);
                ds.AddValues(DicomTags.BitsStored, DicomVR.US, (ushort)8);
                ds.AddValues(DicomTags.HighBit, DicomVR.US, (ushort)7);
                ds.AddValues(DicomTags.PixelRepresentation, DicomVR.US, (ushort)(signed ? 1 : 0));
                var bytes = new byte[rows * columns];
                for (int i = 0; i < bytes.Length; i++)
                {
                    bytes[i] = (byte)Ramp(i / columns, i % columns, kind);
                }

                ds.AddBytes(DicomTags.PixelData, DicomVR.OB, bytes);
                return (ds, DicomTransferSyntax.ExplicitVRLittleEndian);
            }

            case "rescale":
            {
                var ds = SyntheticImages.Gray(rows, columns, (r, c) => Ramp(r, c, kind));
                ds.AddValues(DicomTags.RescaleSlope, DicomVR.DS, 0.37);
                ds.AddValues(DicomTags.RescaleIntercept, DicomVR.DS, -1024.5);
                return (ds, DicomTransferSyntax.ExplicitVRLittleEndian);
            }

            case "modality LUT":
            {
                // 4,096 entries from stored value 0, each the square root of its input times 100.
                var data = new byte[4096 * 2];
                for (int i = 0; i < 4096; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(i * 2), (ushort)(Math.Sqrt(i) * 100));
                }

                var item = new DicomDataset()
                    .AddValues(DicomTags.LUTDescriptor, DicomVR.US, (ushort)4096, (ushort)0, (ushort)16)
                    .AddString(DicomTags.ModalityLUTType, DicomVR.LO, "OD")
                    .AddBytes(DicomTags.LUTData, DicomVR.OW, data);
                // 16 bits stored, so that the values past the table's last entry reach it (and take that entry).
                var ds = SyntheticImages.Gray(rows, columns, (r, c) => Ramp(r, c, kind), bitsStored: 16);
                ds.AddSequence(DicomTags.ModalityLUTSequence, item);
                return (ds, DicomTransferSyntax.ExplicitVRLittleEndian);
            }

            case "monochrome1":
                return (SyntheticImages.Gray(rows, columns, (r, c) => Ramp(r, c, kind), photometric: "MONOCHROME1"), DicomTransferSyntax.ExplicitVRLittleEndian);
            case "JPEG lossless":
            {
                var ds = SyntheticImages.Gray(rows, columns, (r, c) => Ramp(r, c, kind));
                var info = DicomImageInfo.FromDataset(ds);
                var native = ((DicomValueElement)ds[DicomTags.PixelData]!).Buffer.GetMemory().Span;
                var encoded = new JpegLosslessSV1Codec().Encode(native, info, 0);
                ds.AddOrUpdate(new DicomFragmentSequence(DicomTags.PixelData, DicomVR.OB, DicomBuffer.Empty, [DicomBuffer.FromMemory(encoded)]));
                return (ds, DicomTransferSyntax.JpegLosslessSV1);
            }

            default:
                throw new ArgumentException(kind, nameof(kind));
        }
    }
}
