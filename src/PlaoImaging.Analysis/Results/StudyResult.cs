using PlaoImaging.Analysis.Inference;

namespace PlaoImaging.Analysis.Results;

// The analysis result of one study: the contract that reports, the API and the dashboard read. Its JSON form
// (StudyResultJson, snake_case) is described by StudyResult.schema.json beside this file; a change that removes or
// renames a field is a new schema version.

/// <summary>What became of a study as a whole.</summary>
public enum StudyStatus
{
    /// <summary>At least one image was measured and graded.</summary>
    Graded,

    /// <summary>No series was a lateral spine radiograph or a sagittal spine MR (every skip has its reason).</summary>
    NoMeasurableSeries,

    /// <summary>Series were selected but none could be measured (every image failed; each error is recorded).</summary>
    Failed,
}

/// <summary>The result of one study.</summary>
public sealed record StudyResult
{
    /// <summary>The schema this record follows (<see cref="CurrentSchema"/>).</summary>
    public string Schema { get; init; } = CurrentSchema;

    public const string CurrentSchema = "plao-study-result/1";

    public required string StudyInstanceUid { get; init; }

    public string? PatientId { get; init; }

    public string? AccessionNumber { get; init; }

    public required DateTimeOffset AnalysedAt { get; init; }

    public required EngineInfo Engine { get; init; }

    public required ModelInfo Model { get; init; }

    public required StudyStatus Status { get; init; }

    /// <summary>Why the study as a whole could not be analysed (a fault of the engine or the runtime); errors of single images are on the images.</summary>
    public string? Error { get; init; }

    /// <summary>Every instance the study was given, in the order read.</summary>
    public required IReadOnlyList<InputInstance> Inputs { get; init; }

    /// <summary>One decision per series (and per instance where a series mixes views), with its reasons.</summary>
    public required IReadOnlyList<SeriesOutcome> Series { get; init; }

    /// <summary>Every image measured, or that failed with its error.</summary>
    public required IReadOnlyList<ImageResult> Images { get; init; }

    /// <summary>One joined row per level: the radiograph's grade and heights beside the MR's grade and acute flag.</summary>
    public required IReadOnlyList<LevelResult> Levels { get; init; }

    public required StudySummary Summary { get; init; }

    public required IReadOnlyList<ReviewFlag> ReviewFlags { get; init; }
}

/// <summary>The engine's own version and where the model ran.</summary>
public sealed record EngineInfo(string Version, string ExecutionProvider);

/// <summary>Which model produced the result, and what it was (and was not) validated on.</summary>
public sealed record ModelInfo(string Id, string Version, string Sha256, string Architecture, string Validation)
{
    /// <summary>sha256 of the model manifest's bytes (every number the engine used comes from it); null when unknown.</summary>
    public string? ManifestSha256 { get; init; }

    public static ModelInfo Of(ModelIdentity identity, string architecture, string validation)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new ModelInfo(identity.Id, identity.Version, identity.Sha256, architecture, validation);
    }
}

/// <summary>One instance handed to the analysis.</summary>
public sealed record InputInstance(
    string? Path,
    string? SopInstanceUid,
    string? SeriesInstanceUid,
    string? SopClassUid,
    string? Modality,
    int? NumberOfFrames)
{
    /// <summary>Why the instance could not be read at all (then the other fields may be null).</summary>
    public string? Error { get; init; }
}

/// <summary>What the selection decided for a series (or one instance of a mixed series), and why.</summary>
public sealed record SeriesOutcome(
    string SeriesInstanceUid,
    string? Modality,
    string? SeriesDescription,
    bool Selected,
    string? Kind,
    string? MrSequence,
    IReadOnlyList<string> Reasons)
{
    /// <summary>Instances the decision covers (all of the series unless it was decided per instance).</summary>
    public IReadOnlyList<string> SopInstanceUids { get; init; } = [];
}

/// <summary>A spacing in the result: mm per pixel (null without one) and where it came from.</summary>
public sealed record SpacingInfo(double? RowMm, double? ColumnMm, string Provenance, string Note);

/// <summary>One measured (or failed) image.</summary>
public sealed record ImageResult
{
    public required ImageReference Source { get; init; }

    /// <summary><c>lateral-radiograph</c> or <c>sagittal-mr</c>.</summary>
    public required string Kind { get; init; }

    public string? MrSequence { get; init; }

    public int Rows { get; init; }

    public int Columns { get; init; }

    public SpacingInfo? Spacing { get; init; }

    /// <summary>For MR: whether this slice was one of those chosen for measurement, and why.</summary>
    public bool Measured { get; init; } = true;

    public string? Note { get; init; }

    /// <summary>Why the image could not be measured; the study goes on without it.</summary>
    public string? Error { get; init; }

    public IReadOnlyList<VertebraResult> Vertebrae { get; init; } = [];
}

