using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Morphometry;
using PlaoImaging.Analysis.Tests.Models;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Morphometry;

public sealed class GenantGraderTests
{
    private static readonly ModelManifest Manifest = TestManifests.ReadSingleStage();

    // Test reference table: L1-L3 with ratio 1 (so reductions are plain height ratios), T8 and L5 with other ratios.
    private static readonly GenantGrader Grader = new(
        Manifest.Grading with
        {
            ReferenceLevels = new Dictionary<string, ReferenceRatios>
            {
                ["T8"] = new(0.80, 0.90),
                ["L1"] = new(1.0, 1.0),
                ["L2"] = new(1.0, 1.0),
                ["L3"] = new(1.0, 1.0),
                ["L5"] = new(1.25, 1.0),
            },
        },
        Manifest.OutputDecoding.LevelNames);

    [Theory]
    [InlineData(0.1999, 0)]
    [InlineData(0.19999999999999996, 0)]
    [InlineData(0.20, 1)]
    [InlineData(0.2001, 1)]
    [InlineData(0.2499, 1)]
    [InlineData(0.24999999999999997, 1)]
    [InlineData(0.25, 2)]
    [InlineData(0.3999, 2)]
    [InlineData(0.40, 2)]
    [InlineData(0.4001, 3)]
    [InlineData(0.40000000000000008, 3)]
    [InlineData(0.9, 3)]
    [InlineData(-0.5, 0)]
    [InlineData(double.NaN, 0)]
    public void GradeOf_Thresholds_InclusiveAsTheManifestSays(double reduction, int grade)
    {
        Assert.Equal(grade, Grader.GradeOf(reduction));
    }

    [Theory]
    [InlineData(0.20, 0)]
    [InlineData(0.2001, 1)]
    public void GradeOf_ExclusiveGrade1_NeedsMoreThanTheMinimum(double reduction, int grade)
    {
        var spec = Manifest.Grading with { Thresholds = [new GradeThreshold(1, 0.20, false), new GradeThreshold(2, 0.25, true), new GradeThreshold(3, 0.40, false)] };
        Assert.Equal(grade, new GenantGrader(spec, Manifest.OutputDecoding.LevelNames).GradeOf(reduction));
    }

    [Fact]
    public void Heights_NoSpacing_ArePixelDistances()
    {
        var h = GenantGrader.Heights(Body(0, 0, 30, 40, 50), null);
        Assert.Equal(new VertebraHeights(30, 40, 50, false), h);
    }

    [Fact]
    public void Heights_Spacing_ScalesRowsAndColumnsSeparately()
    {
        // sa − ia is (3, 4) px: with 0.5 mm between columns and 2 mm between rows → (1.5, 8) mm
        ImagePoint[] p = [new(10, 10), new(20, 10), new(30, 10), new(13, 14), new(20, 20), new(30, 30)];
        var h = GenantGrader.Heights(p, new MeasurementSpacing(RowMm: 2.0, ColumnMm: 0.5));
        Assert.True(h.InMillimetres);
        Assert.Equal(Math.Sqrt((1.5 * 1.5) + (8 * 8)), h.Anterior, 12);
        Assert.Equal(20.0, h.Middle, 12);
        Assert.Equal(40.0, h.Posterior, 12);
    }

    [Fact]
    public void Heights_ManifestRule_UsesTheRowSpacingOnBothAxes()
    {
        var spacing = MeasurementSpacing.FromModelSpacing(0.375);
        Assert.Equal(new MeasurementSpacing(0.375, 0.375), spacing);
        Assert.Null(MeasurementSpacing.FromModelSpacing(null));
        Assert.Null(MeasurementSpacing.FromModelSpacing(0));
        var h = GenantGrader.Heights(Body(0, 0, 30, 40, 50), spacing);
        Assert.Equal(30 * 0.375, h.Anterior, 12);
        Assert.Equal(50 * 0.375, h.Posterior, 12);
    }

    [Fact]
    public void Grade_SpacingDoesNotChangeGrades()
    {
        var vertebrae = Spine(("L1", 40, 40, 40), ("L2", 28, 40, 40), ("L3", 40, 40, 40));
        var px = Grader.Grade(vertebrae, null);
        var mm = Grader.Grade(vertebrae, new MeasurementSpacing(0.2, 0.2));
        Assert.Equal(px.Select(v => v.Grade), mm.Select(v => v.Grade));
        Assert.Equal(px[1].Reductions.Wedge, mm[1].Reductions.Wedge, 12);
        Assert.False(px[1].Heights.InMillimetres);
        Assert.True(mm[1].Heights.InMillimetres);
    }

