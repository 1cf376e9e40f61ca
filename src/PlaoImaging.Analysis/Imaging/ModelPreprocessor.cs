using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PlaoImaging.Analysis.Imaging;

/// <summary>
/// Image → detector input, exactly as the manifest's <c>preprocessing</c> says (models/MANIFEST.md; reference:
/// training/plaomodel/preprocess.py): the modality values of <see cref="SpineImage.Values"/> → the image's window (or
/// the fallback percentiles, numpy 'linear') → [0, 1], inverted by photometric interpretation → exact area resampling
/// in double to round(rows × s) × round(cols × s) (half to even) at the top-left → (y − subtract) / divide, padding
/// elsewhere, float32. Not the display pipeline. Stateless and thread-safe: one instance serves concurrent jobs.
/// </summary>
public sealed class ModelPreprocessor
{
    // Integer-valued frames whose value range is at most this wide take their percentiles from a histogram.
    private const int HistogramRange = 1 << 20;

    public ModelPreprocessor(ModelManifest manifest)
        : this((manifest ?? throw new ArgumentNullException(nameof(manifest))).Preprocessing)
    {
    }

    public ModelPreprocessor(PreprocessingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
    }

    public PreprocessingSpec Spec { get; }

    /// <summary>Rows of the detector input (<c>grid.height</c>).</summary>
    public int GridHeight => Spec.GridHeight;

    /// <summary>Columns of the detector input (<c>grid.width</c>).</summary>
    public int GridWidth => Spec.GridWidth;

    /// <summary>Values of one batch item of the detector input: grid.height × grid.width.</summary>
    public int InputLength => Spec.GridHeight * Spec.GridWidth;

    /// <summary>
    /// Writes the detector input of <paramref name="image"/> (one [1, H, W] item, row-major) into the first
    /// <see cref="InputLength"/> values of <paramref name="destination"/> and returns how the image was placed.
    /// </summary>
    public ModelInputGeometry Prepare(SpineImage image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (destination.Length < InputLength)
        {
            throw new ArgumentException($"the destination holds {destination.Length} values; the detector input needs {InputLength}", nameof(destination));
        }

        var geometry = Geometry(image);
        Resample(image, geometry, destination[..InputLength]);
        return geometry;
    }

    /// <summary>The placement and intensity rule of an image without writing its input (the percentile fallback reads every value).</summary>
    public ModelInputGeometry Geometry(SpineImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckImage(image);
        var (attribute, spacing) = SpacingOf(image);
        int rows = image.Rows;
        int cols = image.Columns;
        double fit = Math.Min((double)Spec.GridHeight / rows, (double)Spec.GridWidth / cols);
        double s = spacing is { } mm ? Math.Min(mm / Spec.TargetSpacingMm, fit) : fit;
        int outH = Math.Clamp(RoundHalfToEven(rows * s), 1, Spec.GridHeight);
        int outW = Math.Clamp(RoundHalfToEven(cols * s), 1, Spec.GridWidth);
        return new ModelInputGeometry(rows, cols, s, outH, outW, (double)outH / rows, (double)outW / cols, attribute, spacing, Intensity(image));
    }

    /// <summary>
    /// The spacing attribute the model uses (<c>preprocessing.spacing</c>): the first of the modality's sources present
    /// with a positive row value, and that value in mm; (null, null) without one.
    /// </summary>
    public (string? Attribute, double? SpacingMm) SpacingOf(SpineImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        foreach (string attribute in Spec.SpacingSourcesFor(image.Modality))
        {
            if (image.SpacingAttributes.TryGetValue(attribute, out var pair) && pair.Row > 0 && double.IsFinite(pair.Row))
            {
                return (attribute, pair.Row);
            }
        }

        return (null, null);
    }

    /// <summary>The intensity rule of an image (<c>preprocessing.intensity</c>).</summary>
    public IntensityMapping Intensity(SpineImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckImage(image);
        bool inverted = Spec.Invert.Contains(image.PhotometricInterpretation.Trim().ToUpperInvariant(), StringComparer.Ordinal);
        if (image.Window is { } window && window.Width >= Spec.WindowMinWidth && double.IsFinite(window.Center) && double.IsFinite(window.Width))
        {
            double lower = window.Center - 0.5 - ((window.Width - 1) / 2);
            double divisor = Math.Max(window.Width - 1, Spec.WindowMinDivisor);
            return new IntensityMapping(IntensitySource.Window, lower, divisor, inverted) { WindowCenter = window.Center, WindowWidth = window.Width };
        }

        var (lo, hi) = Percentiles(image.Values.AsSpan(0, image.PixelCount), Spec.LowerPercentile, Spec.UpperPercentile);
        return new IntensityMapping(IntensitySource.Percentiles, lo, Math.Max(hi - lo, Spec.MinRange), inverted) { PercentileLow = lo, PercentileHigh = hi };
    }

