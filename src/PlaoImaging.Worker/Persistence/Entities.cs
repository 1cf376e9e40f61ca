namespace PlaoImaging.Worker.Persistence;

/// <summary>Where a study stands. Stored as text, so the database reads well and new states need no renumbering.</summary>
public enum StudyState
{
    /// <summary>Instances are arriving; analysed when the quiet period ends.</summary>
    Receiving,

    /// <summary>An analysis job is on a queue.</summary>
    Queued,

    /// <summary>The analysis is running.</summary>
    Analysing,

    /// <summary>Graded: results and reports exist (the dashboard calls it "needs review").</summary>
    Analysed,

    /// <summary>Nothing measurable (no lateral spine radiograph or sagittal spine MR, or no vertebra found): the reason says which.</summary>
    NoResult,

    /// <summary>The analysis failed; the reason says why.</summary>
    Failed,
}

/// <summary>What a received instance is to us.</summary>
public enum InstanceKind
{
    /// <summary>An image or any object a study may be analysed from.</summary>
    Input,

    /// <summary>One of our own reports or presentation objects coming back from the PACS: kept, never analysed or re-sent.</summary>
    OwnObject,
}

/// <summary>State of one export of one analysis to one destination.</summary>
public enum ExportState
{
    Pending,
    Retrying,
    Sent,
    Failed,
}

/// <summary>State of a reprocessing request.</summary>
public enum ReprocessState
{
    Queued,
    Running,
    Done,
    Cancelled,
    Failed,
}

/// <summary>One study known to the worker.</summary>
public sealed class StudyRecord
{
    public long Id { get; set; }

    public required string StudyInstanceUid { get; set; }

    public string? PatientName { get; set; }

    public string? PatientId { get; set; }

    public string? PatientBirthDate { get; set; }

    public string? PatientSex { get; set; }

    public string? AccessionNumber { get; set; }

    /// <summary>Study Date as written (YYYYMMDD).</summary>
    public string? StudyDate { get; set; }

    public string? StudyDescription { get; set; }

    /// <summary>Modalities of the input instances, backslash-separated.</summary>
    public string? Modalities { get; set; }

    public StudyState State { get; set; }

    /// <summary>Why the study is where it is (no result, failed, skipped), in words.</summary>
    public string? Reason { get; set; }

    /// <summary>
    /// While the study is <see cref="StudyState.Analysing"/>: the analysis that holds its generation
    /// (<c>Jobs.AnalysisClaims</c>), compared by the claims; null otherwise. The reason shows readers the same words.
    /// </summary>
    public string? AnalysisClaim { get; set; }

    /// <summary>Counts changes to the study's inputs: each new or changed input instance adds one. An analysis is of one generation.</summary>
    public int Generation { get; set; }

    /// <summary>The generation last put on a queue.</summary>
    public int QueuedGeneration { get; set; }

    /// <summary>When the quiet period ends (null when nothing waits).</summary>
    public DateTimeOffset? DueAt { get; set; }

    public DateTimeOffset FirstReceivedAt { get; set; }

    public DateTimeOffset LastReceivedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The latest analysis (any model).</summary>
    public long? LatestAnalysisId { get; set; }

    public int InputCount { get; set; }

    /// <summary>Set when the received images were removed by retention.</summary>
    public DateTimeOffset? ImagesPurgedAt { get; set; }

    public List<InstanceRecord> Instances { get; set; } = [];
}

/// <summary>One stored instance, indexed in the same step that acknowledges it.</summary>
public sealed class InstanceRecord
{
    public long Id { get; set; }

    public long StudyId { get; set; }

    public StudyRecord? Study { get; set; }

    public required string SopInstanceUid { get; set; }

    public required string SopClassUid { get; set; }

    public string? SeriesInstanceUid { get; set; }

    public string? Modality { get; set; }

    public InstanceKind Kind { get; set; }

    /// <summary>The stored file, relative to the storage root.</summary>
    public required string Path { get; set; }

    public long Size { get; set; }

    /// <summary>sha256 of the stored file, lower-case hex.</summary>
    public required string Sha256 { get; set; }

    public string? CallingAETitle { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>How many times the same instance was received again (identical or replaced).</summary>
    public int Duplicates { get; set; }
}

/// <summary>One analysis of one generation of a study by one model.</summary>
public sealed class AnalysisRecord
{
    public long Id { get; set; }

    public long StudyId { get; set; }

    public int Generation { get; set; }

    public required string ModelId { get; set; }

    public required string ModelVersion { get; set; }

    public required string ModelSha256 { get; set; }

    /// <summary>graded, no-measurable-series or failed (the engine's <c>StudyStatus</c>).</summary>
    public required string Status { get; set; }

    public string? Reason { get; set; }

    /// <summary>The <c>StudyResult</c> as JSON (schema plao-study-result/1); null when the analysis threw.</summary>
    public string? ResultJson { get; set; }

    public int FractureCount { get; set; }

    public int HighestGrade { get; set; }

    public double? Sdi { get; set; }

    public int ReviewFlagCount { get; set; }

    /// <summary><c>realtime</c> or <c>reprocess:N</c>.</summary>
    public required string Trigger { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset FinishedAt { get; set; }

    public double DurationMs { get; set; }

    public List<ProducedObjectRecord> Objects { get; set; } = [];
}

/// <summary>A DICOM object an analysis produced (SR, GSPS, SC), kept under the data folder.</summary>
public sealed class ProducedObjectRecord
{
    public long Id { get; set; }

