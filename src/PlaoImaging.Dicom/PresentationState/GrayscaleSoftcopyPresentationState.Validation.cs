namespace PlaoImaging.Dicom.PresentationState;

public sealed partial class GrayscaleSoftcopyPresentationState
{
    private const int MaxLongString = 64;
    private const int MaxShortText = 1024;

    private void Validate()
    {
        ValidateIdentity();
        if (Images.Count == 0)
        {
            throw new PresentationStateException(nameof(Images), DicomTags.ReferencedSeriesSequence, "a presentation state applies to at least one image");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Images.Count; i++)
        {
            var field = $"{nameof(Images)}[{i}]";
            ValidateImage(field, Images[i]);
            if (!seen.Add(Images[i].SopInstanceUid))
            {
                throw new PresentationStateException(field, DicomTags.ReferencedSOPInstanceUID, $"{Images[i].SopInstanceUid} is named twice; give its frames in one reference");
            }
        }

        ValidateDisplayedAreas();
        ValidateLayers();
        for (int i = 0; i < Annotations.Count; i++)
        {
            ValidateAnnotation($"{nameof(Annotations)}[{i}]", Annotations[i]);
        }

        for (int i = 0; i < Windows.Count; i++)
        {
            var field = $"{nameof(Windows)}[{i}]";
            var window = Windows[i];
            ArgumentNullException.ThrowIfNull(window, field);
            if (!double.IsFinite(window.Center))
            {
                throw new PresentationStateException(field, DicomTags.WindowCenter, "is not a finite number");
            }

            if (!double.IsFinite(window.Width) || window.Width < 1)
            {
                throw new PresentationStateException(field, DicomTags.WindowWidth, $"{window.Width} is not a width of at least 1");
            }

            CheckLength(field, DicomTags.WindowCenterWidthExplanation, window.Explanation, MaxLongString);
            ValidateSubset(field, window.Images);
        }

        if (Windows.Count > 1 && Windows.Any(w => w.Images.Count == 0))
        {
            throw new PresentationStateException(nameof(Windows), DicomTags.SoftcopyVOILUTSequence, "a window for every image leaves no room for another");
        }

        if (Rescale is { } rescale)
        {
            if (!double.IsFinite(rescale.Slope) || rescale.Slope == 0)
            {
                throw new PresentationStateException(nameof(Rescale), DicomTags.RescaleSlope, $"{rescale.Slope} is not a usable slope");
            }

            if (!double.IsFinite(rescale.Intercept))
            {
                throw new PresentationStateException(nameof(Rescale), DicomTags.RescaleIntercept, "is not a finite number");
            }

            CheckLength(nameof(Rescale), DicomTags.RescaleType, rescale.Type, MaxLongString);
        }
    }

    private void ValidateIdentity()
    {
        const string field = nameof(Identity);
        CheckUid(field, DicomTags.SOPInstanceUID, Identity.SopInstanceUid);
        CheckUid(field, DicomTags.SeriesInstanceUID, Identity.SeriesInstanceUid);
        if (Identity.SeriesNumber < 0)
        {
            throw new PresentationStateException(field, DicomTags.SeriesNumber, "is negative");
        }

        if (Identity.InstanceNumber < 1)
        {
            throw new PresentationStateException(field, DicomTags.InstanceNumber, "must be at least 1");
        }

        CheckCodeString(field, DicomTags.ContentLabel, Identity.ContentLabel);
        CheckLength(field, DicomTags.ContentDescription, Identity.ContentDescription, MaxLongString);
        CheckLength(field, DicomTags.SeriesDescription, Identity.SeriesDescription, MaxLongString);
        CheckLength(field, DicomTags.Manufacturer, Identity.Manufacturer, MaxLongString);
        CheckLength(field, DicomTags.ManufacturerModelName, Identity.ManufacturerModelName, MaxLongString);
        CheckLength(field, DicomTags.SoftwareVersions, Identity.SoftwareVersions, MaxLongString);
        if (Identity.BodyPartExamined is { Length: > 0 } bodyPart)
        {
            CheckCodeString(field, DicomTags.BodyPartExamined, bodyPart);
        }

        if (Identity.Laterality is { Length: > 0 } laterality && laterality is not ("R" or "L"))
        {
            throw new PresentationStateException(field, DicomTags.Laterality, $"'{laterality}' is not R or L");
        }
    }

    private static void ValidateImage(string field, PresentationImageReference image)
    {
        ArgumentNullException.ThrowIfNull(image, field);
        CheckUid(field, DicomTags.SeriesInstanceUID, image.SeriesInstanceUid);
        CheckUid(field, DicomTags.ReferencedSOPClassUID, image.SopClassUid);
        CheckUid(field, DicomTags.ReferencedSOPInstanceUID, image.SopInstanceUid);
        ArgumentNullException.ThrowIfNull(image.Frames, field);
        foreach (int frame in image.Frames)
        {
            if (frame < 1)
            {
                throw new PresentationStateException(field, DicomTags.ReferencedFrameNumber, $"frame {frame}: frame numbers start at 1");
            }
        }

        if (image.Frames.Distinct().Count() != image.Frames.Count)
        {
            throw new PresentationStateException(field, DicomTags.ReferencedFrameNumber, "a frame is named twice");
        }
    }

