using PlaoImaging.Dicom;
using PlaoImaging.Reporting.Common;
using PlaoImaging.Reporting.Presentation;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Presentation;

public sealed class VertebralSecondaryCapturesTests
{
    [Fact]
    public void Create_Radiograph_RgbSecondaryCaptureInTheStudy()
    {
        var (result, captures) = SampleCaptures.Create("03-dx-thoracic-plao-run");

        var capture = Assert.Single(captures);
        var ds = capture.Dataset;
        Assert.Equal("1.2.840.10008.5.1.4.1.1.7", ds.GetString(DicomTags.SOPClassUID));
        Assert.Equal("WSD", ds.GetString(DicomTags.ConversionType));
        Assert.Equal("RGB", ds.GetString(DicomTags.PhotometricInterpretation));
        Assert.Equal(result.StudyInstanceUid, ds.GetString(DicomTags.StudyInstanceUID));
        Assert.Equal(ReportUids.Series(result.StudyInstanceUid, result.Model.Id, result.Model.Version, ReportObjectKind.SecondaryCapture), ds.GetString(DicomTags.SeriesInstanceUID));
        Assert.Equal((ushort)(capture.Image.Rows + capture.BannerRows), ds.GetSingleValue<ushort>(DicomTags.Rows));
        Assert.Equal(capture.Rows * capture.Columns * 3, capture.Rgb.Length);
        Assert.Equal(capture.Image.Source.SopInstanceUid, ds.GetSequence(DicomTags.SourceImageSequence).Items[0].GetString(DicomTags.ReferencedSOPInstanceUID));
    }

    [Fact]
    public void Create_Radiograph_HeightLinesBurnedInOnTheLandmarksInGradeColours()
    {
        var (_, captures) = SampleCaptures.Create("02-dx-thoracolumbar-explicit");
        var capture = Assert.Single(captures);

        foreach (var v in capture.Image.Vertebrae)
        {
            var colour = GradeColors.ForGrade(v.GenantGrade, v.Graded);
            foreach (var (top, bottom) in new[] { ("sa", "ia"), ("sm", "im"), ("sp", "ip") })
            {
                // The engine's midpoint (pixel centres at integers) lies in pixel round(x), round(y).
                int column = (int)Math.Round((v.Points[top][0] + v.Points[bottom][0]) / 2, MidpointRounding.AwayFromZero);
                int row = (int)Math.Round((v.Points[top][1] + v.Points[bottom][1]) / 2, MidpointRounding.AwayFromZero) + capture.BannerRows;
                int i = 3 * ((row * capture.Columns) + column);
                Assert.Equal(colour, (capture.Rgb[i], capture.Rgb[i + 1], capture.Rgb[i + 2]));
            }
        }
    }

    [Fact]
    public void Create_Radiograph_BannerHoldsText()
    {
        var (_, captures) = SampleCaptures.Create("08-cr-no-pixel-spacing");
        var capture = Assert.Single(captures);

        int bright = 0;
        for (int i = 0; i < capture.BannerRows * capture.Columns; i++)
        {
            if (capture.Rgb[3 * i] > 200)
            {
                bright++;
            }
        }

        // Three lines of white text (model, statement, no spacing) on black.
        Assert.True(capture.BannerRows > 40, $"banner of {capture.BannerRows} rows");
        Assert.True(bright > 500, $"{bright} bright banner pixels: no text was drawn");
    }

    [Fact]
    public void Create_MrStudy_OneCapturePerMeasuredSlice()
    {
        var (result, captures) = SampleCaptures.Create("07-mr-sagittal-acute");

        Assert.Equal(VertebralPresentationStates.AnalysedImages(result).Count, captures.Count);
        Assert.Equal(captures.Count, captures.Select(c => c.Dataset.GetString(DicomTags.SOPInstanceUID)).Distinct().Count());
        Assert.All(captures, c => Assert.Equal(c.Image.Source.SopInstanceUid, c.Dataset.GetSequence(DicomTags.SourceImageSequence).Items[0].GetString(DicomTags.ReferencedSOPInstanceUID)));
    }
}
