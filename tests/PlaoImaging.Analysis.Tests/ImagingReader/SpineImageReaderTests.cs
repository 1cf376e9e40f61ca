using PlaoImaging.Analysis.Tests.Selection;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Analysis.Tests.ImagingReader;

/// <summary>The reader on synthetic images; every test runs again through an <see cref="ImageBufferPool"/> (<see cref="SpineImageReaderPooledTests"/>).</summary>
public class SpineImageReaderTests
{
    private readonly SpineImageReader reader = new(DicomCodecRegistry.CreateDefault());

    /// <summary>The pool the reads go through (none here).</summary>
    protected virtual ImageBufferPool? Buffers => null;

    private SpineImage Read(DicomDataset dataset, int frame = 0) => reader.Read(new DicomFile(dataset), frame, null, Buffers);

    [Fact]
    public void Read_NativeImage_ModalityValuesRowByRow()
    {
        var image = Read(SyntheticImages.Gray(64, 80));

        Assert.Equal(64, image.Rows);
        Assert.Equal(80, image.Columns);
        Assert.Equal(64 * 80, image.Values.Length);
        Assert.Equal((10 * 7) + 3, image.Values[(10 * 80) + 3]);
        Assert.Equal("MONOCHROME2", image.PhotometricInterpretation);
        Assert.Equal("DX", image.Modality);
        Assert.Equal("1.2.826.0.1.3680043.10.1234.9.1", image.Source.SopInstanceUid);
        Assert.Equal(0, image.Source.Frame);
        Assert.Null(image.Window);
        Assert.Null(image.ImageOrientationPatient);
        Assert.Equal(SpacingProvenance.None, image.Spacing.Provenance);
        Assert.Empty(image.SpacingAttributes);
    }

    [Fact]
    public void Read_RescaleSlopeAndIntercept_Applied()
    {
        var ds = SyntheticImages.Gray(64, 64, (r, c) => 100 + c);
        ds.AddValues(DicomTags.RescaleSlope, DicomVR.DS, 2.5);
        ds.AddValues(DicomTags.RescaleIntercept, DicomVR.DS, -1024.0);

        var image = Read(ds);

        Assert.Equal((100 * 2.5) - 1024, image.Values[0]);
        Assert.Equal((163 * 2.5) - 1024, image.Values[63]);
    }

    [Fact]
    public void Read_SignedPixels_KeepTheirSign()
    {
        var ds = SyntheticImages.Gray(64, 64, (r, c) => c - 32, signed: true, bitsStored: 12);
        ds.AddValues(DicomTags.RescaleSlope, DicomVR.DS, 1.0);
        ds.AddValues(DicomTags.RescaleIntercept, DicomVR.DS, 10.0);

        var image = Read(ds);

        Assert.Equal(-32 + 10, image.Values[0]);
        Assert.Equal(31 + 10, image.Values[63]);
        Assert.Contains(image.Values, v => v < 0);
    }

    [Fact]
    public void Read_FirstWindowPair_Kept()
    {
        var ds = SyntheticImages.Gray(64, 64);
        ds.AddString(DicomTags.WindowCenter, DicomVR.DS, "40", "400");
        ds.AddString(DicomTags.WindowWidth, DicomVR.DS, "80", "2000");

        Assert.Equal((40.0, 80.0), Read(ds).Window);
    }

    [Fact]
    public void Read_Monochrome1_KeptAsStored()
    {
        var image = Read(SyntheticImages.Gray(64, 64, (r, c) => c, photometric: "MONOCHROME1"));

        Assert.Equal("MONOCHROME1", image.PhotometricInterpretation);
        Assert.Equal(5, image.Values[5]);
    }

