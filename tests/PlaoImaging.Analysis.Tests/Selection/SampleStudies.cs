using System.Text.Json;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Dicom;

namespace PlaoImaging.Analysis.Tests.Selection;

/// <summary>The phantom studies of <c>sample-data/</c> (found by walking up from the test binaries) and their truth JSON.</summary>
internal static class SampleStudies
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "sample-data");
            if (File.Exists(Path.Combine(candidate, "README.md")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("sample-data/ was not found above the test binaries.");
    });

    public static string PathOf(string relative) => Path.Combine(Root.Value, relative);

    /// <summary>The header of a sample file (pixels not read).</summary>
    public static DicomDataset Header(string relative) =>
        DicomFile.Open(PathOf(relative), new DicomReadOptions { StopBeforePixelData = true }).Dataset;

    /// <summary>The eleven slices of one MR series of study 07, by weighting (T1, T2, STIR), in file order.</summary>
    public static IReadOnlyList<string> MrSeries(string weighting) =>
        [.. Enumerable.Range(1, 11).Select(i => $"07-mr-sagittal-acute/{weighting}/{weighting}-{i:00}.dcm")];

    /// <summary>The truth vertebrae of a sample file (its JSON sibling).</summary>
    public static IReadOnlyList<TruthVertebra> Truth(string relativeDcm)
    {
        string json = File.ReadAllText(PathOf(Path.ChangeExtension(relativeDcm, ".json")));
        using var document = JsonDocument.Parse(json);
        var result = new List<TruthVertebra>();
        foreach (var v in document.RootElement.GetProperty("vertebrae").EnumerateArray())
        {
            var p = v.GetProperty("points_px");
            ImagePoint Point(string name) => new(p.GetProperty(name)[0].GetDouble(), p.GetProperty(name)[1].GetDouble());
            result.Add(new TruthVertebra(
                v.GetProperty("level").GetString()!,
                v.GetProperty("fully_visible").GetBoolean(),
                v.GetProperty("genant_grade").GetInt32(),
                v.GetProperty("acute").GetBoolean(),
                [Point("sa"), Point("sm"), Point("sp"), Point("ia"), Point("im"), Point("ip")]));
        }

        return result;
    }
}

/// <summary>One vertebra of a phantom's truth: points in model order (sa, sm, sp, ia, im, ip).</summary>
internal sealed record TruthVertebra(string Level, bool FullyVisible, int GenantGrade, bool Acute, IReadOnlyList<ImagePoint> Points);
