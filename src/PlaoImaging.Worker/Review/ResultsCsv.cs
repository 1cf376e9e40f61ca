using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Worker.Dashboard;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Review;

/// <summary>
/// GET /api/results.csv: one row per level of each study's latest analysis, the studies the worklist's filters select
/// (the same query parameters), in the worklist's order; the reader's decision and grade from the last signed review
/// (else the open one, unsigned). Values are CSV-escaped and a value that a spreadsheet would read as a formula is
/// prefixed with an apostrophe. An attachment, never cached.
/// </summary>
public static class ResultsCsv
{
    public static readonly IReadOnlyList<string> Header =
    [
        "study_id", "accession_number", "study_date", "modality", "level", "model_grade", "model_deformity", "anterior_height", "middle_height",
        "posterior_height", "height_unit", "reader_decision", "reader_grade", "reader_deformity", "signed_by", "signed_at", "model_id", "model_version",
    ];

    public static async Task<IResult> WriteAsync(HttpContext context, ResultsDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(db);
        var query = WorklistQuery.Parse(context.Request.Query);
        var text = new StringBuilder();
        AppendRow(text, Header);
        for (int page = 1; ; page++)
        {
            var rows = await WorklistPage.LoadAsync(db, query with { Page = page }, cancellationToken).ConfigureAwait(false);
            if (rows.Rows.Count == 0)
            {
                break;
            }

            var ids = rows.Rows.Select(r => r.Id).ToList();
            var studies = await (from s in db.Studies.AsNoTracking()
                                 join a in db.Analyses.AsNoTracking() on s.LatestAnalysisId equals (long?)a.Id
                                 where ids.Contains(s.Id)
                                 select new { s.Id, s.AccessionNumber, s.StudyDate, s.Modalities, AnalysisId = a.Id, a.ModelId, a.ModelVersion, a.ResultJson })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var reviews = await db.Reviews.AsNoTracking().Where(r => ids.Contains(r.StudyId)).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (long id in ids)
            {
                if (studies.FirstOrDefault(s => s.Id == id) is not { ResultJson: { } json } study)
                {
                    continue;
                }

                var result = StudyResultJson.Deserialize(json);
                var review = reviews.FirstOrDefault(r => r.StudyId == id && r.AnalysisId == study.AnalysisId);
                bool signed = review?.SignedLevelsJson is not null;
                var levels = review is null ? [] : ReviewService.ReadLevels(review.SignedLevelsJson ?? review.LevelsJson);
                var modalities = result.Inputs.Where(i => i.SopInstanceUid is not null).GroupBy(i => i.SopInstanceUid!, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.First().Modality, StringComparer.Ordinal);
                var names = result.Levels.Select(l => l.Level).Concat(levels.Where(l => l.Origin == ReviewWords.Reader).Select(l => l.Level)).Distinct(StringComparer.Ordinal);
                foreach (string name in names)
                {
                    var row = result.Levels.FirstOrDefault(l => l.Level == name);
                    var reader = levels.FirstOrDefault(l => l.Level == name);
                    string? sop = row?.Radiograph?.SopInstanceUid ?? row?.Mr?.SopInstanceUid ?? reader?.SopInstanceUid;
                    var heights = row?.Radiograph?.Heights ?? row?.Mr?.Heights;
                    AppendRow(text,
                    [
                        Number(id), study.AccessionNumber, study.StudyDate, sop is not null && modalities.TryGetValue(sop, out var m) ? m : study.Modalities, name,
                        row is null ? null : Number(row.GenantGrade), row?.Deformity, Number(heights?.Anterior), Number(heights?.Middle), Number(heights?.Posterior), heights?.Unit,
                        reader?.Decision, reader is null ? null : Number(ReviewRules.CountedGrade(reader)),
                        reader is null ? null : reader.Decision == ReviewWords.Rejected ? "none" : reader.Deformity,
                        signed ? review!.SignedBy : null, signed ? review!.SignedAt?.ToString("o", CultureInfo.InvariantCulture) : null,
                        study.ModelId, study.ModelVersion,
                    ]);
                }
            }

            if (page * WorklistQuery.PageSize >= rows.Total)
            {
                break;
            }
        }

        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"plao-results.csv\"";
        return TypedResults.Text(text.ToString(), "text/csv; charset=utf-8");
    }

    /// <summary>
    /// One CSV field: quoted when it holds a quote, comma or line break (quotes doubled); a value starting with = + - @
    /// (or a tab or carriage return) gets a leading apostrophe, so a spreadsheet shows it as text instead of running it.
    /// </summary>
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static void AppendRow(StringBuilder text, IReadOnlyList<string?> values)
    {
        text.AppendJoin(',', values.Select(Field));
        text.Append("\r\n");
    }

    private static string? Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
