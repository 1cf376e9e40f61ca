using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Tests.Models;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Inference;

public sealed class DetectorDecoderTests
{
    private static readonly DetectorDecoder Decoder = new(TestManifests.ReadSingleStage().OutputDecoding);

    [Fact]
    public void Decode_SparsePattern_MatchesNumpyReference()
    {
        // Reference: training/plaomodel/decode.py (numpy 1.24) on the same pattern.
        var o = DetectorOutputs.Pattern(sparse: true);
        var found = Decoder.Decode(o.ToDictionary(), 0);

        Assert.Equal(["T6", "T7", "T8", "T9", "T10", "T11"], found.Select(v => v.Level));
        Assert.Equal([(0, 44), (21, 47), (42, 47), (63, 44), (84, 41), (105, 41)], found.Select(v => (v.CellRow, v.CellColumn)));
        var first = found[0];
        Assert.Equal(0.9933071732521057, first.Score);
        Assert.Equal(0.02943132258951664, first.LevelConfidence, 6);
        Assert.Equal(177.90857017040253, first.Centre.X, 9);
        Assert.Equal(1.892025113105774, first.Centre.Y, 9);
        Assert.Equal(187.03605258464813, first.Points[0].X, 9);
        Assert.Equal(0.6187676191329956, first.Points[5].Y, 9);
        var last = found[^1];
        Assert.Equal(0.9926378726959229, last.Score);
        Assert.Equal(0.00861374195665121, last.LevelConfidence, 6);
        Assert.Equal(162.69538056850433, last.Centre.X, 9);
        Assert.Equal(421.98636627197266, last.Centre.Y, 9);
        Assert.Equal(155.3499745130539, last.Points[0].X, 9);
        Assert.Equal(433.95640659332275, last.Points[5].Y, 9);
    }

    [Fact]
    public void Decode_DensePattern_KeepsMaxDetectionsAndMatchesNumpy()
    {
        // 30 peaks kept of more; more detections than levels: the reference's programme then labels all T1.
        var o = DetectorOutputs.Pattern(sparse: false);
        var peaks = Decoder.FindPeaks(o.Heatmap.Span[..DetectorOutputs.Cells], DetectorOutputs.Height, DetectorOutputs.Width);

        Assert.Equal(30, peaks.Count);
        Assert.Equal(new HeatmapPeak(0.9820137619972229f, 0, 0), peaks[0]);
        Assert.Equal((18, 12), (peaks[1].Row, peaks[1].Column));
        Assert.Equal((9, 31), (peaks[2].Row, peaks[2].Column));
        Assert.Equal((27, 6), (peaks[3].Row, peaks[3].Column));
        Assert.Equal((36, 38), (peaks[4].Row, peaks[4].Column));
        Assert.Equal((63, 19), (peaks[29].Row, peaks[29].Column));
        Assert.Equal(0.9814821481704712f, peaks[29].Probability);

        var found = Decoder.Decode(o.ToDictionary(), 0);
        Assert.All(found, v => Assert.Equal("T1", v.Level));
        Assert.Equal((0, 25), (found[0].CellRow, found[0].CellColumn));
        Assert.Equal(0.1573827564716339, found[0].LevelConfidence, 6);
        Assert.Equal(101.30057573318481, found[0].Centre.X, 9);
        Assert.Equal(-0.9743490219116211, found[0].Centre.Y, 9);
        Assert.Equal((99, 82), (found[^1].CellRow, found[^1].CellColumn));
    }

    [Fact]
    public void FindPeaks_ThresholdIsInclusive()
    {
        float atThreshold = Logit(0.3f);
        var o = new DetectorOutputs(1);
        o.SetHeat(0, 10, 10, atThreshold);
        o.SetHeat(0, 50, 50, BitDecrementUntilBelow(0.3f));

        var peaks = Decoder.FindPeaks(o.Heatmap.Span[..DetectorOutputs.Cells], DetectorOutputs.Height, DetectorOutputs.Width);

        Assert.Equal((10, 10), Assert.Single(peaks) is var p ? (p.Row, p.Column) : default);
        Assert.Equal(0.3f, p.Probability);
    }

    [Fact]
    public void FindPeaks_ExclusiveThreshold_DropsTheEqualCell()
    {
        var spec = TestManifests.ReadSingleStage().OutputDecoding;
        var decoder = new DetectorDecoder(spec with { Peak = spec.Peak with { ThresholdInclusive = false } });
        var o = new DetectorOutputs(1);
        o.SetHeat(0, 10, 10, Logit(0.3f));

        Assert.Empty(decoder.FindPeaks(o.Heatmap.Span[..DetectorOutputs.Cells], DetectorOutputs.Height, DetectorOutputs.Width));
    }

