using PlaoImaging.Dicom.StructuredReport;

namespace PlaoImaging.Reporting.Sr;

/// <summary>
/// The codes of PlaoImaging's vertebral report. Standard codes where one was found and checked: the vertebrae of
/// CID 7603 (SNOMED CT "T4 vertebra" ... "L5 vertebra"), Height (DCM 121207, CID 7470) with the CID 212 modifiers
/// Anterior, Middle and Posterior, the severities of CID 3716, Yes/No of CID 230. Where no standard code exists (the
/// Genant grade, the deformity types, the height ratios and reductions, the spinal deformity index, S1 which CID 7603
/// does not list) the codes are in the private scheme <see cref="Scheme"/>, declared in every report.
/// </summary>
public static class VertebralCodes
{
    /// <summary>The private coding scheme designator.</summary>
    public const string Scheme = "99PLAO";

    /// <summary>The declaration written into the Coding Scheme Identification Sequence.</summary>
    public static CodingSchemeIdentification SchemeIdentification { get; } =
        new(Scheme, "PlaoImaging vertebral morphometry codes", "PlaoImaging developers");

    private static CodedConcept P(string value, string meaning) => new(value, Scheme, meaning);

    // Concept names
    public static readonly CodedConcept GenantGrade = P("genant-grade", "Genant semiquantitative grade");
    public static readonly CodedConcept DeformityType = P("deformity-type", "Vertebral deformity type");
    public static readonly CodedConcept Graded = P("graded", "Graded by the grading rule");
    public static readonly CodedConcept AnteriorPosteriorRatio = P("ha-hp", "Anterior to posterior height ratio");
    public static readonly CodedConcept MiddlePosteriorRatio = P("hm-hp", "Middle to posterior height ratio");
    public static readonly CodedConcept PosteriorNeighboursRatio = P("hp-neighbours", "Posterior height to neighbours' mean");
    public static readonly CodedConcept WedgeReduction = P("wedge-reduction", "Anterior height reduction");
    public static readonly CodedConcept BiconcaveReduction = P("biconcave-reduction", "Middle height reduction");
    public static readonly CodedConcept CrushReduction = P("crush-reduction", "Posterior height reduction");
    public static readonly CodedConcept CrushAssessed = P("crush-assessed", "Posterior height reduction assessed");
    public static readonly CodedConcept LevelConfidence = P("level-confidence", "Level identification confidence");
    public static readonly CodedConcept DetectionScore = P("detection-score", "Detection score");
    public static readonly CodedConcept RefinerConfidence = P("refiner-confidence", "Landmark refinement confidence");
    public static readonly CodedConcept GradeLow = P("grade-low", "Lowest grade within uncertainty");
    public static readonly CodedConcept GradeHigh = P("grade-high", "Highest grade within uncertainty");
    public static readonly CodedConcept GradeHalfWidth = P("grade-half-width", "Reduction uncertainty half-width");
    public static readonly CodedConcept AcuteOedema = P("acute", "Acute (marrow oedema)");
    public static readonly CodedConcept MarrowSequence = P("marrow-sequence", "Marrow signal sequence");
    public static readonly CodedConcept MarrowRatio = P("marrow-ratio", "Marrow signal ratio to neighbours");
    public static readonly CodedConcept MarrowSupportingOnly = P("marrow-supporting", "Marrow finding supporting only");
    public static readonly CodedConcept MarrowEvidence = P("marrow-evidence", "Marrow finding evidence");
    public static readonly CodedConcept ImageKind = P("image-kind", "Image kind");
    public static readonly CodedConcept MrSequence = P("mr-sequence", "MR sequence");
    public static readonly CodedConcept MeasurementNote = P("measurement-note", "Measurement note");
    public static readonly CodedConcept MeasuredLevels = P("measured-levels", "Measured vertebral levels");
    public static readonly CodedConcept FracturedVertebrae = P("fractured-vertebrae", "Fractured vertebrae");
    public static readonly CodedConcept WorstGrade = P("worst-grade", "Worst Genant grade");
    public static readonly CodedConcept SpinalDeformityIndex = P("sdi", "Spinal deformity index");
    public static readonly CodedConcept SdiPartial = P("sdi-partial", "Spinal deformity index partial");
    public static readonly CodedConcept SdiMissingLevels = P("sdi-missing", "Levels missing from the index");
    public static readonly CodedConcept FractureRun = P("fracture-run", "Run of adjacent fractures");
    public static readonly CodedConcept AcuteLevel = P("acute-level", "Acute fracture level");
    public static readonly CodedConcept ReviewFlag = P("review-flag", "Review flag");
    public static readonly CodedConcept AnalysedAt = P("analysed-at", "Analysed at");
    public static readonly CodedConcept ModelValidation = P("model-validation", "Model validation");

    // Values
    public static readonly CodedConcept LateralRadiograph = P("lateral-radiograph", "Lateral spine radiograph");
    public static readonly CodedConcept SagittalMr = P("sagittal-mr", "Sagittal spine MR");
    public static readonly CodedConcept S1Vertebra = P("S1", "S1 vertebra");

