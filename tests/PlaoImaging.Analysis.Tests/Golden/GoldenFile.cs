// The golden files of the Python reference (sample-data/golden/<model id>/<image path below sample-data>.json, written
// by training/make_golden.py; layout in sample-data/README.md) as records, with a loader and a comparison of decoded
// landmarks. Self-contained on purpose (System.Text.Json and PlaoImaging.Analysis only), so that another test project
// (PlaoImaging.Analysis.OnnxRuntime.Tests, which runs the real model) can link this file:
//   <Compile Include="..\PlaoImaging.Analysis.Tests\Golden\GoldenFile.cs" Link="Golden\GoldenFile.cs" />
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PlaoImaging.Analysis.Inference;

namespace PlaoImaging.Analysis.Tests.Golden;

public sealed record GoldenModel(string Id, string Version, string File, string Sha256)
{
    /// <summary>The refiner of a two-stage model (golden schema 2).</summary>
    public GoldenStage? Refiner { get; init; }
}

public sealed record GoldenStage(string File, string Sha256);

/// <summary>Stage 2's crop of one vertebra (golden schema 2): its frame, and checks of the sampled crop.</summary>
public sealed record GoldenCrop(
    double[] Centre,
    double[] U,
    double[] V,
    double Step,
    [property: JsonPropertyName("sha256_float32_le")] string Sha256Float32Le,
    [property: JsonPropertyName("sum_float64")] double SumFloat64,
    GoldenSample[] Samples);

public sealed record GoldenSpacing(double? Mm, string? Source);

public sealed record GoldenRescale(double Slope, double Intercept);

/// <summary><c>kind</c> "window" (center, width) or "percentiles" (lower/upper percentile, lo, hi); inverted for MONOCHROME1.</summary>
public sealed record GoldenWindow(
    string Kind,
    double? Center,
    double? Width,
    [property: JsonPropertyName("lower_percentile")] double? LowerPercentile,
    [property: JsonPropertyName("upper_percentile")] double? UpperPercentile,
    double? Lo,
    double? Hi,
    bool Inverted);

public sealed record GoldenScale(
    double S,
    [property: JsonPropertyName("out_h")] int OutH,
    [property: JsonPropertyName("out_w")] int OutW,
    [property: JsonPropertyName("s_y")] double SY,
    [property: JsonPropertyName("s_x")] double SX);

public sealed record GoldenSample(int Y, int X, double Value);

public sealed record GoldenInput(
    int[] Shape,
    [property: JsonPropertyName("sha256_float32_le")] string Sha256Float32Le,
    [property: JsonPropertyName("sum_float64")] double SumFloat64,
    [property: JsonPropertyName("row_sums_float64")] double[] RowSumsFloat64,
    [property: JsonPropertyName("column_sums_float64")] double[] ColumnSumsFloat64,
    GoldenSample[] Samples);

public sealed record GoldenPeak(double Score, int Iy, int Ix);

public sealed record GoldenCell(int Iy, int Ix);

public sealed record GoldenHeights(double Anterior, double Middle, double Posterior);

public sealed record GoldenReductions(double Wedge, double Biconcave, double Crush);

public sealed record GoldenVertebra(
    double Score,
    GoldenCell Cell,
    [property: JsonPropertyName("centre_model")] double[] CentreModel,
    string Level,
    [property: JsonPropertyName("level_confidence")] double LevelConfidence,
    [property: JsonPropertyName("points_model")] Dictionary<string, double[]> PointsModel,
    [property: JsonPropertyName("points_image")] Dictionary<string, double[]> PointsImage,
    GoldenHeights Heights,
    GoldenReductions Reductions,
    [property: JsonPropertyName("crush_assessed")] bool CrushAssessed,
    [property: JsonPropertyName("reference_level")] string ReferenceLevel,
    [property: JsonPropertyName("genant_grade")] int GenantGrade,
    string Deformity)
{
    /// <summary>Two-stage models: whether stage 2 refined this vertebra (false: a body cut by the border).</summary>
    public bool? Refined { get; init; }

    /// <summary>Two-stage models: the detector's points before refinement (image pixels).</summary>
    [JsonPropertyName("stage1_points_image")]
    public Dictionary<string, double[]>? Stage1PointsImage { get; init; }

    /// <summary>Two-stage models: the crop stage 2 saw.</summary>
    public GoldenCrop? Crop { get; init; }

    /// <summary>Two-stage models: the refiner's points in crop pixels.</summary>
    [JsonPropertyName("refiner_points_crop")]
    public Dictionary<string, double[]>? RefinerPointsCrop { get; init; }

    /// <summary>Two-stage models: the refiner's log expected point errors.</summary>
    [JsonPropertyName("point_uncertainty_log")]
    public Dictionary<string, double>? PointUncertaintyLog { get; init; }

    /// <summary>The points in the manifest's order (sa, sm, sp, ia, im, ip) in image pixels.</summary>
    public IReadOnlyList<ImagePoint> ImagePoints(IReadOnlyList<string> pointNames) =>
        pointNames.Select(n => new ImagePoint(PointsImage[n][0], PointsImage[n][1])).ToList();
}

