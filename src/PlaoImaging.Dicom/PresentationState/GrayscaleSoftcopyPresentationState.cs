using System.Globalization;
using System.Text.RegularExpressions;

namespace PlaoImaging.Dicom.PresentationState;

/// <summary>
/// A Grayscale Softcopy Presentation State (PS3.3 A.33.1; SOP class 1.2.840.10008.5.1.4.1.1.11.1, Modality PR): how
/// a viewer should show one or more images — the displayed area, the window, the presentation LUT — and the graphic
/// and text annotations on named layers that it draws over them. Everything is checked when it is constructed, so a
/// presentation state that exists can be written. It knows nothing of what the annotations mean: the Patient and
/// General Study modules come from the caller (<see cref="AddTo"/> adds the presentation state's own modules to a
/// dataset that already holds them).
/// </summary>
public sealed partial class GrayscaleSoftcopyPresentationState
{
    /// <summary>Graphic annotations, text and displayed areas are always given in PIXEL units.</summary>
    private const string PixelUnits = "PIXEL";

    /// <exception cref="PresentationStateException">A part is missing, out of range, or refers to something absent.</exception>
    public GrayscaleSoftcopyPresentationState(
        PresentationStateIdentity identity,
        IReadOnlyList<PresentationImageReference> images,
        IReadOnlyList<DisplayedArea> displayedAreas,
        IReadOnlyList<GraphicLayer> layers,
        IReadOnlyList<GraphicAnnotation> annotations,
        PresentationLutShape presentationLut = PresentationLutShape.Identity,
        IReadOnlyList<SoftcopyWindow>? windows = null,
        ModalityRescale? rescale = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(displayedAreas);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(annotations);
        Identity = identity;
        Images = [.. images];
        DisplayedAreas = [.. displayedAreas];
        Layers = [.. layers];
        Annotations = [.. annotations];
        PresentationLut = presentationLut;
        Windows = windows is null ? [] : [.. windows];
        Rescale = rescale;
        Validate();
    }

    public PresentationStateIdentity Identity { get; }

    /// <summary>The images the presentation state applies to (Presentation State Relationship module).</summary>
    public IReadOnlyList<PresentationImageReference> Images { get; }

    public IReadOnlyList<DisplayedArea> DisplayedAreas { get; }

    public IReadOnlyList<GraphicLayer> Layers { get; }

    public IReadOnlyList<GraphicAnnotation> Annotations { get; }

    public PresentationLutShape PresentationLut { get; }

    /// <summary>The windows of the Softcopy VOI LUT module; empty to leave the viewer's own choice.</summary>
    public IReadOnlyList<SoftcopyWindow> Windows { get; }

    /// <summary>The Modality LUT module's rescale; null when the images have none (or their modality forbids one here, as MR does).</summary>
    public ModalityRescale? Rescale { get; }

    /// <summary>A new dataset with only the presentation state's modules (no Patient or General Study module).</summary>
    public DicomDataset ToDataset()
    {
        var dataset = new DicomDataset();
        AddTo(dataset);
        return dataset;
    }

    /// <summary>
    /// Adds the SOP Common, General Series, Presentation Series, General Equipment and the presentation state modules
    /// to a dataset that holds (or will hold) the Patient and General Study modules of the referenced images.
    /// </summary>
    public void AddTo(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        dataset.AddString(DicomTags.SOPClassUID, DicomVR.UI, DicomUids.GrayscaleSoftcopyPresentationStateStorage);
        dataset.AddString(DicomTags.SOPInstanceUID, DicomVR.UI, Identity.SopInstanceUid);

        // General and Presentation Series, General Equipment.
        dataset.AddString(DicomTags.Modality, DicomVR.CS, "PR");
        dataset.AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, Identity.SeriesInstanceUid);
        dataset.AddString(DicomTags.SeriesNumber, DicomVR.IS, Number(Identity.SeriesNumber));
        if (Identity.SeriesDescription is { Length: > 0 } seriesDescription)
        {
            dataset.AddString(DicomTags.SeriesDescription, DicomVR.LO, seriesDescription);
        }

        if (Identity.BodyPartExamined is { Length: > 0 } bodyPart)
        {
            dataset.AddString(DicomTags.BodyPartExamined, DicomVR.CS, bodyPart);
        }

        if (Identity.Laterality is { Length: > 0 } laterality)
        {
            dataset.AddString(DicomTags.Laterality, DicomVR.CS, laterality);
        }
        else if (Identity.BodyPartExamined is not { Length: > 0 })
        {
            dataset.AddString(DicomTags.Laterality, DicomVR.CS);
        }

        dataset.AddString(DicomTags.Manufacturer, DicomVR.LO, Identity.Manufacturer ?? string.Empty);
        if (Identity.ManufacturerModelName is { Length: > 0 } model)
        {
            dataset.AddString(DicomTags.ManufacturerModelName, DicomVR.LO, model);
        }

        if (Identity.SoftwareVersions is { Length: > 0 } software)
        {
            dataset.AddString(DicomTags.SoftwareVersions, DicomVR.LO, software);
        }

