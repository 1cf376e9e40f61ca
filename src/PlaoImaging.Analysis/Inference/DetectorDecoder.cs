using PlaoImaging.Analysis.Imaging;

namespace PlaoImaging.Analysis.Inference;

/// <summary>A heatmap peak: its probability (float32, as the reference computes it) and its cell.</summary>
public readonly record struct HeatmapPeak(float Probability, int Row, int Column);

/// <summary>One vertebra as the detector found it, in model-grid pixels, with its level.</summary>
public sealed record DetectedVertebra(
    string Level,
    int LevelIndex,
    double LevelConfidence,
    double Score,
    int CellRow,
    int CellColumn,
    ModelPoint Centre,
    IReadOnlyList<ModelPoint> Points);

/// <summary>
/// Detector outputs of one batch item → vertebrae, exactly as the manifest's <c>output_decoding</c> and the reference
/// (training/plaomodel/decode.py) say: p = sigmoid(logit) in float32 on the float32 logits; a peak is a cell with
/// p ≥ threshold (&gt; when not inclusive) that is the first maximum, in row-major order, of its window (outside = −1);
/// peaks sorted by p descending, row, column, the first max_detections kept; centre and points from the offsets;
/// detections sorted by centre y (stable) get strictly increasing levels by the dynamic programme over the float32
/// log-softmax of the level logits (sums in double) minus gap_penalty per skipped level. Pure and thread-safe.
/// </summary>
/// <remarks>
/// The reference's float32 exp, log and sum are numpy's; here exp and log are the C runtime's (MathF) and the sum
/// follows numpy's pairwise order, so probabilities and log-probabilities agree to a few float32 ulps.
/// </remarks>
public sealed class DetectorDecoder
{
    private const float OutsideValue = -1f;
    private const double Unreachable = -1e18;

    public DetectorDecoder(OutputDecodingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
    }

    public OutputDecodingSpec Spec { get; }