    public long AnalysisId { get; set; }

    public required string SopInstanceUid { get; set; }

    public required string SopClassUid { get; set; }

    /// <summary>SR, GSPS or SC.</summary>
    public required string Kind { get; set; }

    /// <summary>Relative to the outbox (<c>Worker:OutboxFolder</c>), which workers sharing a database share.</summary>
    public required string Path { get; set; }

    /// <summary>0 for the analysis's own objects; N for the amended report and presentation states signed in review N.</summary>
    public int ReviewNumber { get; set; }
}

/// <summary>The export of one analysis's objects to one destination.</summary>
public sealed class ExportRecord
{
    public long Id { get; set; }

    public long AnalysisId { get; set; }

    public long StudyId { get; set; }

    public required string Destination { get; set; }

    /// <summary>
    /// 0: the analysis's own objects; N: the objects signed in review N (<see cref="ProducedObjectRecord.ReviewNumber"/>).
    /// Part of the unique key with the analysis and the destination, so each signed amendment is an export of its own.
    /// </summary>
    public int ReviewNumber { get; set; }

    public ExportState State { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    /// <summary>
    /// Who is sending it now (an attempt's own id), so that two jobs for one export (a restart's re-queue beside
    /// Hangfire's resumed job, a dead node's job run again elsewhere) never send it at the same time; null when nobody is.
    /// </summary>
    public string? ClaimedBy { get; set; }

    /// <summary>When the claim lapses unless its holder renews it (a killed holder's claim lapses on its own).</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }
}

/// <summary>A batch reprocessing request and its progress.</summary>
public sealed class ReprocessRecord
{
    public long Id { get; set; }

    public required string RequestedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The filter as JSON (<c>ReprocessFilter</c>).</summary>
    public required string FilterJson { get; set; }

    public ReprocessState State { get; set; }

    public int Total { get; set; }

    public int Done { get; set; }

    public int Skipped { get; set; }

    public int Failed { get; set; }

    public bool CancelRequested { get; set; }

    /// <summary>
    /// The run that holds the request, set by each run as it starts. A request can be started twice: the start-up
    /// recovery queues again what a dead process was running, and the job storage may hand that process's job out as
    /// well. The later run takes the request over; an earlier one, finding another token at its next look (within a
    /// second), stops and writes nothing more.
    /// </summary>
    public string? RunToken { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>Where a review stands.</summary>
public enum ReviewState
{
    /// <summary>Being read: levels may be decided, moved, added and removed.</summary>
    Open,

    /// <summary>Signed by a radiologist; the amended report went out. A later change opens the next review number.</summary>
    Signed,
}

/// <summary>
/// A radiologist's review of a study's analysis: one row per study and analysis, started on the first read from the
/// analysis's result. The levels are one JSON document (<see cref="LevelsJson"/>) rather than rows: a review is read and
/// changed as a whole, and every change is then one UPDATE of one row guarded by <see cref="Version"/> (a concurrency
/// token: <c>UPDATE … WHERE Id = @id AND Version = @seen</c>), atomic on SQLite and PostgreSQL alike, so of two readers
/// changing the same version only one wins. Each change appends an <see cref="AuditRecord"/> in the same transaction.
/// </summary>
public sealed class ReviewRecord
{
    public long Id { get; set; }

    public long StudyId { get; set; }

    /// <summary>The analysis whose result the review started from.</summary>
    public long AnalysisId { get; set; }

    /// <summary>1 at first; a change to a signed review starts the next number (copying the signed levels).</summary>
    public int ReviewNumber { get; set; }

    /// <summary>Counts changes (1 when started); the version a client must name to change the review.</summary>
    public long Version { get; set; }

    public ReviewState State { get; set; }

    /// <summary>The levels as they stand (<c>ReviewLevel</c> list, camelCase JSON).</summary>
    public required string LevelsJson { get; set; }

    /// <summary>The levels as last signed (null until the first signature): what agreement and the results export read.</summary>
    public string? SignedLevelsJson { get; set; }

    /// <summary>The review number last signed.</summary>
    public int? SignedReviewNumber { get; set; }

    public string? SignedBy { get; set; }

    public DateTimeOffset? SignedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public required string LastChangedBy { get; set; }

    public DateTimeOffset LastChangedAt { get; set; }
}

/// <summary>
/// One entry of a study's review audit trail. Append-only: nothing in the worker updates or deletes these rows, and the
/// database refuses both (triggers made by the AddReview migration). Retention removes images only, never studies, so
/// no row is ever purged.
/// </summary>
public sealed class AuditRecord
{
    public long Id { get; set; }

    public long StudyId { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>The signed-in user, or <c>worker</c> for what the worker did itself (export outcomes).</summary>
    public required string User { get; set; }

    /// <summary>decision, points, add-level, remove-level, sign, export-sent, export-failed or export-retry.</summary>
    public required string Action { get; set; }

    public string? Level { get; set; }

    /// <summary>The level (or review) before the change, as JSON; null when there was none.</summary>
    public string? BeforeJson { get; set; }

    /// <summary>The level (or review, or export) after the change, as JSON.</summary>
    public string? AfterJson { get; set; }

    public required string ModelVersion { get; set; }

    public int ReviewNumber { get; set; }
}
