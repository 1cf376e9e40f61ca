using System.Globalization;

namespace PlaoImaging.Dicom.PresentationState;

public sealed partial class GrayscaleSoftcopyPresentationState
{
    /// <summary>
    /// Reads a Grayscale Softcopy Presentation State back: the parts this class can express (PIXEL units; DISPLAY
    /// units, shutters, overlays, spatial transformations and LUT tables are not supported and are refused).
    /// </summary>
    /// <exception cref="PresentationStateException">The dataset is not a presentation state of this kind, or uses a part this class cannot express.</exception>
    public static GrayscaleSoftcopyPresentationState FromDataset(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        const string field = "dataset";
        if (dataset.GetStringOrDefault(DicomTags.SOPClassUID) != DicomUids.GrayscaleSoftcopyPresentationStateStorage)
        {
            throw new PresentationStateException(field, DicomTags.SOPClassUID, "is not Grayscale Softcopy Presentation State Storage");
        }

        var identity = new PresentationStateIdentity(
            dataset.GetString(DicomTags.SOPInstanceUID),
            dataset.GetString(DicomTags.SeriesInstanceUID),
            dataset.GetSingleValueOrDefault(DicomTags.SeriesNumber, 0),
            dataset.GetSingleValueOrDefault(DicomTags.InstanceNumber, 1),
            dataset.GetString(DicomTags.ContentLabel),
            Optional(dataset, DicomTags.ContentDescription),
            Optional(dataset, DicomTags.ContentCreatorName),
            CreatedAt(dataset))
        {
            SeriesDescription = Optional(dataset, DicomTags.SeriesDescription),
            BodyPartExamined = Optional(dataset, DicomTags.BodyPartExamined),
            Laterality = Optional(dataset, DicomTags.Laterality),
            Manufacturer = Optional(dataset, DicomTags.Manufacturer),
            ManufacturerModelName = Optional(dataset, DicomTags.ManufacturerModelName),
            SoftwareVersions = Optional(dataset, DicomTags.SoftwareVersions),
        };

        var images = new List<PresentationImageReference>();
        foreach (var series in Items(dataset, DicomTags.ReferencedSeriesSequence))
        {
            string seriesUid = series.GetString(DicomTags.SeriesInstanceUID);
            images.AddRange(Items(series, DicomTags.ReferencedImageSequence).Select(i => ReadImage(i, seriesUid)));
        }

        IReadOnlyList<PresentationImageReference> Named(DicomDataset item) =>
            [.. Items(item, DicomTags.ReferencedImageSequence).Select(i =>
            {
                var reference = ReadImage(i, string.Empty);
                var own = images.FirstOrDefault(o => o.IsSameInstance(reference));
                return reference with { SeriesInstanceUid = own?.SeriesInstanceUid ?? reference.SeriesInstanceUid };
            })];

        var areas = Items(dataset, DicomTags.DisplayedAreaSelectionSequence).Select(item =>
        {
            var tl = item.GetValues<int>(DicomTags.DisplayedAreaTopLeftHandCorner);
            var br = item.GetValues<int>(DicomTags.DisplayedAreaBottomRightHandCorner);
            var spacing = item.GetValues<double>(DicomTags.PresentationPixelSpacing);
            var mode = item.GetStringOrDefault(DicomTags.PresentationSizeMode) switch
            {
                "TRUE SIZE" => PresentationSizeMode.TrueSize,
                "MAGNIFY" => PresentationSizeMode.Magnify,
                _ => PresentationSizeMode.ScaleToFit,
            };
            float? magnification = item.TryGetSingleValue<float>(DicomTags.PresentationPixelMagnificationRatio, out var m) ? m : null;
            return new DisplayedArea(tl[0], tl[1], br[0], br[1], mode, spacing.Length == 2 ? (spacing[0], spacing[1]) : null, magnification)
            {
                Images = Named(item),
            };
        }).ToList();

        var layers = Items(dataset, DicomTags.GraphicLayerSequence).Select(item =>
        {
            var lab = item.GetValues<ushort>(DicomTags.GraphicLayerRecommendedDisplayCIELabValue);
            ushort? grey = item.TryGetSingleValue<ushort>(DicomTags.GraphicLayerRecommendedDisplayGrayscaleValue, out var g) ? g : null;
            return new GraphicLayer(
                item.GetString(DicomTags.GraphicLayer),
                item.GetSingleValue<int>(DicomTags.GraphicLayerOrder),
                grey,
                lab.Length == 3 ? CieLabColor.FromDicom(lab) : null,
                Optional(item, DicomTags.GraphicLayerDescription));
        }).ToList();

        var annotations = Items(dataset, DicomTags.GraphicAnnotationSequence).Select(item => new GraphicAnnotation(
            item.GetString(DicomTags.GraphicLayer),
            [.. Items(item, DicomTags.TextObjectSequence).Select(ReadText)],
            [.. Items(item, DicomTags.GraphicObjectSequence).Select(ReadGraphic)])
        {
            Images = Named(item),
        }).ToList();

        var windows = Items(dataset, DicomTags.SoftcopyVOILUTSequence).Select(item =>
        {
            if (!item.Contains(DicomTags.WindowCenter))
            {
                throw new PresentationStateException(field, DicomTags.SoftcopyVOILUTSequence, "a VOI LUT table is not supported, only windows");
            }

            return new SoftcopyWindow(item.GetValue<double>(DicomTags.WindowCenter, 0), item.GetValue<double>(DicomTags.WindowWidth, 0), Optional(item, DicomTags.WindowCenterWidthExplanation))
            {
                Images = Named(item),
            };
        }).ToList();

        ModalityRescale? rescale = dataset.TryGetSingleValue<double>(DicomTags.RescaleSlope, out var slope)
            ? new ModalityRescale(slope, dataset.GetSingleValueOrDefault(DicomTags.RescaleIntercept, 0.0), dataset.GetStringOrDefault(DicomTags.RescaleType, "US")!)
            : null;
        var lut = dataset.GetStringOrDefault(DicomTags.PresentationLUTShape) switch
        {
            "INVERSE" => PresentationLutShape.Inverse,
            "IDENTITY" or null => PresentationLutShape.Identity,
            var other => throw new PresentationStateException(field, DicomTags.PresentationLUTShape, $"'{other}' is not supported"),
        };
        return new GrayscaleSoftcopyPresentationState(identity, images, areas, layers, annotations, lut, windows, rescale);
    }

