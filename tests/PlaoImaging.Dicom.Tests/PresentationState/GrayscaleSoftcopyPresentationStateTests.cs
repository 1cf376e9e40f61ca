using PlaoImaging.Dicom.PresentationState;
using Xunit;
using static PlaoImaging.Dicom.Tests.PresentationState.PresentationStateSamples;

namespace PlaoImaging.Dicom.Tests.PresentationState;

[Trait("Category", "unit")]
public sealed class GrayscaleSoftcopyPresentationStateTests
{
    [Fact]
    public void ToDataset_Sample_WritesClassModalityAndModules()
    {
        var dataset = Build().ToDataset();

        Assert.Equal("1.2.840.10008.5.1.4.1.1.11.1", dataset.GetString(DicomTags.SOPClassUID));
        Assert.Equal("PR", dataset.GetString(DicomTags.Modality));
        Assert.Equal("TEST OVERLAY", dataset.GetString(DicomTags.ContentLabel));
        Assert.Equal("20261206", dataset.GetString(DicomTags.PresentationCreationDate));
        Assert.Equal("143005", dataset.GetString(DicomTags.PresentationCreationTime));
        Assert.Equal("IDENTITY", dataset.GetString(DicomTags.PresentationLUTShape));
        var series = Assert.Single(dataset.GetSequence(DicomTags.ReferencedSeriesSequence).Items);
        Assert.Equal(SeriesUid, series.GetString(DicomTags.SeriesInstanceUID));
        var image = Assert.Single(series.GetSequence(DicomTags.ReferencedImageSequence).Items);
        Assert.Equal(ImageUid, image.GetString(DicomTags.ReferencedSOPInstanceUID));
        var layer = Assert.Single(dataset.GetSequence(DicomTags.GraphicLayerSequence).Items);
        Assert.Equal("LINES", layer.GetString(DicomTags.GraphicLayer));
        Assert.Equal(3, layer.GetValueCount(DicomTags.GraphicLayerRecommendedDisplayCIELabValue));
        var window = Assert.Single(dataset.GetSequence(DicomTags.SoftcopyVOILUTSequence).Items);
        Assert.Equal(4096.0, window.GetSingleValue<double>(DicomTags.WindowWidth));
    }

    [Fact]
    public void ToDataset_Line_GraphicDataIsColumnRowPairsInPixelUnits()
    {
        var annotation = Assert.Single(Build().ToDataset().GetSequence(DicomTags.GraphicAnnotationSequence).Items);
        var line = annotation.GetSequence(DicomTags.GraphicObjectSequence).Items[0];

        Assert.Equal("PIXEL", line.GetString(DicomTags.GraphicAnnotationUnits));
        Assert.Equal("POLYLINE", line.GetString(DicomTags.GraphicType));
        Assert.Equal((ushort)2, line.GetSingleValue<ushort>(DicomTags.NumberOfGraphicPoints));
        Assert.Equal([10.5f, 20.5f, 40.5f, 20.5f], line.GetValues<float>(DicomTags.GraphicData));
        Assert.False(line.Contains(DicomTags.GraphicFilled));
    }

    [Fact]
    public void ToDataset_CircleAndClosedLine_CarryGraphicFilled()
    {
        var graphics = Build().ToDataset().GetSequence(DicomTags.GraphicAnnotationSequence).Items[0].GetSequence(DicomTags.GraphicObjectSequence).Items;

        Assert.False(graphics[1].Contains(DicomTags.GraphicFilled));
        Assert.Equal("N", graphics[2].GetString(DicomTags.GraphicFilled));
        Assert.Equal("N", graphics[3].GetString(DicomTags.GraphicFilled));
        Assert.Equal("ELLIPSE", graphics[4].GetString(DicomTags.GraphicType));
    }