/// <summary>One golden file: the reference's full trace of one sample image.</summary>
public sealed record GoldenFile(
    [property: JsonPropertyName("golden_schema")] int GoldenSchema,
    GoldenModel Model,
    [property: JsonPropertyName("grading_rule")] string GradingRule,
    string Image,
    [property: JsonPropertyName("sop_instance_uid")] string SopInstanceUid,
    string Modality,
    [property: JsonPropertyName("photometric_interpretation")] string PhotometricInterpretation,
    int Rows,
    int Columns,
    GoldenSpacing Spacing,
    GoldenRescale Rescale,
    GoldenWindow Window,
    GoldenScale Scale,
    GoldenInput Input,
    GoldenPeak[] Peaks,
    [property: JsonPropertyName("heights_unit")] string HeightsUnit,
    GoldenVertebra[] Vertebrae)
{
    /// <summary>Single-stage documents.</summary>
    public const int SupportedSchema = 1;

    /// <summary>Two-stage documents: schema 1 plus the refiner and, per vertebra, stage 1's points, the crop and the refiner's outputs.</summary>
    public const int TwoStageSchema = 2;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Reads a golden file; refuses another golden schema.</summary>
    public static GoldenFile Load(string path)
    {
        using var stream = File.OpenRead(path);
        var golden = JsonSerializer.Deserialize<GoldenFile>(stream, Options) ?? throw new InvalidDataException($"{path}: empty golden file");
        return golden.GoldenSchema is SupportedSchema or TwoStageSchema
            ? golden
            : throw new InvalidDataException($"{path}: golden_schema {golden.GoldenSchema}, this reader knows {SupportedSchema} and {TwoStageSchema}");
    }

    /// <summary>
    /// Every golden file of a model below <paramref name="sampleData"/> (golden/&lt;modelId&gt;/...): (the image's path
    /// below sample-data with '/' separators, the golden file's full path), sorted.
    /// </summary>
    public static IReadOnlyList<(string Image, string GoldenPath)> Enumerate(string sampleData, string modelId)
    {
        string root = Path.Combine(sampleData, "golden", modelId);
        return Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories)
            .Select(p => (Path.ChangeExtension(Path.GetRelativePath(root, p), ".dcm").Replace('\\', '/'), p))
            .OrderBy(p => p.Item1, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// How decoded landmarks differ from the reference: the same number of vertebrae, the same levels in order, every
    /// point within <paramref name="tolerancePx"/> image pixels; an empty list when they agree.
    /// </summary>
    public IReadOnlyList<string> CompareLandmarks(ImageLandmarks landmarks, IReadOnlyList<string> pointNames, double tolerancePx = 0.25)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        ArgumentNullException.ThrowIfNull(pointNames);
        var problems = new List<string>();
        string expectedLevels = string.Join(" ", Vertebrae.Select(v => v.Level));
        string actualLevels = string.Join(" ", landmarks.Vertebrae.Select(v => v.Level));
        if (expectedLevels != actualLevels)
        {
            problems.Add($"{Image}: levels [{actualLevels}], reference [{expectedLevels}]");
            return problems;
        }

        for (int v = 0; v < Vertebrae.Length; v++)
        {
            var expected = Vertebrae[v].ImagePoints(pointNames);
            var actual = landmarks.Vertebrae[v].Points;
            for (int k = 0; k < pointNames.Count; k++)
            {
                double d = Math.Sqrt(Math.Pow(actual[k].X - expected[k].X, 2) + Math.Pow(actual[k].Y - expected[k].Y, 2));
                if (!(d <= tolerancePx))
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Image}: {Vertebrae[v].Level} {pointNames[k]} is {d:F3} px from the reference ({actual[k].X:F2}, {actual[k].Y:F2}) vs ({expected[k].X:F2}, {expected[k].Y:F2})"));
                }
            }
        }

        return problems;
    }

    /// <summary>How grades differ from the reference (level → Genant grade, in order); empty when they agree.</summary>
    public IReadOnlyList<string> CompareGrades(IReadOnlyList<(string Level, int Grade, string Deformity)> graded)
    {
        ArgumentNullException.ThrowIfNull(graded);
        var problems = new List<string>();
        var expected = Vertebrae.Select(v => (v.Level, v.GenantGrade, v.Deformity)).ToList();
        if (expected.Count != graded.Count)
        {
            problems.Add($"{Image}: {graded.Count} vertebrae graded, reference {expected.Count}");
            return problems;
        }

        for (int i = 0; i < expected.Count; i++)
        {
            if (expected[i] != graded[i])
            {
                problems.Add($"{Image}: {graded[i].Level} grade {graded[i].Grade} {graded[i].Deformity}, reference {expected[i].Level} grade {expected[i].GenantGrade} {expected[i].Deformity}");
            }
        }

        return problems;
    }
}
