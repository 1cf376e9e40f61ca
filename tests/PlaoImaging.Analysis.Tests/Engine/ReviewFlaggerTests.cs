using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Results;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Engine;

/// <summary>Every review flag at its threshold.</summary>
public sealed class ReviewFlaggerTests
{
    private static readonly Dictionary<string, IReadOnlyList<double>?> NoOrientations = [];

    /// <summary>A vertebra whose body is a 20 × 20 px square centred at (cx, cy).</summary>
    internal static VertebraResult Vertebra(string level, double cx, double cy, double score = 0.9, double levelConfidence = 0.9, int grade = 0, bool graded = true) => new()
    {
        Level = level,
        LevelConfidence = levelConfidence,
        Score = score,
        Points = new Dictionary<string, double[]>
        {
            ["sa"] = [cx - 10, cy - 10], ["sm"] = [cx, cy - 10], ["sp"] = [cx + 10, cy - 10],
            ["ia"] = [cx - 10, cy + 10], ["im"] = [cx, cy + 10], ["ip"] = [cx + 10, cy + 10],
        },
        Heights = new Heights(20, 20, 20, "mm"),
        Ratios = new Ratios(1, 1, 1),
        Reductions = new Reductions(0, 0, 0, true),
        GenantGrade = grade,
        Deformity = grade == 0 ? "none" : "wedge",
        Graded = graded,
    };

    internal static ImageResult Image(string kind, params VertebraResult[] vertebrae) => new()
    {
        Source = new ImageReference("1.2", "1.2.3", "1.2.3." + Guid.NewGuid().ToString("N")[..6], "1.2.840.10008.5.1.4.1.1.1", 0),
        Kind = kind,
        Rows = 1000,
        Columns = 1000,
        Spacing = new SpacingInfo(0.2, 0.2, "pixel_spacing", "calibrated"),
        Vertebrae = vertebrae,
    };

    private static IReadOnlyList<ReviewFlag> Flags(params ImageResult[] images) =>
        ReviewFlagger.Flag(images, LevelJoiner.Join(images, Levels), new Results.DeformityIndex(0, false, []), NoOrientations, Levels);

    private static readonly string[] Levels = ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5", "S1"];

    [Theory]
    [InlineData(0.4999, true)]
    [InlineData(0.5, false)]
    public void LowScore_IsFlaggedBelowTheThreshold(double score, bool flagged) =>
        Assert.Equal(flagged, Flags(Image("lateral-radiograph", Vertebra("L1", 500, 500, score: score))).Any(f => f.Code == "low-confidence" && f.Level == "L1"));

    [Theory]
    [InlineData(0.5999, true)]
    [InlineData(0.6, false)]
    public void LowLevelConfidence_IsFlaggedBelowTheThreshold(double confidence, bool flagged) =>
        Assert.Equal(flagged, Flags(Image("lateral-radiograph", Vertebra("L1", 500, 500, levelConfidence: confidence))).Any(f => f.Code == "level-uncertain"));

    [Theory]
    [InlineData(19.9, true)]   // a point at x = 9.9 < 10 (1 % of 1000)
    [InlineData(20.1, false)]
    public void PointNearTheBorder_IsFlaggedAtEdge(double cx, bool flagged) =>
        Assert.Equal(flagged, Flags(Image("lateral-radiograph", Vertebra("L1", cx, 500))).Any(f => f.Code == "vertebra-at-edge"));

