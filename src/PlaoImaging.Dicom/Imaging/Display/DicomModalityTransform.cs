namespace PlaoImaging.Dicom.Imaging.Display;

/// <summary>
/// The Modality LUT stage (PS3.3 C.11.1): stored values to modality values, either linear (Rescale Slope and Intercept:
/// m = slope · s + intercept) or through a Modality LUT (LUT Descriptor and Data). The output keeps the units the
/// dataset names (Rescale Type or Modality LUT Type: HU, OD, US for unspecified...).
/// </summary>
public sealed record DicomModalityTransform
{
    /// <summary>m = s: no rescale and no LUT (the default when the dataset has neither).</summary>
    public static DicomModalityTransform Identity { get; } = new();

    public double Slope { get; init; } = 1;

    public double Intercept { get; init; }

    /// <summary>The Modality LUT, which replaces the rescale when present.</summary>
    public DicomLut? Lut { get; init; }

    /// <summary>Units of the output: Rescale Type (0028,1054) or Modality LUT Type (0028,3004); null when not given.</summary>
    public string? Units { get; init; }

    public bool IsIdentity => Lut is null && Slope == 1 && Intercept == 0;

    /// <summary>The modality value of one stored value.</summary>
    public double Apply(double stored) => Lut is { } lut ? lut.Lookup(stored) : (stored * Slope) + Intercept;

    /// <summary>Modality values of integer samples.</summary>
    public float[] Apply(ReadOnlySpan<int> stored)
    {
        var output = new float[stored.Length];
        Apply(stored, output);
        return output;
    }

    /// <summary>
    /// Modality values of integer samples written into <paramref name="output"/> (at least as long). The two may be the
    /// same memory seen as integers and as floats: each value is read before its place is written.
    /// </summary>
    public void Apply(ReadOnlySpan<int> stored, Span<float> output)
    {
        if (output.Length < stored.Length)
        {
            throw new ArgumentException($"{stored.Length} values do not fit in {output.Length}", nameof(output));
        }

        if (Lut is { } lut)
        {
            for (int i = 0; i < stored.Length; i++)
            {
                output[i] = lut.Lookup((long)stored[i]);
            }
        }
        else
        {
            for (int i = 0; i < stored.Length; i++)
            {
                output[i] = (float)((stored[i] * Slope) + Intercept);
            }
        }
    }

    /// <summary>Modality values of real samples (Float Pixel Data: only a rescale applies; a LUT is looked up at the rounded value).</summary>
    public float[] Apply(ReadOnlySpan<float> stored)
    {
        var output = new float[stored.Length];
        for (int i = 0; i < stored.Length; i++)
        {
            output[i] = (float)Apply(stored[i]);
        }

        return output;
    }

    /// <summary>
    /// The smallest and largest modality values that stored values in [<paramref name="minStored"/>, <paramref name="maxStored"/>]
    /// can produce (a LUT's extreme entries within that range, or the rescaled ends in order).
    /// </summary>
    public (double Min, double Max) OutputRange(double minStored, double maxStored)
    {
        if (Lut is { } lut)
        {
            long from = (long)Math.Max(minStored, lut.FirstMapped);
            long to = (long)Math.Min(maxStored, (long)lut.FirstMapped + lut.Entries.Length - 1);
            int min = int.MaxValue;
            int max = int.MinValue;
            for (long s = from; s <= to; s++)
            {
                int v = lut.Lookup(s);
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            // Stored values outside the mapped range take the first or last entry.
            if (minStored < lut.FirstMapped || from > to)
            {
                min = Math.Min(min, lut.Entries[0]);
                max = Math.Max(max, lut.Entries[0]);
            }

            if (maxStored > (long)lut.FirstMapped + lut.Entries.Length - 1 || from > to)
            {
                min = Math.Min(min, lut.Entries[^1]);
                max = Math.Max(max, lut.Entries[^1]);
            }

            return (min, max);
        }

        double a = Apply(minStored);
        double b = Apply(maxStored);
        return (Math.Min(a, b), Math.Max(a, b));
    }
}
