using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace PlaoImaging.Analysis.Selection;

/// <summary>What to do when two sources disagree (for example the description says lateral and View Position says AP).</summary>
public enum ConflictPolicy
{
    /// <summary>Skip the image and name both sources in the reason (the default: a wrong view gives wrong heights).</summary>
    Skip,

    /// <summary>
    /// Follow the strongest source and record the conflict among the reasons. Strength: View Code Sequence, then View
    /// Position, then Patient Orientation, then descriptions; for anatomy Body Part Examined, then Anatomic Region
    /// Sequence, then descriptions; for the MR plane Image Orientation (Patient), then descriptions.
    /// </summary>
    TrustStrongest,
}

/// <summary>
/// The rules <see cref="SeriesSelector"/> applies, with defaults for every field. Read from JSON with
/// <see cref="FromJson"/> (camelCase field names; absent fields keep their defaults; unknown fields are errors) and
/// written with <see cref="ToJson"/>. Description patterns are .NET regular expressions, matched case-insensitively
/// against a normalised text: lower case, every character other than a letter or digit replaced by a space, so
/// <c>t1_tse_sag</c> reads <c>t1 tse sag</c> and <c>\b</c> separates its words.
/// </summary>
public sealed record SelectionRules
{
    /// <summary>The rules as shipped.</summary>
    public static SelectionRules Default { get; } = new();

    /// <summary>Projection radiography modalities measured as lateral radiographs.</summary>
    public IReadOnlyList<string> RadiographModalities { get; init; } = ["CR", "DX"];

    /// <summary>Modalities measured as sagittal MR.</summary>
    public IReadOnlyList<string> MrModalities { get; init; } = ["MR"];

    /// <summary>
    /// Body Part Examined (0018,0015) values that are the spine, compared after removing spaces, hyphens and underscores
    /// (so <c>L-SPINE</c> reads <c>LSPINE</c>). From PS3.16 Annex L (CID 4031): SPINE, TSPINE, LSPINE, TLSPINE (thoraco-
    /// lumbar), LSSPINE (lumbo-sacral), CTSPINE (cervico-thoracic); WHOLESPINE is not a defined term but is written by
    /// some devices. CSPINE (cervical), SSPINE (sacrum) and COCCYX are left out: they show no thoracic or lumbar level.
    /// </summary>
    public IReadOnlyList<string> SpineBodyParts { get; init; } = ["SPINE", "TSPINE", "LSPINE", "TLSPINE", "LSSPINE", "CTSPINE", "WHOLESPINE"];

    /// <summary>Anatomic Region Sequence (0008,2218) codes that are the spine, as <c>SCHEME:VALUE</c> (SCT: spine, thoracic spine, lumbar spine).</summary>
    public IReadOnlyList<string> SpineAnatomicRegionCodes { get; init; } = ["SCT:421060004", "SCT:122495006", "SCT:122496007"];

    /// <summary>Descriptions that name the spine (series description, protocol name; the study description only when nothing else speaks).</summary>
    public IReadOnlyList<string> SpineDescriptionPatterns { get; init; } =
        [@"spine", @"spinal", @"wirbels[aä]ule", @"\b[lbhc]ws\b", @"\blumba[rl]\b", @"\bthora(cic|kal)\b", @"\bvertebra"];

    /// <summary>
    /// Series descriptions that name another region (chest, abdomen, pelvis, limbs...). A description naming both the
    /// spine and another region ("XR CHEST AND SPINE") says nothing. The study description is never read this way: a
    /// study often holds a chest and a spine series.
    /// </summary>
    public IReadOnlyList<string> OtherRegionDescriptionPatterns { get; init; } =
    [
        @"\b(chest|cxr|thorax|lung|lungs|abdomen|abdo|pelvis|becken|skull|sch[aä]del|head|knee|knie|hip|h[uü]fte|shoulder|schulter)\b",
        @"\b(hand|wrist|elbow|foot|fu[sß]|ankle|femur|tibia|humerus|rib|ribs|rippen)\b",
    ];

    /// <summary>
    /// Accept an image whose anatomy nothing states (no Body Part Examined, Anatomic Region Sequence or description
    /// naming a region). True by default: many CR and DX devices leave them empty, the study was sent for spine
    /// analysis, and the landmark model finds no vertebrae on a film without any. The decision records it.
    /// </summary>
    public bool AcceptUnknownAnatomy { get; init; } = true;

