using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Dashboard;

/// <summary>
/// The worklist's filters, sorting and page as they stand in the URL query. Only codes and dates go in the URL: never a
/// patient's name, ID or accession number (the free-text search runs in the browser on the rendered rows).
/// </summary>
internal sealed record WorklistQuery(string? State, int? MinGrade, DateOnly? From, DateOnly? To, bool LowConfidence, string Sort, int Page)
{
    public const int PageSize = 50;

    /// <summary>The state filter's values and their labels, in the order the form lists them.</summary>
    public static IReadOnlyList<(string Value, string Label)> States { get; } =
    [
        ("received", "Received"), ("analysing", "Analysing"), ("review", "Needs review"), ("inreview", "In review"), ("signed", "Signed"),
        ("noresult", "No result"), ("failed", "Failed"), ("exportfailed", "Export failed"),
    ];

    /// <summary>The sort orders and their labels; <c>received</c> (newest first) is the default.</summary>
    public static IReadOnlyList<(string Value, string Label)> Sorts { get; } =
        [("received", "Newest received"), ("date", "Study date"), ("grade", "Highest grade"), ("fractures", "Fractured vertebrae")];

    /// <summary>Reads the query leniently: a value that is not one of the known ones is ignored, never an error page.</summary>
    public static WorklistQuery Parse(IQueryCollection query)
    {
        string? state = query["state"].ToString() is { Length: > 0 } s && States.Any(x => x.Value == s) ? s : null;
        int? minGrade = int.TryParse(query["minGrade"], NumberStyles.None, CultureInfo.InvariantCulture, out int g) && g is >= 1 and <= 3 ? g : null;
        string sort = query["sort"].ToString() is { Length: > 0 } o && Sorts.Any(x => x.Value == o) ? o : "received";
        int page = int.TryParse(query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p >= 1 ? p : 1;
        return new WorklistQuery(state, minGrade, Date(query["from"]), Date(query["to"]), query["lowConfidence"].ToString() is "1" or "true" or "on", sort, page);
    }

    /// <summary>The query string (with a leading '?', or empty) for these filters, with some of them changed.</summary>
    public string ToQueryString(string? sort = null, int? page = null)
    {
        var parts = new List<string>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parts.Add($"{key}={Uri.EscapeDataString(value)}");
            }
        }