    [Fact]
    public void ToDataset_MultiFrameImage_FramesReferenced()
    {
        var gsps = Build(images: [Image, MultiFrame], annotations: [Annotation() with { Images = [MultiFrame with { Frames = [4] }] }]);

        var dataset = gsps.ToDataset();

        var images = Assert.Single(dataset.GetSequence(DicomTags.ReferencedSeriesSequence).Items).GetSequence(DicomTags.ReferencedImageSequence).Items;
        Assert.Equal(2, images.Count);
        Assert.Equal([3, 4], images[1].GetValues<int>(DicomTags.ReferencedFrameNumber));
        var annotated = Assert.Single(dataset.GetSequence(DicomTags.GraphicAnnotationSequence).Items[0].GetSequence(DicomTags.ReferencedImageSequence).Items);
        Assert.Equal(MultiFrameUid, annotated.GetString(DicomTags.ReferencedSOPInstanceUID));
        Assert.Equal([4], annotated.GetValues<int>(DicomTags.ReferencedFrameNumber));
    }

    [Fact]
    public void ToDataset_NoSpacing_AspectRatioWritten()
    {
        var dataset = Build(areas: [DisplayedArea.WholeImage(100, 120)]).ToDataset();

        var area = Assert.Single(dataset.GetSequence(DicomTags.DisplayedAreaSelectionSequence).Items);
        Assert.Equal([1, 1], area.GetValues<int>(DicomTags.PresentationPixelAspectRatio));
        Assert.False(area.Contains(DicomTags.PresentationPixelSpacing));
        Assert.Equal([120, 100], area.GetValues<int>(DicomTags.DisplayedAreaBottomRightHandCorner));
    }

    [Fact]
    public void FromDataset_WrittenAndRead_SameContent()
    {
        var gsps = Build(images: [Image, MultiFrame]);
        using var stream = new MemoryStream();
        DicomFile.WriteDataset(stream, gsps.ToDataset(), DicomTransferSyntax.ExplicitVRLittleEndian);
        stream.Position = 0;

        var back = GrayscaleSoftcopyPresentationState.FromDataset(DicomFile.ReadDataset(stream, DicomTransferSyntax.ExplicitVRLittleEndian));

        Assert.Equal(gsps.Identity, back.Identity);
        Assert.Equal(gsps.Images.Select(i => (i.SopInstanceUid, string.Join(',', i.Frames))), back.Images.Select(i => (i.SopInstanceUid, string.Join(',', i.Frames))));
        Assert.Equal(gsps.Layers[0].Name, back.Layers[0].Name);
        var color = back.Layers[0].RecommendedColor!.Value;
        Assert.Equal(gsps.Layers[0].RecommendedColor!.Value.L, color.L, 0.01);
        var original = gsps.Annotations[0];
        var read = back.Annotations[0];
        Assert.Equal(original.Texts[0].Text, read.Texts[0].Text);
        Assert.Equal(original.Texts[0].Anchor, read.Texts[0].Anchor);
        Assert.Equal(original.Graphics.Select(g => g.Type), read.Graphics.Select(g => g.Type));
        Assert.Equal(original.Graphics[0].Points, read.Graphics[0].Points);
        Assert.Equal(gsps.Windows[0].Center, back.Windows[0].Center);
        Assert.Equal(gsps.DisplayedAreas[0].PixelSpacingMm, back.DisplayedAreas[0].PixelSpacingMm);
    }

    [Fact]
    public void GraphicPoint_FromPixelCentre_FirstPixelCentreIsHalf()
    {
        Assert.Equal(new GraphicPoint(0.5, 0.5), GraphicPoint.FromPixelCentre(0, 0));
        Assert.Equal((10.25, 3.0), new GraphicPoint(10.75, 3.5).ToPixelCentre());
    }

    [Fact]
    public void CieLabColor_White_IsFullLightnessNeutral()
    {
        var white = CieLabColor.FromSrgb(255, 255, 255).ToDicom();

        Assert.Equal(65535, white[0]);
        Assert.InRange(white[1], 32768 - 200, 32768 + 200);
        Assert.InRange(white[2], 32768 - 200, 32768 + 200);
    }

