using System.Globalization;

namespace PlaoImaging.Dicom.Imaging.Display;

/// <summary>
/// The attributes of the grayscale and colour pipelines for one frame, read once from a dataset. For enhanced
/// multi-frame objects the frame's Pixel Value Transformation (0028,9145) and Frame VOI LUT (0028,9132) functional
/// groups are used (per-frame first, then shared), before the top-level attributes.
/// </summary>
public sealed record DicomDisplayParameters
{
    private static readonly DicomTag PhotometricTag = new(0x0028, 0x0004);
    private static readonly DicomTag PixelRepresentation = new(0x0028, 0x0103);
    private static readonly DicomTag SmallestImagePixelValueTag = new(0x0028, 0x0106);
    private static readonly DicomTag LargestImagePixelValueTag = new(0x0028, 0x0107);
    private static readonly DicomTag PixelPaddingValueTag = new(0x0028, 0x0120);
    private static readonly DicomTag PixelPaddingRangeLimitTag = new(0x0028, 0x0121);
    private static readonly DicomTag FloatPixelPaddingValue = new(0x0028, 0x0122);
    private static readonly DicomTag DoubleFloatPixelPaddingValue = new(0x0028, 0x0123);
    private static readonly DicomTag WindowCenter = new(0x0028, 0x1050);
    private static readonly DicomTag WindowWidth = new(0x0028, 0x1051);
    private static readonly DicomTag RescaleIntercept = new(0x0028, 0x1052);
    private static readonly DicomTag RescaleSlope = new(0x0028, 0x1053);
    private static readonly DicomTag RescaleType = new(0x0028, 0x1054);
    private static readonly DicomTag WindowExplanation = new(0x0028, 0x1055);
    private static readonly DicomTag VoiLutFunction = new(0x0028, 0x1056);
    private static readonly DicomTag ModalityLutSequence = new(0x0028, 0x3000);
    private static readonly DicomTag LutDescriptor = new(0x0028, 0x3002);
    private static readonly DicomTag LutExplanation = new(0x0028, 0x3003);
    private static readonly DicomTag ModalityLutType = new(0x0028, 0x3004);
    private static readonly DicomTag LutData = new(0x0028, 0x3006);
    private static readonly DicomTag VoiLutSequence = new(0x0028, 0x3010);
    private static readonly DicomTag FrameVoiLutSequence = new(0x0028, 0x9132);
    private static readonly DicomTag PixelValueTransformationSequence = new(0x0028, 0x9145);
    private static readonly DicomTag PresentationLutShapeTag = new(0x2050, 0x0020);
    private static readonly DicomTag SharedFunctionalGroups = new(0x5200, 0x9229);
    private static readonly DicomTag PerFrameFunctionalGroups = new(0x5200, 0x9230);

    public required string PhotometricInterpretation { get; init; }

    public DicomModalityTransform Modality { get; init; } = DicomModalityTransform.Identity;

    /// <summary>The dataset's valid windows, in order (Window Center/Width are multi-valued; the first is the default).</summary>
    public IReadOnlyList<DicomWindow> Windows { get; init; } = [];

    /// <summary>The VOI LUTs of the VOI LUT Sequence (0028,3010), in order.</summary>
    public IReadOnlyList<DicomVoi> VoiLuts { get; init; } = [];

    /// <summary>Presentation LUT Shape (2050,0020): IDENTITY, INVERSE, or null when absent.</summary>
    public string? PresentationLutShape { get; init; }

    /// <summary>Pixel Padding Value (0028,0120) in stored units (read as signed when Pixel Representation is 1).</summary>
    public int? PixelPaddingValue { get; init; }

    /// <summary>Pixel Padding Range Limit (0028,0121): with the padding value, the inclusive range of padding.</summary>
    public int? PixelPaddingRangeLimit { get; init; }

    /// <summary>Float or Double Float Pixel Padding Value (0028,0122/0123) for real pixel data.</summary>
    public double? RealPixelPaddingValue { get; init; }

    public DicomPalette? Palette { get; init; }

    public double? SmallestImagePixelValue { get; init; }

    public double? LargestImagePixelValue { get; init; }

