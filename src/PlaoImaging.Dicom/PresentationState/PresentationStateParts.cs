using System.Globalization;

namespace PlaoImaging.Dicom.PresentationState;

/// <summary>
/// A point in the image pixel space of a presentation state (PS3.3 C.10.5.1.2): column then row, with the origin at
/// the top left corner of the top left pixel, so that the centre of the first pixel is (0.5, 0.5) and the last pixel
/// of a 512-column row spans columns 511 to 512.
/// </summary>
public readonly record struct GraphicPoint(double Column, double Row)
{
    /// <summary>
    /// The point for coordinates that put pixel centres at integers (the first pixel's centre at (0, 0), as the
    /// analysis engine and most image libraries do): both are moved by half a pixel.
    /// </summary>
    public static GraphicPoint FromPixelCentre(double x, double y) => new(x + 0.5, y + 0.5);

    /// <summary>The point back in pixel-centre coordinates (the inverse of <see cref="FromPixelCentre"/>).</summary>
    public (double X, double Y) ToPixelCentre() => (Column - 0.5, Row - 0.5);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Column}, {Row})");
}

/// <summary>
/// A colour in CIELab (L* 0–100, a* and b* −128–127), written as the three 16-bit PCS values DICOM uses for
/// recommended display colours (PS3.3 C.10.7.1.1).
/// </summary>
public readonly record struct CieLabColor(double L, double A, double B)
{
    /// <summary>The value of a Recommended Display CIELab Value attribute: L scaled 0–65535, a and b offset by 128 and scaled.</summary>
    public ushort[] ToDicom() =>
    [
        Scale(L / 100.0),
        Scale((A + 128.0) / 255.0),
        Scale((B + 128.0) / 255.0),
    ];

    /// <summary>The colour of a Recommended Display CIELab Value read from a dataset.</summary>
    public static CieLabColor FromDicom(ReadOnlySpan<ushort> values)
    {
        if (values.Length != 3)
        {
            throw new ArgumentException("A CIELab value has three components.", nameof(values));
        }

        return new CieLabColor(values[0] * 100.0 / 65535.0, (values[1] * 255.0 / 65535.0) - 128.0, (values[2] * 255.0 / 65535.0) - 128.0);
    }

    /// <summary>The CIELab colour of an sRGB colour (D65 white, the conversion PS3.3 C.10.7.1.1 refers to).</summary>
    public static CieLabColor FromSrgb(byte red, byte green, byte blue)
    {
        static double Linear(byte c)
        {
            double v = c / 255.0;
            return v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
        }

        double r = Linear(red), g = Linear(green), b = Linear(blue);
        double x = ((0.4124 * r) + (0.3576 * g) + (0.1805 * b)) / 0.95047;
        double y = (0.2126 * r) + (0.7152 * g) + (0.0722 * b);
        double z = ((0.0193 * r) + (0.1192 * g) + (0.9505 * b)) / 1.08883;
        static double F(double t) => t > 216.0 / 24389.0 ? Math.Cbrt(t) : ((24389.0 / 27.0 * t) + 16.0) / 116.0;
        double fx = F(x), fy = F(y), fz = F(z);
        return new CieLabColor((116.0 * fy) - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz));
    }

    private static ushort Scale(double fraction) => (ushort)Math.Round(Math.Clamp(fraction, 0.0, 1.0) * 65535.0);
}

/// <summary>
/// A graphic layer (PS3.3 C.10.7): annotations on the same layer are shown or hidden together; layers of higher
/// order are drawn over those of lower order. A viewer with a grey-only display uses the grey value, one with colour
/// the CIELab value.
/// </summary>
/// <param name="Name">Graphic Layer (0070,0002): a code string of at most 16 characters (A–Z, 0–9, space, underscore).</param>
/// <param name="Order">Graphic Layer Order (0070,0062): drawing order, unique within the presentation state.</param>
/// <param name="RecommendedGrey">Graphic Layer Recommended Display Grayscale Value (0070,0066): 0 black to 65535 white.</param>
/// <param name="RecommendedColor">Graphic Layer Recommended Display CIELab Value (0070,0401).</param>
/// <param name="Description">Graphic Layer Description (0070,0068), at most 64 characters.</param>
public sealed record GraphicLayer(string Name, int Order, ushort? RecommendedGrey, CieLabColor? RecommendedColor, string? Description);

/// <summary>Graphic Type (0070,0023) values.</summary>
public enum GraphicType
{
    /// <summary>One point.</summary>
    Point,

    /// <summary>Straight lines joining the points in order; closed when the last point repeats the first.</summary>
    Polyline,

    /// <summary>A smooth curve through the points in order; closed when the last point repeats the first.</summary>
    Interpolated,

    /// <summary>Two points: the centre, then a point on the circle.</summary>
    Circle,

    /// <summary>Four points: the two ends of the major axis, then the two ends of the minor axis.</summary>
    Ellipse,
}