    private static PresentationImageReference ReadImage(DicomDataset item, string seriesUid) => new(
        seriesUid,
        item.GetString(DicomTags.ReferencedSOPClassUID),
        item.GetString(DicomTags.ReferencedSOPInstanceUID),
        item.GetValues<int>(DicomTags.ReferencedFrameNumber));

    private static TextObject ReadText(DicomDataset item)
    {
        RequirePixelUnits(item, DicomTags.BoundingBoxAnnotationUnits);
        RequirePixelUnits(item, DicomTags.AnchorPointAnnotationUnits);
        (GraphicPoint, GraphicPoint)? box = item.Contains(DicomTags.BoundingBoxTopLeftHandCorner)
            ? (Point(item, DicomTags.BoundingBoxTopLeftHandCorner), Point(item, DicomTags.BoundingBoxBottomRightHandCorner))
            : null;
        GraphicPoint? anchor = item.Contains(DicomTags.AnchorPoint) ? Point(item, DicomTags.AnchorPoint) : null;
        var justification = item.GetStringOrDefault(DicomTags.BoundingBoxTextHorizontalJustification) switch
        {
            "RIGHT" => TextJustification.Right,
            "CENTER" => TextJustification.Center,
            _ => TextJustification.Left,
        };
        return new TextObject(item.GetString(DicomTags.UnformattedTextValue), box, anchor, item.GetStringOrDefault(DicomTags.AnchorPointVisibility) == "Y", justification);
    }

    private static GraphicObject ReadGraphic(DicomDataset item)
    {
        RequirePixelUnits(item, DicomTags.GraphicAnnotationUnits);
        var data = item.GetValues<float>(DicomTags.GraphicData);
        var points = new GraphicPoint[data.Length / 2];
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = new GraphicPoint(data[2 * i], data[(2 * i) + 1]);
        }

        var type = item.GetString(DicomTags.GraphicType) switch
        {
            "POINT" => GraphicType.Point,
            "POLYLINE" => GraphicType.Polyline,
            "INTERPOLATED" => GraphicType.Interpolated,
            "CIRCLE" => GraphicType.Circle,
            "ELLIPSE" => GraphicType.Ellipse,
            var other => throw new PresentationStateException("GraphicObject", DicomTags.GraphicType, $"'{other}' is not supported"),
        };
        return new GraphicObject(type, points, item.GetStringOrDefault(DicomTags.GraphicFilled) == "Y");
    }

    private static void RequirePixelUnits(DicomDataset item, DicomTag tag)
    {
        if (item.GetStringOrDefault(tag) is { } units && units != PixelUnits)
        {
            throw new PresentationStateException("annotation units", tag, $"'{units}' units are not supported, only PIXEL");
        }
    }

    private static GraphicPoint Point(DicomDataset item, DicomTag tag)
    {
        var v = item.GetValues<float>(tag);
        return v.Length == 2 ? new GraphicPoint(v[0], v[1]) : throw new PresentationStateException("point", tag, $"has {v.Length} values, not 2");
    }

    private static IEnumerable<DicomDataset> Items(DicomDataset dataset, DicomTag tag) =>
        dataset.TryGetSequence(tag, out var sequence) ? sequence.Items : [];

    private static string? Optional(DicomDataset dataset, DicomTag tag) =>
        dataset.GetStringOrDefault(tag) is { Length: > 0 } text ? text : null;

    private static DateTimeOffset CreatedAt(DicomDataset dataset)
    {
        var date = dataset.GetStringOrDefault(DicomTags.PresentationCreationDate) ?? string.Empty;
        var time = dataset.GetStringOrDefault(DicomTags.PresentationCreationTime) ?? string.Empty;
        time = time.Split('.')[0].PadRight(6, '0');
        return DateTime.TryParseExact(date + time, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? new DateTimeOffset(value, TimeSpan.Zero)
            : throw new PresentationStateException("dataset", DicomTags.PresentationCreationDate, $"'{date}' '{time}' is not a date and time");
    }
}