        // Presentation State Identification.
        dataset.AddString(DicomTags.InstanceNumber, DicomVR.IS, Number(Identity.InstanceNumber));
        dataset.AddString(DicomTags.ContentLabel, DicomVR.CS, Identity.ContentLabel);
        dataset.AddString(DicomTags.ContentDescription, DicomVR.LO, Identity.ContentDescription ?? string.Empty);
        dataset.AddString(DicomTags.PresentationCreationDate, DicomVR.DA, Identity.CreatedAt.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        dataset.AddString(DicomTags.PresentationCreationTime, DicomVR.TM, Identity.CreatedAt.ToString("HHmmss", CultureInfo.InvariantCulture));
        dataset.AddString(DicomTags.ContentCreatorName, DicomVR.PN, Identity.CreatorName ?? string.Empty);

        // Presentation State Relationship: the images, grouped by series in the order first named.
        var series = Images.GroupBy(i => i.SeriesInstanceUid, StringComparer.Ordinal)
            .Select(g => new DicomDataset()
                .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, g.Key)
                .AddSequence(DicomTags.ReferencedImageSequence, [.. g.Select(ImageItem)]));
        dataset.AddSequence(DicomTags.ReferencedSeriesSequence, [.. series]);

        dataset.AddSequence(DicomTags.DisplayedAreaSelectionSequence, [.. DisplayedAreas.Select(DisplayedAreaItem)]);

        if (Annotations.Count > 0)
        {
            dataset.AddSequence(DicomTags.GraphicAnnotationSequence, [.. Annotations.Select(AnnotationItem)]);
            dataset.AddSequence(DicomTags.GraphicLayerSequence, [.. Layers.Select(LayerItem)]);
        }

        if (Rescale is { } rescale)
        {
            dataset.AddValues(DicomTags.RescaleIntercept, DicomVR.DS, rescale.Intercept);
            dataset.AddValues(DicomTags.RescaleSlope, DicomVR.DS, rescale.Slope);
            dataset.AddString(DicomTags.RescaleType, DicomVR.LO, rescale.Type);
        }

        if (Windows.Count > 0)
        {
            dataset.AddSequence(DicomTags.SoftcopyVOILUTSequence, [.. Windows.Select(WindowItem)]);
        }

        dataset.AddString(DicomTags.PresentationLUTShape, DicomVR.CS, PresentationLut == PresentationLutShape.Inverse ? "INVERSE" : "IDENTITY");
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static DicomDataset ImageItem(PresentationImageReference image)
    {
        var item = new DicomDataset()
            .AddString(DicomTags.ReferencedSOPClassUID, DicomVR.UI, image.SopClassUid)
            .AddString(DicomTags.ReferencedSOPInstanceUID, DicomVR.UI, image.SopInstanceUid);
        if (image.Frames.Count > 0)
        {
            item.AddString(DicomTags.ReferencedFrameNumber, DicomVR.IS, [.. image.Frames.Select(Number)]);
        }

        return item;
    }

    private static void AddImages(DicomDataset item, IReadOnlyList<PresentationImageReference> images)
    {
        if (images.Count > 0)
        {
            item.AddSequence(DicomTags.ReferencedImageSequence, [.. images.Select(ImageItem)]);
        }
    }

    private static DicomDataset DisplayedAreaItem(DisplayedArea area)
    {
        var item = new DicomDataset();
        AddImages(item, area.Images);
        item.AddValues(DicomTags.DisplayedAreaTopLeftHandCorner, DicomVR.SL, area.TopLeftColumn, area.TopLeftRow);
        item.AddValues(DicomTags.DisplayedAreaBottomRightHandCorner, DicomVR.SL, area.BottomRightColumn, area.BottomRightRow);
        item.AddString(DicomTags.PresentationSizeMode, DicomVR.CS, area.SizeMode switch
        {
            PresentationSizeMode.TrueSize => "TRUE SIZE",
            PresentationSizeMode.Magnify => "MAGNIFY",
            _ => "SCALE TO FIT",
        });
        if (area.PixelSpacingMm is { } spacing)
        {
            item.AddValues(DicomTags.PresentationPixelSpacing, DicomVR.DS, spacing.Row, spacing.Column);
        }
        else
        {
            item.AddValues(DicomTags.PresentationPixelAspectRatio, DicomVR.IS, 1, 1);
        }

        if (area.SizeMode == PresentationSizeMode.Magnify)
        {
            item.AddValues(DicomTags.PresentationPixelMagnificationRatio, DicomVR.FL, (float)area.Magnification!.Value);
        }

        return item;
    }

    private static DicomDataset AnnotationItem(GraphicAnnotation annotation)
    {
        var item = new DicomDataset();
        AddImages(item, annotation.Images);
        item.AddString(DicomTags.GraphicLayer, DicomVR.CS, annotation.Layer);
        if (annotation.Texts.Count > 0)
        {
            item.AddSequence(DicomTags.TextObjectSequence, [.. annotation.Texts.Select(TextItem)]);
        }

        if (annotation.Graphics.Count > 0)
        {
            item.AddSequence(DicomTags.GraphicObjectSequence, [.. annotation.Graphics.Select(GraphicItem)]);
        }

        return item;
    }

