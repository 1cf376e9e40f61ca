using System.Globalization;
using PlaoImaging.Analysis.Selection;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Imaging.Display;

namespace PlaoImaging.Analysis;

/// <summary>Limits <see cref="SpineImageReader"/> applies before it decodes anything.</summary>
public sealed record SpineImageReaderOptions
{
    public static SpineImageReaderOptions Default { get; } = new();

    /// <summary>Most rows accepted (default 12,000: with <see cref="MaxColumns"/>, 144 Mpixel, above any detector in use).</summary>
    public int MaxRows { get; init; } = 12_000;

    /// <summary>Most columns accepted.</summary>
    public int MaxColumns { get; init; } = 12_000;

    /// <summary>Fewest pixels on a side (default 64): smaller images hold too few pixels per vertebra to place six points.</summary>
    public int MinSide { get; init; } = 64;

    /// <summary>
    /// Plausible Estimated Radiographic Magnification Factor range: SID/SOD is at least 1, and above 2 the object sits
    /// nearer the source than the detector, which no spine radiograph does. A value outside is ignored (and said so).
    /// </summary>
    public double MinMagnificationFactor { get; init; } = 1.0;

    /// <summary>Upper end of the plausible magnification factor range.</summary>
    public double MaxMagnificationFactor { get; init; } = 2.0;
}

/// <summary>
/// Turns one frame of a DICOM file into a <see cref="SpineImage"/>: modality values (stored × Rescale Slope + Rescale
/// Intercept, or the Modality LUT), MONOCHROME1/2 only, the first window, every spacing attribute and the calibrated
/// spacing with its provenance (<see cref="ResolveSpacing"/>), and the MR geometry. Sizes are checked from the header
/// before anything is decoded; every refusal is an <see cref="ImageRejectedException"/> that says why. Encapsulated
/// frames are decoded by the registry given (add the native JPEG-LS and JPEG 2000 codecs to it to read those).
/// </summary>
public sealed class SpineImageReader
{
    private static readonly HashSet<string> ProjectionModalities = new(["CR", "DX", "MG", "IO", "PX", "RF", "XA", "RG", "DF"], StringComparer.Ordinal);

    private readonly DicomCodecRegistry codecs;

    public SpineImageReader(DicomCodecRegistry codecs, SpineImageReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(codecs);
        this.codecs = codecs;
        Options = options ?? SpineImageReaderOptions.Default;
        if (Options.MaxRows < 1 || Options.MaxColumns < 1 || Options.MinSide < 1)
        {
            throw new ArgumentException("Size limits must be positive.", nameof(options));
        }
    }

    public SpineImageReaderOptions Options { get; }

    /// <summary>Opens a file and reads one frame (pixels stay in the file until the frame is read).</summary>
    public SpineImage Read(string path, int frame = 0, ImageBufferPool? buffers = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(DicomFile.Open(path), frame, path, buffers);
    }

