using System.Text;
using System.Text.Json.Nodes;
using PlaoImaging.Analysis.Inference;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Models;

public sealed class ModelManifestReaderTests
{
    [Fact]
    public void Read_SingleStage_FillsEverySection()
    {
        var m = TestManifests.ReadSingleStage();

        Assert.Equal("test-landmarks", m.Id);
        Assert.Equal("0.0.1", m.Version);
        Assert.Equal(ModelManifest.SingleStage, m.Architecture);
        Assert.False(m.IsTwoStage);
        Assert.Null(m.Refiner);
        Assert.Null(m.Refinement);
        Assert.Equal("detector", m.Detector.Name);
        Assert.Equal("test.onnx", m.Detector.File);
        Assert.Equal(1234, m.Detector.SizeBytes);
        Assert.Equal([null, 1, 448, 352], m.Detector.Inputs[0].Shape);
        Assert.Equal(["heatmap", "offsets", "levels"], m.Detector.Outputs.Select(o => o.Name));

        var p = m.Preprocessing;
        Assert.Equal(448, p.GridHeight);
        Assert.Equal(352, p.GridWidth);
        Assert.Equal(1.0, p.TargetSpacingMm);
        Assert.Equal(["ImagerPixelSpacing", "PixelSpacing"], p.SpacingSourcesFor("CR"));
        Assert.Equal(["PixelSpacing"], p.SpacingSourcesFor("mr"));
        Assert.Equal(["PixelSpacing", "ImagerPixelSpacing"], p.SpacingSourcesFor("CT"));
        Assert.Equal("row", p.SpacingComponent);
        Assert.Equal(1.0, p.WindowMinWidth);
        Assert.Equal(0.5, p.LowerPercentile);
        Assert.Equal(99.5, p.UpperPercentile);
        Assert.Equal(1e-6, p.MinRange);
        Assert.Equal(["MONOCHROME1"], p.Invert);
        Assert.Equal(new NormalisationSpec(0.5, 0.25, -2.0), p.Normalisation);

        var d = m.OutputDecoding;
        Assert.Equal(("heatmap", "offsets", "levels"), (d.HeatmapOutput, d.OffsetsOutput, d.LevelsOutput));
        Assert.Equal(4, d.Stride);
        Assert.Equal(8.0, d.OffsetScale);
        Assert.Equal(new PeakSpec(0.3, true, 3, "first_row_major", 30), d.Peak);
        Assert.Equal(18, d.LevelNames.Count);
        Assert.Equal("S1", d.LevelNames[^1]);
        Assert.Equal(4.0, d.GapPenalty);
        Assert.Equal(14, d.OffsetChannels);

        var g = m.Grading;
        Assert.Equal(GradingSpec.GenantRule, g.Rule);
        Assert.Equal(new ReferenceRatios(0.86, 0.90), g.ReferenceLevels["T8"]);
        Assert.Equal(6, g.ReferenceLevels.Count);
        Assert.Equal("nearest", g.OtherLevels);
        Assert.Equal("test numbers", g.ReferenceSource);
        Assert.Equal([new GradeThreshold(1, 0.20, true), new GradeThreshold(2, 0.25, true), new GradeThreshold(3, 0.40, false)], g.Thresholds);
        Assert.Equal(["S1"], g.UngradedLevels);
        Assert.Equal(["wedge", "biconcave", "crush"], g.KindTies);
    }

    [Fact]
    public void Read_TwoStage_ReadsRefinerStageAndCrop()
    {
        var m = TestManifests.ReadTwoStage();

        Assert.True(m.IsTwoStage);
        Assert.Equal("refiner", m.Refiner!.Name);
        Assert.Equal("refiner.onnx", m.Refiner.File);
        var r = m.Refinement!;
        Assert.Equal(64, r.Crop.SizeMm);
        Assert.Equal(128, r.Crop.SizePx);
        Assert.Equal(128, r.Crop.SizePxWithoutSpacing);
        Assert.Equal(m.Preprocessing.Normalisation, r.Crop.Normalisation);
        Assert.Equal("points", r.PointsOutput);
        Assert.Equal("confidence", r.ConfidenceOutput);
    }