    public static TheoryData<string, Func<GrayscaleSoftcopyPresentationState>> Invalid => new()
    {
        { "(0020,000E)", () => Build(images: [Image with { SeriesInstanceUid = "1.02.3" }]) },
        { "(0008,1160)", () => Build(images: [Image with { Frames = [0] }]) },
        { "(0008,1155)", () => Build(images: [Image, Image]) },
        { "(0008,1115)", () => Build(images: []) },
        { "(0070,0080)", () => Build(identity: Identity() with { ContentLabel = "lower case" }) },
        { "(0070,0080)", () => Build(identity: Identity() with { ContentLabel = "SEVENTEEN CHARS X" }) },
        { "(0020,0013)", () => Build(identity: Identity() with { InstanceNumber = 0 }) },
        { "(0070,0002)", () => Build(annotations: [Annotation("OTHER")]) },
        { "(0070,0002)", () => Build(layers: [Layer(), Layer(order: 2)]) },
        { "(0070,0062)", () => Build(layers: [Layer(), Layer("B")]) },
        { "(0070,0060)", () => Build(layers: []) },
        { "(0070,0021)", () => Build(annotations: [new GraphicAnnotation("LINES", [], [new GraphicObject(GraphicType.Polyline, [new(1, 1)])])]) },
        { "(0070,0021)", () => Build(annotations: [new GraphicAnnotation("LINES", [], [new GraphicObject(GraphicType.Ellipse, [new(1, 1), new(2, 2)])])]) },
        { "(0070,0022)", () => Build(annotations: [new GraphicAnnotation("LINES", [], [GraphicObject.Dot(new GraphicPoint(double.NaN, 1))])]) },
        { "(0070,0024)", () => Build(annotations: [new GraphicAnnotation("LINES", [], [new GraphicObject(GraphicType.Polyline, [new(1, 1), new(2, 2)], Filled: true)])]) },
        { "(0070,0001)", () => Build(annotations: [new GraphicAnnotation("LINES", [], [])]) },
        { "(0070,0006)", () => Build(annotations: [new GraphicAnnotation("LINES", [new TextObject(" ", null, new GraphicPoint(1, 1))], [])]) },
        { "(0070,0006)", () => Build(annotations: [new GraphicAnnotation("LINES", [new TextObject(new string('x', 1025), null, new GraphicPoint(1, 1))], [])]) },
        { "(0070,0014)", () => Build(annotations: [new GraphicAnnotation("LINES", [new TextObject("a", null)], [])]) },
        { "(0070,0011)", () => Build(annotations: [new GraphicAnnotation("LINES", [new TextObject("a", (new GraphicPoint(5, 5), new GraphicPoint(4, 9)))], [])]) },
        { "(0008,1155)", () => Build(annotations: [Annotation() with { Images = [MultiFrame] }]) },
        { "(0008,1160)", () => Build(images: [MultiFrame], annotations: [Annotation() with { Images = [MultiFrame with { Frames = [5] }] }]) },
        { "(0070,0053)", () => Build(areas: [new DisplayedArea(10, 10, 10, 20)]) },
        { "(0070,0101)", () => Build(areas: [new DisplayedArea(1, 1, 10, 20, PresentationSizeMode.TrueSize)]) },
        { "(0070,0103)", () => Build(areas: [new DisplayedArea(1, 1, 10, 20, PresentationSizeMode.Magnify)]) },
        { "(0070,005A)", () => Build(images: [Image, MultiFrame], areas: [new DisplayedArea(1, 1, 10, 20) { Images = [Image] }]) },
        { "(0070,005A)", () => Build(areas: []) },
        { "(0028,1051)", () => Build(windows: [new SoftcopyWindow(10, 0.5)]) },
        { "(0028,3110)", () => Build(windows: [new SoftcopyWindow(10, 20), new SoftcopyWindow(10, 30)]) },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Constructor_InvalidPart_ThrowsNamingTheAttribute(string tag, Func<GrayscaleSoftcopyPresentationState> build)
    {
        var error = Assert.Throws<PresentationStateException>(() => build());

        Assert.Equal(tag, error.Tag?.ToString());
        Assert.NotEmpty(error.Field);
    }

    [Fact]
    public void ToDataset_BodyPartKnown_NoLaterality()
    {
        var dataset = Build().ToDataset();

        Assert.Equal("LSPINE", dataset.GetString(DicomTags.BodyPartExamined));
        Assert.False(dataset.Contains(DicomTags.Laterality));
    }

    [Fact]
    public void ToDataset_NoBodyPartNoLaterality_LateralityWrittenEmpty()
    {
        var dataset = Build(identity: Identity() with { BodyPartExamined = null }).ToDataset();

        Assert.Equal(0, dataset[DicomTags.Laterality].Length);
    }
}