    /// <summary>
    /// Reads one frame (zero-based) of a file; <paramref name="path"/> is recorded in the image's source. With
    /// <paramref name="buffers"/>, the frame's bytes pass through arrays of that pool and the image's
    /// <see cref="SpineImage.Values"/> is one of its arrays, for the caller to give back
    /// (<see cref="ImageBufferPool.Return(float[])"/>) once it has done with the image; the values are the same either way.
    /// </summary>
    public SpineImage Read(DicomFile file, int frame = 0, string? path = null, ImageBufferPool? buffers = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        var dataset = file.Dataset;
        string what = Describe(dataset);

        // 1. Everything the header can refuse, before a byte of pixel data is touched.
        if (!dataset.Contains(DicomTags.PixelData) && !dataset.Contains(DicomTags.FloatPixelData) && !dataset.Contains(DicomTags.DoubleFloatPixelData))
        {
            throw new ImageRejectedException($"{what}: no pixel data (Pixel Data (7FE0,0010) is absent)");
        }

        int? rows = DatasetReading.Integer(dataset, DicomTags.Rows);
        int? columns = DatasetReading.Integer(dataset, DicomTags.Columns);
        if (rows is null || columns is null)
        {
            throw new ImageRejectedException($"{what}: Rows or Columns is absent or unreadable");
        }

        if (rows > Options.MaxRows || columns > Options.MaxColumns)
        {
            throw new ImageRejectedException(
                $"{what}: {rows} × {columns} pixels exceeds the limit of {Options.MaxRows} × {Options.MaxColumns} (checked before decoding)");
        }

        if (rows < Options.MinSide || columns < Options.MinSide)
        {
            throw new ImageRejectedException($"{what}: {rows} × {columns} pixels is too small to measure (at least {Options.MinSide} on a side)");
        }

        int samplesPerPixel = DatasetReading.Integer(dataset, DicomTags.SamplesPerPixel) ?? 1;
        string photometric = (DatasetReading.Text(dataset, DicomTags.PhotometricInterpretation) ?? "MONOCHROME2").ToUpperInvariant();
        if (samplesPerPixel != 1 || photometric is not ("MONOCHROME1" or "MONOCHROME2"))
        {
            throw new ImageRejectedException($"{what}: colour images are not measured ({photometric}, {samplesPerPixel} samples per pixel)");
        }

        // 2. Pixel attributes and the one frame asked for.
        DicomPixelData pixels;
        try
        {
            pixels = DicomPixelData.Create(file);
        }
        catch (DicomException e)
        {
            throw new ImageRejectedException($"{what}: the pixel data cannot be read: {e.Message}", e);
        }

        if (frame < 0 || frame >= pixels.FrameCount)
        {
            throw new ArgumentOutOfRangeException(nameof(frame), frame, $"{what} has {pixels.FrameCount} frame(s).");
        }

        DicomDisplayParameters parameters;
        float[] values;
        try
        {
            parameters = DicomDisplayParameters.FromDataset(dataset, frame);
            values = buffers is not null && pixels.Info is { SamplesPerPixel: 1, IsFloat: false, BitsAllocated: 1 or 8 or 16 }
                ? ReadPooled(pixels, frame, parameters.Modality, buffers, what)
                : ReadFresh(pixels, frame, parameters.Modality, what);
        }
        catch (DicomException e)
        {
            // The pixel-data exception's message starts "Frame N: " when it names the frame: said once here.
            string prefix = $"Frame {frame + 1}: ";
            string problem = e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message;
            throw new ImageRejectedException($"{what}: frame {frame + 1} cannot be decoded: {problem}", e);
        }

        // 3. Geometry and calibration.
        var attributes = ReadSpacingAttributes(dataset, frame);
        var orientation = DatasetReading.NumbersWithFunctionalGroups(dataset, DicomTags.ImageOrientationPatient, DicomTags.PlaneOrientationSequence, frame);
        var position = DatasetReading.NumbersWithFunctionalGroups(dataset, DicomTags.ImagePositionPatient, DicomTags.PlanePositionSequence, frame);
        return new SpineImage
        {
            Source = new ImageReference(
                DatasetReading.Text(dataset, DicomTags.StudyInstanceUID) ?? string.Empty,
                DatasetReading.Text(dataset, DicomTags.SeriesInstanceUID) ?? string.Empty,
                DatasetReading.Text(dataset, DicomTags.SOPInstanceUID) ?? string.Empty,
                DatasetReading.Text(dataset, DicomTags.SOPClassUID) ?? string.Empty,
                frame)
            {
                Path = path,
            },
            Modality = (DatasetReading.Text(dataset, DicomTags.Modality) ?? string.Empty).ToUpperInvariant(),
            Rows = pixels.Info.Rows,
            Columns = pixels.Info.Columns,
            Values = values,
            PhotometricInterpretation = photometric,
            Window = parameters.Windows.Count > 0 ? (parameters.Windows[0].Center, parameters.Windows[0].Width) : null,
            SpacingAttributes = attributes,
            Spacing = ResolveSpacing(dataset, frame, Options),
            ImageOrientationPatient = orientation.Length == 6 ? orientation : null,
            ImagePositionPatient = position.Length == 3 ? position : null,
        };
    }

    private float[] ReadFresh(DicomPixelData pixels, int frame, DicomModalityTransform modality, string what) =>
        GreyValues(DicomFrameSamples.Read(pixels, frame, codecs), frame, modality, what);

    /// <summary>The modality values of decoded samples, refused when the decoder gave colour.</summary>
    private static float[] GreyValues(DicomFrameSamples samples, int frame, DicomModalityTransform modality, string what)
    {
        if (samples.SamplesPerPixel != 1)
        {
            throw new ImageRejectedException($"{what}: colour images are not measured (frame {frame + 1} decoded as {samples.PhotometricInterpretation})");
        }

        return DicomFrameRenderer.ModalityValues(samples, modality);
    }

