using System.Globalization;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.PresentationState;
using PlaoImaging.Reporting.Common;

namespace PlaoImaging.Reporting.Presentation;

/// <summary>The presentation state of one analysed image, and the dataset to store.</summary>
public sealed record VertebralPresentationState(ImageResult Image, GrayscaleSoftcopyPresentationState State, DicomDataset Dataset);

/// <summary>
/// The overlay any PACS viewer can show: one Grayscale Softcopy Presentation State per analysed image, with layers a
/// reader can switch on and off — the height lines coloured by grade (one layer per grade), the six landmarks, the
/// level labels ("L1 G2 wedge" and the three heights), and the model's name with the statement that it is not a
/// diagnosis. The window, the modality rescale and MONOCHROME1 inversion come from the source image; patient and
/// study are copied from it as stored. All presentation states of a study by one model version form one series.
/// </summary>
public static class VertebralPresentationStates
{
    /// <summary>Content Label (0070,0080) of every overlay.</summary>
    public const string ContentLabel = "PLAO OVERLAY";

    /// <summary>The layer of the six landmarks.</summary>
    public const string LandmarksLayer = "PLAO LANDMARKS";

    /// <summary>The layer of the level labels.</summary>
    public const string LabelsLayer = "PLAO LABELS";

    /// <summary>The layer of the model's name and the disclaimer.</summary>
    public const string ModelLayer = "PLAO MODEL";

    /// <summary>The layer of the height lines of vertebrae of a grade ("PLAO HEIGHTS G2"), or of those not graded ("PLAO HEIGHTS NG").</summary>
    public static string HeightsLayer(int grade, bool graded) =>
        graded ? "PLAO HEIGHTS G" + Math.Clamp(grade, 0, 3).ToString(CultureInfo.InvariantCulture) : "PLAO HEIGHTS NG";

    /// <summary>
    /// One presentation state per image of the result that was measured and has vertebrae (none for a study without
    /// such an image). <paramref name="headers"/> are the headers of the study's files (pixel data not needed); each
    /// image's own header supplies its window, rescale and photometric interpretation.
    /// </summary>
    /// <exception cref="ArgumentException">An analysed image has no header among <paramref name="headers"/>.</exception>
    public static IReadOnlyList<VertebralPresentationState> Create(StudyResult result, IEnumerable<DicomDataset> headers, PresentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(headers);
        options ??= new PresentationOptions();
        var byInstance = new Dictionary<string, DicomDataset>(StringComparer.Ordinal);
        foreach (var header in headers)
        {
            if (header.GetStringOrDefault(DicomTags.SOPInstanceUID) is { Length: > 0 } uid)
            {
                byInstance.TryAdd(uid, header);
            }
        }

        var images = AnalysedImages(result);
        string series = ReportUids.Series(result.StudyInstanceUid, result.Model.Id, result.Model.Version, ReportObjectKind.PresentationState);
        var states = new List<VertebralPresentationState>();
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            if (!byInstance.TryGetValue(image.Source.SopInstanceUid, out var header))
            {
                throw new ArgumentException($"No header was given for analysed image {image.Source.SopInstanceUid}.", nameof(headers));
            }

            var state = ForImage(result, image, header, series, i + 1, options);
            var dataset = PatientStudyAttributes.Copy(header);
            state.AddTo(dataset);
            states.Add(new VertebralPresentationState(image, state, dataset));
        }

