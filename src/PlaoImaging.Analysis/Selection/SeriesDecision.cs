namespace PlaoImaging.Analysis.Selection;

/// <summary>What a selected series is measured as.</summary>
public enum SeriesKind
{
    /// <summary>Not measured (skipped).</summary>
    None,

    /// <summary>A lateral spine radiograph (CR or DX).</summary>
    LateralRadiograph,

    /// <summary>A sagittal spine MR series.</summary>
    SagittalMr,
}

/// <summary>The weighting of an MR series as far as marrow signal is concerned.</summary>
public enum MrSequence
{
    /// <summary>Not recognised, or the sources disagree: no marrow-signal assessment.</summary>
    Unknown,

    /// <summary>T1-weighted: marrow oedema is dark (supporting evidence only).</summary>
    T1,

    /// <summary>T2-weighted without fat saturation: oedema and fatty marrow are both bright, so not assessed.</summary>
    T2,

    /// <summary>Short-tau inversion recovery (fat nulled): oedema is bright.</summary>
    Stir,

    /// <summary>Fat-saturated T2: oedema is bright.</summary>
    T2FatSat,
}

/// <summary>One attribute that took part in a decision: its keyword, its value as read and what it was taken to mean.</summary>
public sealed record SelectionEvidence(string Attribute, string Value, string Finding)
{
    public override string ToString() => $"{Attribute} {Value}: {Finding}";
}

/// <summary>The decision for one instance (one image) of a series.</summary>
public sealed record InstanceDecision(
    string SopInstanceUid,
    int? InstanceNumber,
    bool Selected,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<SelectionEvidence> Evidence);

/// <summary>
/// The decision for one series: whether it is measured and as what, the MR weighting, the reasons in words (every
/// skip names why, for example "View Position PA: frontal view") and the attributes that decided. Series-level facts
/// (modality, anatomy, MR weighting) come from a representative instance (the middle one by Instance Number); the view
/// of a radiograph and the plane of an MR slice are decided per instance, so a series with mixed views keeps the
/// lateral images and skips the others (see <see cref="Instances"/>).
/// </summary>
public sealed record SeriesDecision
{
    public required string StudyInstanceUid { get; init; }

    public required string SeriesInstanceUid { get; init; }

    public required string Modality { get; init; }

    public int? SeriesNumber { get; init; }

    public string? SeriesDescription { get; init; }

    /// <summary>True when at least one instance is measured.</summary>
    public required bool Selected { get; init; }

    /// <summary>What the series is measured as; <see cref="SeriesKind.None"/> when skipped.</summary>
    public required SeriesKind Kind { get; init; }

    /// <summary>The MR weighting; null for radiographs and for series that are not MR.</summary>
    public MrSequence? MrSequence { get; init; }

    /// <summary>Human-readable sentences: why the series was skipped or selected, and any caveat.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>The attributes that decided (of the representative instance, plus the series-level ones).</summary>
    public required IReadOnlyList<SelectionEvidence> Evidence { get; init; }

    /// <summary>One decision per instance, in Instance Number order.</summary>
    public required IReadOnlyList<InstanceDecision> Instances { get; init; }

    /// <summary>The SOP Instance UIDs to measure.</summary>
    public IEnumerable<string> SelectedInstances => Instances.Where(i => i.Selected).Select(i => i.SopInstanceUid);

    public override string ToString() =>
        $"series {SeriesNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} {Modality} " +
        (Selected ? $"selected as {Kind}{(MrSequence is { } s ? $" ({s})" : string.Empty)}" : "skipped") +
        $": {string.Join("; ", Reasons)}";
}