    [Theory]
    [InlineData(32.004, 0, "none")]    // 19.99 %
    [InlineData(31.996, 1, "wedge")]   // 20.01 %
    [InlineData(30.004, 1, "wedge")]   // 24.99 %
    [InlineData(30.0, 2, "wedge")]     // 25.00 % exactly (1 − 30/40)
    [InlineData(29.996, 2, "wedge")]
    [InlineData(24.0, 2, "wedge")]     // 40.00 % exactly (1 − 24/40 = 0.4 in double)
    [InlineData(23.996, 3, "wedge")]   // 40.01 %
    public void Grade_Wedge_AtItsThresholds(double anterior, int grade, string kind)
    {
        var v = Grader.Grade(Spine(("L1", 40, 40, 40), ("L2", anterior, 40, 40), ("L3", 40, 40, 40)), null)[1];
        Assert.Equal(grade, v.Grade);
        Assert.Equal(kind, GenantGrader.NameOf(v.Deformity));
        Assert.Equal(1 - (anterior / 40), v.Reductions.Wedge, 15);
    }

    [Theory]
    [InlineData(32.004, 0, "none")]
    [InlineData(31.996, 1, "biconcave")]
    [InlineData(30.0, 2, "biconcave")]
    [InlineData(24.0, 2, "biconcave")]
    [InlineData(23.996, 3, "biconcave")]
    public void Grade_Biconcave_AtItsThresholds(double middle, int grade, string kind)
    {
        var v = Grader.Grade(Spine(("L1", 40, 40, 40), ("L2", 40, middle, 40), ("L3", 40, 40, 40)), null)[1];
        Assert.Equal(grade, v.Grade);
        Assert.Equal(kind, GenantGrader.NameOf(v.Deformity));
    }

    [Theory]
    [InlineData(32.004, 0, "none")]
    [InlineData(31.996, 1, "crush")]
    [InlineData(30.0, 2, "crush")]
    [InlineData(24.0, 2, "crush")]
    [InlineData(23.996, 3, "crush")]
    public void Grade_Crush_AtItsThresholds(double height, int grade, string kind)
    {
        // the whole body lower than its normal neighbours (all three heights equal: no wedge, no biconcavity)
        var v = Grader.Grade(Spine(("L1", 40, 40, 40), ("L2", height, height, height), ("L3", 40, 40, 40)), null)[1];
        Assert.Equal(grade, v.Grade);
        Assert.Equal(kind, GenantGrader.NameOf(v.Deformity));
        Assert.True(v.Reductions.CrushAssessed);
        Assert.Equal(height / 40, v.PosteriorNeighbourRatio!.Value, 15);
    }

    [Fact]
    public void Grade_ReferenceRatio_DividesTheHeightRatio()
    {
        // T8 normal Ha/Hp 0.80: Ha/Hp 0.72 is a wedge reduction of 1 − 0.72/0.80 = 10 %, not 28 %
        var v = Grader.Grade(Spine(("T8", 36, 45, 50)), null)[0];
        Assert.Equal(1 - (36.0 / 50 / 0.80), v.Reductions.Wedge, 15);
        Assert.Equal(1 - (45.0 / 50 / 0.90), v.Reductions.Biconcave, 15);
        Assert.Equal(0, v.Grade);
        Assert.Equal("T8", v.ReferenceLevel);
        Assert.Equal(36.0 / 50, v.AnteriorPosteriorRatio, 15);
        Assert.Equal(45.0 / 50, v.MiddlePosteriorRatio, 15);
    }

    [Theory]
    [InlineData("T1", "T8")]
    [InlineData("T7", "T8")]
    [InlineData("T10", "T8")]     // 2 from T8, 3 from L1
    [InlineData("T11", "L1")]     // 3 from T8, 2 from L1
    [InlineData("T12", "L1")]
    [InlineData("L4", "L3")]      // equidistant from L3 and L5: the cranial one
    [InlineData("S1", "L5")]
    public void ReferenceLevelOf_NearestByIndexTiesCranial(string level, string reference)
    {
        Assert.Equal(reference, Grader.ReferenceLevelOf(level));
    }

    [Fact]
    public void ReferenceLevelOf_RealManifest_T1ToT9TakeT10AndL3ToS1TakeL2()
    {
        var real = new GenantGrader(ModelManifestReader.Read(RepositoryFiles.Path("models", "plao-vertebra-landmarks-v1.json")));
        Assert.Equal("T10", real.ReferenceLevelOf("T1"));
        Assert.Equal("T10", real.ReferenceLevelOf("T9"));
        Assert.Equal("T11", real.ReferenceLevelOf("T11"));
        Assert.Equal("L2", real.ReferenceLevelOf("L3"));
        Assert.Equal("L2", real.ReferenceLevelOf("S1"));
    }

    [Fact]
    public void ReferenceLevelOf_UnknownLevel_Throws()
    {
        Assert.Throws<ArgumentException>(() => Grader.ReferenceLevelOf("C7"));
    }