    /// <summary>
    /// The same values as <see cref="ReadFresh"/> for one-sample integer frames, through the pool's arrays: the frame's
    /// bytes (native, or encoded then decoded), their stored values unpacked into the values array seen as integers, then
    /// the modality transform applied in place.
    /// </summary>
    private float[] ReadPooled(DicomPixelData pixels, int frame, DicomModalityTransform modality, ImageBufferPool buffers, string what)
    {
        var info = pixels.Info;
        byte[]? frameBytes = null;
        float[]? values = null;
        try
        {
            ReadOnlySpan<byte> native;
            if (pixels.IsEncapsulated)
            {
                frameBytes = buffers.RentBytes(pixels.EncodedFrameLength(frame));
                int length = pixels.ReadEncodedFrame(frame, frameBytes);
                var decoded = pixels.DecodeEncodedFrame(frameBytes.AsSpan(0, length), frame, codecs);
                if (decoded.PhotometricInterpretation.Trim().ToUpperInvariant() is not ("MONOCHROME1" or "MONOCHROME2"))
                {
                    // A decoder that turned the frame into colour: the general path says so.
                    return GreyValues(DicomFrameSamples.Unpack(decoded, info, frame), frame, modality, what);
                }

                native = decoded.Bytes;
            }
            else
            {
                frameBytes = buffers.RentBytes((int)info.NativeFrameBytes);
                pixels.ReadNativeFrame(frame, frameBytes);
                native = frameBytes.AsSpan(0, (int)info.NativeFrameBytes);
            }

            values = buffers.RentValues(info.PixelCount);
            var stored = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(values.AsSpan());
            DicomFrameSamples.UnpackStored(native, info, stored, frame);
            modality.Apply(stored, values);
            var result = values;
            values = null;
            return result;
        }
        finally
        {
            buffers.Return(frameBytes);
            buffers.Return(values);
        }
    }

    /// <summary>
    /// The spacing attributes present with positive values, by keyword: <c>PixelSpacing</c> (top level, or the frame's
    /// Pixel Measures functional group) and <c>ImagerPixelSpacing</c>, as (row, column) in mm.
    /// </summary>
    public static IReadOnlyDictionary<string, (double Row, double Column)> ReadSpacingAttributes(DicomDataset dataset, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var result = new Dictionary<string, (double Row, double Column)>(StringComparer.Ordinal);
        if (Pair(DatasetReading.NumbersWithFunctionalGroups(dataset, DicomTags.PixelSpacing, DicomTags.PixelMeasuresSequence, frame)) is { } pixel)
        {
            result["PixelSpacing"] = pixel;
        }

        if (Pair(DatasetReading.Numbers(dataset, DicomTags.ImagerPixelSpacing)) is { } imager)
        {
            result["ImagerPixelSpacing"] = imager;
        }

        return result;
    }

