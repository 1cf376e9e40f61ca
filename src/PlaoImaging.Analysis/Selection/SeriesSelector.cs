using System.Globalization;
using System.Text.RegularExpressions;
using PlaoImaging.Dicom;

namespace PlaoImaging.Analysis.Selection;

/// <summary>
/// Decides which series of a study are measured: lateral spine radiographs (CR, DX) and sagittal spine MR, with the
/// MR weighting (T1, T2, STIR, fat-saturated T2). Every decision carries its reasons in words and the attributes that
/// decided. Pure: headers in, decisions out (read the files with stop-before-pixels).
/// </summary>
/// <remarks>
/// <para>Anatomy: Body Part Examined, then Anatomic Region Sequence, then the series description and protocol name;
/// the study description only when nothing else names a region (a study often holds a chest and a spine series).
/// Unstated anatomy is accepted by default (<see cref="SelectionRules.AcceptUnknownAnatomy"/>).</para>
/// <para>Radiograph view, per instance: View Code Sequence, View Position, Patient Orientation (a row direction along
/// A/P means a lateral projection, along L/R a frontal one) and the descriptions. Image Laterality is recorded but
/// never decides: the spine is unpaired (U), and sites that store the side marker there (R for a right lateral) would
/// otherwise be misread. With no view information at all the image is skipped ("not enough information"): a frontal
/// film measured as lateral gives meaningless heights, and a radiologist would rather be told than guessed for.</para>
/// <para>MR plane, per instance: the normal of Image Orientation (Patient) within
/// <see cref="SelectionRules.PlaneToleranceDegrees"/> of the left-right axis is sagittal; the description decides
/// only when the orientation is absent.</para>
/// <para>Sources that disagree skip the image with a reason naming both, unless
/// <see cref="SelectionRules.OnConflict"/> says to follow the strongest.</para>
/// </remarks>
public sealed class SeriesSelector
{
    private readonly HashSet<string> radiographModalities;
    private readonly HashSet<string> mrModalities;
    private readonly HashSet<string> spineBodyParts;
    private readonly HashSet<string> spineCodes;
    private readonly HashSet<string> lateralPositions;
    private readonly HashSet<string> frontalPositions;
    private readonly HashSet<string> otherPositions;
    private readonly HashSet<string> lateralCodes;
    private readonly HashSet<string> frontalCodes;
    private readonly HashSet<string> otherCodes;
    private readonly HashSet<string> skippedImageTypes;
    private readonly HashSet<string> fatSatOptions;
    private readonly Regex[] spinePatterns;
    private readonly Regex[] otherRegionPatterns;
    private readonly Regex[] lateralPatterns;
    private readonly Regex[] frontalPatterns;
    private readonly Regex[] sagittalPatterns;
    private readonly Regex[] axialPatterns;
    private readonly Regex[] coronalPatterns;
    private readonly Regex[] stirPatterns;
    private readonly Regex[] fatSatPatterns;
    private readonly Regex[] t1Patterns;
    private readonly Regex[] t2Patterns;
    private readonly double planeCosine;