    /// <summary>View Position (0018,5101) values of a lateral projection (DX defined terms LL, RL; vendor spellings).</summary>
    public IReadOnlyList<string> LateralViewPositions { get; init; } = ["LL", "RL", "LAT", "LATERAL", "LLAT", "RLAT"];

    /// <summary>View Position values of a frontal projection.</summary>
    public IReadOnlyList<string> FrontalViewPositions { get; init; } = ["AP", "PA", "FRONTAL"];

    /// <summary>
    /// View Position values that are neither: obliques, and decubitus views (RLD, LLD: the patient lies on a side and
    /// a horizontal beam makes an AP or PA image, so "lateral" in their name does not mean a lateral projection).
    /// </summary>
    public IReadOnlyList<string> OtherViewPositions { get; init; } = ["RLO", "LLO", "RAO", "LAO", "RPO", "LPO", "OBL", "OBLIQUE", "RLD", "LLD"];

    /// <summary>View Code Sequence (0054,0220) codes of a lateral projection (PS3.16 CID 4010 "DX View": lateral, right lateral, left lateral; SCT and legacy SRT).</summary>
    public IReadOnlyList<string> LateralViewCodes { get; init; } =
        ["SCT:399067008", "SCT:399198007", "SCT:399173006", "SRT:R-102CD", "SRT:R-10232", "SRT:R-10236"];

    /// <summary>View Code Sequence codes of a frontal projection (frontal, antero-posterior, postero-anterior).</summary>
    public IReadOnlyList<string> FrontalViewCodes { get; init; } =
        ["SCT:399033003", "SCT:399348003", "SCT:399066004", "SRT:R-10202", "SRT:R-10206", "SRT:R-10214"];

    /// <summary>View Code Sequence codes of oblique projections (oblique, right/left oblique, lateral oblique, AP/PA oblique, frontal oblique).</summary>
    public IReadOnlyList<string> OtherViewCodes { get; init; } =
    [
        "SCT:399182000", "SCT:399236003", "SCT:399184004", "SCT:260427002", "SCT:399312000", "SCT:399059000", "SCT:399160007",
        "SRT:R-102C1", "SRT:R-10234", "SRT:R-10238", "SRT:R-40783", "SRT:R-10208", "SRT:R-10216", "SRT:R-10204",
    ];

    /// <summary>Descriptions of a lateral radiograph (series description, protocol name, Acquisition Device Processing Description).</summary>
    public IReadOnlyList<string> LateralDescriptionPatterns { get; init; } = [@"\blat(eral)?\b", @"\b[lr] ?lat\b", @"\bseitlich\b", @"\bprofile?\b"];

    /// <summary>Descriptions of a frontal radiograph.</summary>
    public IReadOnlyList<string> FrontalDescriptionPatterns { get; init; } = [@"\b(ap|pa|a p|p a)\b", @"\bfrontal\b", @"\b(d v|v d|dv|vd)\b"];

    /// <summary>Descriptions of a sagittal MR series.</summary>
    public IReadOnlyList<string> SagittalDescriptionPatterns { get; init; } = [@"\bsag(ittal)?\b"];

    /// <summary>Descriptions of an axial MR series.</summary>
    public IReadOnlyList<string> AxialDescriptionPatterns { get; init; } = [@"\b(ax|axial|tra|trans|transversal|transverse)\b"];

    /// <summary>Descriptions of a coronal MR series.</summary>
    public IReadOnlyList<string> CoronalDescriptionPatterns { get; init; } = [@"\bcor(onal)?\b"];

    /// <summary>
    /// Largest angle in degrees between the normal of Image Orientation (Patient) and the patient's left-right axis
    /// for a sagittal slice; the same tolerance names a slice axial (normal near head-foot) or coronal (normal near
    /// anterior-posterior). Anything else is oblique.
    /// </summary>
    public double PlaneToleranceDegrees { get; init; } = 20;

    /// <summary>Image Type (0008,0008) values that are never measured (scout and localizer images).</summary>
    public IReadOnlyList<string> SkippedImageTypes { get; init; } = ["LOCALIZER"];