    private void ValidateDisplayedAreas()
    {
        if (DisplayedAreas.Count == 0)
        {
            throw new PresentationStateException(nameof(DisplayedAreas), DicomTags.DisplayedAreaSelectionSequence, "at least one displayed area is required");
        }

        for (int i = 0; i < DisplayedAreas.Count; i++)
        {
            var field = $"{nameof(DisplayedAreas)}[{i}]";
            var area = DisplayedAreas[i];
            ArgumentNullException.ThrowIfNull(area, field);
            if (area.BottomRightColumn <= area.TopLeftColumn || area.BottomRightRow <= area.TopLeftRow)
            {
                throw new PresentationStateException(field, DicomTags.DisplayedAreaBottomRightHandCorner, "the bottom right corner is not below and right of the top left corner");
            }

            if (area.PixelSpacingMm is { } spacing && !(spacing.Row > 0 && spacing.Column > 0 && double.IsFinite(spacing.Row) && double.IsFinite(spacing.Column)))
            {
                throw new PresentationStateException(field, DicomTags.PresentationPixelSpacing, "spacings must be positive");
            }

            if (area.SizeMode == PresentationSizeMode.TrueSize && area.PixelSpacingMm is null)
            {
                throw new PresentationStateException(field, DicomTags.PresentationPixelSpacing, "TRUE SIZE needs the pixel spacing");
            }

            if (area.SizeMode == PresentationSizeMode.Magnify && !(area.Magnification is { } m && m > 0 && double.IsFinite(m)))
            {
                throw new PresentationStateException(field, DicomTags.PresentationPixelMagnificationRatio, "MAGNIFY needs a positive magnification ratio");
            }

            ValidateSubset(field, area.Images);
        }

        // Each image has exactly one displayed area.
        if (DisplayedAreas.Count > 1 && DisplayedAreas.Any(a => a.Images.Count == 0))
        {
            throw new PresentationStateException(nameof(DisplayedAreas), DicomTags.DisplayedAreaSelectionSequence, "an area for every image leaves no room for another");
        }

        if (DisplayedAreas.Count > 1 || DisplayedAreas[0].Images.Count > 0)
        {
            foreach (var image in Images)
            {
                int count = DisplayedAreas.Count(a => a.Images.Any(i => i.IsSameInstance(image)));
                if (count != 1)
                {
                    throw new PresentationStateException(nameof(DisplayedAreas), DicomTags.DisplayedAreaSelectionSequence, $"image {image.SopInstanceUid} has {count} displayed areas; it needs one");
                }
            }
        }
    }

    private void ValidateLayers()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var orders = new HashSet<int>();
        for (int i = 0; i < Layers.Count; i++)
        {
            var field = $"{nameof(Layers)}[{i}]";
            var layer = Layers[i];
            ArgumentNullException.ThrowIfNull(layer, field);
            CheckCodeString(field, DicomTags.GraphicLayer, layer.Name);
            if (!names.Add(layer.Name))
            {
                throw new PresentationStateException(field, DicomTags.GraphicLayer, $"layer '{layer.Name}' is defined twice");
            }

            if (layer.Order < 0 || !orders.Add(layer.Order))
            {
                throw new PresentationStateException(field, DicomTags.GraphicLayerOrder, $"order {layer.Order} is negative or used by another layer");
            }

            if (layer.RecommendedColor is { } c && !(c.L is >= 0 and <= 100 && c.A is >= -128 and <= 127 && c.B is >= -128 and <= 127))
            {
                throw new PresentationStateException(field, DicomTags.GraphicLayerRecommendedDisplayCIELabValue, $"{c} is outside L* 0–100, a*/b* −128–127");
            }

            CheckLength(field, DicomTags.GraphicLayerDescription, layer.Description, MaxLongString);
        }