/// <summary>Heights of one body (mm with a spacing, else pixels: <see cref="Unit"/>).</summary>
public sealed record Heights(double Anterior, double Middle, double Posterior, string Unit);

/// <summary>Height ratios: Ha/Hp, Hm/Hp, and Hp against the mean Hp of the reference neighbours (null when none).</summary>
public sealed record Ratios(double AnteriorPosterior, double MiddlePosterior, double? PosteriorNeighbours);

/// <summary>Relative height reductions against the level's normal reference (see the model manifest's grading rule).</summary>
public sealed record Reductions(double Wedge, double Biconcave, double Crush, bool CrushAssessed);

/// <summary>The marrow signal of a body on MR against its normal neighbours.</summary>
public sealed record MarrowFinding(string Sequence, double? Ratio, bool Acute, bool SupportingOnly, string Evidence);

/// <summary>
/// The lowest and highest Genant grade within the measurement uncertainty: the largest shape reduction less and plus
/// <see cref="HalfWidth"/> (a fraction, as the reductions).
/// </summary>
public sealed record GradeRange(int Low, int High, double HalfWidth)
{
    /// <summary>The interval spans more than one grade: a threshold lies inside it.</summary>
    public bool Straddles => Low != High;
}

/// <summary>One vertebra measured on one image.</summary>
public sealed record VertebraResult
{
    public required string Level { get; init; }

    public required double LevelConfidence { get; init; }

    public required double Score { get; init; }

    public double? RefinerConfidence { get; init; }

    /// <summary>
    /// The refiner's expected Euclidean error of each point (keyed like <see cref="Points"/>), in the unit of
    /// <see cref="Heights"/>; null when the model gives no uncertainty (a single-stage model).
    /// </summary>
    public IReadOnlyDictionary<string, double>? PointError { get; init; }

    /// <summary>
    /// The grades the vertebra could have within its measurement uncertainty (the reductions ± the review flag's
    /// interval); null without a point uncertainty or for an ungraded level.
    /// </summary>
    public GradeRange? GradeRange { get; init; }

    /// <summary>The six points in pixels of the measured frame (x = column, y = row), keyed sa, sm, sp, ia, im, ip.</summary>
    public required IReadOnlyDictionary<string, double[]> Points { get; init; }

    public required Heights Heights { get; init; }

    public required Ratios Ratios { get; init; }

    public required Reductions Reductions { get; init; }

    /// <summary>Genant grade 0–3 (S1 is measured but never graded: 0).</summary>
    public required int GenantGrade { get; init; }

    /// <summary><c>none</c>, <c>wedge</c>, <c>biconcave</c> or <c>crush</c>.</summary>
    public required string Deformity { get; init; }

    public bool Graded { get; init; } = true;

    public MarrowFinding? Marrow { get; init; }
}

/// <summary>A level's radiograph measurement.</summary>
public sealed record RadiographLevel(string SopInstanceUid, int Frame, int GenantGrade, string Deformity, Heights Heights);

/// <summary>A level's MR measurement (the slice it was taken from) and its marrow findings.</summary>
public sealed record MrLevel(string SopInstanceUid, int Frame, string? Sequence, int GenantGrade, string Deformity, Heights Heights, bool Acute, double? OedemaRatio, string? Evidence);

/// <summary>One level across the study.</summary>
public sealed record LevelResult(string Level, RadiographLevel? Radiograph, MrLevel? Mr)
{
    /// <summary>The grade that counts for the study: the higher of radiograph and MR (a fracture seen on either counts).</summary>
    public int GenantGrade => Math.Max(Radiograph?.GenantGrade ?? 0, Mr?.GenantGrade ?? 0);

    public string Deformity => (Radiograph?.GenantGrade ?? 0) >= (Mr?.GenantGrade ?? 0)
        ? Radiograph?.Deformity ?? Mr?.Deformity ?? "none"
        : Mr!.Deformity;

    public bool Acute => Mr?.Acute ?? false;
}

/// <summary>Spinal Deformity Index: the sum of grades T4–L4; partial when a level of T4–L4 was not measured.</summary>
public sealed record DeformityIndex(int Value, bool Partial, IReadOnlyList<string> MissingLevels);

/// <summary>Adjacent fractured levels (the pattern of pregnancy- and lactation-associated osteoporosis).</summary>
public sealed record FractureRun(IReadOnlyList<string> Levels)
{
    public int Length => Levels.Count;
}

/// <summary>The study in numbers.</summary>
public sealed record StudySummary(
    int MeasuredLevels,
    int FracturedVertebrae,
    int WorstGrade,
    DeformityIndex SpinalDeformityIndex,
    IReadOnlyList<FractureRun> Runs,
    IReadOnlyList<string> AcuteLevels);

/// <summary>Something a radiologist must look at before trusting the result.</summary>
public sealed record ReviewFlag(string Code, string Message)
{
    public string? Level { get; init; }

    public string? SopInstanceUid { get; init; }
}
