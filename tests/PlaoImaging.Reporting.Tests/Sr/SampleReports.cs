using System.Collections.Concurrent;
using System.Text.Json;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.StructuredReport;
using PlaoImaging.Reporting.Sr;
using PlaoImaging.Tests.Shared;

namespace PlaoImaging.Reporting.Tests.Sr;

/// <summary>
/// The sample studies analysed with the phantom truth standing in for the model (so that the reports hold known
/// vertebrae, fractures, runs and MR oedema), at a fixed time, each with the header of its first file.
/// </summary>
internal static class SampleReports
{
    public static readonly string[] Studies =
    [
        "01-cr-lumbar-mono1-jpegll", "02-dx-thoracolumbar-explicit", "03-dx-thoracic-plao-run", "04-cr-normal-implicit",
        "05-chest-pa-skip-plus-lateral", "06-cr-frontal-spine-skip", "07-mr-sagittal-acute", "08-cr-no-pixel-spacing",
    ];

    /// <summary>Studies that have a report (06 is a frontal view only).</summary>
    public static Xunit.TheoryData<string> Reported()
    {
        var data = new Xunit.TheoryData<string>();
        foreach (var s in Studies.Where(s => s != "06-cr-frontal-spine-skip"))
        {
            data.Add(s);
        }

        return data;
    }

    public static readonly DateTimeOffset AnalysedAt = new(2026, 3, 14, 9, 26, 53, TimeSpan.FromHours(1));

    private static readonly ConcurrentDictionary<string, (StudyResult, DicomDataset)> Cache = new();

    public static string SampleData => Path.Combine(Peers.RepositoryRoot, "sample-data");

    public static (StudyResult Result, DicomDataset Header) Analyse(string folder) => Cache.GetOrAdd(folder, f =>
    {
        var manifest = ModelManifestReader.Read(Path.Combine(Peers.RepositoryRoot, "models", "plao-vertebra-landmarks-v1.json"));
        var analyzer = new StudyAnalyzer(new TruthModel(), manifest, DicomCodecRegistry.CreateDefault(), time: new FixedTime(AnalysedAt));
        var (studies, _) = StudyGrouper.Group([Path.Combine(SampleData, f)]);
        var study = studies.Single();
        return (analyzer.Analyze(study), study.Files[0].Header);
    });

    public static SrDocument Report(string folder)
    {
        var (result, header) = Analyse(folder);
        return VertebralReport.Create(result, header).Document ?? throw new InvalidOperationException($"{folder} has no report");
    }

    /// <summary>Writes a document as a Part 10 file and returns its path.</summary>
    public static string Save(SrDocument document, string directory)
    {
        string path = Path.Combine(directory, document.SopInstanceUid + ".dcm");
        new DicomFile(document.ToDataset()).Save(path);
        return path;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }

    /// <summary>Answers with the phantom truth beside each sample image (its fully visible vertebrae, confidences 1).</summary>
    private sealed class TruthModel : ILandmarkModel
    {
        public ModelIdentity Identity { get; } = new("phantom-truth", "0", new string('0', 64));

        public IReadOnlyList<ImageLandmarks> Locate(IReadOnlyList<SpineImage> images, CancellationToken cancellationToken = default) =>
            [.. images.Select(image =>
            {
                using var json = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(image.Source.Path!, ".json")));
                var vertebrae = new List<VertebraLandmarks>();
                foreach (var v in json.RootElement.GetProperty("vertebrae").EnumerateArray().Where(v => v.GetProperty("fully_visible").GetBoolean()))
                {
                    var p = v.GetProperty("points_px");
                    ImagePoint Point(string name) => new(p.GetProperty(name)[0].GetDouble(), p.GetProperty(name)[1].GetDouble());
                    vertebrae.Add(new VertebraLandmarks(v.GetProperty("level").GetString()!, 1, 1,
                        [Point("sa"), Point("sm"), Point("sp"), Point("ia"), Point("im"), Point("ip")]));
                }

                return new ImageLandmarks(vertebrae);
            })];
    }
}