    /// <summary>
    /// Inversion Time (0018,0082) range in ms of a STIR (fat-nulling) inversion recovery: fat nulls near ln 2 × T1 of
    /// fat, about 150 ms at 1.5 T and 200–250 ms at 3 T; FLAIR and T1-FLAIR inversions (800 ms and more) fall outside.
    /// </summary>
    public double StirInversionTimeMinMs { get; init; } = 100;

    /// <summary>Upper end of the STIR Inversion Time range.</summary>
    public double StirInversionTimeMaxMs { get; init; } = 300;

    /// <summary>T1 weighting: Repetition Time below this (ms)...</summary>
    public double T1MaxRepetitionTimeMs { get; init; } = 800;

    /// <summary>... and Echo Time below this (ms).</summary>
    public double T1MaxEchoTimeMs { get; init; } = 30;

    /// <summary>T2 weighting: Repetition Time above this (ms)...</summary>
    public double T2MinRepetitionTimeMs { get; init; } = 2000;

    /// <summary>... and Echo Time above this (ms).</summary>
    public double T2MinEchoTimeMs { get; init; } = 60;

    /// <summary>Scan Options (0018,0022) values meaning fat saturation (PS3.3 C.8.3.1: FS).</summary>
    public IReadOnlyList<string> FatSaturationScanOptions { get; init; } = ["FS"];

    /// <summary>Descriptions of a STIR series (Siemens TIRM, Philips/GE STIR).</summary>
    public IReadOnlyList<string> StirDescriptionPatterns { get; init; } = [@"\b(stir|tirm|tir)\b"];

    /// <summary>Descriptions of fat saturation (FS, fat sat, SPAIR, SPIR, Dixon water images).</summary>
    public IReadOnlyList<string> FatSaturationDescriptionPatterns { get; init; } =
        [@"\b(fs|fsat|fatsat|fat sat|spair|spir)\b", @"\bdixon w(ater)?\b", @"\bw(ater)? dixon\b"];

    /// <summary>Descriptions of T1 weighting.</summary>
    public IReadOnlyList<string> T1DescriptionPatterns { get; init; } = [@"\bt1w?\b"];

    /// <summary>Descriptions of T2 weighting.</summary>
    public IReadOnlyList<string> T2DescriptionPatterns { get; init; } = [@"\bt2w?\b"];

    /// <summary>What to do when sources disagree.</summary>
    public ConflictPolicy OnConflict { get; init; } = ConflictPolicy.Skip;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Reads rules from JSON; absent fields keep their defaults. Throws <see cref="SelectionRulesException"/> naming the field at fault.</summary>
    public static SelectionRules FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        SelectionRules? rules;
        try
        {
            rules = JsonSerializer.Deserialize<SelectionRules>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            string field = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
            throw new SelectionRulesException(field, e.Message, e);
        }

        if (rules is null)
        {
            throw new SelectionRulesException("$", "the JSON is null, not an object");
        }