    /// <summary>Decodes batch item <paramref name="item"/> of the detector outputs (by the manifest's output names).</summary>
    public IReadOnlyList<DetectedVertebra> Decode(IReadOnlyDictionary<string, Tensor> outputs, int item)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var heatmap = Output(outputs, Spec.HeatmapOutput, "heatmap", 1, item);
        int h = heatmap.Shape[2];
        int w = heatmap.Shape[3];
        var offsets = Output(outputs, Spec.OffsetsOutput, "offsets", Spec.OffsetChannels, item, h, w);
        var levels = Output(outputs, Spec.LevelsOutput, "levels", Spec.LevelNames.Count, item, h, w);
        return Decode(Item(heatmap, item), Item(offsets, item), Item(levels, item), h, w);
    }

    /// <summary>Decodes one item given as planes: heatmap [1, h, w], offsets [2 + 2K, h, w], levels [L, h, w].</summary>
    public IReadOnlyList<DetectedVertebra> Decode(ReadOnlySpan<float> heatmap, ReadOnlySpan<float> offsets, ReadOnlySpan<float> levels, int height, int width)
    {
        int cells = height * width;
        if (heatmap.Length < cells || offsets.Length < Spec.OffsetChannels * cells || levels.Length < Spec.LevelNames.Count * cells)
        {
            throw new ArgumentException($"the planes are smaller than {height} x {width} cells with {Spec.OffsetChannels} offset and {Spec.LevelNames.Count} level channels");
        }

        var peaks = FindPeaks(heatmap[..cells], height, width);
        int nLevels = Spec.LevelNames.Count;
        int nPoints = Spec.PointNames.Count;
        float scale = (float)Spec.OffsetScale;
        float stride = Spec.Stride;
        var found = new List<(HeatmapPeak Peak, ModelPoint Centre, ModelPoint[] Points, float[] LogP)>(peaks.Count);
        float[] logits = new float[nLevels];
        foreach (var peak in peaks)
        {
            int cell = (peak.Row * width) + peak.Column;
            double cx = (peak.Column + (double)offsets[cell]) * Spec.Stride;
            double cy = (peak.Row + (double)offsets[cells + cell]) * Spec.Stride;
            var points = new ModelPoint[nPoints];
            for (int k = 0; k < nPoints; k++)
            {
                // numpy: off[2:] * offset_scale * stride in float32, then added to the float64 centre.
                float dx = offsets[((2 + (2 * k)) * cells) + cell] * scale * stride;
                float dy = offsets[((3 + (2 * k)) * cells) + cell] * scale * stride;
                points[k] = new ModelPoint(cx + dx, cy + dy);
            }

            for (int l = 0; l < nLevels; l++)
            {
                logits[l] = levels[(l * cells) + cell];
            }

            found.Add((peak, new ModelPoint(cx, cy), points, LogSoftmax(logits)));
        }

        // Cranial first: stable by centre y, so equal y keep the peak order.
        var ordered = found.OrderBy(f => f.Centre.Y).ToList();
        int[] assigned = AssignLevels(ordered.Select(f => f.LogP).ToList(), nLevels, Spec.GapPenalty);
        var result = new List<DetectedVertebra>(ordered.Count);
        for (int i = 0; i < ordered.Count; i++)
        {
            var (peak, centre, points, logp) = ordered[i];
            int level = assigned[i];
            result.Add(new DetectedVertebra(
                Spec.LevelNames[level],
                level,
                MathF.Exp(logp[level]),
                peak.Probability,
                peak.Row,
                peak.Column,
                centre,
                points));
        }

        return result;
    }

    /// <summary>The peaks of a heatmap of logits (row-major, <paramref name="height"/> × <paramref name="width"/>), best first.</summary>
    public IReadOnlyList<HeatmapPeak> FindPeaks(ReadOnlySpan<float> logits, int height, int width)
    {
        int cells = height * width;
        float[] p = new float[cells];
        for (int i = 0; i < cells; i++)
        {
            p[i] = Sigmoid(logits[i]);
        }

        var peak = Spec.Peak;
        float threshold = (float)peak.Threshold; // numpy compares the float32 map with the threshold in float32
        int r = peak.Window / 2;
        var peaks = new List<HeatmapPeak>();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                float v = p[(y * width) + x];
                bool candidate = peak.ThresholdInclusive ? v >= threshold : v > threshold;
                if (candidate && IsFirstMaximum(p, height, width, y, x, r))
                {
                    peaks.Add(new HeatmapPeak(v, y, x));
                }
            }
        }

        peaks.Sort(static (a, b) =>
        {
            int c = b.Probability.CompareTo(a.Probability);
            if (c != 0)
            {
                return c;
            }

            c = a.Row.CompareTo(b.Row);
            return c != 0 ? c : a.Column.CompareTo(b.Column);
        });
        return peaks.Count > peak.MaxDetections ? peaks.GetRange(0, peak.MaxDetections) : peaks;
    }

    /// <summary>
    /// The level index of each detection (cranial first): strictly increasing, maximising Σ logp[i][level] − gap ×
    /// skipped levels; ties keep the lowest previous index, then the lowest final index (the reference's order).
    /// </summary>
    public static int[] AssignLevels(IReadOnlyList<float[]> logp, int levelCount, double gapPenalty)
    {
        ArgumentNullException.ThrowIfNull(logp);
        int n = logp.Count;
        if (n == 0)
        {
            return [];
        }

        double[,] score = new double[n, levelCount];
        int[,] back = new int[n, levelCount];
        for (int lv = 0; lv < levelCount; lv++)
        {
            score[0, lv] = logp[0][lv];
        }

        for (int i = 1; i < n; i++)
        {
            for (int lv = 0; lv < levelCount; lv++)
            {
                double best = Unreachable;
                int arg = -1;
                for (int prev = 0; prev < lv; prev++)
                {
                    double s = score[i - 1, prev] - (gapPenalty * (lv - prev - 1));
                    if (s > best)
                    {
                        best = s;
                        arg = prev;
                    }
                }

                if (arg >= 0)
                {
                    score[i, lv] = best + logp[i][lv];
                    back[i, lv] = arg;
                }
                else
                {
                    score[i, lv] = Unreachable;
                }
            }
        }

        int last = 0;
        for (int lv = 1; lv < levelCount; lv++)
        {
            if (score[n - 1, lv] > score[n - 1, last])
            {
                last = lv;
            }
        }

        int[] levels = new int[n];
        levels[n - 1] = last;
        for (int i = n - 1; i > 0; i--)
        {
            levels[i - 1] = back[i, levels[i]];
        }

        return levels;
    }

    /// <summary>1 / (1 + exp(−x)) in float32, as numpy computes it on a float32 array.</summary>
    public static float Sigmoid(float logit) => 1f / (1f + MathF.Exp(-logit));

    /// <summary>log_softmax in float32 as the reference computes it: x − max − log(Σ exp(x − max)), the sum in numpy's pairwise order.</summary>
    public static float[] LogSoftmax(ReadOnlySpan<float> logits)
    {
        float max = float.NegativeInfinity;
        foreach (float v in logits)
        {
            max = Math.Max(max, v);
        }

        float[] shifted = new float[logits.Length];
        float[] exp = new float[logits.Length];
        for (int i = 0; i < logits.Length; i++)
        {
            shifted[i] = logits[i] - max;
            exp[i] = MathF.Exp(shifted[i]);
        }

        float logSum = MathF.Log(PairwiseSum(exp));
        for (int i = 0; i < shifted.Length; i++)
        {
            shifted[i] -= logSum;
        }

        return shifted;
    }

    /// <summary>numpy's pairwise summation of a contiguous float32 array (blocks of 8 accumulators, halves above 128).</summary>
    public static float PairwiseSum(ReadOnlySpan<float> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            float res = 0f;
            for (int i = 0; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        if (n <= 128)
        {
            Span<float> r = stackalloc float[8];
            a[..8].CopyTo(r);
            int i = 8;
            for (; i < n - (n % 8); i += 8)
            {
                for (int j = 0; j < 8; j++)
                {
                    r[j] += a[i + j];
                }
            }

            float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseSum(a[..n2]) + PairwiseSum(a[n2..]);
    }

    private static bool IsFirstMaximum(float[] p, int height, int width, int y, int x, int r)
    {
        float centre = p[(y * width) + x];
        for (int dy = -r; dy <= r; dy++)
        {
            for (int dx = -r; dx <= r; dx++)
            {
                int yy = y + dy;
                int xx = x + dx;
                float q = yy >= 0 && yy < height && xx >= 0 && xx < width ? p[(yy * width) + xx] : OutsideValue;
                if (q > centre)
                {
                    return false;
                }

                // An equal value earlier in row-major order is the window's first maximum, not this cell.
                if (q == centre && (dy < 0 || (dy == 0 && dx < 0)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static ReadOnlySpan<float> Item(Tensor tensor, int item)
    {
        int size = tensor.Length / tensor.Shape[0];
        return tensor.Data.AsSpan(item * size, size);
    }

    private Tensor Output(IReadOnlyDictionary<string, Tensor> outputs, string name, string role, int channels, int item, int height = -1, int width = -1)
    {
        string field = $"output_decoding.outputs.{role}";
        if (!outputs.TryGetValue(name, out var tensor))
        {
            throw new ModelManifestException(field, $"the detector returned no output '{name}' (it returned {string.Join(", ", outputs.Keys.Select(k => $"'{k}'"))})");
        }

        int[] s = tensor.Shape;
        bool ok = s.Length == 4 && s[1] == channels && item >= 0 && item < s[0] && s[2] > 0 && s[3] > 0
            && (height < 0 || (s[2] == height && s[3] == width));
        if (!ok)
        {
            string expected = height < 0 ? $"[n > {item}, {channels}, h, w]" : $"[n > {item}, {channels}, {height}, {width}]";
            throw new ModelManifestException(field, $"the detector's output '{name}' has shape [{string.Join(", ", s)}]; expected {expected}");
        }

        return tensor;
    }
}