    [Fact]
    public void Read_PointUncertaintyNamingNoRefinerOutput_ThrowsNamingTheField()
    {
        string json = TestManifests.With(TestManifests.TwoStage, "refiner.outputs.point_uncertainty", JsonValue.Create("log_scale"));
        var e = Assert.Throws<ModelManifestException>(() => TestManifests.Read(json));
        Assert.Equal("refiner.outputs.point_uncertainty", e.Field);
        Assert.Contains("log_scale", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inside", true)]
    [InlineData("all", false)]
    public void Read_RefinerAppliesTo_DecidesWhichBodiesAreRefined(string appliesTo, bool insideOnly)
    {
        var r = TestManifests.Read(TestManifests.With(TestManifests.TwoStage, "refiner.applies_to", JsonValue.Create(appliesTo))).Refinement!;
        Assert.Equal(appliesTo, r.AppliesTo);
        ImagePoint[] cut = [new(10, -0.6), new(20, 5), new(30, 5), new(10, 30), new(20, 30), new(30, 30)];
        ImagePoint[] edge = [new(-0.5, 0), new(20, -0.5), new(99.5, 5), new(10, 49.5), new(20, 30), new(30, 30)];
        Assert.Equal(!insideOnly, r.AppliesToPoints(cut, rows: 50, columns: 100));
        Assert.True(r.AppliesToPoints(edge, rows: 50, columns: 100));
    }

    [Fact]
    public void Read_RefinerAppliesToUnknown_ThrowsNamingTheField()
    {
        var e = Assert.Throws<ModelManifestException>(() => TestManifests.Read(TestManifests.With(TestManifests.TwoStage, "refiner.applies_to", JsonValue.Create("some"))));
        Assert.Equal("refiner.applies_to", e.Field);
    }

    [Fact]
    public void Read_RecordsTheSha256OfTheManifestBytes()
    {
        string path = RepositoryFiles.Path("models", "plao-vertebra-landmarks-v2.json");
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
        Assert.Equal(expected, ModelManifestReader.Read(path).ManifestSha256);
    }

    [Fact]
    public void Read_OversizedStream_ThrowsAtRootWithoutReadingItAll()
    {
        using var stream = new MemoryStream(new byte[ModelManifestReader.MaxManifestBytes + 1]);
        var e = Assert.Throws<ModelManifestException>(() => ModelManifestReader.Read(stream, null));
        Assert.Equal("$", e.Field);
    }

    [Fact]
    public void ModelIdentity_NamesBothStagesOfATwoStageModel()
    {
        var v1 = ModelManifestReader.Read(RepositoryFiles.Path("models", "plao-vertebra-landmarks-v1.json"));
        var v2 = ModelManifestReader.Read(RepositoryFiles.Path("models", "plao-vertebra-landmarks-v2.json"));
        Assert.Equal(v1.Detector.Sha256, ModelIdentity.Of(v1).Sha256);
        Assert.Equal(v1.Detector.Sha256, v2.Detector.Sha256);

        // printf '%s\n%s\n' DETECTOR_SHA REFINER_SHA | sha256sum
        string text = $"{v2.Detector.Sha256}\n{v2.Refiner!.Sha256}\n";
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(text)));
        Assert.Equal(expected, ModelIdentity.Of(v2).Sha256);
        Assert.NotEqual(ModelIdentity.Of(v1).Sha256, ModelIdentity.Of(v2).Sha256);
    }

    [Fact]
    public void Read_ReviewSection_GivesThePossibleFractureThreshold()
    {
        Assert.Null(TestManifests.ReadSingleStage().Review);
        string json = TestManifests.With(TestManifests.SingleStage, "review", JsonNode.Parse("""{"possible_fracture_min_reduction": 0.127}"""));
        Assert.Equal(new ReviewSpec(0.127), TestManifests.Read(json).Review);
        Assert.Equal(0.128, ModelManifestReader.Read(RepositoryFiles.Path("models", "plao-vertebra-landmarks-v2.json")).Review!.PossibleFractureMinReduction);
    }

    [Theory]
    [InlineData("0.2")]
    [InlineData("0")]
    [InlineData("\"x\"")]
    public void Read_ReviewThresholdNotBelowGradeOne_ThrowsNamingTheField(string value)
    {
        string json = TestManifests.With(TestManifests.SingleStage, "review", JsonNode.Parse($$"""{"possible_fracture_min_reduction": {{value}}}"""));
        var e = Assert.Throws<ModelManifestException>(() => TestManifests.Read(json));
        Assert.Equal("review.possible_fracture_min_reduction", e.Field);
    }

    [Fact]
    public void Read_RefinerNormalisationObject_UsesItsOwnNumbers()
    {
        string json = TestManifests.With(TestManifests.TwoStage, "refiner.crop.normalisation", JsonNode.Parse("""{"subtract": 0.4, "divide": 0.2}"""));
        var crop = TestManifests.Read(json).Refinement!.Crop;
        Assert.Equal(0.4, crop.Normalisation.Subtract);
        Assert.Equal(0.2, crop.Normalisation.Divide);
    }

