using PlaoImaging.Analysis.Tests.Selection;
using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Analysis.Tests.ImagingReader;

/// <summary>The reader on the phantom files: every syntax of sample-data/ (JPEG Lossless SV1, explicit, implicit) and each spacing case.</summary>
public sealed class SpineImageReaderSampleTests
{
    private readonly SpineImageReader reader = new(DicomCodecRegistry.CreateDefault());

    [Theory]
    [InlineData("01-cr-lumbar-mono1-jpegll/lateral.dcm", "CR", "MONOCHROME1", 4095)]
    [InlineData("02-dx-thoracolumbar-explicit/lateral.dcm", "DX", "MONOCHROME2", 16383)]
    [InlineData("03-dx-thoracic-plao-run/lateral.dcm", "DX", "MONOCHROME2", 4095)]
    [InlineData("04-cr-normal-implicit/lateral.dcm", "CR", "MONOCHROME2", 1023)]
    [InlineData("08-cr-no-pixel-spacing/lateral.dcm", "CR", "MONOCHROME2", 4095)]
    public void Read_Radiograph_DecodedWithinItsBits(string file, string modality, string photometric, int max)
    {
        var image = reader.Read(SampleStudies.PathOf(file));

        Assert.Equal(modality, image.Modality);
        Assert.Equal(photometric, image.PhotometricInterpretation);
        Assert.Equal((960, 800), (image.Rows, image.Columns));
        Assert.Equal(960 * 800, image.Values.Length);
        Assert.All(image.Values, v => Assert.InRange(v, 0, max));
        Assert.True(image.Values.Max() - image.Values.Min() > max / 8, "the phantom has contrast");
        Assert.NotNull(image.Window);
        Assert.Equal(SampleStudies.PathOf(file), image.Source.Path);
    }

    [Fact]
    public void Read_CrWithoutMagnificationFactor_DetectorPlaneSpacing()
    {
        var image = reader.Read(SampleStudies.PathOf("01-cr-lumbar-mono1-jpegll/lateral.dcm"));

        Assert.Equal((0.375, 0.375), image.SpacingAttributes["ImagerPixelSpacing"]);
        Assert.False(image.SpacingAttributes.ContainsKey("PixelSpacing"));
        Assert.Equal(SpacingProvenance.ImagerPixelSpacingUncorrected, image.Spacing.Provenance);
        Assert.Equal((0.375, 0.375), (image.Spacing.RowMm, image.Spacing.ColumnMm));
        Assert.Contains("no Estimated Radiographic Magnification Factor", image.Spacing.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DxWithMagnificationFactor_CorrectedSpacing()
    {
        var image = reader.Read(SampleStudies.PathOf("02-dx-thoracolumbar-explicit/lateral.dcm"));

        Assert.Equal(SpacingProvenance.ImagerPixelSpacingCorrected, image.Spacing.Provenance);
        Assert.Equal(0.375 / 1.19257, image.Spacing.RowMm, 9);
        Assert.Equal(0.375 / 1.19257, image.Spacing.ColumnMm, 9);
        Assert.Contains("divided by Estimated Radiographic Magnification Factor 1.19257", image.Spacing.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoSpacingAtAll_HeightsInPixels()
    {
        var image = reader.Read(SampleStudies.PathOf("08-cr-no-pixel-spacing/lateral.dcm"));

        Assert.Same(CalibratedSpacing.None, image.Spacing);
        Assert.False(image.Spacing.HasSpacing);
        Assert.Empty(image.SpacingAttributes);
    }

    [Theory]
    [InlineData("T1")]
    [InlineData("T2")]
    [InlineData("STIR")]
    public void Read_MrSlice_GeometryAndPixelSpacing(string weighting)
    {
        var image = reader.Read(SampleStudies.PathOf(SampleStudies.MrSeries(weighting)[5]));

        Assert.Equal("MR", image.Modality);
        Assert.Equal((256, 256), (image.Rows, image.Columns));
        Assert.Equal([0.0, 1, 0, 0, 0, -1], image.ImageOrientationPatient);
        Assert.Equal([0.612932, -200.0159, 156.81231], image.ImagePositionPatient);
        Assert.Equal(SpacingProvenance.PixelSpacing, image.Spacing.Provenance);
        Assert.Equal(1.055193, image.Spacing.RowMm);
        Assert.Contains("in the patient (MR geometry)", image.Spacing.Note, StringComparison.Ordinal);
    }
}
