using PlaoImaging.Dicom.PresentationState;

namespace PlaoImaging.Dicom.Tests.PresentationState;

/// <summary>A small valid presentation state to vary in tests.</summary>
internal static class PresentationStateSamples
{
    public const string SeriesUid = "1.2.826.0.1.3680043.8.498.10";
    public const string ImageUid = "1.2.826.0.1.3680043.8.498.11";
    public const string MultiFrameUid = "1.2.826.0.1.3680043.8.498.12";

    public static readonly PresentationImageReference Image = new(SeriesUid, DicomUids.DigitalXRayImageStorageForPresentation, ImageUid);

    public static readonly PresentationImageReference MultiFrame = new(SeriesUid, DicomUids.EnhancedMRImageStorage, MultiFrameUid, [3, 4]);

    public static PresentationStateIdentity Identity() => new(
        "1.2.826.0.1.3680043.8.498.20",
        "1.2.826.0.1.3680043.8.498.21",
        900,
        1,
        "TEST OVERLAY",
        "Lines and text",
        "TESTER^ANNA",
        new DateTimeOffset(2026, 12, 6, 14, 30, 5, TimeSpan.Zero))
    {
        Manufacturer = "PlaoImaging",
        BodyPartExamined = "LSPINE",
    };

    public static GraphicLayer Layer(string name = "LINES", int order = 1) =>
        new(name, order, 65535, CieLabColor.FromSrgb(255, 0, 0), "test lines");

    public static GraphicAnnotation Annotation(string layer = "LINES") => new(
        layer,
        [new TextObject("L1 G2 wedge", (new GraphicPoint(10, 10), new GraphicPoint(80, 24)), new GraphicPoint(50.5, 60.5), AnchorVisible: true)],
        [
            GraphicObject.Line(new GraphicPoint(10.5, 20.5), new GraphicPoint(40.5, 20.5)),
            GraphicObject.Dot(new GraphicPoint(5.5, 5.5)),
            GraphicObject.CircleAround(new GraphicPoint(30, 30), 4),
            new GraphicObject(GraphicType.Polyline, [new(1, 1), new(9, 1), new(9, 9), new(1, 1)], Filled: false),
            new GraphicObject(GraphicType.Ellipse, [new(20, 50), new(40, 50), new(30, 45), new(30, 55)]),
        ]);

    public static GrayscaleSoftcopyPresentationState Build(
        IReadOnlyList<PresentationImageReference>? images = null,
        IReadOnlyList<DisplayedArea>? areas = null,
        IReadOnlyList<GraphicLayer>? layers = null,
        IReadOnlyList<GraphicAnnotation>? annotations = null,
        IReadOnlyList<SoftcopyWindow>? windows = null,
        PresentationStateIdentity? identity = null) =>
        new(
            identity ?? Identity(),
            images ?? [Image],
            areas ?? [DisplayedArea.WholeImage(100, 120, (0.2, 0.2))],
            layers ?? [Layer()],
            annotations ?? [Annotation()],
            PresentationLutShape.Identity,
            windows ?? [new SoftcopyWindow(2048, 4096, "FULL")],
            new ModalityRescale(1, 0));

    /// <summary>The Patient and General Study modules a real presentation state inherits from its image.</summary>
    public static DicomDataset PatientAndStudy() => new DicomDataset()
        .AddString(DicomTags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100")
        .AddString(DicomTags.PatientName, DicomVR.PN, "Müller^Jörg")
        .AddString(DicomTags.PatientID, DicomVR.LO, "P1")
        .AddString(DicomTags.PatientBirthDate, DicomVR.DA)
        .AddString(DicomTags.PatientSex, DicomVR.CS, "F")
        .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, "1.2.826.0.1.3680043.8.498.1")
        .AddString(DicomTags.StudyDate, DicomVR.DA, "20261206")
        .AddString(DicomTags.StudyTime, DicomVR.TM, "101010")
        .AddString(DicomTags.ReferringPhysicianName, DicomVR.PN)
        .AddString(DicomTags.StudyID, DicomVR.SH, "1")
        .AddString(DicomTags.AccessionNumber, DicomVR.SH);
}