    /// <summary>
    /// The spacing to measure with and where it came from (PS3.3 10.7.1.1 Pixel Spacing, 10.7.1.2 Pixel Spacing
    /// Calibration Type, 10.7.1.3 value order: row spacing first; C.8.11.7 Imager Pixel Spacing at the detector; the
    /// Estimated Radiographic Magnification Factor is SID/SOD). In order:
    /// <list type="number">
    /// <item>Pixel Spacing with Pixel Spacing Calibration Type GEOMETRY or FIDUCIAL: calibrated in the patient, used as is.</item>
    /// <item>Pixel Spacing different from Imager Pixel Spacing: corrected or calibrated (10.7.1.1), used as is.</item>
    /// <item>Imager Pixel Spacing (alone, or equal to Pixel Spacing, which then is the detector plane too): divided by the
    /// Estimated Radiographic Magnification Factor when one is given, else used at the detector (heights overstated by
    /// the magnification; ratios unaffected).</item>
    /// <item>Pixel Spacing alone: in the patient for MR and other cross-sectional images; for projection images whether it
    /// was corrected cannot be determined (10.7.1.1), which the note says.</item>
    /// <item>Nothing: no spacing; heights in pixels and only ratios grade.</item>
    /// </list>
    /// </summary>
    public static CalibratedSpacing ResolveSpacing(DicomDataset dataset, int frame = 0, SpineImageReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= SpineImageReaderOptions.Default;
        var attributes = ReadSpacingAttributes(dataset, frame);
        bool hasPixel = attributes.TryGetValue("PixelSpacing", out var pixel);
        bool hasImager = attributes.TryGetValue("ImagerPixelSpacing", out var imager);
        string? calibrationType = DatasetReading.Text(dataset, DicomTags.PixelSpacingCalibrationType)?.ToUpperInvariant();
        string? calibrationDescription = DatasetReading.Text(dataset, DicomTags.PixelSpacingCalibrationDescription);
        string modality = (DatasetReading.Text(dataset, DicomTags.Modality) ?? string.Empty).ToUpperInvariant();
        string described = calibrationDescription is null ? string.Empty : $", '{calibrationDescription}'";

        if (hasPixel && calibrationType is "GEOMETRY" or "FIDUCIAL")
        {
            string how = calibrationType == "GEOMETRY"
                ? "corrected for geometric magnification at an assumed depth (valid near the central ray at that depth)"
                : "calibrated against an object of known size";
            return new CalibratedSpacing(pixel.Row, pixel.Column, SpacingProvenance.PixelSpacing,
                $"Pixel Spacing {Mm(pixel)} with Pixel Spacing Calibration Type {calibrationType}{described}: {how}");
        }

        string ignoredType = calibrationType is null ? string.Empty : $" (Pixel Spacing Calibration Type '{calibrationType}' is not GEOMETRY or FIDUCIAL and was ignored)";
        if (hasPixel && hasImager && !Same(pixel, imager))
        {
            return new CalibratedSpacing(pixel.Row, pixel.Column, SpacingProvenance.PixelSpacing,
                $"Pixel Spacing {Mm(pixel)} differs from Imager Pixel Spacing {Mm(imager)}: the device corrected for magnification or calibrated (PS3.3 10.7.1.1){ignoredType}");
        }

        if (hasImager)
        {
            string equal = hasPixel ? " (Pixel Spacing is the same, so also at the detector)" : string.Empty;
            double? factor = DatasetReading.Number(dataset, DicomTags.EstimatedRadiographicMagnificationFactor);
            if (factor is { } m && m >= options.MinMagnificationFactor && m <= options.MaxMagnificationFactor)
            {
                return new CalibratedSpacing(imager.Row / m, imager.Column / m, SpacingProvenance.ImagerPixelSpacingCorrected,
                    $"Imager Pixel Spacing {Mm(imager)} at the detector{equal} divided by Estimated Radiographic Magnification Factor {Format(m)}: " +
                    $"{Mm((imager.Row / m, imager.Column / m))} at the assumed depth of the spine{ignoredType}");
            }

            string ignored = factor is { } bad
                ? $"; Estimated Radiographic Magnification Factor {Format(bad)} is outside {Format(options.MinMagnificationFactor)}–{Format(options.MaxMagnificationFactor)} and was ignored"
                : "; no Estimated Radiographic Magnification Factor";
            return new CalibratedSpacing(imager.Row, imager.Column, SpacingProvenance.ImagerPixelSpacingUncorrected,
                $"Imager Pixel Spacing {Mm(imager)} at the detector{equal}{ignored}: mm heights are overstated by the geometric magnification (typically 5–20 %), ratios are unaffected{ignoredType}");
        }

        if (hasPixel)
        {
            bool projection = ProjectionModalities.Contains(modality);
            return new CalibratedSpacing(pixel.Row, pixel.Column, SpacingProvenance.PixelSpacing, projection
                ? $"Pixel Spacing {Mm(pixel)} without Imager Pixel Spacing or calibration type: whether it was corrected for magnification cannot be determined (PS3.3 10.7.1.1){ignoredType}"
                : $"Pixel Spacing {Mm(pixel)} in the patient ({(modality.Length > 0 ? modality : "cross-sectional")} geometry)");
        }

        return CalibratedSpacing.None;
    }

    private static (double Row, double Column)? Pair(double[] values) =>
        values.Length == 2 && values[0] > 0 && values[1] > 0 ? (values[0], values[1]) : null;

    private static bool Same((double Row, double Column) a, (double Row, double Column) b) =>
        Math.Abs(a.Row - b.Row) <= 1e-3 * Math.Max(a.Row, b.Row) && Math.Abs(a.Column - b.Column) <= 1e-3 * Math.Max(a.Column, b.Column);

    private static string Mm((double Row, double Column) spacing) => $"{Format(spacing.Row)}\\{Format(spacing.Column)} mm";

    private static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Describe(DicomDataset dataset)
    {
        string? uid = DatasetReading.Text(dataset, DicomTags.SOPInstanceUID);
        return uid is null ? "image" : $"image {uid}";
    }
}