    [Fact]
    public void Read_Path_SetsDirectoryForStageFiles()
    {
        string dir = Path.Combine(Path.GetTempPath(), "plao-manifest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "m.json");
            File.WriteAllText(path, TestManifests.SingleStage);
            var m = ModelManifestReader.Read(path);
            Assert.Equal(dir, m.Directory);
            Assert.Equal(Path.Combine(dir, "test.onnx"), m.StagePath(m.Detector));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Read_MissingFile_ThrowsManifestException()
    {
        var e = Assert.Throws<ModelManifestException>(() => ModelManifestReader.Read(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".json")));
        Assert.Equal("$", e.Field);
    }

    [Fact]
    public void Read_NotJson_ThrowsAtRoot()
    {
        var e = Assert.Throws<ModelManifestException>(() => TestManifests.Read("{ not json"));
        Assert.Equal("$", e.Field);
    }

    [Fact]
    public void Read_RealManifest_IsSchema2AndMatchesTheOnnxStage()
    {
        string path = RepositoryFiles.Path("models", "plao-vertebra-landmarks-v1.json");

        var m = ModelManifestReader.Read(path);

        Assert.Equal("plao-vertebra-landmarks-v1", m.Id);
        Assert.Equal(ModelManifest.SingleStage, m.Architecture);
        Assert.Equal("plao-vertebra-landmarks-v1.onnx", m.Detector.File);
        Assert.True(File.Exists(m.StagePath(m.Detector)));
        Assert.Equal(new FileInfo(m.StagePath(m.Detector)).Length, m.Detector.SizeBytes);
        Assert.Equal((448, 352), (m.Preprocessing.GridHeight, m.Preprocessing.GridWidth));
        Assert.Equal(1.0, m.Preprocessing.WindowMinDivisor);
        Assert.Equal(["ImagerPixelSpacing", "PixelSpacing"], m.Preprocessing.SpacingSourcesFor("DX"));
        Assert.Equal(new NormalisationSpec(0.5, 0.25, -2.0), m.Preprocessing.Normalisation);
        Assert.Equal(new PeakSpec(0.3, true, 3, "first_row_major", 30), m.OutputDecoding.Peak);
        Assert.Equal(18, m.OutputDecoding.LevelNames.Count);
        Assert.Equal([new GradeThreshold(1, 0.20, true), new GradeThreshold(2, 0.25, true), new GradeThreshold(3, 0.40, false)], m.Grading.Thresholds);
        Assert.Equal(new ReferenceRatios(0.89, 1.0), m.Grading.ReferenceLevels["L1"]);
        Assert.Equal(["S1"], m.Grading.UngradedLevels);
        Assert.False(string.IsNullOrWhiteSpace(m.Limitations));
        Assert.False(string.IsNullOrWhiteSpace(m.IntendedUse));
    }

    [Fact]
    public void Read_ShippedTwoStageManifest_NamesBothStagesAndTheRefinerOutputs()
    {
        var m = ModelManifestReader.Read(RepositoryFiles.Path("models", "plao-vertebra-landmarks-v2.json"));

        Assert.Equal("plao-vertebra-landmarks-v2", m.Id);
        Assert.Equal(ModelManifest.TwoStage, m.Architecture);
        Assert.Equal("plao-vertebra-landmarks-v1.onnx", m.Detector.File);
        Assert.NotNull(m.Refiner);
        Assert.True(File.Exists(m.StagePath(m.Refiner)));
        Assert.Equal(new FileInfo(m.StagePath(m.Refiner)).Length, m.Refiner.SizeBytes);
        Assert.Equal("points", m.Refinement!.PointsOutput);
        Assert.Null(m.Refinement.ConfidenceOutput);
        Assert.Equal("log_scale", m.Refinement.PointUncertaintyOutput);
        Assert.Equal(m.Preprocessing.Normalisation.Subtract, m.Refinement.Crop.Normalisation.Subtract);
        Assert.Contains("synthetic", m.Limitations, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ModelManifest_BuiltWithoutSections_ThrowsTypedErrorOnUse()
    {
        var full = TestManifests.ReadSingleStage();
        var stagesOnly = new ModelManifest { Id = "x", Version = "1", Architecture = ModelManifest.SingleStage, Detector = full.Detector };

        Assert.Equal("preprocessing", Assert.Throws<ModelManifestException>(() => stagesOnly.Preprocessing).Field);
        Assert.Equal("output_decoding", Assert.Throws<ModelManifestException>(() => stagesOnly.OutputDecoding).Field);
        Assert.Equal("grading", Assert.Throws<ModelManifestException>(() => stagesOnly.Grading).Field);
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        // field to change, its new JSON value ("<remove>": delete it), the field the refusal must name
        { "schema", "1", "schema" },
        { "schema", "3", "schema" },
        { "schema", "\"2\"", "schema" },
        { "schema", "<remove>", "schema" },
        { "id", "<remove>", "id" },
        { "id", "7", "id" },
        { "architecture", "\"three-stage\"", "architecture" },
        { "architecture", "\"two-stage\"", "stages.refiner" },
        { "stages.detector", "<remove>", "stages.detector" },
        { "stages.detector.sha256", "\"abc\"", "stages.detector.sha256" },
        { "stages.detector.size_bytes", "0", "stages.detector.size_bytes" },
        { "stages.detector.inputs", "[{\"name\": \"image\", \"shape\": [\"batch\", 1, 440, 352]}]", "stages.detector.inputs[0].shape" },
        { "stages.detector.inputs", "[{\"name\": \"image\", \"shape\": [\"n\", 1, 448, 352]}]", "stages.detector.inputs[0].shape[0]" },
        { "preprocessing", "<remove>", "preprocessing" },
        { "preprocessing.grid.height", "<remove>", "preprocessing.grid.height" },
        { "preprocessing.grid.height", "0", "preprocessing.grid.height" },
        { "preprocessing.grid.width", "-352", "preprocessing.grid.width" },
        { "preprocessing.grid.width", "352.5", "preprocessing.grid.width" },
        { "preprocessing.grid.width", "\"352\"", "preprocessing.grid.width" },
        { "preprocessing.target_spacing_mm", "0", "preprocessing.target_spacing_mm" },
        { "preprocessing.spacing.sources", "[]", "preprocessing.spacing.sources" },
        { "preprocessing.spacing.component", "\"column\"", "preprocessing.spacing.component" },
        { "preprocessing.scale.rule", "\"fit\"", "preprocessing.scale.rule" },
        { "preprocessing.scale.size_rounding", "\"half_up\"", "preprocessing.scale.size_rounding" },
        { "preprocessing.intensity.window.function", "\"sigmoid\"", "preprocessing.intensity.window.function" },
        { "preprocessing.intensity.window.min_divisor", "0", "preprocessing.intensity.window.min_divisor" },
        { "preprocessing.intensity.fallback.lower_percentile", "-1", "preprocessing.intensity.fallback.lower_percentile" },
        { "preprocessing.intensity.fallback.upper_percentile", "0.4", "preprocessing.intensity.fallback.upper_percentile" },
        { "preprocessing.intensity.fallback.min_range", "0", "preprocessing.intensity.fallback.min_range" },
        { "preprocessing.intensity.invert", "\"MONOCHROME1\"", "preprocessing.intensity.invert" },
        { "preprocessing.resampling.kind", "\"bilinear\"", "preprocessing.resampling.kind" },
        { "preprocessing.normalisation.divide", "0", "preprocessing.normalisation.divide" },
        { "preprocessing.normalisation.padding_value", "<remove>", "preprocessing.normalisation.padding_value" },
        { "preprocessing.coordinates", "\"corners\"", "preprocessing.coordinates" },
        { "output_decoding.outputs.heatmap", "\"heat\"", "output_decoding.outputs.heatmap" },
        { "output_decoding.stride", "\"4\"", "output_decoding.stride" },
        { "output_decoding.stride", "0", "output_decoding.stride" },
        { "output_decoding.offset_scale", "-8", "output_decoding.offset_scale" },
        { "output_decoding.peak.threshold", "1.5", "output_decoding.peak.threshold" },
        { "output_decoding.peak.threshold_inclusive", "1", "output_decoding.peak.threshold_inclusive" },
        { "output_decoding.peak.window", "4", "output_decoding.peak.window" },
        { "output_decoding.peak.ties", "\"last\"", "output_decoding.peak.ties" },
        { "output_decoding.peak.max_detections", "0", "output_decoding.peak.max_detections" },
        { "output_decoding.levels.names", "[]", "output_decoding.levels.names" },
        { "output_decoding.levels.names", "[\"T1\", \"T1\"]", "output_decoding.levels.names" },
        { "output_decoding.levels.gap_penalty", "-1", "output_decoding.levels.gap_penalty" },
        { "output_decoding.points.names", "[\"sa\", \"sp\", \"sm\", \"ia\", \"im\", \"ip\"]", "output_decoding.points.names" },
        { "grading.rule", "\"genant-2\"", "grading.rule" },
        { "grading.heights", "\"projected\"", "grading.heights" },
        { "grading.reference.levels.T8.ha_hp", "<remove>", "grading.reference.levels.T8.ha_hp" },
        { "grading.reference.levels.T8.hm_hp", "0", "grading.reference.levels.T8.hm_hp" },
        { "grading.reference.levels.C7", "{\"ha_hp\": 1, \"hm_hp\": 1}", "grading.reference.levels.C7" },
        { "grading.reference.levels", "{}", "grading.reference.levels" },
        { "grading.reference.other_levels", "\"none\"", "grading.reference.other_levels" },
        { "grading.thresholds", "[]", "grading.thresholds" },
        { "grading.thresholds[1].min", "0.15", "grading.thresholds[1].min" },
        { "grading.thresholds[2].min", "0.24", "grading.thresholds[2].min" },
        { "grading.thresholds[0].min", "0", "grading.thresholds[0].min" },
        { "grading.thresholds[2].min", "1.2", "grading.thresholds[2].min" },
        { "grading.thresholds[1].grade", "3", "grading.thresholds[1].grade" },
        { "grading.thresholds[0].min_inclusive", "<remove>", "grading.thresholds[0].min_inclusive" },
        { "grading.ungraded_levels", "[\"C1\"]", "grading.ungraded_levels" },
        { "grading.kind_ties", "[\"wedge\", \"crush\"]", "grading.kind_ties" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Read_BadField_RefusesNamingTheField(string path, string value, string expectedField)
    {
        string json = TestManifests.With(TestManifests.SingleStage, path, value == "<remove>" ? null : JsonNode.Parse(value));
        var e = Assert.Throws<ModelManifestException>(() => TestManifests.Read(json));
        Assert.Equal(expectedField, e.Field);
        Assert.StartsWith($"model manifest: {expectedField}: ", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> TwoStageRefusals => new()
    {
        { "refiner", "<remove>", "refiner" },
        { "refiner.crop.size_px", "0", "refiner.crop.size_px" },
        { "refiner.crop.size_mm", "<remove>", "refiner.crop.size_mm" },
        { "refiner.crop.axes", "\"image\"", "refiner.crop.axes" },
        { "refiner.crop.sampling", "\"nearest\"", "refiner.crop.sampling" },
        { "refiner.crop.normalisation", "3", "refiner.crop.normalisation" },
        { "refiner.outputs.points", "\"pts\"", "refiner.outputs.points" },
        { "stages.refiner.outputs", "[]", "stages.refiner.outputs" },
    };

    [Theory]
    [MemberData(nameof(TwoStageRefusals))]
    public void Read_TwoStageBadField_RefusesNamingTheField(string path, string value, string expectedField)
    {
        string json = TestManifests.With(TestManifests.TwoStage, path, value == "<remove>" ? null : JsonNode.Parse(value));
        var e = Assert.Throws<ModelManifestException>(() => TestManifests.Read(json));
        Assert.Equal(expectedField, e.Field);
    }

    [Fact]
    public void Read_SingleStageWithRefinerStage_Refuses()
    {
        string json = TestManifests.With(TestManifests.TwoStage, "architecture", JsonValue.Create("single-stage"));
        var e = Assert.Throws<ModelManifestException>(() => TestManifests.Read(json));
        Assert.Equal("stages.refiner", e.Field);
    }

    [Fact]
    public void Read_EqualThresholdMinsInclusiveThenExclusive_Accepted()
    {
        string json = TestManifests.With(TestManifests.SingleStage, "grading.thresholds[2].min", JsonValue.Create(0.25));
        json = TestManifests.With(json, "grading.thresholds[1].min_inclusive", JsonValue.Create(true));
        var m = TestManifests.Read(json);
        Assert.Equal(0.25, m.Grading.Thresholds[2].Min);
    }

    [Fact]
    public void Read_Stream_DoesNotNeedTheOnnxFile()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(TestManifests.SingleStage));
        var m = ModelManifestReader.Read(stream, "/nonexistent-folder");
        Assert.Equal(Path.Combine("/nonexistent-folder", "test.onnx"), m.StagePath(m.Detector));
    }
}