    /// <summary>The expected error of one landmark ("sa" ... "ip"), in the unit of the heights.</summary>
    public static CodedConcept PointError(string point) => P("point-error-" + point, "Expected error of point " + point);

    /// <summary>The landmark of a point error code, or null.</summary>
    public static string? PointOf(CodedConcept code) =>
        code.Scheme == Scheme && code.Value.StartsWith("point-error-", StringComparison.Ordinal) ? code.Value[12..] : null;

    /// <summary>Genant grade 0–3 as a code.</summary>
    public static CodedConcept Grade(int grade) => grade switch
    {
        0 => P("genant-0", "Genant grade 0 (normal)"),
        1 => P("genant-1", "Genant grade 1 (mild)"),
        2 => P("genant-2", "Genant grade 2 (moderate)"),
        3 => P("genant-3", "Genant grade 3 (severe)"),
        _ => throw new ArgumentOutOfRangeException(nameof(grade), grade, "Genant grades are 0 to 3"),
    };

    /// <summary>The grade of a grade code; null when it is not one.</summary>
    public static int? GradeOf(CodedConcept code) =>
        code.Scheme == Scheme && code.Value.StartsWith("genant-", StringComparison.Ordinal) && int.TryParse(code.Value.AsSpan(7), out int g) ? g : null;

    /// <summary>The CID 3716 severity beside a grade (none for grade 0).</summary>
    public static CodedConcept? Severity(int grade) => grade switch
    {
        1 => SrCodes.Mild,
        2 => SrCodes.Moderate,
        3 => SrCodes.Severe,
        _ => null,
    };

    /// <summary>A deformity type (none, wedge, biconcave, crush) as a code.</summary>
    public static CodedConcept Deformity(string deformity) => deformity switch
    {
        "none" => P("none", "No deformity"),
        "wedge" => P("wedge", "Wedge deformity"),
        "biconcave" => P("biconcave", "Biconcave deformity"),
        "crush" => P("crush", "Crush deformity"),
        _ => throw new ArgumentOutOfRangeException(nameof(deformity), deformity, "not a deformity type"),
    };

    /// <summary>SNOMED CT codes of CID 7603 (Vertebra), checked against the context group; S1 is private.</summary>
    private static readonly Dictionary<string, (string Code, string Meaning)> Vertebrae = new(StringComparer.Ordinal)
    {
        ["C1"] = ("14806007", "C1 vertebra"), ["C2"] = ("39976000", "C2 vertebra"), ["C3"] = ("113205007", "C3 vertebra"),
        ["C4"] = ("5329002", "C4 vertebra"), ["C5"] = ("36978003", "C5 vertebra"), ["C6"] = ("36054005", "C6 vertebra"),
        ["C7"] = ("87391001", "C7 vertebra"), ["T1"] = ("64864005", "T1 vertebra"), ["T2"] = ("53733008", "T2 vertebra"),
        ["T3"] = ("1626008", "T3 vertebra"), ["T4"] = ("73071006", "T4 vertebra"), ["T5"] = ("56401006", "T5 vertebra"),
        ["T6"] = ("45296009", "T6 vertebra"), ["T7"] = ("62487009", "T7 vertebra"), ["T8"] = ("11068009", "T8 vertebra"),
        ["T9"] = ("82687006", "T9 vertebra"), ["T10"] = ("7610001", "T10 vertebra"), ["T11"] = ("12989004", "T11 vertebra"),
        ["T12"] = ("23215003", "T12 vertebra"), ["L1"] = ("66794005", "L1 vertebra"), ["L2"] = ("14293000", "L2 vertebra"),
        ["L3"] = ("36470004", "L3 vertebra"), ["L4"] = ("11994002", "L4 vertebra"), ["L5"] = ("49668003", "L5 vertebra"),
    };

    /// <summary>The finding site code of a vertebral level ("L1" → (66794005, SCT, "L1 vertebra")).</summary>
    public static CodedConcept Vertebra(string level)
    {
        ArgumentNullException.ThrowIfNull(level);
        if (Vertebrae.TryGetValue(level, out var v))
        {
            return new CodedConcept(v.Code, SrCodes.Sct, v.Meaning);
        }

        return level == "S1" ? S1Vertebra : P("vertebra-" + level, level + " vertebra");
    }

    /// <summary>The level of a vertebra code ("L1"), or null.</summary>
    public static string? LevelOf(CodedConcept code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (code.Scheme == SrCodes.Sct)
        {
            foreach (var (level, v) in Vertebrae)
            {
                if (v.Code == code.Value)
                {
                    return level;
                }
            }
        }

        if (code.Scheme == Scheme)
        {
            return code.Value == "S1" ? "S1" : code.Value.StartsWith("vertebra-", StringComparison.Ordinal) ? code.Value[9..] : null;
        }

        return null;
    }

    public static CodedConcept YesNo(bool value) => value ? SrCodes.Yes : SrCodes.No;
}
