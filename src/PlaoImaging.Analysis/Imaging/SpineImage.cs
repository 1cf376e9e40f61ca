using PlaoImaging.Analysis.Inference;

namespace PlaoImaging.Analysis;

/// <summary>Where a frame came from: enough to point back at it from a result or a report.</summary>
public sealed record ImageReference(
    string StudyInstanceUid,
    string SeriesInstanceUid,
    string SopInstanceUid,
    string SopClassUid,
    int Frame)
{
    /// <summary>The file it was read from, when it was read from one.</summary>
    public string? Path { get; init; }
}

/// <summary>How the millimetre spacing of an image was obtained (PS3.3 C.7.6.2.1.1, C.8.11.7, C.10.7.1.3).</summary>
public enum SpacingProvenance
{
    /// <summary>No usable spacing: heights are in pixels and only ratios grade.</summary>
    None,

    /// <summary>Pixel Spacing (0028,0030), in the patient (calibrated, or MR/CT geometry).</summary>
    PixelSpacing,

    /// <summary>Imager Pixel Spacing (0018,1164) divided by Estimated Radiographic Magnification Factor (0018,1114).</summary>
    ImagerPixelSpacingCorrected,

    /// <summary>Imager Pixel Spacing (0018,1164) at the detector, not corrected for magnification (heights overstated by the magnification, typically 5–20 %).</summary>
    ImagerPixelSpacingUncorrected,
}

/// <summary>A spacing in millimetres per pixel with where it came from; <see cref="Note"/> explains it in words.</summary>
public sealed record CalibratedSpacing(double RowMm, double ColumnMm, SpacingProvenance Provenance, string Note)
{
    public static CalibratedSpacing None { get; } = new(double.NaN, double.NaN, SpacingProvenance.None, "no pixel spacing in the image: heights in pixels, grading from ratios only");

    public bool HasSpacing => Provenance != SpacingProvenance.None;
}

/// <summary>
/// One grayscale frame ready for the model and the measurements: its values after the Modality LUT (rescale), its
/// photometric interpretation and first window, every spacing attribute the dataset carries (the manifest decides which
/// one the model uses) and the calibrated spacing for measurements, with its provenance. MR frames carry their geometry.
/// </summary>
public sealed class SpineImage
{
    public required ImageReference Source { get; init; }

    /// <summary>Modality (0008,0060): CR, DX, MR...</summary>
    public required string Modality { get; init; }

    public required int Rows { get; init; }

    public required int Columns { get; init; }

    /// <summary>Stored values × Rescale Slope + Rescale Intercept (defaults 1, 0), row by row; length Rows × Columns.</summary>
    public required float[] Values { get; init; }

    /// <summary>MONOCHROME1 or MONOCHROME2.</summary>
    public required string PhotometricInterpretation { get; init; }

    /// <summary>The first Window Center / Width pair, when both are present.</summary>
    public (double Center, double Width)? Window { get; init; }

    /// <summary>Spacing attributes present with a positive row value, by keyword (PixelSpacing, ImagerPixelSpacing): (row, column) mm.</summary>
    public IReadOnlyDictionary<string, (double Row, double Column)> SpacingAttributes { get; init; } = new Dictionary<string, (double, double)>();

    /// <summary>The spacing used for measurements in millimetres.</summary>
    public CalibratedSpacing Spacing { get; init; } = CalibratedSpacing.None;

    /// <summary>Image Orientation (Patient) (0020,0037), six direction cosines, when present.</summary>
    public IReadOnlyList<double>? ImageOrientationPatient { get; init; }

    /// <summary>Image Position (Patient) (0020,0032), when present.</summary>
    public IReadOnlyList<double>? ImagePositionPatient { get; init; }

    public int PixelCount => Rows * Columns;
}
