using PlaoImaging.Dicom;
using Xunit;

namespace PlaoImaging.Analysis.Tests.ImagingReader;

/// <summary>The calibrated-spacing rules of <see cref="SpineImageReader.ResolveSpacing"/> (PS3.3 10.7.1.1–10.7.1.3) on headers.</summary>
public sealed class SpacingProvenanceTests
{
    private static DicomDataset Header(string modality = "DX", string? pixel = null, string? imager = null, string? type = null, string? ermf = null, string? description = null)
    {
        var ds = SyntheticImages.Header(modality);
        if (pixel is not null)
        {
            ds.AddString(DicomTags.PixelSpacing, DicomVR.DS, pixel.Split('\\'));
        }

        if (imager is not null)
        {
            ds.AddString(DicomTags.ImagerPixelSpacing, DicomVR.DS, imager.Split('\\'));
        }

        if (type is not null)
        {
            ds.AddString(DicomTags.PixelSpacingCalibrationType, DicomVR.CS, type);
        }

        if (description is not null)
        {
            ds.AddString(DicomTags.PixelSpacingCalibrationDescription, DicomVR.LO, description);
        }

        if (ermf is not null)
        {
            ds.AddString(DicomTags.EstimatedRadiographicMagnificationFactor, DicomVR.DS, ermf);
        }

        return ds;
    }

    [Theory]
    [InlineData("GEOMETRY", "corrected for geometric magnification")]
    [InlineData("FIDUCIAL", "calibrated against an object of known size")]
    public void ResolveSpacing_CalibrationType_PixelSpacingAsIs(string type, string words)
    {
        var spacing = SpineImageReader.ResolveSpacing(Header(pixel: "0.125\\0.125", imager: "0.15\\0.15", type: type, ermf: "1.3", description: "ball 25 mm"));

        Assert.Equal(SpacingProvenance.PixelSpacing, spacing.Provenance);
        Assert.Equal((0.125, 0.125), (spacing.RowMm, spacing.ColumnMm));
        Assert.Contains($"Pixel Spacing Calibration Type {type}, 'ball 25 mm': {words}", spacing.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveSpacing_CalibrationTypeEqualToImager_StillTrusted()
    {
        var spacing = SpineImageReader.ResolveSpacing(Header(pixel: "0.15\\0.15", imager: "0.15\\0.15", type: "GEOMETRY", ermf: "1.2"));

        Assert.Equal(SpacingProvenance.PixelSpacing, spacing.Provenance);
        Assert.Equal(0.15, spacing.RowMm);
    }

    [Fact]
    public void ResolveSpacing_PixelSpacingDiffersFromImager_CorrectedByTheDevice()
    {
        var spacing = SpineImageReader.ResolveSpacing(Header(pixel: "0.13\\0.13", imager: "0.15\\0.15", ermf: "1.15"));

        Assert.Equal(SpacingProvenance.PixelSpacing, spacing.Provenance);
        Assert.Equal(0.13, spacing.RowMm);
        Assert.Contains("differs from Imager Pixel Spacing 0.15\\0.15 mm", spacing.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveSpacing_PixelSpacingEqualToImagerWithoutType_DetectorPlaneDividedByFactor()
    {
        var spacing = SpineImageReader.ResolveSpacing(Header(pixel: "0.15\\0.15", imager: "0.150000\\0.15", ermf: "1.2"));

        Assert.Equal(SpacingProvenance.ImagerPixelSpacingCorrected, spacing.Provenance);
        Assert.Equal(0.125, spacing.RowMm, 12);
        Assert.Contains("(Pixel Spacing is the same, so also at the detector)", spacing.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveSpacing_PixelSpacingEqualToImagerNoFactor_Uncorrected()
    {
        var spacing = SpineImageReader.ResolveSpacing(Header(pixel: "0.15\\0.15", imager: "0.15\\0.15"));

        Assert.Equal(SpacingProvenance.ImagerPixelSpacingUncorrected, spacing.Provenance);
        Assert.Equal(0.15, spacing.RowMm);
    }

    [Fact]
    public void ResolveSpacing_ImagerWithFactor_Divided()
    {
        var spacing = SpineImageReader.ResolveSpacing(Header(imager: "0.15\\0.16", ermf: "1.25"));

        Assert.Equal(SpacingProvenance.ImagerPixelSpacingCorrected, spacing.Provenance);
        Assert.Equal(0.12, spacing.RowMm, 12);
        Assert.Equal(0.128, spacing.ColumnMm, 12);
    }

    [Theory]
    [InlineData("0.5")]
    [InlineData("2.5")]
    [InlineData("0")]
    public void ResolveSpacing_ImplausibleFactor_IgnoredAndSaid(string ermf)
    {
        var spacing = SpineImageReader.ResolveSpacing(Header(imager: "0.15\\0.15", ermf: ermf));

        Assert.Equal(SpacingProvenance.ImagerPixelSpacingUncorrected, spacing.Provenance);
        Assert.Contains($"Estimated Radiographic Magnification Factor {ermf} is outside 1–2 and was ignored", spacing.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveSpacing_UnknownCalibrationType_IgnoredAndSaid()
    {
        var spacing = SpineImageReader.ResolveSpacing(Header(pixel: "0.15\\0.15", imager: "0.15\\0.15", type: "GUESSED"));

        Assert.Equal(SpacingProvenance.ImagerPixelSpacingUncorrected, spacing.Provenance);
        Assert.Contains("'GUESSED' is not GEOMETRY or FIDUCIAL and was ignored", spacing.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveSpacing_PixelSpacingAloneOnProjection_Undetermined()
    {
        var spacing = SpineImageReader.ResolveSpacing(Header(modality: "CR", pixel: "0.1\\0.1"));

        Assert.Equal(SpacingProvenance.PixelSpacing, spacing.Provenance);
        Assert.Contains("cannot be determined (PS3.3 10.7.1.1)", spacing.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveSpacing_NonPositiveValues_NotASpacing()
    {
        var ds = Header(pixel: "0\\0.1", imager: "-0.1\\0.1");

        Assert.Same(CalibratedSpacing.None, SpineImageReader.ResolveSpacing(ds));
        Assert.Empty(SpineImageReader.ReadSpacingAttributes(ds));
    }

    [Fact]
    public void ResolveSpacing_RowAndColumnOrder_Kept()
    {
        var spacing = SpineImageReader.ResolveSpacing(Header(modality: "MR", pixel: "0.30\\0.25"));

        Assert.Equal((0.30, 0.25), (spacing.RowMm, spacing.ColumnMm));
    }
}