    private static DicomDataset TextItem(TextObject text)
    {
        var item = new DicomDataset();
        if (text.BoundingBox is not null)
        {
            item.AddString(DicomTags.BoundingBoxAnnotationUnits, DicomVR.CS, PixelUnits);
        }

        if (text.Anchor is not null)
        {
            item.AddString(DicomTags.AnchorPointAnnotationUnits, DicomVR.CS, PixelUnits);
        }

        item.AddString(DicomTags.UnformattedTextValue, DicomVR.ST, text.Text);
        if (text.BoundingBox is { } box)
        {
            item.AddValues(DicomTags.BoundingBoxTopLeftHandCorner, DicomVR.FL, (float)box.TopLeft.Column, (float)box.TopLeft.Row);
            item.AddValues(DicomTags.BoundingBoxBottomRightHandCorner, DicomVR.FL, (float)box.BottomRight.Column, (float)box.BottomRight.Row);
            item.AddString(DicomTags.BoundingBoxTextHorizontalJustification, DicomVR.CS, text.Justification switch
            {
                TextJustification.Right => "RIGHT",
                TextJustification.Center => "CENTER",
                _ => "LEFT",
            });
        }

        if (text.Anchor is { } anchor)
        {
            item.AddValues(DicomTags.AnchorPoint, DicomVR.FL, (float)anchor.Column, (float)anchor.Row);
            item.AddString(DicomTags.AnchorPointVisibility, DicomVR.CS, text.AnchorVisible ? "Y" : "N");
        }

        return item;
    }

    private static DicomDataset GraphicItem(GraphicObject graphic)
    {
        var data = new float[graphic.Points.Count * 2];
        for (int i = 0; i < graphic.Points.Count; i++)
        {
            data[2 * i] = (float)graphic.Points[i].Column;
            data[(2 * i) + 1] = (float)graphic.Points[i].Row;
        }

        var item = new DicomDataset()
            .AddString(DicomTags.GraphicAnnotationUnits, DicomVR.CS, PixelUnits)
            .AddValues(DicomTags.GraphicDimensions, DicomVR.US, (ushort)2)
            .AddValues(DicomTags.NumberOfGraphicPoints, DicomVR.US, (ushort)graphic.Points.Count)
            .AddValues(DicomTags.GraphicData, DicomVR.FL, data)
            .AddString(DicomTags.GraphicType, DicomVR.CS, TypeName(graphic.Type));
        if (NeedsFilled(graphic))
        {
            item.AddString(DicomTags.GraphicFilled, DicomVR.CS, graphic.Filled ? "Y" : "N");
        }

        return item;
    }

    private static DicomDataset LayerItem(GraphicLayer layer)
    {
        var item = new DicomDataset()
            .AddString(DicomTags.GraphicLayer, DicomVR.CS, layer.Name)
            .AddString(DicomTags.GraphicLayerOrder, DicomVR.IS, Number(layer.Order));
        if (layer.RecommendedGrey is { } grey)
        {
            item.AddValues(DicomTags.GraphicLayerRecommendedDisplayGrayscaleValue, DicomVR.US, grey);
        }

        if (layer.RecommendedColor is { } color)
        {
            item.AddValues(DicomTags.GraphicLayerRecommendedDisplayCIELabValue, DicomVR.US, color.ToDicom());
        }

        if (layer.Description is { Length: > 0 } description)
        {
            item.AddString(DicomTags.GraphicLayerDescription, DicomVR.LO, description);
        }

        return item;
    }

    private static DicomDataset WindowItem(SoftcopyWindow window)
    {
        var item = new DicomDataset();
        AddImages(item, window.Images);
        item.AddValues(DicomTags.WindowCenter, DicomVR.DS, window.Center);
        item.AddValues(DicomTags.WindowWidth, DicomVR.DS, window.Width);
        if (window.Explanation is { Length: > 0 } explanation)
        {
            item.AddString(DicomTags.WindowCenterWidthExplanation, DicomVR.LO, explanation);
        }

        return item;
    }

    internal static string TypeName(GraphicType type) => type switch
    {
        GraphicType.Point => "POINT",
        GraphicType.Polyline => "POLYLINE",
        GraphicType.Interpolated => "INTERPOLATED",
        GraphicType.Circle => "CIRCLE",
        GraphicType.Ellipse => "ELLIPSE",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown graphic type"),
    };

    /// <summary>Graphic Filled is required (type 1C) for circles, ellipses, and lines whose last point is the first.</summary>
    private static bool NeedsFilled(GraphicObject graphic) =>
        graphic.Type is GraphicType.Circle or GraphicType.Ellipse || (graphic.Type is GraphicType.Polyline or GraphicType.Interpolated && graphic.IsClosed);

    [GeneratedRegex("^[A-Z0-9_ ]{1,16}$")]
    private static partial Regex CodeString();
}