    [Fact]
    public void FindPeaks_EqualNeighbours_OnlyTheFirstInRowMajorOrder()
    {
        var o = new DetectorOutputs(1);
        o.SetHeat(0, 20, 20, 3f);
        o.SetHeat(0, 20, 21, 3f);   // same value right of it: not a peak
        o.SetHeat(0, 21, 19, 3f);   // below-left: not a peak (20,20 precedes it in its window)
        o.SetHeat(0, 40, 40, 3f);
        o.SetHeat(0, 41, 41, 4f);   // larger neighbour: (40,40) is not a peak

        var peaks = Decoder.FindPeaks(o.Heatmap.Span[..DetectorOutputs.Cells], DetectorOutputs.Height, DetectorOutputs.Width);

        Assert.Equal([(41, 41), (20, 20)], peaks.Select(p => (p.Row, p.Column)));
    }

    [Fact]
    public void FindPeaks_SaturatedPlateau_KeepsTheFirstCell()
    {
        // float32 sigmoid: logits 30 and 40 both give exactly 1, so they tie as in the reference.
        var o = new DetectorOutputs(1);
        o.SetHeat(0, 30, 30, 30f);
        o.SetHeat(0, 30, 31, 40f);

        var peaks = Decoder.FindPeaks(o.Heatmap.Span[..DetectorOutputs.Cells], DetectorOutputs.Height, DetectorOutputs.Width);

        Assert.Equal((30, 30), Assert.Single(peaks) is var p ? (p.Row, p.Column) : default);
        Assert.Equal(1f, p.Probability);
    }

    [Fact]
    public void FindPeaks_EdgeCells_SeeOutsideAsMinusOne()
    {
        var o = new DetectorOutputs(1);
        o.SetHeat(0, 0, 0, 0f);
        o.SetHeat(0, DetectorOutputs.Height - 1, DetectorOutputs.Width - 1, 0f);

        var peaks = Decoder.FindPeaks(o.Heatmap.Span[..DetectorOutputs.Cells], DetectorOutputs.Height, DetectorOutputs.Width);

        Assert.Equal([(0, 0), (111, 87)], peaks.Select(p => (p.Row, p.Column)));
    }

    [Fact]
    public void FindPeaks_Order_ProbabilityThenRowThenColumn()
    {
        var o = new DetectorOutputs(1);
        o.SetHeat(0, 50, 10, 2f);
        o.SetHeat(0, 10, 60, 2f);
        o.SetHeat(0, 10, 20, 2f);
        o.SetHeat(0, 90, 80, 5f);

        var peaks = Decoder.FindPeaks(o.Heatmap.Span[..DetectorOutputs.Cells], DetectorOutputs.Height, DetectorOutputs.Width);

        Assert.Equal([(90, 80), (10, 20), (10, 60), (50, 10)], peaks.Select(p => (p.Row, p.Column)));
    }

    [Fact]
    public void Decode_KnownOffsets_GiveCentreAndPoints()
    {
        var o = new DetectorOutputs(1);
        o.SetHeat(0, 30, 40, 5f);
        o.SetOffset(0, 0, 30, 40, 0.25f);
        o.SetOffset(0, 1, 30, 40, -0.5f);
        o.SetOffset(0, 2, 30, 40, 0.125f);   // sa.x: +0.125 × 8 × 4 = +4
        o.SetOffset(0, 13, 30, 40, -0.25f);  // ip.y: −8
        o.SetLevel(0, 12, 30, 40, 10f);

        var v = Assert.Single(Decoder.Decode(o.ToDictionary(), 0));

        Assert.Equal("L1", v.Level);
        Assert.Equal(12, v.LevelIndex);
        Assert.Equal(161.0, v.Centre.X);
        Assert.Equal(118.0, v.Centre.Y);
        Assert.Equal(165.0, v.Points[0].X);
        Assert.Equal(118.0, v.Points[0].Y);
        Assert.Equal(110.0, v.Points[5].Y);
        Assert.Equal(DetectorDecoder.Sigmoid(5f), (float)v.Score);
        Assert.True(v.LevelConfidence > 0.99);
    }

    [Fact]
    public void Decode_SecondBatchItem_ReadsItsOwnPlanes()
    {
        var o = new DetectorOutputs(2);
        o.SetHeat(0, 5, 5, 5f);
        o.SetHeat(1, 70, 30, 5f);
        o.SetLevel(1, 16, 70, 30, 10f);

        var v = Assert.Single(Decoder.Decode(o.ToDictionary(), 1));

        Assert.Equal((70, 30), (v.CellRow, v.CellColumn));
        Assert.Equal("L5", v.Level);
    }

    [Fact]
    public void Decode_NoPeak_ReturnsEmpty()
    {
        Assert.Empty(Decoder.Decode(new DetectorOutputs(1).ToDictionary(), 0));
    }

    [Fact]
    public void Decode_MissingOutput_NamesTheManifestField()
    {
        var outputs = new DetectorOutputs(1).ToDictionary();
        outputs.Remove("levels");
        var e = Assert.Throws<ModelManifestException>(() => Decoder.Decode(outputs, 0));
        Assert.Equal("output_decoding.outputs.levels", e.Field);
    }