    [Fact]
    public void Grade_CrushNeighbours_SkipFracturedNeighbours()
    {
        // L2's neighbours: L1 is wedged (grade ≥ 1, not a reference), L3 is normal: hp_ref = L3's 50
        var v = Grader.Grade(Spine(("L1", 28, 40, 40), ("L2", 29, 29, 29), ("L3", 50, 50, 50)), null)[1];
        Assert.True(v.Reductions.CrushAssessed);
        Assert.Equal(1 - (29.0 / 50), v.Reductions.Crush, 15);
        Assert.Equal(3, v.Grade);
        Assert.Equal(Deformity.Crush, v.Deformity);
    }

    [Fact]
    public void Grade_CrushNeighbours_BothNormal_MeanOfBoth()
    {
        var v = Grader.Grade(Spine(("L1", 40, 40, 40), ("L2", 30, 30, 30), ("L3", 50, 50, 50)), null)[1];
        Assert.Equal(1 - (30.0 / ((40.0 + 50.0) / 2)), v.Reductions.Crush, 15);
    }

    [Fact]
    public void Grade_CrushNeighbours_NeighbourJustBelowGrade1_StillAReference()
    {
        // L1 wedge 19.99 % (grade 0) is a reference; at 20.01 % it is not
        var with = Grader.Grade(Spine(("L1", 32.004, 40, 40), ("L2", 30, 30, 30)), null)[1];
        var without = Grader.Grade(Spine(("L1", 31.996, 40, 40), ("L2", 30, 30, 30)), null)[1];
        Assert.True(with.Reductions.CrushAssessed);
        Assert.False(without.Reductions.CrushAssessed);
        Assert.Equal(0.0, without.Reductions.Crush);
        Assert.Null(without.PosteriorNeighbourRatio);
    }

    [Fact]
    public void Grade_CrushNeighbours_OnlyTheAdjacentEntriesOfTheList()
    {
        // L1's neighbours in the list are L2 (fractured) only; L3 two places away is not used
        var v = Grader.Grade(Spine(("L1", 30, 30, 30), ("L2", 20, 40, 40), ("L3", 60, 60, 60)), null)[0];
        Assert.False(v.Reductions.CrushAssessed);
        Assert.Equal(0, v.Grade);
    }

    [Fact]
    public void Grade_S1_MeasuredNeverGradedNeverAReference()
    {
        var result = Grader.Grade(Spine(("L5", 30, 30, 30), ("S1", 10, 40, 40)), null);
        var s1 = result[1];
        Assert.False(s1.Graded);
        Assert.Equal(0, s1.Grade);
        Assert.Equal(Deformity.None, s1.Deformity);
        Assert.Equal(1 - (10.0 / 40 / 1.25), s1.Reductions.Wedge, 15);    // S1 takes the nearest reference, L5's 1.25
        Assert.False(result[0].Reductions.CrushAssessed);            // S1 is not L5's reference
        Assert.Equal("L5", s1.ReferenceLevel);
    }

    [Fact]
    public void Grade_Ties_NamedInKindTiesOrder()
    {
        // wedge = biconcave = 30 %, crush not assessed: wedge names it; with kind_ties biconcave first, biconcave
        var vertebrae = Spine(("L2", 28, 28, 40));
        Assert.Equal(Deformity.Wedge, Grader.Grade(vertebrae, null)[0].Deformity);
        var spec = Grader.Grading with { KindTies = ["biconcave", "wedge", "crush"] };
        Assert.Equal(Deformity.Biconcave, new GenantGrader(spec, Manifest.OutputDecoding.LevelNames).Grade(vertebrae, null)[0].Deformity);
    }

    [Fact]
    public void Grade_ZeroPosteriorHeight_ReductionsZero()
    {
        var v = Grader.Grade(Spine(("L2", 30, 30, 0)), null)[0];
        Assert.Equal(new HeightReductions(0, 0, 0, false), v.Reductions);
        Assert.Equal(0, v.Grade);
        Assert.Equal(0.0, v.AnteriorPosteriorRatio);
    }

    [Fact]
    public void Grade_UnknownRule_Refused()
    {
        var spec = Manifest.Grading with { Rule = "other" };
        Assert.Equal("grading.rule", Assert.Throws<ModelManifestException>(() => new GenantGrader(spec, Manifest.OutputDecoding.LevelNames)).Field);
    }

    /// <summary>A vertebra at (x, y) with vertical heights ha, hm, hp (anterior at the left).</summary>
    internal static ImagePoint[] Body(double x, double y, double ha, double hm, double hp) =>
        [new(x, y), new(x + 20, y), new(x + 40, y), new(x, y + ha), new(x + 20, y + hm), new(x + 40, y + hp)];

    private static List<VertebraPoints> Spine(params (string Level, double Ha, double Hm, double Hp)[] bodies) =>
        bodies.Select((b, i) => new VertebraPoints(b.Level, Body(0, i * 60, b.Ha, b.Hm, b.Hp))).ToList();
}