    public SeriesSelector(SelectionRules? rules = null)
    {
        Rules = rules ?? SelectionRules.Default;
        Rules.Validate();
        radiographModalities = Upper(Rules.RadiographModalities);
        mrModalities = Upper(Rules.MrModalities);
        spineBodyParts = new HashSet<string>(Rules.SpineBodyParts.Select(DatasetReading.CompactUpper), StringComparer.Ordinal);
        spineCodes = Codes(Rules.SpineAnatomicRegionCodes);
        lateralPositions = new HashSet<string>(Rules.LateralViewPositions.Select(DatasetReading.CompactUpper), StringComparer.Ordinal);
        frontalPositions = new HashSet<string>(Rules.FrontalViewPositions.Select(DatasetReading.CompactUpper), StringComparer.Ordinal);
        otherPositions = new HashSet<string>(Rules.OtherViewPositions.Select(DatasetReading.CompactUpper), StringComparer.Ordinal);
        lateralCodes = Codes(Rules.LateralViewCodes);
        frontalCodes = Codes(Rules.FrontalViewCodes);
        otherCodes = Codes(Rules.OtherViewCodes);
        skippedImageTypes = Upper(Rules.SkippedImageTypes);
        fatSatOptions = Upper(Rules.FatSaturationScanOptions);
        spinePatterns = SelectionRules.Compile(Rules.SpineDescriptionPatterns, "spineDescriptionPatterns");
        otherRegionPatterns = SelectionRules.Compile(Rules.OtherRegionDescriptionPatterns, "otherRegionDescriptionPatterns");
        lateralPatterns = SelectionRules.Compile(Rules.LateralDescriptionPatterns, "lateralDescriptionPatterns");
        frontalPatterns = SelectionRules.Compile(Rules.FrontalDescriptionPatterns, "frontalDescriptionPatterns");
        sagittalPatterns = SelectionRules.Compile(Rules.SagittalDescriptionPatterns, "sagittalDescriptionPatterns");
        axialPatterns = SelectionRules.Compile(Rules.AxialDescriptionPatterns, "axialDescriptionPatterns");
        coronalPatterns = SelectionRules.Compile(Rules.CoronalDescriptionPatterns, "coronalDescriptionPatterns");
        stirPatterns = SelectionRules.Compile(Rules.StirDescriptionPatterns, "stirDescriptionPatterns");
        fatSatPatterns = SelectionRules.Compile(Rules.FatSaturationDescriptionPatterns, "fatSaturationDescriptionPatterns");
        t1Patterns = SelectionRules.Compile(Rules.T1DescriptionPatterns, "t1DescriptionPatterns");
        t2Patterns = SelectionRules.Compile(Rules.T2DescriptionPatterns, "t2DescriptionPatterns");
        planeCosine = Math.Cos(Rules.PlaneToleranceDegrees * Math.PI / 180);
    }

    public SelectionRules Rules { get; }

    private enum Anatomy
    {
        None,
        Spine,
        NotSpine,
    }

    private enum View
    {
        None,
        Lateral,
        Frontal,
        Other,
    }

    private enum Plane
    {
        None,
        Sagittal,
        Axial,
        Coronal,
        Oblique,
    }

    /// <summary>Groups instances by Series Instance UID (in order of first appearance) and decides each series.</summary>
    public IReadOnlyList<SeriesDecision> Select(IEnumerable<DicomDataset> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        var order = new List<string>();
        var groups = new Dictionary<string, List<DicomDataset>>(StringComparer.Ordinal);
        foreach (var dataset in instances)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            string uid = DatasetReading.Text(dataset, DicomTags.SeriesInstanceUID) ?? string.Empty;
            if (!groups.TryGetValue(uid, out var list))
            {
                groups[uid] = list = [];
                order.Add(uid);
            }

            list.Add(dataset);
        }