        return states;
    }

    /// <summary>The images that get an overlay: measured, without error, with at least one vertebra.</summary>
    public static IReadOnlyList<ImageResult> AnalysedImages(StudyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return [.. result.Images.Where(i => i.Measured && i.Error is null && i.Vertebrae.Count > 0)];
    }

    /// <summary>The presentation state of one image, its header being <paramref name="header"/>.</summary>
    public static GrayscaleSoftcopyPresentationState ForImage(
        StudyResult result, ImageResult image, DicomDataset header, string seriesInstanceUid, int instanceNumber, PresentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(header);
        options ??= new PresentationOptions();
        var overlay = OverlayLayout.For(result, image, options);
        var reference = Reference(image, header);
        string frame = (image.Source.Frame + 1).ToString(CultureInfo.InvariantCulture);
        string analysedAt = result.AnalysedAt.ToString("o", CultureInfo.InvariantCulture);
        var signer = options.Correction;
        string instance = signer is null
            ? ReportUids.Instance(seriesInstanceUid, image.Source.SopInstanceUid, frame, analysedAt)
            : ReportUids.Instance(seriesInstanceUid, image.Source.SopInstanceUid, frame, analysedAt, "corrected", signer.SignedAt.ToString("o", CultureInfo.InvariantCulture));
        var identity = new PresentationStateIdentity(
            instance,
            seriesInstanceUid,
            options.PresentationSeriesNumber,
            instanceNumber,
            ContentLabel,
            Truncate(signer is null
                ? $"Vertebral landmarks, heights and grades ({result.Model.Id} {result.Model.Version})"
                : $"Corrected and signed: vertebral landmarks and grades ({result.Model.Id} {result.Model.Version})", 64),
            signer?.Name.ToString(),
            signer?.SignedAt ?? result.AnalysedAt)
        {
            SeriesDescription = Truncate($"Vertebral overlay {result.Model.Id} {result.Model.Version}", 64),
            BodyPartExamined = BodyPart(header),
            Manufacturer = options.Manufacturer,
            ManufacturerModelName = Truncate(result.Model.Id, 64),
            SoftwareVersions = ReportingAssembly.Version,
        };

        var (layers, annotations) = Annotations(overlay);
        (double, double)? spacing = image.Spacing is { RowMm: { } r, ColumnMm: { } c } ? (r, c) : null;
        var windows = Window(header) is { } window ? new[] { window } : [];
        return new GrayscaleSoftcopyPresentationState(
            identity,
            [reference],
            [DisplayedArea.WholeImage(image.Rows, image.Columns, spacing)],
            layers,
            annotations,
            header.GetStringOrDefault(DicomTags.PhotometricInterpretation) == "MONOCHROME1" ? PresentationLutShape.Inverse : PresentationLutShape.Identity,
            windows,
            Rescale(header));
    }

    private static (List<GraphicLayer> Layers, List<GraphicAnnotation> Annotations) Annotations(ImageOverlay overlay)
    {
        var layers = new List<GraphicLayer>();
        var annotations = new List<GraphicAnnotation>();
        int order = 1;
        foreach (var (grade, graded) in new[] { (0, false), (0, true), (1, true), (2, true), (3, true) })
        {
            var lines = overlay.Vertebrae.Where(v => v.Graded == graded && (!graded || Math.Clamp(v.Grade, 0, 3) == grade))
                .SelectMany(v => v.HeightLines).Select(l => GraphicObject.Line(l.From, l.To)).ToList();
            string name = HeightsLayer(grade, graded);
            if (lines.Count > 0)
            {
                string what = graded ? $"grade {grade}" : "not graded";
                layers.Add(Layer(name, order, GradeColors.ForGrade(grade, graded), $"Anterior, middle and posterior heights of vertebrae {what}"));
                annotations.Add(new GraphicAnnotation(name, [], lines));
            }

            order++;
        }

        layers.Add(Layer(LandmarksLayer, order++, GradeColors.Landmarks, "The six endplate points of each vertebra"));
        annotations.Add(new GraphicAnnotation(LandmarksLayer, [], [.. overlay.Vertebrae.SelectMany(v => v.Landmarks).Select(GraphicObject.Dot)]));
        layers.Add(Layer(LabelsLayer, order++, GradeColors.Labels, "Level, Genant grade, deformity and heights"));
        annotations.Add(new GraphicAnnotation(LabelsLayer, [.. overlay.Vertebrae.SelectMany(v => v.Labels).Select(Text)], []));
        layers.Add(Layer(ModelLayer, order, GradeColors.Model, "The model that made the overlay; not a diagnosis"));
        annotations.Add(new GraphicAnnotation(ModelLayer, [.. overlay.Banner.Select(Text)], []));
        return (layers, annotations);
    }

    private static TextObject Text(OverlayText text) => new(text.Text, (text.TopLeft, text.BottomRight), text.Anchor, AnchorVisible: false);

    private static GraphicLayer Layer(string name, int order, (byte R, byte G, byte B) rgb, string description) =>
        new(name, order, 65535, CieLabColor.FromSrgb(rgb.R, rgb.G, rgb.B), description);

    private static PresentationImageReference Reference(ImageResult image, DicomDataset header)
    {
        int frames = header.GetSingleValueOrDefault(DicomTags.NumberOfFrames, 1);
        string sopClass = image.Source.SopClassUid is { Length: > 0 } c ? c : header.GetString(DicomTags.SOPClassUID);
        return new PresentationImageReference(
            image.Source.SeriesInstanceUid,
            sopClass,
            image.Source.SopInstanceUid,
            frames > 1 ? [image.Source.Frame + 1] : []);
    }

    private static SoftcopyWindow? Window(DicomDataset header)
    {
        var centres = header.GetValues<double>(DicomTags.WindowCenter);
        var widths = header.GetValues<double>(DicomTags.WindowWidth);
        if (centres.Length == 0 || widths.Length == 0 || widths[0] < 1)
        {
            return null;
        }

        var explanations = header.GetStringOrDefault(DicomTags.WindowCenterWidthExplanation)?.Split('\\');
        string explanation = explanations is { Length: > 0 } && explanations[0].Trim() is { Length: > 0 } e ? e : "SOURCE IMAGE";
        return new SoftcopyWindow(centres[0], widths[0], Truncate(explanation, 64));
    }

    /// <summary>The image's rescale, carried into the Modality LUT module; MR images have none there (PS3.3 C.11.1).</summary>
    private static ModalityRescale? Rescale(DicomDataset header)
    {
        if (header.GetStringOrDefault(DicomTags.Modality) == "MR" || !header.TryGetSingleValue<double>(DicomTags.RescaleSlope, out var slope))
        {
            return null;
        }

        return new ModalityRescale(slope, header.GetSingleValueOrDefault(DicomTags.RescaleIntercept, 0.0), header.GetStringOrDefault(DicomTags.RescaleType) is { Length: > 0 } t ? t : "US");
    }

    private static string BodyPart(DicomDataset header) =>
        header.GetStringOrDefault(DicomTags.BodyPartExamined) is { Length: > 0 and <= 16 } part && part.All(c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or ' ')
            ? part
            : "SPINE";

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