/// <summary>A graphic object (PS3.3 C.10.5.1.2) in PIXEL annotation units, on the referenced image.</summary>
/// <param name="Type">The kind of graphic.</param>
/// <param name="Points">Graphic Data (0070,0022), in image pixel space.</param>
/// <param name="Filled">Graphic Filled (0070,0024), written for circles, ellipses and closed lines.</param>
public sealed record GraphicObject(GraphicType Type, IReadOnlyList<GraphicPoint> Points, bool Filled = false)
{
    /// <summary>A straight line between two points.</summary>
    public static GraphicObject Line(GraphicPoint from, GraphicPoint to) => new(GraphicType.Polyline, [from, to]);

    /// <summary>One point.</summary>
    public static GraphicObject Dot(GraphicPoint at) => new(GraphicType.Point, [at]);

    /// <summary>A circle by its centre and radius in pixels (the second point lies to the right of the centre).</summary>
    public static GraphicObject CircleAround(GraphicPoint centre, double radius, bool filled = false) =>
        new(GraphicType.Circle, [centre, new GraphicPoint(centre.Column + radius, centre.Row)], filled);

    /// <summary>Whether the last point repeats the first (a closed polyline or curve).</summary>
    public bool IsClosed => Points.Count > 2 && Points[0] == Points[^1];
}

/// <summary>Bounding Box Text Horizontal Justification (0070,0012) values.</summary>
public enum TextJustification
{
    Left,
    Right,
    Center,
}

/// <summary>
/// A text object (PS3.3 C.10.5.1.1) in PIXEL annotation units: the text is drawn in a bounding box, or near an anchor
/// point it refers to, or both (then the viewer may draw a line from the box to the anchor).
/// </summary>
/// <param name="Text">Unformatted Text Value (0070,0006): at most 1024 characters.</param>
/// <param name="BoundingBox">Bounding Box Top Left Hand Corner (0070,0010) and Bottom Right Hand Corner (0070,0011).</param>
/// <param name="Anchor">Anchor Point (0070,0014).</param>
/// <param name="AnchorVisible">Anchor Point Visibility (0070,0015).</param>
/// <param name="Justification">Bounding Box Text Horizontal Justification (0070,0012).</param>
public sealed record TextObject(
    string Text,
    (GraphicPoint TopLeft, GraphicPoint BottomRight)? BoundingBox,
    GraphicPoint? Anchor = null,
    bool AnchorVisible = false,
    TextJustification Justification = TextJustification.Left);

/// <summary>An image a presentation state applies to: its series, SOP class and instance, and the frames (1-based) for a multi-frame image.</summary>
/// <param name="SeriesInstanceUid">Series Instance UID (0020,000E) of the image.</param>
/// <param name="SopClassUid">Referenced SOP Class UID (0008,1150).</param>
/// <param name="SopInstanceUid">Referenced SOP Instance UID (0008,1155).</param>
/// <param name="Frames">Referenced Frame Number (0008,1160), 1-based; empty for a single-frame image or every frame.</param>
public sealed record PresentationImageReference(string SeriesInstanceUid, string SopClassUid, string SopInstanceUid, IReadOnlyList<int> Frames)
{
    public PresentationImageReference(string seriesInstanceUid, string sopClassUid, string sopInstanceUid)
        : this(seriesInstanceUid, sopClassUid, sopInstanceUid, [])
    {
    }

    /// <summary>Same image (SOP instance), whatever the frames.</summary>
    public bool IsSameInstance(PresentationImageReference other) =>
        other is not null && string.Equals(SopInstanceUid, other.SopInstanceUid, StringComparison.Ordinal);
}

/// <summary>
/// Graphic annotations on one layer (an item of the Graphic Annotation Sequence, PS3.3 C.10.5): text and graphic
/// objects drawn on the images named, or on every image of the presentation state when none is named.
/// </summary>
public sealed record GraphicAnnotation(
    string Layer,
    IReadOnlyList<TextObject> Texts,
    IReadOnlyList<GraphicObject> Graphics)
{
    /// <summary>The images the annotation applies to (a subset of the presentation state's); empty for all of them.</summary>
    public IReadOnlyList<PresentationImageReference> Images { get; init; } = [];
}

/// <summary>Presentation Size Mode (0070,0100) values.</summary>
public enum PresentationSizeMode
{
    /// <summary>The displayed area fills the available display space, keeping its aspect ratio.</summary>
    ScaleToFit,

    /// <summary>Shown at physical size: needs the presentation pixel spacing.</summary>
    TrueSize,

    /// <summary>Shown magnified by a given ratio.</summary>
    Magnify,
}