    [Fact]
    public void Decode_WrongChannels_NamesTheManifestField()
    {
        var outputs = new DetectorOutputs(1).ToDictionary();
        outputs["offsets"] = Tensor.Allocate(1, 12, DetectorOutputs.Height, DetectorOutputs.Width);
        var e = Assert.Throws<ModelManifestException>(() => Decoder.Decode(outputs, 0));
        Assert.Equal("output_decoding.outputs.offsets", e.Field);
    }

    [Fact]
    public void Decode_ItemBeyondBatch_Throws()
    {
        Assert.Throws<ModelManifestException>(() => Decoder.Decode(new DetectorOutputs(1).ToDictionary(), 1));
    }

    [Fact]
    public void AssignLevels_ClearLogits_FollowThem()
    {
        var logp = new List<float[]> { OneHot(3, 18), OneHot(4, 18), OneHot(6, 18) };
        Assert.Equal([3, 4, 6], DetectorDecoder.AssignLevels(logp, 18, 4.0));
    }

    [Fact]
    public void AssignLevels_SameBestLevel_ForcedIncreasing()
    {
        // Both prefer level 5; the second takes 6 (cheaper than the first taking 4 with its lower logit there).
        float[] a = Uniform(18, -10f);
        a[5] = 0f;
        a[4] = -3f;
        float[] b = Uniform(18, -10f);
        b[5] = 0f;
        b[6] = -1f;
        Assert.Equal([5, 6], DetectorDecoder.AssignLevels([a, b], 18, 4.0));
    }

    [Fact]
    public void AssignLevels_GapPenalty_PrefersAdjacentLevels()
    {
        // Second detection: level 9 is slightly better than level 6, but skipping 2 levels costs 8.
        float[] a = OneHot(5, 18);
        float[] b = Uniform(18, -20f);
        b[6] = -1f;
        b[9] = 0f;
        Assert.Equal([5, 6], DetectorDecoder.AssignLevels([a, b], 18, 4.0));
        Assert.Equal([5, 9], DetectorDecoder.AssignLevels([a, b], 18, 0.0));
    }

    [Fact]
    public void AssignLevels_Ties_LowestPreviousThenLowestFinal()
    {
        float[] flat = Uniform(4, 0f);
        Assert.Equal([0, 1], DetectorDecoder.AssignLevels([flat, flat], 4, 0.0));
        Assert.Equal([0], DetectorDecoder.AssignLevels([flat], 4, 0.0));
    }

    [Fact]
    public void AssignLevels_MoreDetectionsThanLevels_AllFirstLevelAsTheReference()
    {
        float[] flat = Uniform(2, 0f);
        Assert.Equal([0, 0, 0], DetectorDecoder.AssignLevels([flat, flat, flat], 2, 4.0));
    }

    [Fact]
    public void LogSoftmax_SumsToOneInProbability()
    {
        float[] logp = DetectorDecoder.LogSoftmax([1f, 2f, 3f, -1f]);
        double total = logp.Sum(v => Math.Exp(v));
        Assert.Equal(1.0, total, 6);
        Assert.Equal(Math.Log(Math.Exp(3) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(3) + Math.Exp(-1))), logp[2], 6);
    }

    [Fact]
    public void PairwiseSum_FollowsNumpyBlocking()
    {
        float[] a = Enumerable.Range(0, 18).Select(i => 1f / (i + 3)).ToArray();
        float[] r = a[..8];
        for (int j = 0; j < 8; j++)
        {
            r[j] += a[8 + j];
        }

        float expected = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])) + a[16] + a[17];
        Assert.Equal(expected, DetectorDecoder.PairwiseSum(a));
        Assert.Equal(6f, DetectorDecoder.PairwiseSum([1f, 2f, 3f]));
    }

    private static float[] OneHot(int index, int n)
    {
        float[] v = Uniform(n, -20f);
        v[index] = 0f;
        return v;
    }

    private static float[] Uniform(int n, float value) => Enumerable.Repeat(value, n).ToArray();

    private static float Logit(float p)
    {
        // the float logit whose float32 sigmoid is exactly p (searching around the double logit)
        float x = (float)Math.Log(p / (1.0 - p));
        for (int i = 0; i < 64 && DetectorDecoder.Sigmoid(x) != p; i++)
        {
            x = DetectorDecoder.Sigmoid(x) < p ? MathF.BitIncrement(x) : MathF.BitDecrement(x);
        }

        Assert.Equal(p, DetectorDecoder.Sigmoid(x));
        return x;
    }

    private static float BitDecrementUntilBelow(float p)
    {
        float x = Logit(p);
        while (DetectorDecoder.Sigmoid(x) >= p)
        {
            x = MathF.BitDecrement(x);
        }

        return x;
    }
}