    /// <summary>
    /// Whether the display output is inverted (white for the smallest VOI output), following DCMTK's reading of the
    /// standard: the Presentation LUT Shape decides when present (INVERSE inverts, IDENTITY does not); without one,
    /// MONOCHROME1 inverts (PS3.3 C.7.6.3.1.2: minimum sample value is white).
    /// </summary>
    public bool Inverts => PresentationLutShape switch
    {
        "INVERSE" => true,
        "IDENTITY" => false,
        _ => PhotometricInterpretation == "MONOCHROME1",
    };

    /// <summary>Reads the parameters for one frame (zero-based) of a dataset.</summary>
    public static DicomDisplayParameters FromDataset(DicomDataset dataset, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        string photometric = (dataset.GetStringOrDefault(PhotometricTag) ?? "MONOCHROME2").Trim().ToUpperInvariant();
        bool signed = dataset.GetSingleValueOrDefault(PixelRepresentation, 0) == 1;

        // Functional groups of enhanced objects: the frame's own item, then the shared item, then the dataset itself.
        var scopes = new List<DicomDataset>();
        if (dataset.TryGetSequence(PerFrameFunctionalGroups, out var perFrame) && frame >= 0 && frame < perFrame.Items.Count)
        {
            scopes.Add(perFrame.Items[frame]);
        }

        if (dataset.TryGetSequence(SharedFunctionalGroups, out var shared) && shared.Items.Count > 0)
        {
            scopes.Add(shared.Items[0]);
        }

        var modality = ReadModality(dataset, scopes, signed);
        var windows = ReadWindows(dataset, scopes);
        var voiLuts = new List<DicomVoi>();
        if (dataset.TryGetSequence(VoiLutSequence, out var voiSequence))
        {
            for (int i = 0; i < voiSequence.Items.Count; i++)
            {
                var item = voiSequence.Items[i];
                var descriptor = RawBytes(item, LutDescriptor);
                var data = RawBytes(item, LutData);
                if (descriptor is null || data is null)
                {
                    continue;
                }

                // The VOI LUT input is the Modality LUT output: signed when the stored values are signed or rescaling can make them negative.
                bool signedInput = signed || modality.Intercept < 0 || modality.Slope < 0;
                var lut = DicomLut.Parse(descriptor, data, signedInput, $"VOI LUT Sequence item {i + 1}");
                voiLuts.Add(DicomVoi.FromLut(lut, item.GetStringOrDefault(LutExplanation)));
            }
        }

        string? shape = dataset.GetStringOrDefault(PresentationLutShapeTag)?.Trim().ToUpperInvariant();
        return new DicomDisplayParameters
        {
            PhotometricInterpretation = photometric,
            Modality = modality,
            Windows = windows,
            VoiLuts = voiLuts,
            PresentationLutShape = shape is "IDENTITY" or "INVERSE" ? shape : null,
            PixelPaddingValue = ReadStoredValue(dataset, PixelPaddingValueTag, signed),
            PixelPaddingRangeLimit = ReadStoredValue(dataset, PixelPaddingRangeLimitTag, signed),
            RealPixelPaddingValue = dataset.TryGetSingleValue<double>(FloatPixelPaddingValue, out var f) ? f
                : dataset.TryGetSingleValue<double>(DoubleFloatPixelPaddingValue, out var d) ? d : null,
            Palette = photometric == "PALETTE COLOR" ? DicomPalette.FromDataset(dataset, signed) : null,
            SmallestImagePixelValue = ReadStoredValue(dataset, SmallestImagePixelValueTag, signed),
            LargestImagePixelValue = ReadStoredValue(dataset, LargestImagePixelValueTag, signed),
        };
    }

    /// <summary>A value element's bytes (little-endian), or null when absent, empty or not a plain value.</summary>
    internal static byte[]? RawBytes(DicomDataset dataset, DicomTag tag) =>
        dataset.TryGetElement(tag, out var element) && element is DicomValueElement value && value.Length > 0
            ? value.Buffer.GetMemory().ToArray()
            : null;