        return [.. order.Select(uid => DecideSeries(groups[uid]))];
    }

    /// <summary>Decides one series from the headers of its instances (at least one).</summary>
    public SeriesDecision DecideSeries(IReadOnlyList<DicomDataset> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        if (instances.Count == 0)
        {
            throw new ArgumentException("A series has at least one instance.", nameof(instances));
        }

        var sorted = instances
            .Select((d, i) => (Dataset: d, Index: i, Number: DatasetReading.Integer(d, DicomTags.InstanceNumber)))
            .OrderBy(x => x.Number ?? int.MaxValue)
            .ThenBy(x => x.Index)
            .Select(x => x.Dataset)
            .ToList();
        var representative = sorted[sorted.Count / 2];
        string modality = (DatasetReading.Text(representative, DicomTags.Modality) ?? string.Empty).ToUpperInvariant();

        var seriesEvidence = new List<SelectionEvidence> { new("Modality", modality.Length == 0 ? "(absent)" : modality, Describe(modality)) };
        var seriesSkips = new List<string>();
        var seriesNotes = new List<string>();
        SeriesKind kind;
        MrSequence? sequence = null;
        Func<DicomDataset, InstanceDecision> decide;
        if (radiographModalities.Contains(modality))
        {
            kind = SeriesKind.LateralRadiograph;
            decide = DecideRadiograph;
        }
        else if (mrModalities.Contains(modality))
        {
            kind = SeriesKind.SagittalMr;
            var (anatomyOk, anatomyReason) = DecideAnatomy(representative, seriesEvidence);
            (anatomyOk ? seriesNotes : seriesSkips).Add(anatomyReason);
            var (weighting, weightingReason) = DecideSequence(representative, seriesEvidence);
            sequence = weighting;
            seriesNotes.Add(weightingReason);
            decide = DecideMrSlice;
        }
        else
        {
            kind = SeriesKind.None;
            seriesSkips.Add(modality.Length == 0
                ? "Modality absent: not enough information"
                : $"Modality {modality}: not measured (only {string.Join(", ", Rules.RadiographModalities.Concat(Rules.MrModalities))})");
            decide = d => new InstanceDecision(SopInstanceUid(d), DatasetReading.Integer(d, DicomTags.InstanceNumber), false, [], []);
        }

        var decisions = new List<InstanceDecision>(sorted.Count);
        foreach (var dataset in sorted)
        {
            var own = decide(dataset);
            if (seriesSkips.Count > 0)
            {
                IReadOnlyList<string> ownSkips = own.Selected ? [] : own.Reasons;
                own = own with { Selected = false, Reasons = [.. seriesSkips, .. ownSkips] };
            }

            decisions.Add(own);
        }

        bool selected = decisions.Any(d => d.Selected);
        var reasons = new List<string>();
        if (seriesSkips.Count > 0)
        {
            reasons.AddRange(seriesSkips);
        }
        else
        {
            if (selected)
            {
                var first = decisions.First(d => d.Selected);
                reasons.AddRange(seriesNotes.Where(n => !first.Reasons.Contains(n)));
                reasons.AddRange(first.Reasons);
            }

            reasons.AddRange(SummariseSkips(decisions, selected));
        }

        var repDecision = decisions[sorted.IndexOf(representative)];
        var evidence = new List<SelectionEvidence>(seriesEvidence);
        evidence.AddRange(repDecision.Evidence.Where(e => !evidence.Contains(e)));
        return new SeriesDecision
        {
            StudyInstanceUid = DatasetReading.Text(representative, DicomTags.StudyInstanceUID) ?? string.Empty,
            SeriesInstanceUid = DatasetReading.Text(representative, DicomTags.SeriesInstanceUID) ?? string.Empty,
            Modality = modality,
            SeriesNumber = DatasetReading.Integer(representative, DicomTags.SeriesNumber),
            SeriesDescription = DatasetReading.Text(representative, DicomTags.SeriesDescription),
            Selected = selected,
            Kind = selected ? kind : SeriesKind.None,
            MrSequence = kind == SeriesKind.SagittalMr ? sequence : null,
            Reasons = [.. reasons.Distinct(StringComparer.Ordinal)],
            Evidence = evidence,
            Instances = decisions,
        };
    }

    /// <summary>Decides one radiograph: anatomy and view (the view is per image: DX series may mix projections).</summary>
    private InstanceDecision DecideRadiograph(DicomDataset dataset)
    {
        var evidence = new List<SelectionEvidence>();
        var skips = new List<string>();
        var notes = new List<string>();
        CheckImageType(dataset, evidence, skips);
        var (anatomyOk, anatomyReason) = DecideAnatomy(dataset, evidence);
        (anatomyOk ? notes : skips).Add(anatomyReason);
        var (viewOk, viewReason) = DecideView(dataset, evidence);
        (viewOk ? notes : skips).Add(viewReason);
        if (DatasetReading.Text(dataset, DicomTags.ImageLaterality) is { } laterality)
        {
            evidence.Add(new("ImageLaterality", laterality, "recorded, not used to decide (the spine is unpaired)"));
        }

        return Instance(dataset, skips, notes, evidence);
    }

    /// <summary>Decides one MR slice: its plane (series-level anatomy and weighting are decided once).</summary>
    private InstanceDecision DecideMrSlice(DicomDataset dataset)
    {
        var evidence = new List<SelectionEvidence>();
        var skips = new List<string>();
        var notes = new List<string>();
        CheckImageType(dataset, evidence, skips);
        var (planeOk, planeReason) = DecidePlane(dataset, evidence);
        (planeOk ? notes : skips).Add(planeReason);
        return Instance(dataset, skips, notes, evidence);
    }

    private static InstanceDecision Instance(DicomDataset dataset, List<string> skips, List<string> notes, List<SelectionEvidence> evidence) =>
        new(SopInstanceUid(dataset), DatasetReading.Integer(dataset, DicomTags.InstanceNumber), skips.Count == 0,
            skips.Count == 0 ? notes : skips, evidence);

    private void CheckImageType(DicomDataset dataset, List<SelectionEvidence> evidence, List<string> skips)
    {
        var types = DatasetReading.Values(dataset, DicomTags.ImageType);
        var hit = types.FirstOrDefault(t => skippedImageTypes.Contains(t.ToUpperInvariant()));
        if (hit is not null)
        {
            evidence.Add(new("ImageType", string.Join('\\', types), $"{hit}: not measured"));
            skips.Add($"Image Type {hit}: localizer or scout image");
        }
    }

    // ---- anatomy ----

    private (bool Ok, string Reason) DecideAnatomy(DicomDataset dataset, List<SelectionEvidence> evidence)
    {
        var sources = new List<(string Name, Anatomy Finding, string Sentence)>();
        if (DatasetReading.Text(dataset, DicomTags.BodyPartExamined) is { } bodyPart)
        {
            string compact = DatasetReading.CompactUpper(bodyPart);
            bool spine = spineBodyParts.Contains(compact);
            string finding = spine ? "spine"
                : compact.Contains("SPINE", StringComparison.Ordinal) || compact == "COCCYX" ? "not the thoracic or lumbar spine"
                : "not spine";
            evidence.Add(new("BodyPartExamined", bodyPart, finding));
            sources.Add(($"Body Part Examined {bodyPart}", spine ? Anatomy.Spine : Anatomy.NotSpine, $"Body Part Examined {bodyPart}: {finding}"));
        }

        if (DatasetReading.FirstCode(dataset, DicomTags.AnatomicRegionSequence) is { } region)
        {
            bool spine = spineCodes.Contains(region.Key);
            string finding = spine ? "spine" : "not spine";
            string value = region.Meaning.Length > 0 ? $"{region.Key} ({region.Meaning})" : region.Key;
            evidence.Add(new("AnatomicRegionSequence", value, finding));
            sources.Add(($"Anatomic Region Sequence {value}", spine ? Anatomy.Spine : Anatomy.NotSpine, $"Anatomic Region Sequence {value}: {finding}"));
        }

        foreach (var (tag, name, keyword) in SeriesTexts)
        {
            if (DatasetReading.Text(dataset, tag) is not { } text)
            {
                continue;
            }

            bool spine = Matches(spinePatterns, text);
            bool other = Matches(otherRegionPatterns, text);
            if (spine && other)
            {
                evidence.Add(new(keyword, text, "names the spine and another region: not used"));
            }
            else if (spine)
            {
                evidence.Add(new(keyword, text, "names the spine"));
                sources.Add(($"{name} '{text}'", Anatomy.Spine, $"{name} '{text}' names the spine"));
            }
            else if (other)
            {
                evidence.Add(new(keyword, text, "names another region"));
                sources.Add(($"{name} '{text}'", Anatomy.NotSpine, $"{name} '{text}' names another region: not spine"));
            }
        }

        var verdicts = sources.Select(s => s.Finding).Distinct().ToList();
        if (verdicts.Count > 1)
        {
            var against = sources.First(s => s.Finding == Anatomy.NotSpine);
            var forSpine = sources.First(s => s.Finding == Anatomy.Spine);
            if (Rules.OnConflict == ConflictPolicy.Skip)
            {
                return (false, $"conflicting anatomy: {against.Name} says not spine but {forSpine.Name} says spine");
            }

            var strongest = sources[0];
            return (strongest.Finding == Anatomy.Spine, $"{strongest.Sentence} (followed over the conflicting {(strongest.Finding == Anatomy.Spine ? against : forSpine).Name})");
        }

        if (verdicts.Count == 1)
        {
            var first = sources[0];
            return (first.Finding == Anatomy.Spine, first.Sentence);
        }

        if (DatasetReading.Text(dataset, DicomTags.StudyDescription) is { } study && Matches(spinePatterns, study))
        {
            evidence.Add(new("StudyDescription", study, "names the spine"));
            return (true, $"Study Description '{study}' names the spine");
        }

        const string Unstated = "anatomy not stated (no Body Part Examined, Anatomic Region Sequence or description naming a region)";
        return Rules.AcceptUnknownAnatomy
            ? (true, $"{Unstated}: accepted, the landmark model decides whether vertebrae are shown")
            : (false, $"not enough information: {Unstated}");
    }

    // ---- radiograph view ----

    private (bool Ok, string Reason) DecideView(DicomDataset dataset, List<SelectionEvidence> evidence)
    {
        // Strongest first: coded view, View Position, Patient Orientation, descriptions.
        var sources = new List<(string Name, View Finding)>();
        if (DatasetReading.FirstCode(dataset, DicomTags.ViewCodeSequence) is { } code)
        {
            View view = lateralCodes.Contains(code.Key) ? View.Lateral
                : frontalCodes.Contains(code.Key) ? View.Frontal
                : otherCodes.Contains(code.Key) ? View.Other
                : View.None;
            string value = code.Meaning.Length > 0 ? $"{code.Key} ({code.Meaning})" : code.Key;
            evidence.Add(new("ViewCodeSequence", value, ViewWords(view)));
            if (view != View.None)
            {
                sources.Add(($"View Code Sequence {value}", view));
            }
        }

        if (DatasetReading.Text(dataset, DicomTags.ViewPosition) is { } position)
        {
            string compact = DatasetReading.CompactUpper(position);
            View view = lateralPositions.Contains(compact) ? View.Lateral
                : frontalPositions.Contains(compact) ? View.Frontal
                : otherPositions.Contains(compact) ? View.Other
                : View.None;
            evidence.Add(new("ViewPosition", position, ViewWords(view)));
            if (view != View.None)
            {
                sources.Add(($"View Position {position}", view));
            }
        }

        var orientation = DatasetReading.Values(dataset, DicomTags.PatientOrientation);
        if (orientation.Length > 0)
        {
            View view = OrientationView(orientation);
            string value = string.Join('\\', orientation);
            evidence.Add(new("PatientOrientation", value, ViewWords(view)));
            if (view != View.None)
            {
                sources.Add(($"Patient Orientation {value}", view));
            }
        }

        foreach (var (tag, name, keyword) in ViewTexts)
        {
            if (DatasetReading.Text(dataset, tag) is not { } text)
            {
                continue;
            }

            bool lateral = Matches(lateralPatterns, text);
            bool frontal = Matches(frontalPatterns, text);
            if (lateral != frontal)
            {
                var view = lateral ? View.Lateral : View.Frontal;
                evidence.Add(new(keyword, text, ViewWords(view)));
                sources.Add(($"{name} '{text}'", view));
            }
            else if (lateral)
            {
                evidence.Add(new(keyword, text, "names both a lateral and a frontal view: not used"));
            }
        }

        if (sources.Count == 0)
        {
            return (false, "not enough information: no View Code Sequence, View Position, Patient Orientation or description states the view");
        }

        var chosen = sources[0];
        int other = sources.FindIndex(s => s.Finding != chosen.Finding);
        string? conflictNote = null;
        if (other >= 0)
        {
            var disagreeing = sources[other];
            if (Rules.OnConflict == ConflictPolicy.Skip)
            {
                return (false, $"conflicting view: {chosen.Name} says {ViewWords(chosen.Finding)} but {disagreeing.Name} says {ViewWords(disagreeing.Finding)}");
            }

            conflictNote = $" (followed over the conflicting {disagreeing.Name})";
        }

        return chosen.Finding switch
        {
            View.Lateral => (true, $"{chosen.Name}: lateral view{conflictNote}"),
            View.Frontal => (false, $"{chosen.Name}: frontal view{conflictNote}"),
            _ => (false, $"{chosen.Name}: oblique or decubitus view, not lateral{conflictNote}"),
        };
    }

    /// <summary>
    /// Patient Orientation (0020,0020): the directions of the rows and columns. A lateral projection lies in the
    /// sagittal plane (letters A, P, H, F only), a frontal one in the coronal plane (L, R, H, F only).
    /// </summary>
    private static View OrientationView(string[] orientation)
    {
        if (orientation.Length != 2)
        {
            return View.None;
        }

        bool anteroPosterior = false;
        bool leftRight = false;
        foreach (char c in string.Concat(orientation).ToUpperInvariant())
        {
            anteroPosterior |= c is 'A' or 'P';
            leftRight |= c is 'L' or 'R';
        }

        return (anteroPosterior, leftRight) switch
        {
            (true, false) => View.Lateral,
            (false, true) => View.Frontal,
            (true, true) => View.Other,
            _ => View.None,
        };
    }

    private static string ViewWords(View view) => view switch
    {
        View.Lateral => "lateral",
        View.Frontal => "frontal",
        View.Other => "oblique or decubitus",
        _ => "not recognised",
    };

    // ---- MR plane ----

    private (bool Ok, string Reason) DecidePlane(DicomDataset dataset, List<SelectionEvidence> evidence)
    {
        var iop = DatasetReading.NumbersWithFunctionalGroups(dataset, DicomTags.ImageOrientationPatient, DicomTags.PlaneOrientationSequence, 0);
        Plane described = Plane.None;
        string? describedBy = null;
        foreach (var (tag, name, keyword) in SeriesTexts)
        {
            if (DatasetReading.Text(dataset, tag) is not { } text)
            {
                continue;
            }

            var planes = new List<Plane>();
            if (Matches(sagittalPatterns, text))
            {
                planes.Add(Plane.Sagittal);
            }

            if (Matches(axialPatterns, text))
            {
                planes.Add(Plane.Axial);
            }

            if (Matches(coronalPatterns, text))
            {
                planes.Add(Plane.Coronal);
            }

            if (planes.Count == 1 && described == Plane.None)
            {
                described = planes[0];
                describedBy = $"{name} '{text}'";
                evidence.Add(new(keyword, text, PlaneWords(described)));
            }
        }

        if (iop.Length != 6)
        {
            return described switch
            {
                Plane.Sagittal => (true, $"no Image Orientation (Patient): sagittal by {describedBy}"),
                Plane.None => (false, "not enough information: no Image Orientation (Patient) and no plane in the description"),
                _ => (false, $"{describedBy}: {PlaneWords(described)} MR (no Image Orientation (Patient))"),
            };
        }

        string value = string.Join('\\', iop.Select(DatasetReading.Format));
        if (SliceGeometry.Normal(iop) is not { } normal)
        {
            evidence.Add(new("ImageOrientationPatient", value, "degenerate (row and column parallel)"));
            return (false, $"Image Orientation (Patient) {value} is degenerate: not enough information");
        }

        double x = Math.Abs(normal.X);
        double y = Math.Abs(normal.Y);
        double z = Math.Abs(normal.Z);
        Plane plane = x >= planeCosine ? Plane.Sagittal : z >= planeCosine ? Plane.Axial : y >= planeCosine ? Plane.Coronal : Plane.Oblique;
        double fromLeftRight = SliceGeometry.AngleFromLeftRight(normal);
        string angle = $"normal {DatasetReading.Format(Math.Round(fromLeftRight, 1))}° from left-right";
        evidence.Add(new("ImageOrientationPatient", value, $"{PlaneWords(plane)} ({angle})"));
        string iopName = $"Image Orientation (Patient) {value}";
        string? conflictNote = null;
        if (described != Plane.None && plane != Plane.Oblique && described != plane)
        {
            if (Rules.OnConflict == ConflictPolicy.Skip)
            {
                return (false, $"conflicting plane: {iopName} says {PlaneWords(plane)} but {describedBy} says {PlaneWords(described)}");
            }

            conflictNote = $" (followed over the conflicting {describedBy})";
        }

        return plane switch
        {
            Plane.Sagittal => (true, $"{iopName}: sagittal MR ({angle}){conflictNote}"),
            Plane.Oblique => (false, $"{iopName}: oblique MR plane ({angle}, tolerance {DatasetReading.Format(Rules.PlaneToleranceDegrees)}°)"),
            _ => (false, $"{iopName}: {PlaneWords(plane)} MR{conflictNote}"),
        };
    }

    private static string PlaneWords(Plane plane) => plane switch
    {
        Plane.Sagittal => "sagittal",
        Plane.Axial => "axial",
        Plane.Coronal => "coronal",
        Plane.Oblique => "oblique",
        _ => "no plane",
    };

    // ---- MR weighting ----

    private (MrSequence Sequence, string Reason) DecideSequence(DicomDataset dataset, List<SelectionEvidence> evidence)
    {
        var scanning = DatasetReading.Values(dataset, DicomTags.ScanningSequence).Select(s => s.ToUpperInvariant()).ToArray();
        var options = DatasetReading.Values(dataset, DicomTags.ScanOptions).Select(s => s.ToUpperInvariant()).ToArray();
        double? tr = FirstOrNull(DatasetReading.NumbersWithFunctionalGroups(dataset, DicomTags.RepetitionTime, DicomTags.MRTimingAndRelatedParametersSequence, 0));
        double? te = FirstOrNull(DatasetReading.NumbersWithFunctionalGroups(dataset, DicomTags.EchoTime, DicomTags.MREchoSequence, 0))
            ?? FirstOrNull(DatasetReading.NumbersWithFunctionalGroups(dataset, DicomTags.EffectiveEchoTime, DicomTags.MREchoSequence, 0));
        double? ti = FirstOrNull(DatasetReading.NumbersWithFunctionalGroups(dataset, DicomTags.InversionTime, DicomTags.MRModifierSequence, 0))
            ?? FirstOrNull(DatasetReading.NumbersWithFunctionalGroups(dataset, DicomTags.InversionTimes, DicomTags.MRModifierSequence, 0));
        double? field = DatasetReading.Number(dataset, DicomTags.MagneticFieldStrength);
        string texts = string.Join(" / ", SequenceTexts.Select(t => DatasetReading.Text(dataset, t.Tag)).OfType<string>());

        if (scanning.Length > 0)
        {
            evidence.Add(new("ScanningSequence", string.Join('\\', scanning), scanning.Contains("IR") ? "inversion recovery" : "no inversion recovery"));
        }

        if (ti is { } inversion)
        {
            bool inRange = inversion >= Rules.StirInversionTimeMinMs && inversion <= Rules.StirInversionTimeMaxMs;
            string at = field is { } f ? $" at {DatasetReading.Format(f)} T" : string.Empty;
            evidence.Add(new("InversionTime", DatasetReading.Format(inversion),
                inRange ? $"fat-nulling range {DatasetReading.Format(Rules.StirInversionTimeMinMs)}–{DatasetReading.Format(Rules.StirInversionTimeMaxMs)} ms{at}" : $"outside the STIR range{at}"));
        }

        bool stirByTiming = scanning.Contains("IR") && ti is { } t && t >= Rules.StirInversionTimeMinMs && t <= Rules.StirInversionTimeMaxMs;
        bool stirByText = texts.Length > 0 && Matches(stirPatterns, texts);
        if (stirByText)
        {
            evidence.Add(new("Description", texts, "names STIR"));
        }

        if (stirByTiming)
        {
            return (MrSequence.Stir, $"MR weighting STIR: Scanning Sequence {string.Join('\\', scanning)} with Inversion Time {DatasetReading.Format(ti!.Value)} ms");
        }

        if (stirByText)
        {
            if (scanning.Length > 0 && !scanning.Contains("IR"))
            {
                return (MrSequence.Unknown, $"MR weighting unknown: the description '{texts}' says STIR but Scanning Sequence {string.Join('\\', scanning)} has no inversion recovery");
            }

            return (MrSequence.Stir, $"MR weighting STIR: description '{texts}'");
        }

        MrSequence? byTiming = null;
        if (tr is { } repetition && te is { } echo)
        {
            byTiming = repetition < Rules.T1MaxRepetitionTimeMs && echo < Rules.T1MaxEchoTimeMs ? MrSequence.T1
                : repetition > Rules.T2MinRepetitionTimeMs && echo > Rules.T2MinEchoTimeMs ? MrSequence.T2
                : MrSequence.Unknown;
            evidence.Add(new("RepetitionTime/EchoTime", $"{DatasetReading.Format(repetition)}/{DatasetReading.Format(echo)} ms",
                byTiming == MrSequence.Unknown ? "neither T1 nor T2 weighting" : $"{byTiming} weighting"));
        }

        MrSequence? byText = null;
        if (texts.Length > 0)
        {
            bool t1 = Matches(t1Patterns, texts);
            bool t2 = Matches(t2Patterns, texts);
            byText = t1 && !t2 ? MrSequence.T1 : t2 && !t1 ? MrSequence.T2 : null;
            if (byText is { } named)
            {
                evidence.Add(new("Description", texts, $"names {named}"));
            }
        }

        bool fatSat = false;
        string? fatSatBy = null;
        if (options.FirstOrDefault(fatSatOptions.Contains) is { } option)
        {
            fatSat = true;
            fatSatBy = $"Scan Options {string.Join('\\', options)}";
            evidence.Add(new("ScanOptions", string.Join('\\', options), $"{option}: fat saturation"));
        }
        else if (texts.Length > 0 && Matches(fatSatPatterns, texts))
        {
            fatSat = true;
            fatSatBy = $"description '{texts}'";
            evidence.Add(new("Description", texts, "names fat saturation"));
        }

        string timing = tr is { } r && te is { } e ? $"TR {DatasetReading.Format(r)} ms, TE {DatasetReading.Format(e)} ms" : "no TR/TE";
        MrSequence weighting;
        string because;
        if (byTiming is { } fromTiming && fromTiming != MrSequence.Unknown)
        {
            if (byText is { } fromText && fromText != fromTiming)
            {
                return (MrSequence.Unknown, $"MR weighting unknown: {timing} says {fromTiming} but the description '{texts}' says {fromText}");
            }

            weighting = fromTiming;
            because = timing;
        }
        else if (byText is { } fromText)
        {
            weighting = fromText;
            because = byTiming is null ? $"description '{texts}'" : $"description '{texts}' ({timing} is neither)";
        }
        else
        {
            return (MrSequence.Unknown, $"MR weighting unknown: {timing}, no weighting in the description: no marrow-signal assessment");
        }

        if (!fatSat)
        {
            return (weighting, $"MR weighting {weighting}: {because}");
        }

        return weighting == MrSequence.T2
            ? (MrSequence.T2FatSat, $"MR weighting T2 fat-saturated: {because}, fat saturation from {fatSatBy}")
            : (MrSequence.Unknown, $"MR weighting unknown: fat-saturated T1 ({because}, {fatSatBy}; typically after contrast), not used for marrow signal");
    }

    // ---- helpers ----

    /// <summary>Texts that speak for one series: Series Description and Protocol Name.</summary>
    private static readonly (DicomTag Tag, string Name, string Keyword)[] SeriesTexts =
    [
        (DicomTags.SeriesDescription, "Series Description", "SeriesDescription"),
        (DicomTags.ProtocolName, "Protocol Name", "ProtocolName"),
    ];

    /// <summary>Texts that speak for one radiograph's view (CR devices often put the exam there).</summary>
    private static readonly (DicomTag Tag, string Name, string Keyword)[] ViewTexts =
    [
        (DicomTags.SeriesDescription, "Series Description", "SeriesDescription"),
        (DicomTags.ProtocolName, "Protocol Name", "ProtocolName"),
        (DicomTags.AcquisitionDeviceProcessingDescription, "Acquisition Device Processing Description", "AcquisitionDeviceProcessingDescription"),
    ];

    /// <summary>Texts that name an MR sequence.</summary>
    private static readonly (DicomTag Tag, string Name)[] SequenceTexts =
    [
        (DicomTags.SeriesDescription, "Series Description"),
        (DicomTags.ProtocolName, "Protocol Name"),
        (DicomTags.SequenceName, "Sequence Name"),
    ];

    private string Describe(string modality) =>
        radiographModalities.Contains(modality) ? "radiograph" : mrModalities.Contains(modality) ? "MR" : "not measured";

    private static bool Matches(Regex[] patterns, string text)
    {
        string normalised = DatasetReading.NormaliseDescription(text);
        foreach (var pattern in patterns)
        {
            try
            {
                if (pattern.IsMatch(normalised))
                {
                    return true;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A pathological site pattern: treat as no match rather than stall the study.
            }
        }

        return false;
    }

    private static IEnumerable<string> SummariseSkips(List<InstanceDecision> decisions, bool anySelected)
    {
        var skipped = decisions.Where(d => !d.Selected).ToList();
        if (skipped.Count == 0)
        {
            yield break;
        }

        var counts = skipped.SelectMany(d => d.Reasons.Distinct(StringComparer.Ordinal))
            .GroupBy(r => r, StringComparer.Ordinal)
            .Select(g => (Reason: g.Key, Count: g.Count()));
        foreach (var (reason, count) in counts)
        {
            bool all = count == decisions.Count;
            yield return all && !anySelected
                ? reason
                : $"{reason} ({count.ToString(CultureInfo.InvariantCulture)} of {decisions.Count.ToString(CultureInfo.InvariantCulture)} instances skipped)";
        }
    }

    private static string SopInstanceUid(DicomDataset dataset) => DatasetReading.Text(dataset, DicomTags.SOPInstanceUID) ?? string.Empty;

    private static double? FirstOrNull(double[] values) => values.Length > 0 ? values[0] : null;

    private static HashSet<string> Upper(IEnumerable<string> values) =>
        new(values.Select(v => v.Trim().ToUpperInvariant()), StringComparer.Ordinal);

    private static HashSet<string> Codes(IEnumerable<string> values) =>
        new(values.Select(v =>
        {
            int colon = v.IndexOf(':', StringComparison.Ordinal);
            return DatasetReading.CodeKey(v[..colon], v[(colon + 1)..]);
        }), StringComparer.Ordinal);
}