/// <summary>
/// The displayed area of the images named (an item of the Displayed Area Selection Sequence, PS3.3 C.10.4): the
/// rectangle of the image shown, in pixel numbers (1-based column, row; the corners are inclusive).
/// </summary>
/// <param name="TopLeftColumn">First column shown (Displayed Area Top Left Hand Corner (0070,0052), first value).</param>
/// <param name="TopLeftRow">First row shown.</param>
/// <param name="BottomRightColumn">Last column shown (Displayed Area Bottom Right Hand Corner (0070,0053), first value).</param>
/// <param name="BottomRightRow">Last row shown.</param>
/// <param name="SizeMode">Presentation Size Mode (0070,0100).</param>
/// <param name="PixelSpacingMm">Presentation Pixel Spacing (0070,0101): row spacing then column spacing, mm; null when unknown (an aspect ratio of 1:1 is written instead).</param>
/// <param name="Magnification">Presentation Pixel Magnification Ratio (0070,0103), for <see cref="PresentationSizeMode.Magnify"/>.</param>
public sealed record DisplayedArea(
    int TopLeftColumn,
    int TopLeftRow,
    int BottomRightColumn,
    int BottomRightRow,
    PresentationSizeMode SizeMode = PresentationSizeMode.ScaleToFit,
    (double Row, double Column)? PixelSpacingMm = null,
    double? Magnification = null)
{
    /// <summary>The whole image, scaled to fit.</summary>
    public static DisplayedArea WholeImage(int rows, int columns, (double Row, double Column)? pixelSpacingMm = null) =>
        new(1, 1, columns, rows, PresentationSizeMode.ScaleToFit, pixelSpacingMm);

    /// <summary>The images this area applies to; empty for every image of the presentation state.</summary>
    public IReadOnlyList<PresentationImageReference> Images { get; init; } = [];
}

/// <summary>A window (an item of the Softcopy VOI LUT Sequence, PS3.3 C.11.8) for the images named, or for all when none is.</summary>
/// <param name="Center">Window Center (0028,1050), in the units after the modality rescale.</param>
/// <param name="Width">Window Width (0028,1051), at least 1.</param>
/// <param name="Explanation">Window Center &amp; Width Explanation (0028,1055), at most 64 characters.</param>
public sealed record SoftcopyWindow(double Center, double Width, string? Explanation = null)
{
    /// <summary>The images this window applies to; empty for every image of the presentation state.</summary>
    public IReadOnlyList<PresentationImageReference> Images { get; init; } = [];
}

/// <summary>The modality rescale of the referenced images (Modality LUT module, PS3.3 C.11.1).</summary>
/// <param name="Slope">Rescale Slope (0028,1053).</param>
/// <param name="Intercept">Rescale Intercept (0028,1052).</param>
/// <param name="Type">Rescale Type (0028,1054), e.g. US (unspecified), HU.</param>
public sealed record ModalityRescale(double Slope, double Intercept, string Type = "US");

/// <summary>Presentation LUT Shape (2050,0020) values.</summary>
public enum PresentationLutShape
{
    /// <summary>Output is shown as is: higher values brighter (as for MONOCHROME2 images).</summary>
    Identity,

    /// <summary>Output is inverted: higher values darker (to show a MONOCHROME1 image the way it was meant).</summary>
    Inverse,
}

/// <summary>The Presentation State Identification module (PS3.3 C.11.10) and the identity of the object.</summary>
/// <param name="SopInstanceUid">SOP Instance UID (0008,0018).</param>
/// <param name="SeriesInstanceUid">Series Instance UID (0020,000E) of the presentation state's own series.</param>
/// <param name="SeriesNumber">Series Number (0020,0011).</param>
/// <param name="InstanceNumber">Instance Number (0020,0013).</param>
/// <param name="ContentLabel">Content Label (0070,0080): a code string of at most 16 characters (A–Z, 0–9, space, underscore).</param>
/// <param name="ContentDescription">Content Description (0070,0081), at most 64 characters.</param>
/// <param name="CreatorName">Content Creator's Name (0070,0084), a person name (empty for none).</param>
/// <param name="CreatedAt">Presentation Creation Date (0070,0082) and Time (0070,0083), written in its own offset.</param>
public sealed record PresentationStateIdentity(
    string SopInstanceUid,
    string SeriesInstanceUid,
    int SeriesNumber,
    int InstanceNumber,
    string ContentLabel,
    string? ContentDescription,
    string? CreatorName,
    DateTimeOffset CreatedAt)
{
    /// <summary>Series Description (0008,103E), at most 64 characters.</summary>
    public string? SeriesDescription { get; init; }

    /// <summary>Body Part Examined (0018,0015) of the referenced images, e.g. LSPINE: it tells that the part is unpaired.</summary>
    public string? BodyPartExamined { get; init; }

    /// <summary>
    /// Laterality (0020,0060) of a paired body part (R or L). Without it and without <see cref="BodyPartExamined"/>
    /// the value is written empty (unknown), as General Series asks when the body part may be paired.
    /// </summary>
    public string? Laterality { get; init; }

    /// <summary>Manufacturer (0008,0070) of the General Equipment module.</summary>
    public string? Manufacturer { get; init; }

    /// <summary>Manufacturer's Model Name (0008,1090).</summary>
    public string? ManufacturerModelName { get; init; }

    /// <summary>Software Versions (0018,1020).</summary>
    public string? SoftwareVersions { get; init; }
}
