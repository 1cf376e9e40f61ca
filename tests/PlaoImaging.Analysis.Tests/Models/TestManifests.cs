using System.Text;
using System.Text.Json.Nodes;

namespace PlaoImaging.Analysis.Tests.Models;

/// <summary>Hand-written schema 2 manifests (the v1 numbers of models/MANIFEST.md) and a way to bend one field.</summary>
internal static class TestManifests
{
    public const string Sha = "2daf9fe57c1144d81636ba685dfa062dbaa2fe92f26c8878a9fdc77f1c5c5d5e";

    /// <summary>A single-stage manifest with every field MANIFEST.md lists; reference ratios are made-up test numbers.</summary>
    public const string SingleStage = """
    {
      "schema": 2,
      "id": "test-landmarks",
      "version": "0.0.1",
      "architecture": "single-stage",
      "description": "prose is not read",
      "stages": {
        "detector": {
          "file": "test.onnx",
          "sha256": "2daf9fe57c1144d81636ba685dfa062dbaa2fe92f26c8878a9fdc77f1c5c5d5e",
          "size_bytes": 1234,
          "inputs": [{"name": "image", "shape": ["batch", 1, 448, 352]}],
          "outputs": [
            {"name": "heatmap", "shape": ["batch", 1, 112, 88]},
            {"name": "offsets", "shape": ["batch", 14, 112, 88]},
            {"name": "levels", "shape": ["batch", 18, 112, 88]}
          ]
        }
      },
      "preprocessing": {
        "grid": {"height": 448, "width": 352},
        "target_spacing_mm": 1.0,
        "spacing": {
          "sources": {
            "CR": ["ImagerPixelSpacing", "PixelSpacing"],
            "DX": ["ImagerPixelSpacing", "PixelSpacing"],
            "MR": ["PixelSpacing"],
            "*": ["PixelSpacing", "ImagerPixelSpacing"]
          },
          "component": "row"
        },
        "scale": {"rule": "min(spacing/target, fit)", "size_rounding": "half_to_even", "model_scale": "out/in"},
        "intensity": {
          "modality_lut": "rescale",
          "window": {"source": "first_pair", "min_width": 1, "function": "linear", "min_divisor": 1},
          "fallback": {"lower_percentile": 0.5, "upper_percentile": 99.5, "interpolation": "linear", "min_range": 1e-6},
          "invert": ["MONOCHROME1"]
        },
        "resampling": {"kind": "area", "placement": "top_left", "accumulate": "float64"},
        "normalisation": {"subtract": 0.5, "divide": 0.25, "padding_value": -2.0},
        "coordinates": "pixel_centres"
      },
      "output_decoding": {
        "outputs": {"heatmap": "heatmap", "offsets": "offsets", "levels": "levels"},
        "stride": 4,
        "offset_scale": 8.0,
        "peak": {"threshold": 0.3, "threshold_inclusive": true, "window": 3, "ties": "first_row_major", "max_detections": 30},
        "centre": "((ix + off[0]) * stride, (iy + off[1]) * stride)",
        "levels": {
          "names": ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5", "S1"],
          "gap_penalty": 4.0
        },
        "points": {"names": ["sa", "sm", "sp", "ia", "im", "ip"]}
      },
      "grading": {
        "rule": "plao-genant-1",
        "heights": "euclidean",
        "reference": {
          "levels": {
            "T4": {"ha_hp": 0.90, "hm_hp": 0.92},
            "T8": {"ha_hp": 0.86, "hm_hp": 0.90},
            "T12": {"ha_hp": 0.94, "hm_hp": 0.91},
            "L1": {"ha_hp": 0.95, "hm_hp": 0.90},
            "L4": {"ha_hp": 1.00, "hm_hp": 0.92},
            "L5": {"ha_hp": 1.05, "hm_hp": 0.93}
          },
          "other_levels": "nearest",
          "source": "test numbers"
        },
        "reductions": {"wedge": "1 - (ha / hp) / ha_hp(level)", "biconcave": "1 - (hm / hp) / hm_hp(level)", "crush": "1 - hp / mean(hp of the reference neighbours)"},
        "thresholds": [
          {"grade": 1, "min": 0.20, "min_inclusive": true},
          {"grade": 2, "min": 0.25, "min_inclusive": true},
          {"grade": 3, "min": 0.40, "min_inclusive": false}
        ],
        "ungraded_levels": ["S1"],
        "kind_ties": ["wedge", "biconcave", "crush"]
      },
      "training": {"steps": 1},
      "evaluation": {},
      "intended_use": "tests",
      "limitations": "tests"
    }
    """;

    /// <summary>The same model with a refiner stage and the <c>refiner</c> section.</summary>
    public static string TwoStage => Edit(SingleStage, root =>
    {
        root["architecture"] = "two-stage";
        root["stages"]!["refiner"] = JsonNode.Parse($$"""
            {"file": "refiner.onnx", "sha256": "{{Sha}}", "size_bytes": 99,
             "inputs": [{"name": "crops", "shape": ["batch", 1, 128, 128]}],
             "outputs": [{"name": "points", "shape": ["batch", 12]}, {"name": "confidence", "shape": ["batch", 1]}]}
            """);
        root["refiner"] = JsonNode.Parse("""
            {"crop": {"size_mm": 64, "size_px": 128, "size_px_without_spacing": 128, "centre": "points_mean", "axes": "endplate",
                      "sampling": "bilinear", "normalisation": "as preprocessing.normalisation"},
             "outputs": {"points": "points", "confidence": "confidence"}}
            """);
    });

    public static ModelManifest ReadSingleStage() => Read(SingleStage);

    public static ModelManifest ReadTwoStage() => Read(TwoStage);

    public static ModelManifest Read(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return ModelManifestReader.Read(stream, null);
    }

    /// <summary>The manifest text after <paramref name="edit"/> changed its JSON tree.</summary>
    public static string Edit(string json, Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        edit(root);
        return root.ToJsonString();
    }

    /// <summary>Sets (or, with null, removes) the field at a dotted path such as <c>preprocessing.grid.height</c> or <c>grading.thresholds[1].min</c>.</summary>
    public static string With(string json, string path, JsonNode? value) => Edit(json, root =>
    {
        string[] parts = path.Split('.');
        JsonNode node = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            node = Step(node, parts[i]);
        }

        string last = parts[^1];
        int bracket = last.IndexOf('[', StringComparison.Ordinal);
        if (bracket >= 0)
        {
            var array = Step(node, last[..bracket]).AsArray();
            int index = int.Parse(last[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            array[index] = value;
            return;
        }

        if (value is null)
        {
            node.AsObject().Remove(last);
        }
        else
        {
            node[last] = value;
        }
    });

    private static JsonNode Step(JsonNode node, string part)
    {
        int bracket = part.IndexOf('[', StringComparison.Ordinal);
        if (bracket < 0)
        {
            return node[part]!;
        }

        int index = int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
        return node[part[..bracket]]![index]!;
    }
}

/// <summary>Files of this repository (models/, sample-data/), found by walking up from the test binary.</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "models", "MANIFEST.md")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (models/MANIFEST.md) above the test binary");
    }
}