    private static DicomModalityTransform ReadModality(DicomDataset dataset, List<DicomDataset> scopes, bool signed)
    {
        foreach (var scope in scopes)
        {
            if (scope.TryGetSequence(PixelValueTransformationSequence, out var pvt) && pvt.Items.Count > 0 &&
                ReadRescale(pvt.Items[0]) is { } rescale)
            {
                return rescale;
            }
        }

        if (dataset.TryGetSequence(ModalityLutSequence, out var sequence) && sequence.Items.Count > 0)
        {
            var item = sequence.Items[0];
            var descriptor = RawBytes(item, LutDescriptor);
            var data = RawBytes(item, LutData);
            if (descriptor is not null && data is not null)
            {
                return new DicomModalityTransform
                {
                    Lut = DicomLut.Parse(descriptor, data, signed, "Modality LUT Sequence"),
                    Units = item.GetStringOrDefault(ModalityLutType),
                };
            }
        }

        return ReadRescale(dataset) ?? DicomModalityTransform.Identity;
    }

    private static DicomModalityTransform? ReadRescale(DicomDataset scope)
    {
        bool hasSlope = scope.TryGetSingleValue<double>(RescaleSlope, out double slope);
        bool hasIntercept = scope.TryGetSingleValue<double>(RescaleIntercept, out double intercept);
        if (!hasSlope && !hasIntercept)
        {
            return null;
        }

        return new DicomModalityTransform
        {
            Slope = hasSlope && double.IsFinite(slope) && slope != 0 ? slope : 1,
            Intercept = hasIntercept && double.IsFinite(intercept) ? intercept : 0,
            Units = scope.GetStringOrDefault(RescaleType),
        };
    }

    private static List<DicomWindow> ReadWindows(DicomDataset dataset, List<DicomDataset> scopes)
    {
        foreach (var scope in scopes)
        {
            if (scope.TryGetSequence(FrameVoiLutSequence, out var voi) && voi.Items.Count > 0 &&
                ReadWindowValues(voi.Items[0]) is { Count: > 0 } frameWindows)
            {
                return frameWindows;
            }
        }

        return ReadWindowValues(dataset);
    }

    private static List<DicomWindow> ReadWindowValues(DicomDataset scope)
    {
        var result = new List<DicomWindow>();
        double[] centers;
        double[] widths;
        try
        {
            centers = scope.GetValues<double>(WindowCenter);
            widths = scope.GetValues<double>(WindowWidth);
        }
        catch (DicomValueException)
        {
            return result;
        }

        var function = (scope.GetStringOrDefault(VoiLutFunction)?.Trim().ToUpperInvariant()) switch
        {
            "LINEAR_EXACT" => DicomVoiFunction.LinearExact,
            "SIGMOID" => DicomVoiFunction.Sigmoid,
            _ => DicomVoiFunction.Linear,
        };
        string[] explanations = [];
        try
        {
            explanations = scope.GetValues<string>(WindowExplanation);
        }
        catch (DicomValueException)
        {
            // An unreadable explanation does not invalidate the window.
        }

        for (int i = 0; i < Math.Min(centers.Length, widths.Length); i++)
        {
            if (DicomWindow.IsValid(centers[i], widths[i], function))
            {
                result.Add(new DicomWindow(centers[i], widths[i], function)
                {
                    Explanation = i < explanations.Length && explanations[i].Length > 0 ? explanations[i] : null,
                });
            }
        }

        return result;
    }

    private static int? ReadStoredValue(DicomDataset dataset, DicomTag tag, bool signed)
    {
        if (!dataset.TryGetElement(tag, out var element) || element is not DicomValueElement value || value.Length < 2)
        {
            return null;
        }

        if (element.VR is DicomVR.US or DicomVR.SS or DicomVR.OW or DicomVR.UN or DicomVR.OB)
        {
            // US or SS by Pixel Representation (PS3.3 C.7.5.1.1.2); implicit VR files may carry either label.
            var bytes = value.Buffer.GetMemory().Span;
            ushort raw = (ushort)(bytes[0] | (bytes[1] << 8));
            return signed ? (short)raw : raw;
        }

        return dataset.TryGetSingleValue<int>(tag, out int v) ? v : null;
    }

    /// <summary>A short description of the parameters, for diagnostics.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{PhotometricInterpretation}, modality {(Modality.Lut is not null ? "LUT" : $"{Modality.Slope}·s+{Modality.Intercept}")}, {Windows.Count} windows, {VoiLuts.Count} VOI LUTs, shape {PresentationLutShape ?? "-"}");
}