        rules.Validate();
        return rules;
    }

    /// <summary>Reads rules from a JSON file.</summary>
    public static SelectionRules Load(string path) => FromJson(File.ReadAllText(path));

    /// <summary>The rules as indented JSON, every field written (a starting point for a site's own file).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Checks every field (lists present, numbers in range, patterns compile); throws <see cref="SelectionRulesException"/>.</summary>
    public void Validate()
    {
        CheckList(RadiographModalities, "radiographModalities");
        CheckList(MrModalities, "mrModalities");
        CheckList(SpineBodyParts, "spineBodyParts");
        CheckCodes(SpineAnatomicRegionCodes, "spineAnatomicRegionCodes");
        CheckPatterns(SpineDescriptionPatterns, "spineDescriptionPatterns");
        CheckPatterns(OtherRegionDescriptionPatterns, "otherRegionDescriptionPatterns");
        CheckList(LateralViewPositions, "lateralViewPositions");
        CheckList(FrontalViewPositions, "frontalViewPositions");
        CheckList(OtherViewPositions, "otherViewPositions");
        CheckCodes(LateralViewCodes, "lateralViewCodes");
        CheckCodes(FrontalViewCodes, "frontalViewCodes");
        CheckCodes(OtherViewCodes, "otherViewCodes");
        CheckPatterns(LateralDescriptionPatterns, "lateralDescriptionPatterns");
        CheckPatterns(FrontalDescriptionPatterns, "frontalDescriptionPatterns");
        CheckPatterns(SagittalDescriptionPatterns, "sagittalDescriptionPatterns");
        CheckPatterns(AxialDescriptionPatterns, "axialDescriptionPatterns");
        CheckPatterns(CoronalDescriptionPatterns, "coronalDescriptionPatterns");
        CheckList(SkippedImageTypes, "skippedImageTypes");
        CheckList(FatSaturationScanOptions, "fatSaturationScanOptions");
        CheckPatterns(StirDescriptionPatterns, "stirDescriptionPatterns");
        CheckPatterns(FatSaturationDescriptionPatterns, "fatSaturationDescriptionPatterns");
        CheckPatterns(T1DescriptionPatterns, "t1DescriptionPatterns");
        CheckPatterns(T2DescriptionPatterns, "t2DescriptionPatterns");
        if (!(PlaneToleranceDegrees > 0 && PlaneToleranceDegrees < 45))
        {
            throw new SelectionRulesException("planeToleranceDegrees", $"{PlaneToleranceDegrees} is outside (0, 45) degrees: the planes would overlap");
        }

        CheckPositive(StirInversionTimeMinMs, "stirInversionTimeMinMs");
        CheckPositive(StirInversionTimeMaxMs, "stirInversionTimeMaxMs");
        if (StirInversionTimeMinMs >= StirInversionTimeMaxMs)
        {
            throw new SelectionRulesException("stirInversionTimeMaxMs", $"{StirInversionTimeMaxMs} is not above stirInversionTimeMinMs {StirInversionTimeMinMs}");
        }

        CheckPositive(T1MaxRepetitionTimeMs, "t1MaxRepetitionTimeMs");
        CheckPositive(T1MaxEchoTimeMs, "t1MaxEchoTimeMs");
        CheckPositive(T2MinRepetitionTimeMs, "t2MinRepetitionTimeMs");
        CheckPositive(T2MinEchoTimeMs, "t2MinEchoTimeMs");
        if (!Enum.IsDefined(OnConflict))
        {
            throw new SelectionRulesException("onConflict", $"{(int)OnConflict} is not a conflict policy");
        }
    }

    /// <summary>Compiles one list of patterns (case-insensitive, culture-invariant, with a match timeout).</summary>
    internal static Regex[] Compile(IReadOnlyList<string> patterns, string field)
    {
        var compiled = new Regex[patterns.Count];
        for (int i = 0; i < patterns.Count; i++)
        {
            try
            {
                compiled[i] = new Regex(patterns[i], RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
            }
            catch (ArgumentException e)
            {
                throw new SelectionRulesException($"{field}[{i}]", $"'{patterns[i]}' is not a valid regular expression: {e.Message}", e);
            }
        }

        return compiled;
    }

    private static void CheckList(IReadOnlyList<string>? list, string field)
    {
        if (list is null)
        {
            throw new SelectionRulesException(field, "must be a list (use [] for none), not null");
        }

        for (int i = 0; i < list.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(list[i]))
            {
                throw new SelectionRulesException($"{field}[{i}]", "is empty");
            }
        }
    }

    private static void CheckCodes(IReadOnlyList<string>? list, string field)
    {
        CheckList(list, field);
        for (int i = 0; i < list!.Count; i++)
        {
            int colon = list[i].IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == list[i].Length - 1)
            {
                throw new SelectionRulesException($"{field}[{i}]", $"'{list[i]}' is not SCHEME:VALUE (for example SCT:399067008)");
            }
        }
    }

    private static void CheckPatterns(IReadOnlyList<string>? list, string field)
    {
        CheckList(list, field);
        _ = Compile(list!, field);
    }

    private static void CheckPositive(double value, string field)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new SelectionRulesException(field, $"{value} is not a positive number");
        }
    }
}

/// <summary>A selection rules file that cannot be used; <see cref="Field"/> is the JSON path of the field at fault.</summary>
public sealed class SelectionRulesException : AnalysisException
{
    public SelectionRulesException(string field, string message)
        : base($"selection rules: {field}: {message}")
    {
        Field = field;
    }

    public SelectionRulesException(string field, string message, Exception innerException)
        : base($"selection rules: {field}: {message}", innerException)
    {
        Field = field;
    }

    /// <summary>The JSON path of the field (for example <c>lateralViewCodes[2]</c> or <c>$.planeToleranceDegrees</c>).</summary>
    public string Field { get; }
}