    /// <summary>
    /// The two percentiles (in percent) of <paramref name="values"/> as numpy's <c>percentile(v, [lower, upper])</c>
    /// with method 'linear' computes them (virtual index (n − 1) × q / 100, numpy's two-sided lerp).
    /// </summary>
    public static (double Lower, double Upper) Percentiles(ReadOnlySpan<float> values, double lowerPercent, double upperPercent)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("no values", nameof(values));
        }

        int n = values.Length;
        var (loA, loB, loGamma) = VirtualIndex(n, lowerPercent / 100);
        var (hiA, hiB, hiGamma) = VirtualIndex(n, upperPercent / 100);
        Span<int> ranks = [loA, loB, hiA, hiB];
        Span<double> found = stackalloc double[4];
        if (!TryRanksByHistogram(values, ranks, found))
        {
            RanksBySelection(values, ranks, found);
        }

        return (Lerp(found[0], found[1], loGamma), Lerp(found[2], found[3], hiGamma));
    }

    /// <summary>Rounds half to even (Python's <c>round</c>), for the resampled size.</summary>
    public static int RoundHalfToEven(double value) => (int)Math.Round(value, MidpointRounding.ToEven);

    /// <summary>
    /// The area weights of resampling <paramref name="inputLength"/> samples to <paramref name="outputLength"/>: output j
    /// averages input interval [j × n_in / n_out, (j + 1) × n_in / n_out), weights = overlaps normalised to sum 1.
    /// </summary>
    public static AreaWeights AreaWeightsFor(int inputLength, int outputLength) => AreaWeights.Create(inputLength, outputLength);

    private static void CheckImage(SpineImage image)
    {
        if (image.Rows <= 0 || image.Columns <= 0)
        {
            throw new ImageRejectedException($"the image has {image.Rows} × {image.Columns} pixels");
        }

        if (image.Values is null || image.Values.Length < (long)image.Rows * image.Columns)
        {
            throw new ImageRejectedException($"the image holds {image.Values?.Length ?? 0} values for {image.Rows} × {image.Columns} pixels");
        }
    }

    private void Resample(SpineImage image, ModelInputGeometry geometry, Span<float> destination)
    {
        int rows = image.Rows;
        int cols = image.Columns;
        int gridW = Spec.GridWidth;
        var wy = AreaWeights.Create(rows, geometry.OutHeight);
        var wx = AreaWeights.Create(cols, geometry.OutWidth);
        var intensity = geometry.Intensity;
        var norm = Spec.Normalisation;
        float pad = (float)norm.PaddingValue;
        ReadOnlySpan<float> values = image.Values.AsSpan(0, rows * cols);

        double[] acc = ArrayPool<double>.Shared.Rent(cols);
        double[] slot0 = ArrayPool<double>.Shared.Rent(cols);
        double[] slot1 = ArrayPool<double>.Shared.Rent(cols);
        try
        {
            // Two cached input rows in display polarity: consecutive output rows share at most their boundary rows.
            int row0 = -1;
            int row1 = -1;
            bool nextIsSlot0 = true;
            for (int j = 0; j < geometry.OutHeight; j++)
            {
                Span<double> sum = acc.AsSpan(0, cols);
                sum.Clear();
                int start = wy.Start[j];
                int count = wy.Count[j];
                int offset = wy.Offset[j];
                for (int t = 0; t < count; t++)
                {
                    int i = start + t;
                    double[] y;
                    if (i == row0)
                    {
                        y = slot0;
                    }
                    else if (i == row1)
                    {
                        y = slot1;
                    }
                    else
                    {
                        if (nextIsSlot0)
                        {
                            y = slot0;
                            row0 = i;
                        }
                        else
                        {
                            y = slot1;
                            row1 = i;
                        }

                        nextIsSlot0 = !nextIsSlot0;
                        DisplayRow(values.Slice(i * cols, cols), intensity, y.AsSpan(0, cols));
                    }

                    AddScaled(sum, y.AsSpan(0, cols), wy.Weights[offset + t]);
                }

                Span<float> line = destination.Slice(j * gridW, gridW);
                for (int k = 0; k < geometry.OutWidth; k++)
                {
                    int cStart = wx.Start[k];
                    int cCount = wx.Count[k];
                    ReadOnlySpan<double> w = wx.Weights.AsSpan(wx.Offset[k], cCount);
                    ReadOnlySpan<double> a = sum.Slice(cStart, cCount);
                    double v = 0;
                    for (int t = 0; t < cCount; t++)
                    {
                        v += w[t] * a[t];
                    }

                    line[k] = (float)((v - norm.Subtract) / norm.Divide);
                }

                line[geometry.OutWidth..].Fill(pad);
            }

            destination[(geometry.OutHeight * gridW)..].Fill(pad);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(acc);
            ArrayPool<double>.Shared.Return(slot0);
            ArrayPool<double>.Shared.Return(slot1);
        }
    }

    /// <summary>One input row in display polarity: clip((v − lower) / divisor, 0, 1), inverted when the rule says so.</summary>
    private static void DisplayRow(ReadOnlySpan<float> values, IntensityMapping intensity, Span<double> y)
    {
        double lower = intensity.Lower;
        double divisor = intensity.Divisor;
        bool inverted = intensity.Inverted;
        int i = 0;
        if (divisor > 0 && Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
        {
            var vLower = Vector256.Create(lower);
            var vDivisor = Vector256.Create(divisor);
            var zero = Vector256<double>.Zero;
            var one = Vector256<double>.One;
            ref float src = ref MemoryMarshal.GetReference(values);
            ref double dst = ref MemoryMarshal.GetReference(y);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var f = Vector256.LoadUnsafe(ref src, (nuint)i);
                var lo = Vector256.Min(Vector256.Max((Vector256.WidenLower(f) - vLower) / vDivisor, zero), one);
                var hi = Vector256.Min(Vector256.Max((Vector256.WidenUpper(f) - vLower) / vDivisor, zero), one);
                if (inverted)
                {
                    lo = one - lo;
                    hi = one - hi;
                }

                lo.StoreUnsafe(ref dst, (nuint)i);
                hi.StoreUnsafe(ref dst, (nuint)(i + Vector256<double>.Count));
            }
        }

        for (; i < values.Length; i++)
        {
            y[i] = intensity.Apply(values[i]);
        }
    }

    /// <summary>sum += weight × row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled(Span<double> sum, ReadOnlySpan<double> row, double weight)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && sum.Length >= Vector256<double>.Count)
        {
            var w = Vector256.Create(weight);
            ref double s = ref MemoryMarshal.GetReference(sum);
            ref double r = ref MemoryMarshal.GetReference(row);
            for (; i <= sum.Length - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                var v = Vector256.LoadUnsafe(ref s, (nuint)i) + (w * Vector256.LoadUnsafe(ref r, (nuint)i));
                v.StoreUnsafe(ref s, (nuint)i);
            }
        }

        for (; i < sum.Length; i++)
        {
            sum[i] += weight * row[i];
        }
    }

    private static (int Previous, int Next, double Gamma) VirtualIndex(int n, double quantile)
    {
        double virtualIndex = (n - 1) * quantile;
        if (virtualIndex >= n - 1)
        {
            return (n - 1, n - 1, virtualIndex - (n - 1));
        }

        if (virtualIndex < 0)
        {
            return (0, 0, virtualIndex);
        }

        int previous = (int)Math.Floor(virtualIndex);
        return (previous, previous + 1, virtualIndex - previous);
    }

    // numpy's _lerp: a + (b − a) × t, computed from b when t ≥ 0.5.
    private static double Lerp(double a, double b, double t)
    {
        double diff = b - a;
        return t >= 0.5 ? b - (diff * (1 - t)) : a + (diff * t);
    }

    private static bool TryRanksByHistogram(ReadOnlySpan<float> values, ReadOnlySpan<int> ranks, Span<double> found)
    {
        if (!IntegerRange(values, out float min, out float max)
            || ((double)max - min) >= HistogramRange || Math.Abs(min) > (1 << 24) || Math.Abs(max) > (1 << 24))
        {
            return false;
        }

        int offset = (int)min;
        int bins = (int)max - offset + 1;
        int[] counts = ArrayPool<int>.Shared.Rent(bins);
        try
        {
            Span<int> histogram = counts.AsSpan(0, bins);
            histogram.Clear();
            ref int h = ref MemoryMarshal.GetReference(histogram);
            foreach (float v in values)
            {
                Unsafe.Add(ref h, (int)v - offset)++;
            }

            for (int r = 0; r < ranks.Length; r++)
            {
                long seen = 0;
                for (int bin = 0; bin < histogram.Length; bin++)
                {
                    seen += histogram[bin];
                    if (seen > ranks[r])
                    {
                        found[r] = bin + offset;
                        break;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(counts);
        }

        return true;
    }

    /// <summary>Whether every value is an integer (no NaN, no infinity), with the smallest and largest.</summary>
    private static bool IntegerRange(ReadOnlySpan<float> values, out float min, out float max)
    {
        min = float.PositiveInfinity;
        max = float.NegativeInfinity;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
        {
            var vMin = Vector256.Create(float.PositiveInfinity);
            var vMax = Vector256.Create(float.NegativeInfinity);
            var notInteger = Vector256<float>.Zero;
            ref float src = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref src, (nuint)i);
                notInteger |= ~Vector256.Equals(Vector256.Floor(v), v); // NaN and ±inf fail too (inf − inf below)
                vMin = Vector256.Min(vMin, v);
                vMax = Vector256.Max(vMax, v);
            }

            if (notInteger != Vector256<float>.Zero)
            {
                return false;
            }

            for (int k = 0; k < Vector256<float>.Count; k++)
            {
                min = Math.Min(min, vMin[k]);
                max = Math.Max(max, vMax[k]);
            }
        }

        for (; i < values.Length; i++)
        {
            float v = values[i];
            if (v != MathF.Floor(v))
            {
                return false;
            }

            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        return float.IsFinite(min) && float.IsFinite(max);
    }

    private static void RanksBySelection(ReadOnlySpan<float> values, ReadOnlySpan<int> ranks, Span<double> found)
    {
        float[] copy = ArrayPool<float>.Shared.Rent(values.Length);
        try
        {
            Span<float> a = copy.AsSpan(0, values.Length);
            values.CopyTo(a);
            for (int r = 0; r < ranks.Length; r++)
            {
                found[r] = Select(a, ranks[r]);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(copy);
        }
    }

    /// <summary>The k-th smallest value (0-based) by quickselect (median of three; a sort when it degenerates).</summary>
    private static float Select(Span<float> a, int k)
    {
        int lo = 0;
        int hi = a.Length - 1;
        int budget = 64;
        while (hi > lo)
        {
            if (--budget == 0)
            {
                a[lo..(hi + 1)].Sort();
                return a[k];
            }

            int mid = lo + ((hi - lo) / 2);
            if (a[mid] < a[lo])
            {
                (a[mid], a[lo]) = (a[lo], a[mid]);
            }

            if (a[hi] < a[lo])
            {
                (a[hi], a[lo]) = (a[lo], a[hi]);
            }

            if (a[hi] < a[mid])
            {
                (a[hi], a[mid]) = (a[mid], a[hi]);
            }

            float pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j)
            {
                while (a[i] < pivot)
                {
                    i++;
                }

                while (a[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                return a[k];
            }
        }

        return a[k];
    }
}

/// <summary>
/// Sparse area-resampling weights: output j takes inputs Start[j] .. Start[j] + Count[j] − 1 with weights
/// Weights[Offset[j] ..], which sum to 1.
/// </summary>
public sealed class AreaWeights
{
    private AreaWeights(int inputLength, int[] start, int[] count, int[] offset, double[] weights)
    {
        InputLength = inputLength;
        Start = start;
        Count = count;
        Offset = offset;
        Weights = weights;
    }

    public int InputLength { get; }

    public int OutputLength => Start.Length;

    internal int[] Start { get; }

    internal int[] Count { get; }

    internal int[] Offset { get; }

    internal double[] Weights { get; }

    /// <summary>The weights of output <paramref name="j"/> with the first input they apply to.</summary>
    public (int FirstInput, ReadOnlyMemory<double> Weights) Of(int j) => (Start[j], Weights.AsMemory(Offset[j], Count[j]));

    internal static AreaWeights Create(int inputLength, int outputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputLength);
        double step = (double)inputLength / outputLength;
        int[] start = new int[outputLength];
        int[] count = new int[outputLength];
        int[] offset = new int[outputLength];
        var weights = new List<double>(inputLength + (2 * outputLength));
        for (int j = 0; j < outputLength; j++)
        {
            double a = j * step;
            double b = (j + 1) * step;
            int i0 = (int)Math.Floor(a);
            int i1 = Math.Min((int)Math.Ceiling(b), inputLength);
            start[j] = i0;
            count[j] = i1 - i0;
            offset[j] = weights.Count;
            double sum = 0;
            for (int i = i0; i < i1; i++)
            {
                double w = Math.Max(0.0, Math.Min(b, i + 1) - Math.Max(a, i));
                weights.Add(w);
                sum += w;
            }

            for (int t = offset[j]; t < weights.Count; t++)
            {
                weights[t] /= sum;
            }
        }

        return new AreaWeights(inputLength, start, count, offset, [.. weights]);
    }
}