    [Fact]
    public void Read_WrittenAndReadBack_SameValues()
    {
        var ds = SyntheticImages.Gray(70, 66);
        ds.AddString(DicomTags.ImagerPixelSpacing, DicomVR.DS, "0.15", "0.15");

        var direct = Read(ds);
        var file = SyntheticImages.RoundTrip(ds);
        var image = reader.Read(file, 0, null, Buffers);

        Assert.Equal(direct.Values, image.Values);
        Assert.Equal(SpacingProvenance.ImagerPixelSpacingUncorrected, image.Spacing.Provenance);
    }

    [Fact]
    public void Read_SecondFrame_ReadsThatFrame()
    {
        var image = Read(SyntheticImages.Gray(64, 64, (r, c) => c, frames: 2), frame: 1);

        Assert.Equal(1000 + 7, image.Values[7]);
        Assert.Equal(1, image.Source.Frame);
    }

    [Fact]
    public void Read_FrameOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Read(SyntheticImages.Gray(64, 64), frame: 1));
    }

    [Theory]
    [InlineData("RGB", 3)]
    [InlineData("YBR_FULL", 3)]
    [InlineData("PALETTE COLOR", 1)]
    public void Read_Colour_Rejected(string photometric, int samples)
    {
        var ds = SyntheticImages.Gray(64, 64);
        ds.AddString(DicomTags.PhotometricInterpretation, DicomVR.CS, photometric);
        ds.AddValues(DicomTags.SamplesPerPixel, DicomVR.US, (ushort)samples);

        var e = Assert.Throws<ImageRejectedException>(() => Read(ds));

        Assert.Contains("colour images are not measured", e.Message, StringComparison.Ordinal);
        Assert.Contains(photometric, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HugeHeader_RejectedBeforeDecoding()
    {
        // 20,000 × 20,000 pixels declared over two bytes of pixel data: decoding would fail differently.
        var ds = SyntheticImages.Gray(64, 64);
        ds.AddValues(DicomTags.Rows, DicomVR.US, (ushort)20000);
        ds.AddValues(DicomTags.Columns, DicomVR.US, (ushort)20000);
        ds.AddBytes(DicomTags.PixelData, DicomVR.OW, new byte[2]);

        var e = Assert.Throws<ImageRejectedException>(() => Read(ds));

        Assert.Contains("20000 × 20000 pixels exceeds the limit of 12000 × 12000", e.Message, StringComparison.Ordinal);
        Assert.Null(e.InnerException);
    }

    [Fact]
    public void Read_LimitFromOptions_Applied()
    {
        var small = new SpineImageReader(DicomCodecRegistry.CreateDefault(), new SpineImageReaderOptions { MaxRows = 100, MaxColumns = 100 });

        var e = Assert.Throws<ImageRejectedException>(() => small.Read(new DicomFile(SyntheticImages.Gray(101, 64)), 0, null, Buffers));

        Assert.Contains("101 × 64 pixels exceeds the limit of 100 × 100", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(63, 200)]
    [InlineData(200, 63)]
    public void Read_TinyImage_TooSmallToMeasure(int rows, int columns)
    {
        var e = Assert.Throws<ImageRejectedException>(() => Read(SyntheticImages.Gray(rows, columns)));

        Assert.Contains($"{rows} × {columns} pixels is too small to measure (at least 64 on a side)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoPixelData_Rejected()
    {
        var ds = SyntheticImages.Gray(64, 64);
        ds.Remove(DicomTags.PixelData);

        var e = Assert.Throws<ImageRejectedException>(() => Read(ds));

        Assert.Contains("no pixel data", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NativePixelDataTooShort_RejectedWithInner()
    {
        var ds = SyntheticImages.Gray(64, 64);
        ds.AddBytes(DicomTags.PixelData, DicomVR.OW, new byte[100]);

        var e = Assert.Throws<ImageRejectedException>(() => Read(ds));

        Assert.IsAssignableFrom<DicomException>(e.InnerException);
    }

    [Fact]
    public void Read_CorruptJpegFrame_RejectedWithTheCodecError()
    {
        var ds = SyntheticImages.Gray(64, 64);
        var garbage = Enumerable.Range(0, 64).Select(i => (byte)(i * 37)).ToArray();
        ds.AddOrUpdate(new DicomFragmentSequence(DicomTags.PixelData, DicomVR.OB, DicomBuffer.FromMemory(Array.Empty<byte>()), [DicomBuffer.FromMemory(garbage)]));

        var e = Assert.Throws<ImageRejectedException>(() => reader.Read(new DicomFile(ds, DicomTransferSyntax.JpegLosslessSV1), 0, null, Buffers));

        Assert.Contains("frame 1 cannot be decoded", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Frame 1:", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<DicomPixelDataException>(e.InnerException);
    }

    [Fact]
    public void Read_NoCodecRegistered_RejectedNamingTheSyntax()
    {
        var ds = SyntheticImages.Gray(64, 64);
        ds.AddOrUpdate(new DicomFragmentSequence(DicomTags.PixelData, DicomVR.OB, DicomBuffer.FromMemory(Array.Empty<byte>()), [DicomBuffer.FromMemory(new byte[16])]));
        var bare = new SpineImageReader(new DicomCodecRegistry());

        var e = Assert.Throws<ImageRejectedException>(() => bare.Read(new DicomFile(ds, DicomTransferSyntax.JpegLSLossless), 0, null, Buffers));

        Assert.Contains("JPEG-LS", e.Message, StringComparison.Ordinal);
        Assert.IsType<DicomPixelDataException>(e.InnerException);
    }

    [Fact]
    public void Read_MrGeometry_FromTopLevel()
    {
        var ds = SyntheticImages.Gray(64, 64, modality: "MR");
        ds.AddValues(DicomTags.ImageOrientationPatient, DicomVR.DS, 0.0, 1, 0, 0, 0, -1);
        ds.AddValues(DicomTags.ImagePositionPatient, DicomVR.DS, 1.5, -200, 150);
        ds.AddString(DicomTags.PixelSpacing, DicomVR.DS, "0.8", "0.9");

        var image = Read(ds);

        Assert.Equal([0.0, 1, 0, 0, 0, -1], image.ImageOrientationPatient);
        Assert.Equal([1.5, -200, 150], image.ImagePositionPatient);
        Assert.Equal(new CalibratedSpacing(0.8, 0.9, SpacingProvenance.PixelSpacing, "Pixel Spacing 0.8\\0.9 mm in the patient (MR geometry)"), image.Spacing);
    }

    [Fact]
    public void Read_EnhancedMrGeometry_FromTheFramesFunctionalGroups()
    {
        var ds = SyntheticImages.Gray(64, 64, modality: "MR", frames: 2);
        DicomDataset Frame(double x) => new DicomDataset()
            .AddSequence(DicomTags.PlanePositionSequence, new DicomDataset().AddValues(DicomTags.ImagePositionPatient, DicomVR.DS, x, -200.0, 150.0));
        var shared = new DicomDataset()
            .AddSequence(DicomTags.PlaneOrientationSequence, new DicomDataset().AddValues(DicomTags.ImageOrientationPatient, DicomVR.DS, 0.0, 1, 0, 0, 0, -1))
            .AddSequence(DicomTags.PixelMeasuresSequence, new DicomDataset().AddString(DicomTags.PixelSpacing, DicomVR.DS, "1.1", "1.1"));
        ds.AddSequence(DicomTags.SharedFunctionalGroupsSequence, shared);
        ds.AddSequence(DicomTags.PerFrameFunctionalGroupsSequence, Frame(-4), Frame(4));

        var image = Read(ds, frame: 1);

        Assert.Equal([4.0, -200, 150], image.ImagePositionPatient);
        Assert.Equal([0.0, 1, 0, 0, 0, -1], image.ImageOrientationPatient);
        Assert.Equal((1.1, 1.1), image.SpacingAttributes["PixelSpacing"]);
        Assert.Equal(SpacingProvenance.PixelSpacing, image.Spacing.Provenance);
    }
}
