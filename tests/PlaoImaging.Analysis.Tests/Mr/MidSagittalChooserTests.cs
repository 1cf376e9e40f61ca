using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Mr;
using PlaoImaging.Analysis.Tests.Selection;
using PlaoImaging.Dicom;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Mr;

public sealed class MidSagittalChooserTests
{
    private static readonly double[] Sagittal = [0, 1, 0, 0, 0, -1];

    /// <summary>The slices of one sample MR series with the truth's fully visible vertebrae standing in for the model.</summary>
    internal static List<MrSlice> SampleSlices(string weighting, Func<int, string, double> score)
    {
        var files = SampleStudies.MrSeries(weighting);
        var slices = new List<MrSlice>();
        for (int k = 0; k < files.Count; k++)
        {
            var header = SampleStudies.Header(files[k]);
            var vertebrae = SampleStudies.Truth(files[k])
                .Where(v => v.FullyVisible)
                .Select(v => new VertebraLandmarks(v.Level, 1.0, score(k, v.Level), v.Points))
                .ToList();
            slices.Add(new MrSlice(
                header.GetString(DicomTags.SOPInstanceUID),
                header.GetValues<double>(DicomTags.ImagePositionPatient),
                header.GetValues<double>(DicomTags.ImageOrientationPatient))
            {
                Vertebrae = vertebrae,
            });
        }

        return slices;
    }

    private static MrSlice Slice(string uid, double x, params string[] levels) =>
        new(uid, [x, -200, 150], Sagittal)
        {
            Vertebrae = [.. levels.Select(l => new VertebraLandmarks(l, 1.0, 0.8, [new(0, 0), new(1, 0), new(2, 0), new(0, 1), new(1, 1), new(2, 1)]))],
        };

    [Fact]
    public void Choose_SampleStir_MiddleThreeSlicesAndTheBestSlicePerLevel()
    {
        // Scores fall off from the middle slice (file 06); L1 scores best one slice to the left (file 07).
        var slices = SampleSlices("STIR", (k, level) => 0.9 - (0.02 * Math.Abs(k - 5)) + (level == "L1" && k == 6 ? 0.05 : 0));
        var uid = slices.Select(s => s.SopInstanceUid).ToList();
        slices.Reverse();

        var choice = MidSagittalChooser.Choose(slices);

        Assert.Equal(11, choice.OrderedSlices.Count);
        Assert.True(choice.PositionsMm.Zip(choice.PositionsMm.Skip(1)).All(p => p.First < p.Second));
        Assert.Equal([4, 5, 6], choice.CandidateIndices);
        Assert.Equal(new[] { uid[4], uid[5], uid[6] }.Order(), choice.CandidateIndices.Select(i => choice.OrderedSlices[i].SopInstanceUid).Order());
        Assert.Equal(3, choice.ChosenIndices.Count);
        Assert.Equal(uid[5], choice.OrderedSlices[choice.ChosenIndices[0]].SopInstanceUid);
        Assert.Equal(["T11", "T12", "L1", "L2", "L3", "L4", "L5"], choice.Levels.Select(l => l.Level));
        Assert.All(choice.Levels.Where(l => l.Level != "L1"), l => Assert.Equal(uid[5], l.SopInstanceUid));
        var l1 = choice.Levels.Single(l => l.Level == "L1");
        Assert.Equal(uid[6], l1.SopInstanceUid);
        Assert.Equal(0.93, l1.Vertebra.Score, 9);
        Assert.Equal("L1: slice 5 of 11 along the normal, highest score 0.93 of the 3 chosen slices showing it", l1.Reason);
        Assert.Equal(uid[6], choice.OrderedSlices[l1.SliceIndex].SopInstanceUid);
    }

    [Fact]
    public void Choose_EvenCount_TwoMiddleSlices()
    {
        var slices = new[] { Slice("a", 0, "L1"), Slice("b", 4, "L1"), Slice("c", 8, "L1"), Slice("d", 12, "L1") };

        var choice = MidSagittalChooser.Choose(slices, new MidSagittalOptions { NeighbourSlices = 0 });

        Assert.Equal([1, 2], choice.CandidateIndices);
    }

    [Fact]
    public void Choose_OrderFollowsPositionNotInputOrder()
    {
        var slices = new[] { Slice("far", 8), Slice("near", -8), Slice("mid", 0, "L1", "L2") };

        var choice = MidSagittalChooser.Choose(slices, new MidSagittalOptions { NeighbourSlices = 0 });

        Assert.Equal(["far", "mid", "near"], choice.OrderedSlices.Select(s => s.SopInstanceUid));
        Assert.Equal([1], choice.ChosenIndices);
    }

    [Fact]
    public void Choose_MostVerticesWins_ThenMeanScore()
    {
        var slices = new[]
        {
            Slice("a", -4, "L1", "L2", "L3"),
            Slice("b", 0, "L1", "L2"),
            Slice("c", 4, "L1", "L2", "L3") with { Vertebrae = [.. Slice("x", 0, "L1", "L2", "L3").Vertebrae.Select(v => v with { Score = 0.95 })] },
        };

        var choice = MidSagittalChooser.Choose(slices);

        Assert.Equal([0, 2], choice.ChosenIndices);
        Assert.All(choice.Levels, l => Assert.Equal("c", l.SopInstanceUid));
    }

    [Fact]
    public void Choose_OffCentreSeries_WidensToEverySlice()
    {
        var slices = new[] { Slice("a", 0, "L1", "L2"), Slice("b", 4), Slice("c", 8), Slice("d", 12), Slice("e", 16) };

        var choice = MidSagittalChooser.Choose(slices);

        Assert.Equal([1, 2, 3], choice.CandidateIndices);
        Assert.Equal([4], choice.ChosenIndices);
        Assert.Equal("a", choice.OrderedSlices[4].SopInstanceUid);
        Assert.Contains("no vertebra found on the central slices: every slice considered", choice.Notes);
    }

    [Fact]
    public void Choose_NothingFound_NoLevels()
    {
        var choice = MidSagittalChooser.Choose([Slice("a", 0), Slice("b", 4)]);

        Assert.Empty(choice.ChosenIndices);
        Assert.Empty(choice.Levels);
        Assert.Contains("no vertebra found on any slice", choice.Notes);
    }

    [Fact]
    public void Choose_SliceNotParallel_LeftOut()
    {
        var tilted = new MrSlice("tilted", [0, -200, 150], [1, 0, 0, 0, 1, 0]) { Vertebrae = Slice("x", 0, "L1").Vertebrae };

        var choice = MidSagittalChooser.Choose([Slice("a", 0, "L1"), tilted, Slice("b", 4, "L1")]);

        Assert.Equal(["b", "a"], choice.OrderedSlices.Select(s => s.SopInstanceUid));
        Assert.Contains(choice.Notes, n => n.StartsWith("slice tilted left out", StringComparison.Ordinal));
    }

    [Fact]
    public void FromImage_WithoutGeometry_Throws()
    {
        var image = new SpineImage
        {
            Source = new ImageReference("1", "2", "3", "4", 0),
            Modality = "MR",
            Rows = 1,
            Columns = 1,
            Values = [0],
            PhotometricInterpretation = "MONOCHROME2",
        };

        Assert.Throws<ArgumentException>(() => MrSlice.FromImage(image));
    }
}
