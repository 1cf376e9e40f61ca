using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Api;

/// <summary>A page of results.</summary>
public sealed record Page<T>(int Total, int PageNumber, int PageSize, IReadOnlyList<T> Items);

/// <summary>A study in a list.</summary>
public sealed record StudySummary(
    long Id,
    string StudyInstanceUid,
    string? PatientName,
    string? PatientId,
    string? StudyDate,
    string? Modalities,
    string State,
    string? Reason,
    int Inputs,
    DateTimeOffset LastReceivedAt,
    int? FractureCount,
    int? HighestGrade,
    double? Sdi,
    string? ModelVersion)
{
    internal static StudySummary From(StudyRecord s, AnalysisRecord? a) => new(
        s.Id, s.StudyInstanceUid, s.PatientName, s.PatientId, s.StudyDate, s.Modalities, s.State.ToString(), s.Reason, s.InputCount, s.LastReceivedAt,
        a?.FractureCount, a?.HighestGrade, a?.Sdi, a?.ModelVersion);
}

/// <summary>One analysis of a study.</summary>
public sealed record AnalysisSummary(
    long Id,
    int Generation,
    string ModelId,
    string ModelVersion,
    string ModelSha256,
    string Status,
    string? Reason,
    int FractureCount,
    int HighestGrade,
    double? Sdi,
    int ReviewFlags,
    string Trigger,
    DateTimeOffset FinishedAt,
    double DurationMs)
{
    internal static AnalysisSummary From(AnalysisRecord a) => new(
        a.Id, a.Generation, a.ModelId, a.ModelVersion, a.ModelSha256, a.Status, a.Reason, a.FractureCount, a.HighestGrade, a.Sdi, a.ReviewFlagCount,
        a.Trigger, a.FinishedAt, a.DurationMs);
}

/// <summary>
/// An export of an analysis to a destination: <see cref="Kind"/> <c>analysis</c> (the model's report, review number 0) or
/// <c>amended</c> (the report signed in review <see cref="ReviewNumber"/>).
/// </summary>
public sealed record ExportSummary(long Id, long AnalysisId, long StudyId, string Destination, string State, int Attempts, string? LastError,
    DateTimeOffset? LastAttemptAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? SentAt, int ReviewNumber, string Kind)
{
    internal static ExportSummary From(ExportRecord x) => new(
        x.Id, x.AnalysisId, x.StudyId, x.Destination, x.State.ToString(), x.Attempts, x.LastError, x.LastAttemptAt, x.NextAttemptAt, x.SentAt,
        x.ReviewNumber, x.ReviewNumber == 0 ? "analysis" : "amended");
}

/// <summary>A study with its analyses and exports.</summary>
public sealed record StudyDetail(StudySummary Study, int Generation, IReadOnlyList<AnalysisSummary> Analyses, IReadOnlyList<ExportSummary> Exports);

/// <summary>An object an analysis produced.</summary>
public sealed record ProducedObject(string SopInstanceUid, string SopClassUid, string Kind, long AnalysisId);

/// <summary>A configured destination and how its exports stand.</summary>
public sealed record DestinationSummary(string Name, string Kind, string Address, int Pending, int Retrying, int Sent, int Failed);

/// <summary>A reprocessing request and its progress.</summary>
public sealed record ReprocessSummary(long Id, string RequestedBy, DateTimeOffset CreatedAt, string State, int Total, int Done, int Skipped, int Failed,
    bool CancelRequested, string? Error, DateTimeOffset? FinishedAt, string Filter)
{
    internal static ReprocessSummary From(ReprocessRecord r) => new(
        r.Id, r.RequestedBy, r.CreatedAt, r.State.ToString(), r.Total, r.Done, r.Skipped, r.Failed, r.CancelRequested, r.Error, r.FinishedAt, r.FilterJson);
}

/// <summary>The model the worker runs, and what it is for.</summary>
public sealed record ModelSummary(string Id, string Version, string Sha256, string? ManifestSha256, string ExecutionProvider, string? IntendedUse, string? Limitations)
{
    /// <summary>When the serving model was loaded (at start, or by the last reload that passed).</summary>
    public DateTimeOffset? LoadedAt { get; init; }

    /// <summary>The last reload tried since the start (null: none): when, whether it loaded, and why not.</summary>
    public ModelReloadSummary? LastReload { get; init; }
}

/// <summary>One model reload's outcome: <c>loaded</c> false with the <c>error</c> means the previous model serves on.</summary>
public sealed record ModelReloadSummary(DateTimeOffset At, bool Loaded, string? Error);