    [Theory]
    [InlineData(1, 2, true)]
    [InlineData(2, 2, false)]
    public void GradeRangeAcrossAThreshold_IsFlaggedGradeUncertain(int low, int high, bool flagged)
    {
        var v = Vertebra("L1", 500, 500, grade: 2) with { GradeRange = new GradeRange(low, high, 0.03) };
        var flags = Flags(Image("lateral-radiograph", v));
        Assert.Equal(flagged, flags.Any(f => f.Code == "grade-uncertain" && f.Level == "L1"));
        if (flagged)
        {
            Assert.Contains("grade 1 to 2", flags.Single(f => f.Code == "grade-uncertain").Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0.127, 0, true)]
    [InlineData(0.1269, 0, false)]
    [InlineData(0.15, 1, false)]     // already graded: no second flag
    public void GradeZeroWithAReductionAtTheReviewThreshold_IsAPossibleFracture(double wedge, int grade, bool flagged)
    {
        var v = Vertebra("T8", 500, 500, grade: grade) with { Reductions = new Reductions(wedge, 0.01, 0.3, false) };
        var flags = ReviewFlagger.Flag([Image("lateral-radiograph", v)], LevelJoiner.Join([Image("lateral-radiograph", v)], Levels), new Results.DeformityIndex(0, false, []), NoOrientations, Levels,
            new ReviewFlagOptions { PossibleFractureMinReduction = 0.127 });
        Assert.Equal(flagged, flags.Any(f => f.Code == "possible-fracture" && f.Level == "T8"));
    }

    [Fact]
    public void PossibleFracture_IsNeverFlaggedWithoutAThreshold()
    {
        var v = Vertebra("T8", 500, 500) with { Reductions = new Reductions(0.19, 0.19, 0.19, true) };
        Assert.DoesNotContain(Flags(Image("lateral-radiograph", v)), f => f.Code == "possible-fracture");
    }

    [Fact]
    public void UngradedLevelAtTheBorder_IsNotFlagged() =>
        Assert.DoesNotContain(Flags(Image("lateral-radiograph", Vertebra("S1", 5, 500, graded: false))), f => f.Code == "vertebra-at-edge");

    [Fact]
    public void SkippedLevel_OnARadiograph_IsALevelGap()
    {
        var flags = Flags(Image("lateral-radiograph", Vertebra("T5", 500, 100), Vertebra("T7", 500, 200), Vertebra("T8", 500, 300)));
        var gap = Assert.Single(flags, f => f.Code == "level-gap");
        Assert.Contains("between T5 and T7", gap.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MrLevelsChosenOnDifferentSlices_AreJudgedTogether()
    {
        var a = Image("sagittal-mr", Vertebra("T12", 500, 100), Vertebra("L2", 500, 300));
        var b = Image("sagittal-mr", Vertebra("L1", 500, 200));
        Assert.DoesNotContain(Flags(a, b), f => f.Code == "level-gap");
        var c = Image("sagittal-mr", Vertebra("L4", 500, 500));
        Assert.Contains(Flags(a, b, c), f => f.Code == "level-gap" && f.Message.Contains("between L2 and L4", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(29, false)]
    [InlineData(31, true)]
    public void SpineAxisFarFromVertical_IsTilted(double degrees, bool flagged)
    {
        double t = degrees * Math.PI / 180;
        var vertebrae = Enumerable.Range(0, 5).Select(i => Vertebra(Levels[10 + i], 500 + (i * 60 * Math.Sin(t)), 200 + (i * 60 * Math.Cos(t)))).ToArray();
        Assert.Equal(flagged, Flags(Image("lateral-radiograph", vertebrae)).Any(f => f.Code == "tilted"));
    }

    [Theory]
    [InlineData(9, false)]
    [InlineData(11, true)]
    public void ObliqueSagittalSlice_IsFlagged(double degrees, bool flagged)
    {
        // Rows along anterior-posterior turned by the angle toward left-right; columns head to foot.
        double t = degrees * Math.PI / 180;
        IReadOnlyList<double> iop = [Math.Sin(t), Math.Cos(t), 0, 0, 0, -1];
        var image = Image("sagittal-mr", Vertebra("L1", 500, 500));
        var flags = ReviewFlagger.Flag([image], [], new Results.DeformityIndex(0, false, []), new Dictionary<string, IReadOnlyList<double>?> { [image.Source.SopInstanceUid] = iop }, Levels);
        Assert.Equal(flagged, flags.Any(f => f.Code == "oblique-mr"));
        Assert.Equal(degrees, SliceGeometry.AngleFromLeftRight(SliceGeometry.Normal(iop)!.Value), 6);
    }

    [Theory]
    [InlineData("none", "missing-spacing")]
    [InlineData("imager_pixel_spacing_uncorrected", "uncalibrated-spacing")]
    public void SpacingProvenance_IsFlagged(string provenance, string code)
    {
        var image = Image("lateral-radiograph", Vertebra("L1", 500, 500)) with { Spacing = new SpacingInfo(null, null, provenance, "") };
        Assert.Contains(Flags(image), f => f.Code == code);
    }

    [Theory]
    [InlineData(0, 1, true)]
    [InlineData(1, 2, false)]
    [InlineData(1, 3, true)]
    [InlineData(2, 2, false)]
    public void RadiographAndMrGrades_DisagreeWhenOneSeesNoFractureOrTheyDifferByTwo(int radiograph, int mr, bool flagged)
    {
        var cr = Image("lateral-radiograph", Vertebra("L1", 500, 500, grade: radiograph));
        var m = Image("sagittal-mr", Vertebra("L1", 500, 500, grade: mr));
        Assert.Equal(flagged, Flags(cr, m).Any(f => f.Code == "modalities-disagree" && f.Level == "L1"));
    }

    [Fact]
    public void PartialFieldOfView_IsFlaggedOnlyWhenSomethingWasMeasured()
    {
        var partial = new Results.DeformityIndex(0, true, ["T4"]);
        var image = Image("lateral-radiograph", Vertebra("L1", 500, 500));
        Assert.Contains(ReviewFlagger.Flag([image], LevelJoiner.Join([image], Levels), partial, NoOrientations, Levels), f => f.Code == "partial-field-of-view");
        Assert.DoesNotContain(ReviewFlagger.Flag([], [], partial, NoOrientations, Levels), f => f.Code == "partial-field-of-view");
    }

    [Fact]
    public void FailedImage_AndEmptyImage_AreFlagged()
    {
        var failed = Image("lateral-radiograph") with { Error = "corrupt" };
        var empty = Image("lateral-radiograph");
        var flags = Flags(failed, empty);
        Assert.Contains(flags, f => f.Code == "image-failed" && f.Message.Contains("corrupt", StringComparison.Ordinal));
        Assert.Contains(flags, f => f.Code == "no-vertebrae");
    }
}
