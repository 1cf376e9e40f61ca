using PlaoImaging.Dicom;
using PlaoImaging.Dicom.PresentationState;
using PlaoImaging.Reporting.Common;
using PlaoImaging.Reporting.Presentation;
using PlaoImaging.Reporting.Tests.Sr;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Presentation;

public sealed class VertebralPresentationStatesTests
{
    [Fact]
    public void Create_Radiograph_OneStateReferencingTheImageWithEveryLayer()
    {
        var (result, states) = SamplePresentationStates.Create("03-dx-thoracic-plao-run");

        var state = Assert.Single(states);
        var image = Assert.Single(state.State.Images);
        Assert.Equal(state.Image.Source.SopInstanceUid, image.SopInstanceUid);
        Assert.Equal(state.Image.Source.SeriesInstanceUid, image.SeriesInstanceUid);
        Assert.Empty(image.Frames);
        Assert.Equal(ReportUids.Series(result.StudyInstanceUid, result.Model.Id, result.Model.Version, ReportObjectKind.PresentationState), state.State.Identity.SeriesInstanceUid);
        var layers = state.State.Layers.Select(l => l.Name).ToList();
        Assert.Contains(VertebralPresentationStates.LandmarksLayer, layers);
        Assert.Contains(VertebralPresentationStates.LabelsLayer, layers);
        Assert.Contains(VertebralPresentationStates.ModelLayer, layers);
        Assert.Contains("PLAO HEIGHTS G3", layers);
        Assert.Equal(result.StudyInstanceUid, state.Dataset.GetString(DicomTags.StudyInstanceUID));
        Assert.Equal("PR", state.Dataset.GetString(DicomTags.Modality));
    }

    [Fact]
    public void Create_Radiograph_LinesAreTheEnginePointsMovedHalfAPixel()
    {
        var (_, states) = SamplePresentationStates.Create("02-dx-thoracolumbar-explicit");
        var state = Assert.Single(states);

        foreach (var v in state.Image.Vertebrae)
        {
            var layer = VertebralPresentationStates.HeightsLayer(v.GenantGrade, v.Graded);
            var lines = state.State.Annotations.Single(a => a.Layer == layer).Graphics;
            foreach (var (top, bottom) in new[] { ("sa", "ia"), ("sm", "im"), ("sp", "ip") })
            {
                var from = new GraphicPoint(v.Points[top][0] + 0.5, v.Points[top][1] + 0.5);
                var to = new GraphicPoint(v.Points[bottom][0] + 0.5, v.Points[bottom][1] + 0.5);
                Assert.Contains(lines, g => g.Type == GraphicType.Polyline && g.Points[0] == from && g.Points[1] == to);
            }
        }

        var points = state.State.Annotations.Single(a => a.Layer == VertebralPresentationStates.LandmarksLayer).Graphics;
        Assert.Equal(6 * state.Image.Vertebrae.Count, points.Count);
    }

