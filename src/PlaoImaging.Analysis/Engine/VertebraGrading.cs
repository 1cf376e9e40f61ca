using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Morphometry;
using PlaoImaging.Analysis.Results;

namespace PlaoImaging.Analysis.Engine;

/// <summary>
/// The model's vertebrae of one image → measured and graded <see cref="VertebraResult"/>s, by the manifest's grading
/// rule, in the image's calibrated spacing (millimetres with their provenance; pixels when the image has none).
/// </summary>
public static class VertebraGrading
{
    public static IReadOnlyList<VertebraResult> Grade(ModelManifest manifest, SpineImage image, ImageLandmarks landmarks)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(landmarks);
        var grader = new GenantGrader(manifest);
        MeasurementSpacing? spacing = image.Spacing.HasSpacing ? new MeasurementSpacing(image.Spacing.RowMm, image.Spacing.ColumnMm) : null;
        var graded = grader.Grade(landmarks.Vertebrae.Select(v => new VertebraPoints(v.Level, v.Points)).ToList(), spacing);
        var names = manifest.OutputDecoding.PointNames;
        var results = new List<VertebraResult>(graded.Count);
        for (int i = 0; i < graded.Count; i++)
        {
            var found = landmarks.Vertebrae[i];
            var m = graded[i];
            results.Add(new VertebraResult
            {
                Level = found.Level,
                LevelConfidence = found.LevelConfidence,
                Score = found.Score,
                RefinerConfidence = found.RefinerConfidence,
                Points = Enumerable.Range(0, names.Count).ToDictionary(k => names[k], k => new[] { found.Points[k].X, found.Points[k].Y }, StringComparer.Ordinal),
                Heights = new Heights(m.Heights.Anterior, m.Heights.Middle, m.Heights.Posterior, m.Heights.InMillimetres ? "mm" : "px"),
                Ratios = new Ratios(m.AnteriorPosteriorRatio, m.MiddlePosteriorRatio, m.PosteriorNeighbourRatio),
                Reductions = new Reductions(m.Reductions.Wedge, m.Reductions.Biconcave, m.Reductions.Crush, m.Reductions.CrushAssessed),
                GenantGrade = m.Grade,
                Deformity = GenantGrader.NameOf(m.Deformity),
                Graded = m.Graded,
            });
        }

        return results;
    }
}

/// <summary>The study figures from the joined levels (<see cref="SpineSummary"/>) in the result's terms.</summary>
public static class StudySummaries
{
    public static StudySummary Summarise(IReadOnlyList<LevelResult> levels, IReadOnlyList<string> levelOrder)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var summary = SpineSummary.Of(levels.Select(l => (l.Level, l.GenantGrade)), levelOrder);
        var sdi = summary.SpinalDeformityIndex;
        return new StudySummary(
            summary.MeasuredLevels,
            summary.FracturedVertebrae,
            summary.WorstGrade,
            new Results.DeformityIndex(sdi.Value, sdi.Partial, sdi.MissingLevels),
            summary.Runs.Select(r => new FractureRun(r.Levels)).ToList(),
            levels.Where(l => l.Acute).Select(l => l.Level).ToList());
    }
}
