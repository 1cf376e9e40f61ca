using System.Globalization;
using System.Text;
using PlaoImaging.Analysis.Results;

namespace PlaoImaging.Cli;

/// <summary>The per-study summary <c>plao analyze</c> prints: series decisions, one row per level, the study figures and the review flags.</summary>
internal static class StudyTable
{
    public static string Format(StudyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

        Line($"");
        Line($"study {result.StudyInstanceUid}{(result.PatientId is null ? "" : $" (patient {result.PatientId})")}: {Status(result.Status)}");
        Line($"  model {result.Model.Id} {result.Model.Version} on {result.Engine.ExecutionProvider}");
        if (result.Error is not null)
        {
            Line($"  error: {result.Error}");
        }

        foreach (var series in result.Series)
        {
            string what = series.Selected ? $"selected as {series.Kind}{(series.MrSequence is null ? "" : $" {series.MrSequence}")}" : "skipped";
            Line($"  series {series.SeriesInstanceUid} {series.Modality} \"{series.SeriesDescription}\": {what}: {string.Join("; ", series.Reasons)}");
        }

        foreach (var input in result.Inputs.Where(i => i.Error is not null))
        {
            Line($"  not read: {input.Path}: {input.Error}");
        }

        foreach (var image in result.Images.Where(i => i.Error is not null))
        {
            Line($"  not measured: {image.Source.Path ?? image.Source.SopInstanceUid}: {image.Error}");
        }

        if (result.Levels.Count > 0)
        {
            Line($"  {"level",-6}{"grade",6}  {"type",-10}{"Ha",7}{"Hm",7}{"Hp",7} {"unit",-5}{"MR",4}  {"acute",-6}");
            Line($"  (heights from the radiograph, else from MR; MR: the grade on MR when both were read)");
            foreach (var level in result.Levels)
            {
                var h = level.Radiograph?.Heights ?? level.Mr?.Heights;
                string heights = h is null ? $"{"",21} {"",-5}" : $"{h.Anterior,7:0.0}{h.Middle,7:0.0}{h.Posterior,7:0.0} {h.Unit,-5}";
                string mr = level.Mr is null ? "" : level.Mr.GenantGrade.ToString(CultureInfo.InvariantCulture);
                string acute = level.Acute ? $"yes{(level.Mr?.OedemaRatio is double r ? $" ({r:0.00})" : "")}" : "";
                Line($"  {level.Level,-6}{level.GenantGrade,6}  {level.Deformity,-10}{heights}{mr,4}  {acute,-6}");
            }

            var s = result.Summary;
            var sdi = s.SpinalDeformityIndex;
            string runs = s.Runs.Count == 0 ? "none" : string.Join(", ", s.Runs.Select(r => $"{r.Levels[0]}–{r.Levels[^1]} ({r.Length})"));
            Line($"  fractured vertebrae {s.FracturedVertebrae}; SDI {sdi.Value}{(sdi.Partial ? $" (partial: {sdi.MissingLevels.Count} of T4–L4 not measured)" : "")}; runs {runs}; acute {(s.AcuteLevels.Count == 0 ? "none" : string.Join(", ", s.AcuteLevels))}");
        }

        foreach (var flag in result.ReviewFlags)
        {
            Line($"  review: [{flag.Code}] {flag.Message}");
        }

        return text.ToString();
    }

    private static string Status(StudyStatus status) => status switch
    {
        StudyStatus.Graded => "graded",
        StudyStatus.NoMeasurableSeries => "no lateral spine radiograph or sagittal spine MR",
        _ => "failed",
    };
}
