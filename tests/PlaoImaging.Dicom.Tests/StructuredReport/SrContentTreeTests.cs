using PlaoImaging.Dicom.StructuredReport;
using Xunit;

namespace PlaoImaging.Dicom.Tests.StructuredReport;

/// <summary>Content items checked when made; the tree written to a dataset and read back; lenient reading.</summary>
[Trait("Category", "unit")]
public sealed class SrContentTreeTests
{
    private static readonly SopReference Image = new("1.2.840.10008.5.1.4.1.1.1.1", "1.2.3.4.5", null);
    private static readonly CodedConcept Private = new("x1", "99TEST", "Test concept");

    [Fact]
    public void CodedConcept_EmptyOrTooLongParts_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => new CodedConcept("", "DCM", "x"));
        Assert.Throws<ArgumentException>(() => new CodedConcept("1", "DCM", new string('m', 65)));
        Assert.Throws<ArgumentException>(() => new CodedConcept("1", new string('S', 17), "x"));
        Assert.True(new CodedConcept("121071", "DCM", "Finding").Is(new CodedConcept("121071", "DCM", "Another wording")));
    }

    [Theory]
    [InlineData(GraphicType.Point, 4)]
    [InlineData(GraphicType.Polyline, 2)]
    [InlineData(GraphicType.Polyline, 5)]
    [InlineData(GraphicType.Circle, 6)]
    [InlineData(GraphicType.Ellipse, 4)]
    [InlineData(GraphicType.Multipoint, 3)]
    public void Scoord_WrongNumberOfValues_IsRefused(GraphicType type, int count)
    {
        Assert.Throws<ArgumentException>(() => new ScoordItem(RelationshipType.InferredFrom, null, type, new float[count]));
    }

    [Fact]
    public void Num_WithoutUnits_OrNotFinite_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new NumItem(RelationshipType.Contains, SrCodes.Height, 1.0, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumItem(RelationshipType.Contains, SrCodes.Height, double.NaN, SrCodes.Millimetre));
        Assert.Throws<ArgumentException>(() => new UidRefItem(RelationshipType.HasObservationContext, SrCodes.DeviceObserverUid, "1.02.3"));
        Assert.Throws<ArgumentException>(() => new TextItem(RelationshipType.Contains, SrCodes.Finding, string.Empty));
        Assert.Throws<ArgumentException>(() => new ContainerItem(null, SrCodes.ImageLibrary) { Children = [new TextItem(null, SrCodes.Finding, "no relationship")] });
    }

    [Fact]
    public void EveryValueType_RoundTripsThroughADataset()
    {
        var root = new ContainerItem(null, SrCodes.ImagingMeasurementReport, templateIdentifier: "1500")
        {
            Children =
            [
                new TextItem(RelationshipType.Contains, SrCodes.Finding, "Grüße – text"),
                new CodeItem(RelationshipType.HasConceptModifier, SrCodes.ProcedureReported, SrCodes.XrUnspecifiedBodyRegion),
                new NumItem(RelationshipType.Contains, SrCodes.Height, 0.1 + 0.2, SrCodes.Millimetre)
                {
                    Children = [new ScoordItem(RelationshipType.InferredFrom, null, GraphicType.Polyline, [1.5f, 2.5f, 3.5f, 40.25f])
                    {
                        Children = [new ImageItem(RelationshipType.SelectedFrom, null, Image with { })],
                    }],
                },
                new NumItem(RelationshipType.Contains, SrCodes.Height, new CodedConcept("114006", "DCM", "Measurement failure")),
                new UidRefItem(RelationshipType.HasObservationContext, SrCodes.DeviceObserverUid, "2.25.1234"),
                new DateTimeItem(RelationshipType.Contains, SrCodes.Finding, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5))),
                new DateItem(RelationshipType.Contains, SrCodes.Finding, new DateOnly(2026, 2, 28)),
                new PersonNameItem(RelationshipType.HasObservationContext, SrCodes.PersonObserverName, new DicomPersonName("Doe^Jane")),
                new CompositeItem(RelationshipType.Contains, SrCodes.Source, new SopReference("1.2.840.10008.5.1.4.1.1.88.34", "1.2.3.9", null)),
                new ImageItem(RelationshipType.Contains, SrCodes.Source, new SopReference("1.2.840.10008.5.1.4.1.1.4", "1.2.3.7", [2, 5])),
                new CodeItem(RelationshipType.Contains, Private, new CodedConcept("a-very-long-code-value-beyond-16", "99TEST", "Long")),
            ],
        };
        var dataset = new DicomDataset().AddString(DicomTags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        SrContentTree.Write(root, dataset);
        using var stream = new MemoryStream();
        DicomFile.WriteDataset(stream, dataset, DicomTransferSyntax.ExplicitVRLittleEndian);
        stream.Position = 0;
        var read = SrContentTree.Read(DicomFile.ReadDataset(stream, DicomTransferSyntax.ExplicitVRLittleEndian));

        Assert.Equal(SrTreeText.Format(root, withCodes: true), SrTreeText.Format(read, withCodes: true));
        var num = read.Children.OfType<NumItem>().First();
        Assert.Equal(0.1 + 0.2, num.Value);
        Assert.Equal("1500", read.TemplateIdentifier);
    }

    [Fact]
    public void UnknownValueTypesAndCodes_AreReadNotRejected()
    {
        var item = new DicomDataset()
            .AddString(DicomTags.RelationshipType, DicomVR.CS, "CONTAINS")
            .AddString(DicomTags.ValueType, DicomVR.CS, "TCOORD");
        item.AddOrUpdate(new DicomSequence(DicomTags.ConceptNameCodeSequence, [SrContentTree.ToCodeItem(new CodedConcept("zz9", "99OTHER", "Someone else's concept"))]));
        var root = new DicomDataset()
            .AddString(DicomTags.ValueType, DicomVR.CS, "CONTAINER")
            .AddString(DicomTags.ContinuityOfContent, DicomVR.CS, "SEPARATE");
        root.AddOrUpdate(new DicomSequence(DicomTags.ConceptNameCodeSequence, [SrContentTree.ToCodeItem(SrCodes.ImagingMeasurementReport)]));
        root.AddOrUpdate(new DicomSequence(DicomTags.ContentSequence, [item]));

        var tree = SrContentTree.Read(root);
        var unknown = Assert.IsType<UnknownItem>(Assert.Single(tree.Children));
        Assert.Equal("TCOORD", unknown.ValueType);
        Assert.Equal("99OTHER", unknown.Concept!.Scheme);
    }

    [Fact]
    public void ContainerWithoutConceptName_IsKeptWithItsChildren()
    {
        var text = new DicomDataset()
            .AddString(DicomTags.RelationshipType, DicomVR.CS, "CONTAINS")
            .AddString(DicomTags.ValueType, DicomVR.CS, "TEXT")
            .AddString(DicomTags.TextValue, DicomVR.UT, "line one\r\nline two");
        text.AddOrUpdate(new DicomSequence(DicomTags.ConceptNameCodeSequence, [SrContentTree.ToCodeItem(SrCodes.Finding)]));
        var unnamed = new DicomDataset()
            .AddString(DicomTags.RelationshipType, DicomVR.CS, "CONTAINS")
            .AddString(DicomTags.ValueType, DicomVR.CS, "CONTAINER");
        unnamed.AddOrUpdate(new DicomSequence(DicomTags.ContentSequence, [text]));
        var root = new DicomDataset().AddString(DicomTags.ValueType, DicomVR.CS, "CONTAINER");
        root.AddOrUpdate(new DicomSequence(DicomTags.ConceptNameCodeSequence, [SrContentTree.ToCodeItem(SrCodes.ImagingMeasurementReport)]));
        root.AddOrUpdate(new DicomSequence(DicomTags.ContentSequence, [unnamed]));

        var tree = SrContentTree.Read(root);
        var container = Assert.IsType<UnknownItem>(Assert.Single(tree.Children));
        Assert.Equal("CONTAINER", container.ValueType);
        Assert.Equal("line one\r\nline two", Assert.IsType<TextItem>(Assert.Single(container.Children)).Text);
        Assert.Equal(3, SrTreeText.Format(tree).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void MissingCodeMeaning_ThrowsNamingTheItemAndTag()
    {
        var code = new DicomDataset().AddString(DicomTags.CodeValue, DicomVR.SH, "1").AddString(DicomTags.CodingSchemeDesignator, DicomVR.SH, "DCM");
        var root = new DicomDataset().AddString(DicomTags.ValueType, DicomVR.CS, "CONTAINER");
        root.AddOrUpdate(new DicomSequence(DicomTags.ConceptNameCodeSequence, [code]));
        var e = Assert.Throws<SrContentException>(() => SrContentTree.Read(root));
        Assert.Equal(DicomTags.CodeMeaning, e.Tag);
        Assert.Equal("1", e.ItemPath);
    }
}