    [Fact]
    public void Create_Radiograph_LabelsNameLevelGradeDeformityAndModel()
    {
        var (result, states) = SamplePresentationStates.Create("03-dx-thoracic-plao-run");
        var state = Assert.Single(states);

        var labels = state.State.Annotations.Single(a => a.Layer == VertebralPresentationStates.LabelsLayer).Texts.Select(t => t.Text).ToList();
        foreach (var v in state.Image.Vertebrae.Where(v => v.GenantGrade > 0))
        {
            Assert.Contains($"{v.Level} G{v.GenantGrade} {v.Deformity}", labels);
        }

        Assert.Contains(labels, l => l.EndsWith(" mm", StringComparison.Ordinal));
        var model = state.State.Annotations.Single(a => a.Layer == VertebralPresentationStates.ModelLayer).Texts.Select(t => t.Text).ToList();
        Assert.Contains($"{result.Model.Id} {result.Model.Version}", model);
        Assert.Contains("Not a diagnosis; validated on synthetic phantoms only", model);
        Assert.DoesNotContain(model, m => m.Contains("pixel", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_NoPixelSpacing_HeightsInPixelsSaidAndAspectRatioUsed()
    {
        var (_, states) = SamplePresentationStates.Create("08-cr-no-pixel-spacing");
        var state = Assert.Single(states);

        var labels = state.State.Annotations.Single(a => a.Layer == VertebralPresentationStates.LabelsLayer).Texts.Select(t => t.Text).ToList();
        Assert.Contains(labels, l => l.EndsWith(" px", StringComparison.Ordinal));
        Assert.DoesNotContain(labels, l => l.EndsWith(" mm", StringComparison.Ordinal));
        var model = state.State.Annotations.Single(a => a.Layer == VertebralPresentationStates.ModelLayer).Texts.Select(t => t.Text);
        Assert.Contains("No pixel spacing: heights in pixels", model);
        Assert.Null(state.State.DisplayedAreas[0].PixelSpacingMm);
        var area = state.Dataset.GetSequence(DicomTags.DisplayedAreaSelectionSequence).Items[0];
        Assert.Equal([1, 1], area.GetValues<int>(DicomTags.PresentationPixelAspectRatio));
    }

    [Fact]
    public void Create_MrStudy_OneStatePerMeasuredSliceEachReferencingItsOwnInstance()
    {
        var (result, states) = SamplePresentationStates.Create("07-mr-sagittal-acute");

        var measured = VertebralPresentationStates.AnalysedImages(result);
        Assert.True(measured.Count > 1);
        Assert.Equal(measured.Count, states.Count);
        foreach (var state in states)
        {
            var image = Assert.Single(state.State.Images);
            Assert.Equal(state.Image.Source.SopInstanceUid, image.SopInstanceUid);
            Assert.Equal(state.Image.Source.SeriesInstanceUid, image.SeriesInstanceUid);
            Assert.Equal(state.Image.Source.SopClassUid, image.SopClassUid);
            Assert.Null(state.State.Rescale);
        }

        Assert.Equal(states.Count, states.Select(s => s.State.Identity.SopInstanceUid).Distinct().Count());
        Assert.Single(states.Select(s => s.State.Identity.SeriesInstanceUid).Distinct());
        Assert.Equal(Enumerable.Range(1, states.Count), states.Select(s => s.State.Identity.InstanceNumber));
        var acute = states.SelectMany(s => s.State.Annotations.Where(a => a.Layer == VertebralPresentationStates.LabelsLayer).SelectMany(a => a.Texts));
        Assert.Contains(acute, t => t.Text.StartsWith("L1 ", StringComparison.Ordinal) && t.Text.EndsWith(" acute", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_Monochrome1_InversePresentationLut()
    {
        var (_, states) = SamplePresentationStates.Create("01-cr-lumbar-mono1-jpegll");

        Assert.Equal("INVERSE", Assert.Single(states).Dataset.GetString(DicomTags.PresentationLUTShape));
    }

    [Fact]
    public void Create_SourceWindow_CarriedIntoSoftcopyVoiLut()
    {
        var (_, states) = SamplePresentationStates.Create("02-dx-thoracolumbar-explicit");
        var header = SamplePresentationStates.Headers("02-dx-thoracolumbar-explicit")[0];

        var window = Assert.Single(Assert.Single(states).State.Windows);
        Assert.Equal(header.GetValues<double>(DicomTags.WindowCenter)[0], window.Center);
        Assert.Equal(header.GetValues<double>(DicomTags.WindowWidth)[0], window.Width);
    }

    [Fact]
    public void Create_NonAsciiPatientName_CarriedByteForByte()
    {
        const string folder = "04-cr-normal-implicit";
        var (result, _) = SampleReports.Analyse(folder);
        var headers = SamplePresentationStates.Headers(folder).Select(h =>
        {
            var copy = DatasetCopy.Dataset(h);
            copy.AddString(DicomTags.SpecificCharacterSet, DicomVR.CS, string.Empty, "ISO 2022 IR 87");
            copy.AddString(DicomTags.PatientName, DicomVR.PN, "Yamada^Tarou=山田^太郎=やまだ^たろう");
            return copy;
        }).ToList();

        var state = Assert.Single(VertebralPresentationStates.Create(result, headers));

        using var stream = new MemoryStream();
        DicomFile.WriteDataset(stream, state.Dataset, DicomTransferSyntax.ExplicitVRLittleEndian);
        stream.Position = 0;
        var back = DicomFile.ReadDataset(stream, DicomTransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal("Yamada^Tarou=山田^太郎=やまだ^たろう", back.GetString(DicomTags.PatientName));
        Assert.Equal(@"\ISO 2022 IR 87", back.GetString(DicomTags.SpecificCharacterSet));
        Assert.Contains("L1 G0", back.GetSequence(DicomTags.GraphicAnnotationSequence).Items
            .SelectMany(a => a.TryGetSequence(DicomTags.TextObjectSequence, out var t) ? t.Items : [])
            .Select(t => t.GetString(DicomTags.UnformattedTextValue)));
    }

    [Fact]
    public void Create_MissingHeader_ThrowsNamingTheImage()
    {
        var (result, _) = SampleReports.Analyse("02-dx-thoracolumbar-explicit");

        var error = Assert.Throws<ArgumentException>(() => VertebralPresentationStates.Create(result, []));

        Assert.Contains(result.Images[0].Source.SopInstanceUid, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_SameInputsTwice_SameUids()
    {
        var (result, _) = SampleReports.Analyse("02-dx-thoracolumbar-explicit");
        var headers = SamplePresentationStates.Headers("02-dx-thoracolumbar-explicit");

        var a = VertebralPresentationStates.Create(result, headers).Single().State.Identity;
        var b = VertebralPresentationStates.Create(result, headers).Single().State.Identity;

        Assert.Equal(a, b);
    }

    [Fact]
    public void Create_CorrectedAndSignedResult_NewInstanceInTheSameSeriesNamingTheSigner()
    {
        var (result, _) = SampleReports.Analyse("02-dx-thoracolumbar-explicit");
        var headers = SamplePresentationStates.Headers("02-dx-thoracolumbar-explicit");
        var image = result.Images.Single(i => i.Vertebrae.Count > 0);
        var first = image.Vertebrae[0];
        var moved = new Dictionary<string, double[]>(first.Points, StringComparer.Ordinal) { ["sa"] = [first.Points["sa"][0] + 7, first.Points["sa"][1] + 3] };
        var corrected = result with
        {
            Images = [.. result.Images.Select(i => i == image ? i with { Vertebrae = [first with { Points = moved, GenantGrade = 2, Deformity = "wedge" }, .. i.Vertebrae.Skip(1)] } : i)],
        };
        var signer = new PlaoImaging.Reporting.Sr.ReportSigner(DicomPersonName.Parse("Reader^Ruth"), "Radiology", new DateTimeOffset(2026, 12, 6, 15, 30, 0, TimeSpan.Zero));

        var original = VertebralPresentationStates.Create(result, headers).Single().State;
        var amended = VertebralPresentationStates.Create(corrected, headers, new PresentationOptions { Correction = signer }).Single().State;

        Assert.NotEqual(original.Identity.SopInstanceUid, amended.Identity.SopInstanceUid);
        Assert.Equal(original.Identity.SeriesInstanceUid, amended.Identity.SeriesInstanceUid);
        Assert.Equal("Reader^Ruth", amended.Identity.CreatorName);
        Assert.Equal(signer.SignedAt, amended.Identity.CreatedAt);
        Assert.StartsWith("Corrected and signed", amended.Identity.ContentDescription, StringComparison.Ordinal);
        var points = amended.Annotations.SelectMany(a => a.Graphics).SelectMany(g => g.Points).ToList();
        Assert.Contains(points, p => Math.Abs(p.Column - (moved["sa"][0] + 0.5)) < 1e-6 && Math.Abs(p.Row - (moved["sa"][1] + 0.5)) < 1e-6);
        Assert.Contains(amended.Annotations.SelectMany(a => a.Texts), t => t.Text.StartsWith($"{first.Level} G2 wedge", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_WrittenAndParsed_SameAnnotations()
    {
        var (_, states) = SamplePresentationStates.Create("03-dx-thoracic-plao-run");
        var state = Assert.Single(states);
        using var stream = new MemoryStream();
        DicomFile.WriteDataset(stream, state.Dataset, DicomTransferSyntax.ExplicitVRLittleEndian);
        stream.Position = 0;

        var back = GrayscaleSoftcopyPresentationState.FromDataset(DicomFile.ReadDataset(stream, DicomTransferSyntax.ExplicitVRLittleEndian));

        Assert.Equal(state.State.Layers.Select(l => (l.Name, l.Order)), back.Layers.Select(l => (l.Name, l.Order)));
        Assert.Equal(state.State.Annotations.SelectMany(a => a.Texts).Select(t => t.Text), back.Annotations.SelectMany(a => a.Texts).Select(t => t.Text));
        Assert.Equal(
            state.State.Annotations.SelectMany(a => a.Graphics).SelectMany(g => g.Points).Select(p => ((float)p.Column, (float)p.Row)),
            back.Annotations.SelectMany(a => a.Graphics).SelectMany(g => g.Points).Select(p => ((float)p.Column, (float)p.Row)));
    }

    [Fact]
    public void ForImage_MultiFrameImage_ReferencesTheMeasuredFrameOneBased()
    {
        var (result, _) = SampleReports.Analyse("02-dx-thoracolumbar-explicit");
        var header = DatasetCopy.Dataset(SamplePresentationStates.Headers("02-dx-thoracolumbar-explicit")[0]);
        header.AddString(DicomTags.NumberOfFrames, DicomVR.IS, "3");
        var image = result.Images[0] with { Source = result.Images[0].Source with { Frame = 1 } };

        var state = VertebralPresentationStates.ForImage(result, image, header, "1.2.826.0.1.3680043.8.498.30", 1);

        Assert.Equal([2], Assert.Single(state.Images).Frames);
    }

    [Fact]
    public void ForImage_NoWindowInTheImage_VoiLeftToTheViewer()
    {
        var (result, _) = SampleReports.Analyse("02-dx-thoracolumbar-explicit");
        var header = DatasetCopy.Dataset(SamplePresentationStates.Headers("02-dx-thoracolumbar-explicit")[0]);
        header.Remove(DicomTags.WindowCenter);
        header.Remove(DicomTags.WindowWidth);

        var state = VertebralPresentationStates.ForImage(result, result.Images[0], header, "1.2.826.0.1.3680043.8.498.30", 1);

        Assert.Empty(state.Windows);
        Assert.False(state.ToDataset().Contains(DicomTags.SoftcopyVOILUTSequence));
    }
}
