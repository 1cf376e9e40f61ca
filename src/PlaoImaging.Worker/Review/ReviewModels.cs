using System.Text.Json.Nodes;
using PlaoImaging.Analysis.Results;

namespace PlaoImaging.Worker.Review;

/// <summary>Decisions and origins of review levels, as the review document spells them.</summary>
public static class ReviewWords
{
    public const string Undecided = "undecided";
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string Modified = "modified";

    /// <summary>A level the model found.</summary>
    public const string Model = "model";

    /// <summary>A level the model missed and the reader added.</summary>
    public const string Reader = "reader";
}

/// <summary>
/// One level of a review: the image it is measured on, the reader's decision, the current six points (and the model's),
/// and the numbers the engine's grading rule gives for them. Also the stored form of a level (camelCase JSON).
/// </summary>
public sealed record ReviewLevel
{
    public required string Level { get; init; }

    public required string SopInstanceUid { get; init; }

    public int Frame { get; init; }

    /// <summary><see cref="ReviewWords.Model"/> or <see cref="ReviewWords.Reader"/>.</summary>
    public required string Origin { get; init; }

    /// <summary>undecided, accepted, rejected or modified.</summary>
    public required string Decision { get; init; }

    /// <summary>Why the level was rejected (required then).</summary>
    public string? Reason { get; init; }

    /// <summary>The current six points in image pixels (x = column, y = row), keyed like the result's points.</summary>
    public required IReadOnlyDictionary<string, double[]> Points { get; init; }

    /// <summary>The model's points; null for a level the reader added.</summary>
    public IReadOnlyDictionary<string, double[]>? ModelPoints { get; init; }

    public required Heights Heights { get; init; }

    public required Ratios Ratios { get; init; }

    public int Grade { get; init; }

    public required string Deformity { get; init; }

    public int? ModelGrade { get; init; }

    public string? ModelDeformity { get; init; }

    /// <summary>The model's detection score of the level; null for a reader's level.</summary>
    public double? Confidence { get; init; }

    /// <summary>Marrow oedema on MR; null without MR of the level.</summary>
    public bool? Acute { get; init; }

    /// <summary>
    /// The model whose grading rules gave the numbers when it is not the one that produced the analysis (the level was
    /// graded again after a model reload); null: the analysis's model.
    /// </summary>
    public ReviewModelInfo? GradedWith { get; init; }
}

/// <summary>The model whose result is reviewed.</summary>
public sealed record ReviewModelInfo(string Id, string Version, string Sha256);

/// <summary>
/// The model whose grading rules grade the review's changes now (the model serving); <paramref name="SameAsAnalysis"/>
/// false when it is not the model that produced the analysis (it was replaced by a reload).
/// </summary>
public sealed record ReviewGradingInfo(string Id, string Version, string Sha256, string? ManifestSha256, bool SameAsAnalysis);

/// <summary>The study's figures from the reader's levels (rejected levels count as not fractured, grade 0).</summary>
public sealed record ReviewSummary(int FractureCount, int HighestGrade, int? Sdi);

/// <summary>The review of a study (GET /api/studies/{id}/review), as every change answers it.</summary>
public sealed record ReviewDocument(
    long StudyId,
    long AnalysisId,
    int ReviewNumber,
    long Version,
    string State,
    string? SignedBy,
    DateTimeOffset? SignedAt,
    string LastChangedBy,
    DateTimeOffset LastChangedAt,
    ReviewModelInfo Model,
    ReviewGradingInfo Grading,
    IReadOnlyList<ReviewLevel> Levels,
    ReviewSummary Summary,
    IReadOnlyList<string> Differences,
    IReadOnlyList<string> Undecided,
    bool CanSign);

/// <summary>Body of POST …/levels/{level}/decision.</summary>
public sealed record DecisionRequest(string? Decision, string? Reason, long? Version);

/// <summary>Body of POST …/levels/{level}/points.</summary>
public sealed record PointsRequest(Dictionary<string, double[]>? Points, long? Version);

/// <summary>Body of POST …/review/preview: a level's points graded without saving.</summary>
public sealed record PreviewRequest(string? Level, string? SopInstanceUid, int Frame, Dictionary<string, double[]>? Points);

/// <summary>What the grading rule gives for previewed points.</summary>
public sealed record PreviewAnswer(Heights Heights, Ratios Ratios, int Grade, string Deformity);

/// <summary>Body of POST …/review/levels: a level the model missed.</summary>
public sealed record AddLevelRequest(string? Level, string? SopInstanceUid, int Frame, Dictionary<string, double[]>? Points, long? Version);

/// <summary>Body of POST …/review/sign.</summary>
public sealed record SignRequest(long? Version);

/// <summary>One entry of a study's audit trail.</summary>
public sealed record AuditEntry(DateTimeOffset At, string User, string Action, string? Level, JsonNode? Before, JsonNode? After, string ModelVersion, int ReviewNumber);

/// <summary>How the readers' signed reviews agree with one model version.</summary>
public sealed record AgreementRow(
    string ModelVersion,
    int StudiesSigned,
    int Levels,
    int Accepted,
    int Rejected,
    int Modified,
    int Added,
    double? GradeKappa,
    double? ExactGradeAgreement);

/// <summary>Why a review request was refused: the HTTP status, a title, and fields for the problem document.</summary>
public sealed record ReviewProblem(int Status, string Title, string? Detail = null, IReadOnlyDictionary<string, object?>? Extensions = null);

/// <summary>A review request's answer: a value, or the problem.</summary>
public sealed record ReviewOutcome<T>(T? Value, ReviewProblem? Problem)
    where T : class
{
    public static ReviewOutcome<T> Fail(ReviewProblem problem) => new(null, problem);

    public static ReviewOutcome<T> Of(T value) => new(value, null);
}