        Add("state", State);
        Add("minGrade", MinGrade?.ToString(CultureInfo.InvariantCulture));
        Add("from", From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("to", To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("lowConfidence", LowConfidence ? "1" : null);
        string s = sort ?? Sort;
        Add("sort", s == "received" ? null : s);
        int pg = page ?? Page;
        Add("page", pg == 1 ? null : pg.ToString(CultureInfo.InvariantCulture));
        return parts.Count == 0 ? string.Empty : "?" + string.Join('&', parts);
    }

    private static DateOnly? Date(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
}

/// <summary>One study as the worklist shows it.</summary>
internal sealed record WorklistRow(
    long Id,
    string? PatientName,
    string? PatientId,
    string? AccessionNumber,
    string? BirthDate,
    string? StudyDate,
    string? Modalities,
    StudyState State,
    bool ExportFailed,
    int? FractureCount,
    int? HighestGrade,
    double? Sdi,
    int ReviewFlags,
    string? ModelVersion,
    IReadOnlyList<IReadOnlyList<string>> Runs,
    WorklistReview? Review = null)
{
    /// <summary>The state in the dashboard's words.</summary>
    public string StateLabel => State switch
    {
        StudyState.Receiving or StudyState.Queued => "Received",
        StudyState.Analysing => "Analysing",
        StudyState.Analysed when Review is { Signed: true } => "Signed",
        StudyState.Analysed when Review is { Decided: true } => "In review",
        StudyState.Analysed => "Needs review",
        StudyState.NoResult => "No result",
        StudyState.Failed => "Failed",
        _ => State.ToString(),
    };

    /// <summary>Several fractured vertebrae (two or more).</summary>
    public bool SeveralFractures => FractureCount >= 2;

    /// <summary>Adjacent fractures: at least one run of two or more consecutive fractured levels.</summary>
    public bool Adjacent => Runs.Count > 0;

    /// <summary>Whole years from birth to study date; null when either is missing or not a date.</summary>
    public int? Age
    {
        get
        {
            if (Parse(BirthDate) is not { } birth || Parse(StudyDate) is not { } study || study < birth)
            {
                return null;
            }

            int years = study.Year - birth.Year;
            return birth.AddYears(years) > study ? years - 1 : years;
        }
    }

    public static DateOnly? Parse(string? da) =>
        DateOnly.TryParseExact(da?.Trim(), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    /// <summary>The runs of adjacent fractured levels in a StudyResult (<c>summary.runs[].levels</c>); none when absent or unreadable.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> ReadRuns(string? resultJson)
    {
        if (string.IsNullOrEmpty(resultJson))
        {
            return [];
        }

        try
        {
            using var doc = JsonDocument.Parse(resultJson);
            if (!doc.RootElement.TryGetProperty("summary", out var summary) || !summary.TryGetProperty("runs", out var runs) || runs.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            return [.. runs.EnumerateArray()
                .Select(r => r.TryGetProperty("levels", out var l) && l.ValueKind == JsonValueKind.Array
                    ? (IReadOnlyList<string>)[.. l.EnumerateArray().Select(x => x.GetString() ?? "?")]
                    : [])
                .Where(r => r.Count >= 2)];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}

/// <summary>
/// Where the review of a study's latest analysis stands: signed (by whom and when), or open with at least one level
/// decided (accepted, rejected, moved or added).
/// </summary>
internal sealed record WorklistReview(bool Signed, string? SignedBy, DateTimeOffset? SignedAt, bool Decided);

/// <summary>A page of the worklist.</summary>
internal sealed record WorklistPage(int Total, IReadOnlyList<WorklistRow> Rows)
{
    // A level's decision as the review's stored levels (compact camelCase JSON) spell it: any but "undecided" is a decision.
    private const string AcceptedJson = "\"decision\":\"accepted\"";
    private const string RejectedJson = "\"decision\":\"rejected\"";
    private const string ModifiedJson = "\"decision\":\"modified\"";

    /// <summary>
    /// Reads one page of studies, filtered and sorted as the query says, each with the review of its latest analysis
    /// (one query: the review rows are joined, not read per study).
    /// </summary>
    public static async Task<WorklistPage> LoadAsync(ResultsDbContext db, WorklistQuery q, CancellationToken cancellationToken)
    {
        var query = from s in db.Studies.AsNoTracking()
                    join a0 in db.Analyses.AsNoTracking() on s.LatestAnalysisId equals (long?)a0.Id into latest
                    from a in latest.DefaultIfEmpty()
                    join r0 in db.Reviews.AsNoTracking() on new { StudyId = s.Id, AnalysisId = s.LatestAnalysisId } equals new { r0.StudyId, AnalysisId = (long?)r0.AnalysisId } into reviews
                    from r in reviews.DefaultIfEmpty()
                    select new
                    {
                        Study = s,
                        Analysis = a,
                        ExportFailed = db.Exports.Any(x => x.AnalysisId == s.LatestAnalysisId && x.State == ExportState.Failed),
                        HasReview = r != null,
                        Signed = r != null && r.State == ReviewState.Signed,
                        SignedBy = r == null ? null : r.SignedBy,
                        SignedAt = r == null ? null : r.SignedAt,
                        Decided = r != null && r.State == ReviewState.Open
                            && (r.LevelsJson.Contains(AcceptedJson) || r.LevelsJson.Contains(RejectedJson) || r.LevelsJson.Contains(ModifiedJson)),
                    };

        query = q.State switch
        {
            "received" => query.Where(x => x.Study.State == StudyState.Receiving || x.Study.State == StudyState.Queued),
            "analysing" => query.Where(x => x.Study.State == StudyState.Analysing),
            "review" => query.Where(x => x.Study.State == StudyState.Analysed && !x.ExportFailed && !x.Signed && !x.Decided),
            "inreview" => query.Where(x => x.Study.State == StudyState.Analysed && !x.ExportFailed && x.Decided),
            "signed" => query.Where(x => x.Study.State == StudyState.Analysed && x.Signed),
            "noresult" => query.Where(x => x.Study.State == StudyState.NoResult),
            "failed" => query.Where(x => x.Study.State == StudyState.Failed),
            "exportfailed" => query.Where(x => x.ExportFailed),
            _ => query,
        };
        if (q.MinGrade is { } g)
        {
            query = query.Where(x => x.Analysis != null && x.Analysis.HighestGrade >= g);
        }

        // Study Date is text (YYYYMMDD): ordered as text, it is ordered as a date.
        if (q.From is { } from)
        {
            string f = from.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            query = query.Where(x => x.Study.StudyDate != null && string.Compare(x.Study.StudyDate, f) >= 0);
        }

        if (q.To is { } to)
        {
            string t = to.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            query = query.Where(x => x.Study.StudyDate != null && string.Compare(x.Study.StudyDate, t) <= 0);
        }

        if (q.LowConfidence)
        {
            query = query.Where(x => x.Analysis != null && x.Analysis.ReviewFlagCount > 0);
        }

        var sorted = q.Sort switch
        {
            "date" => query.OrderByDescending(x => x.Study.StudyDate).ThenByDescending(x => x.Study.Id),
            "grade" => query.OrderByDescending(x => x.Analysis == null ? -1 : x.Analysis.HighestGrade).ThenByDescending(x => x.Study.Id),
            "fractures" => query.OrderByDescending(x => x.Analysis == null ? -1 : x.Analysis.FractureCount).ThenByDescending(x => x.Study.Id),
            _ => query.OrderByDescending(x => x.Study.Id),
        };

        int total = await query.CountAsync(cancellationToken).ConfigureAwait(false);
        var rows = await sorted.Skip((q.Page - 1) * WorklistQuery.PageSize).Take(WorklistQuery.PageSize)
            .Select(x => new
            {
                x.Study.Id, x.Study.PatientName, x.Study.PatientId, x.Study.AccessionNumber, x.Study.PatientBirthDate, x.Study.StudyDate, x.Study.Modalities,
                x.Study.State, x.ExportFailed,
                FractureCount = x.Analysis == null ? (int?)null : x.Analysis.FractureCount,
                HighestGrade = x.Analysis == null ? (int?)null : x.Analysis.HighestGrade,
                Sdi = x.Analysis == null ? null : x.Analysis.Sdi,
                ReviewFlags = x.Analysis == null ? 0 : x.Analysis.ReviewFlagCount,
                ModelVersion = x.Analysis == null ? null : x.Analysis.ModelVersion,
                ResultJson = x.Analysis == null ? null : x.Analysis.ResultJson,
                x.HasReview, x.Signed, x.SignedBy, x.SignedAt, x.Decided,
            })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return new WorklistPage(total, [.. rows.Select(r => new WorklistRow(
            r.Id, r.PatientName, r.PatientId, r.AccessionNumber, r.PatientBirthDate, r.StudyDate, r.Modalities, r.State, r.ExportFailed,
            r.FractureCount, r.HighestGrade, r.Sdi, r.ReviewFlags, r.ModelVersion, WorklistRow.ReadRuns(r.ResultJson),
            r.HasReview ? new WorklistReview(r.Signed, r.SignedBy, r.SignedAt, r.Decided) : null))]);
    }
}
