using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Results;
using Xunit;
using static PlaoImaging.Analysis.Tests.Engine.ReviewFlaggerTests;

namespace PlaoImaging.Analysis.Tests.Engine;

public sealed class LevelJoinerTests
{
    private static readonly string[] Order = ["T12", "L1", "L2"];

    [Fact]
    public void RadiographAndMr_AreJoinedPerLevel_InAnatomicalOrder_WithTheHigherGrade()
    {
        var cr = Image("lateral-radiograph", Vertebra("L2", 500, 600), Vertebra("L1", 500, 500, grade: 1));
        var stir = Image("sagittal-mr", Vertebra("L1", 500, 500, grade: 2) with
        {
            Marrow = new MarrowFinding("STIR", 2.5, Acute: true, SupportingOnly: false, "STIR 2.5 x neighbours"),
        });
        var levels = LevelJoiner.Join([cr, stir], Order);
        Assert.Equal(["L1", "L2"], levels.Select(l => l.Level).ToList());
        var l1 = levels[0];
        Assert.Equal(1, l1.Radiograph!.GenantGrade);
        Assert.Equal(2, l1.Mr!.GenantGrade);
        Assert.Equal(2, l1.GenantGrade);
        Assert.True(l1.Acute);
        Assert.Equal(2.5, l1.Mr.OedemaRatio);
        Assert.Null(levels[1].Mr);
    }

    [Fact]
    public void SameLevelOnTwoRadiographs_TakesTheHigherScore()
    {
        var a = Image("lateral-radiograph", Vertebra("L1", 500, 500, score: 0.7, grade: 3));
        var b = Image("lateral-radiograph", Vertebra("L1", 500, 500, score: 0.9, grade: 0));
        var l1 = Assert.Single(LevelJoiner.Join([a, b], Order));
        Assert.Equal(b.Source.SopInstanceUid, l1.Radiograph!.SopInstanceUid);
    }

    [Fact]
    public void FailedAndUnmeasuredImages_DoNotCount()
    {
        var failed = Image("lateral-radiograph", Vertebra("L1", 500, 500, grade: 3)) with { Error = "bad" };
        var unmeasured = Image("sagittal-mr", Vertebra("L1", 500, 500, grade: 3)) with { Measured = false };
        Assert.Empty(LevelJoiner.Join([failed, unmeasured], Order));
    }
}