        if (Annotations.Count > 0 && Layers.Count == 0)
        {
            throw new PresentationStateException(nameof(Layers), DicomTags.GraphicLayerSequence, "annotations need their layers");
        }
    }

    private void ValidateAnnotation(string field, GraphicAnnotation annotation)
    {
        ArgumentNullException.ThrowIfNull(annotation, field);
        ArgumentNullException.ThrowIfNull(annotation.Texts, field);
        ArgumentNullException.ThrowIfNull(annotation.Graphics, field);
        if (!Layers.Any(l => string.Equals(l.Name, annotation.Layer, StringComparison.Ordinal)))
        {
            throw new PresentationStateException(field, DicomTags.GraphicLayer, $"layer '{annotation.Layer}' is not among the layers");
        }

        if (annotation.Texts.Count == 0 && annotation.Graphics.Count == 0)
        {
            throw new PresentationStateException(field, DicomTags.GraphicAnnotationSequence, "an annotation holds at least one text or graphic object");
        }

        ValidateSubset(field, annotation.Images);
        for (int i = 0; i < annotation.Texts.Count; i++)
        {
            ValidateText($"{field}.Texts[{i}]", annotation.Texts[i]);
        }

        for (int i = 0; i < annotation.Graphics.Count; i++)
        {
            ValidateGraphic($"{field}.Graphics[{i}]", annotation.Graphics[i]);
        }
    }

    private static void ValidateText(string field, TextObject text)
    {
        ArgumentNullException.ThrowIfNull(text, field);
        if (string.IsNullOrWhiteSpace(text.Text))
        {
            throw new PresentationStateException(field, DicomTags.UnformattedTextValue, "is empty");
        }

        CheckLength(field, DicomTags.UnformattedTextValue, text.Text, MaxShortText);
        if (text.BoundingBox is null && text.Anchor is null)
        {
            throw new PresentationStateException(field, DicomTags.AnchorPoint, "a text object needs a bounding box, an anchor point or both");
        }

        if (text.BoundingBox is { } box)
        {
            CheckPoint(field, DicomTags.BoundingBoxTopLeftHandCorner, box.TopLeft);
            CheckPoint(field, DicomTags.BoundingBoxBottomRightHandCorner, box.BottomRight);
            if (box.BottomRight.Column <= box.TopLeft.Column || box.BottomRight.Row <= box.TopLeft.Row)
            {
                throw new PresentationStateException(field, DicomTags.BoundingBoxBottomRightHandCorner, "the bottom right corner is not below and right of the top left corner");
            }
        }

        if (text.Anchor is { } anchor)
        {
            CheckPoint(field, DicomTags.AnchorPoint, anchor);
        }
    }

    private static void ValidateGraphic(string field, GraphicObject graphic)
    {
        ArgumentNullException.ThrowIfNull(graphic, field);
        ArgumentNullException.ThrowIfNull(graphic.Points, field);
        int n = graphic.Points.Count;
        bool countOk = graphic.Type switch
        {
            GraphicType.Point => n == 1,
            GraphicType.Circle => n == 2,
            GraphicType.Ellipse => n == 4,
            GraphicType.Polyline or GraphicType.Interpolated => n >= 2 && n <= ushort.MaxValue,
            _ => throw new PresentationStateException(field, DicomTags.GraphicType, $"unknown graphic type {graphic.Type}"),
        };
        if (!countOk)
        {
            throw new PresentationStateException(field, DicomTags.NumberOfGraphicPoints, $"{TypeName(graphic.Type)} cannot have {n} points");
        }

        foreach (var point in graphic.Points)
        {
            CheckPoint(field, DicomTags.GraphicData, point);
        }

        if (graphic.Filled && !NeedsFilled(graphic))
        {
            throw new PresentationStateException(field, DicomTags.GraphicFilled, "only circles, ellipses and closed lines can be filled");
        }

        if (graphic.Type == GraphicType.Circle && graphic.Points[0] == graphic.Points[1])
        {
            throw new PresentationStateException(field, DicomTags.GraphicData, "a circle needs a radius");
        }
    }

    /// <summary>Images named by a part must be images of the presentation state (the frames among its frames).</summary>
    private void ValidateSubset(string field, IReadOnlyList<PresentationImageReference> images)
    {
        ArgumentNullException.ThrowIfNull(images, field);
        foreach (var image in images)
        {
            ValidateImage(field, image);
            var own = Images.FirstOrDefault(i => i.IsSameInstance(image))
                ?? throw new PresentationStateException(field, DicomTags.ReferencedSOPInstanceUID, $"{image.SopInstanceUid} is not among the presentation state's images");
            if (own.Frames.Count > 0 && (image.Frames.Count == 0 || image.Frames.Any(f => !own.Frames.Contains(f))))
            {
                throw new PresentationStateException(field, DicomTags.ReferencedFrameNumber, $"frames of {image.SopInstanceUid} are not among the presentation state's frames of it");
            }
        }
    }

    private static void CheckUid(string field, DicomTag tag, string? uid)
    {
        if (uid is null || !DicomUidGenerator.IsValid(uid))
        {
            throw new PresentationStateException(field, tag, $"'{uid}' is not a valid UID");
        }
    }

    private static void CheckCodeString(string field, DicomTag tag, string? value)
    {
        if (value is null || !CodeString().IsMatch(value) || value[0] == ' ' || value[^1] == ' ')
        {
            throw new PresentationStateException(field, tag, $"'{value}' is not a code string of 1 to 16 characters A-Z, 0-9, space, underscore");
        }
    }

    private static void CheckLength(string field, DicomTag tag, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            throw new PresentationStateException(field, tag, $"is {value.Length} characters long; at most {max} fit");
        }
    }

    private static void CheckPoint(string field, DicomTag tag, GraphicPoint point)
    {
        if (!float.IsFinite((float)point.Column) || !float.IsFinite((float)point.Row))
        {
            throw new PresentationStateException(field, tag, $"{point} is not a finite point");
        }
    }
}
