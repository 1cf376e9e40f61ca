using System.Globalization;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.StructuredReport;

namespace PlaoImaging.Reporting.Sr;

/// <summary>
/// Reads a PlaoImaging vertebral report back into a <see cref="StudyResult"/>. The report carries the measured
/// vertebrae (points at 32-bit float precision, heights, ratios, reductions, grade, deformity, marrow findings,
/// confidences, the expected error of each point and the range of grades within it), which image each was measured on (study, series, SOP class and instance, frame, kind, MR sequence),
/// the study summary, the review flags, the model and engine identity and the time of analysis. It does not carry the
/// inputs, the series selection and its reasons, images that were not measured or failed, rows, columns and spacing of
/// the images, or the notes of images. The per-level join of radiograph and MR (<see cref="StudyResult.Levels"/>) is
/// not written but made again from the images with the engine's <see cref="LevelJoiner"/>, in anatomical order.
/// <see cref="Carried"/> is the part of a result that survives.
/// </summary>
public static class VertebralReportReader
{
    /// <summary>True when the document declares our private scheme and is a TID 1500 report.</summary>
    public static bool IsVertebralReport(SrDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.CodingSchemes.Any(s => s.Designator == VertebralCodes.Scheme) && Tid1500Reader.IsMeasurementReport(document.Content);
    }

    /// <summary>Reads one of our reports; throws <see cref="SrContentException"/> for another tool's report or a broken one.</summary>
    public static StudyResult Read(DicomDataset dataset) => Read(SrDocument.Read(dataset));

    public static StudyResult Read(SrDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (!IsVertebralReport(document))
        {
            throw new SrContentException("1", DicomTags.CodingSchemeIdentificationSequence, $"not a PlaoImaging vertebral report (no {VertebralCodes.Scheme} scheme or not TID 1500)");
        }

        var report = Tid1500Reader.Read(document.Content);
        var algorithm = report.Groups.Select(g => g.Algorithm).FirstOrDefault(a => a is not null)
                        ?? throw new SrContentException("1", null, "no measurement group names the algorithm");
        string Parameter(string name) =>
            algorithm.Parameters.FirstOrDefault(p => p.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..] ?? string.Empty;
        string? Text(CodedConcept concept) => report.QualitativeEvaluations.FirstOrDefault(q => concept.Is(q.Name))?.Text;
        IEnumerable<string> Texts(CodedConcept concept) => report.QualitativeEvaluations.Where(q => concept.Is(q.Name) && q.Text is not null).Select(q => q.Text!);
        double Derived(CodedConcept concept) =>
            report.DerivedMeasurements.FirstOrDefault(m => concept.Is(m.Name))?.Value ?? throw new SrContentException("1", null, $"no derived measurement {concept}");

        var evidence = document.Evidence.ToDictionary(e => e.Instance.SopInstanceUid, StringComparer.Ordinal);
        var images = new List<ImageResult>();
        foreach (var byImage in report.Groups.GroupBy(g => Key(g.SourceImages.FirstOrDefault())))
        {
            var first = byImage.First();
            var source = first.SourceImages.FirstOrDefault() ?? throw new SrContentException("1", null, $"group {first.Tracking.Identifier} has no source image");
            evidence.TryGetValue(source.SopInstanceUid, out var e);
            var kind = Evaluation(first, VertebralCodes.ImageKind)?.Value;
            images.Add(new ImageResult
            {
                Source = new ImageReference(e?.StudyInstanceUid ?? document.StudyInstanceUid, e?.SeriesInstanceUid ?? string.Empty,
                    source.SopInstanceUid, source.SopClassUid, source.Frames.Count > 0 ? source.Frames[0] - 1 : 0),
                Kind = VertebralCodes.SagittalMr.Is(kind) ? "sagittal-mr" : "lateral-radiograph",
                MrSequence = Evaluation(first, VertebralCodes.MrSequence)?.Text,
                Vertebrae = [.. byImage.Select(ReadVertebra)],
            });
        }

        var partial = report.QualitativeEvaluations.FirstOrDefault(q => VertebralCodes.SdiPartial.Is(q.Name))?.Value;
        var missing = Text(VertebralCodes.SdiMissingLevels);
        string analysedAt = Text(VertebralCodes.AnalysedAt) ?? string.Empty;
        return new StudyResult
        {
            StudyInstanceUid = document.StudyInstanceUid,
            PatientId = NullIfEmpty(document.PatientStudy.GetStringOrDefault(DicomTags.PatientID)),
            AccessionNumber = NullIfEmpty(document.PatientStudy.GetStringOrDefault(DicomTags.AccessionNumber)),
            AnalysedAt = DateTimeOffset.TryParse(analysedAt, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : document.ContentDateTime,
            Engine = new EngineInfo(Parameter("engine"), Parameter("execution-provider")),
            Model = new ModelInfo(algorithm.Name, algorithm.Version, Parameter("sha256"), Parameter("architecture"), Text(VertebralCodes.ModelValidation) ?? string.Empty)
            {
                ManifestSha256 = Parameter("manifest-sha256") is { Length: > 0 } manifestSha ? manifestSha : null,
            },
            Status = StudyStatus.Graded,
            Inputs = [],
            Series = [],
            Images = images,
            Levels = LevelJoiner.Join(images, AnatomicalOrder(images)),
            Summary = new StudySummary(
                (int)Derived(VertebralCodes.MeasuredLevels),
                (int)Derived(VertebralCodes.FracturedVertebrae),
                (int)Derived(VertebralCodes.WorstGrade),
                new DeformityIndex((int)Derived(VertebralCodes.SpinalDeformityIndex), SrCodes.Yes.Is(partial),
                    missing is null ? [] : missing.Split(", ")),
                [.. Texts(VertebralCodes.FractureRun).Select(r => new FractureRun(r.Split(", ")))],
                [.. Texts(VertebralCodes.AcuteLevel)]),
            ReviewFlags = [.. Texts(VertebralCodes.ReviewFlag).Select(VertebralReport.ParseFlag)],
        };
    }

    /// <summary>The part of a result that a report carries (see the class summary): what <see cref="Read(SrDocument)"/> gives back.</summary>
    /// <param name="result">The result.</param>
    /// <param name="encoding">The report's character set (the source images'): our texts are fitted to it (<see cref="ReportText"/>).</param>
    public static StudyResult Carried(StudyResult result, DicomTextEncoding? encoding = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new ReportText(encoding ?? DicomTextEncoding.Default);
        IReadOnlyList<ImageResult> images = [.. VertebralReport.MeasuredImages(result).Select(i => new ImageResult
        {
            Source = i.Source with { Path = null },
            Kind = i.Kind == "sagittal-mr" ? "sagittal-mr" : "lateral-radiograph",
            MrSequence = string.IsNullOrEmpty(i.MrSequence) ? null : text.Fit(i.MrSequence),
            Vertebrae = [.. i.Vertebrae.Select(v => v with
            {
                Points = v.Points.ToDictionary(p => p.Key, p => new[] { FloatPrecision(p.Value[0]), FloatPrecision(p.Value[1]) }),
                Marrow = v.Marrow is { } m ? m with { Sequence = text.Fit(m.Sequence), Evidence = text.Fit(m.Evidence) } : null,
            })],
        })];
        return result with
        {
            Model = result.Model with
            {
                Id = text.Fit(result.Model.Id), Version = text.Fit(result.Model.Version), Sha256 = text.Fit(result.Model.Sha256),
                ManifestSha256 = result.Model.ManifestSha256 is { } manifestSha ? text.Fit(manifestSha) : null,
                Architecture = text.Fit(result.Model.Architecture), Validation = text.Fit(result.Model.Validation),
            },
            Engine = new EngineInfo(text.Fit(result.Engine.Version), text.Fit(result.Engine.ExecutionProvider)),
            ReviewFlags = [.. result.ReviewFlags.Select(f => VertebralReport.ParseFlag(text.Fit(VertebralReport.FormatFlag(f))))],
            Status = StudyStatus.Graded,
            Error = null,
            Inputs = [],
            Series = [],
            Levels = LevelJoiner.Join(images, AnatomicalOrder(images)),
            Images = images,
        };
    }

    /// <summary>The levels of the images in anatomical order (C1 to L5, then S1, then any other in the order found).</summary>
    private static List<string> AnatomicalOrder(IReadOnlyList<ImageResult> images)
    {
        var known = Enumerable.Range(1, 7).Select(i => "C" + i.ToString(CultureInfo.InvariantCulture))
            .Concat(Enumerable.Range(1, 12).Select(i => "T" + i.ToString(CultureInfo.InvariantCulture)))
            .Concat(Enumerable.Range(1, 5).Select(i => "L" + i.ToString(CultureInfo.InvariantCulture)))
            .Append("S1").ToList();
        known.AddRange(images.SelectMany(i => i.Vertebrae).Select(v => v.Level).Where(l => !known.Contains(l)).Distinct());
        return known;
    }

    private static double FloatPrecision(double value) => VertebralReport.FromImage((float)(value + 0.5));

    private static string Key(SopReference? reference) =>
        reference is null ? string.Empty : reference.SopInstanceUid + "/" + string.Join(',', reference.Frames);

    private static QualitativeEvaluation? Evaluation(MeasurementGroup group, CodedConcept name) =>
        group.QualitativeEvaluations.FirstOrDefault(q => name.Is(q.Name));

    private static VertebraResult ReadVertebra(MeasurementGroup group)
    {
        var site = group.FindingSites.FirstOrDefault() ?? throw new SrContentException("1", null, $"group {group.Tracking.Identifier} has no finding site");
        string level = VertebralCodes.LevelOf(site) ?? throw new SrContentException("1", null, $"finding site {site} is not a vertebra");
        Measurement? Find(CodedConcept name, CodedConcept? position = null) =>
            group.Measurements.FirstOrDefault(m => name.Is(m.Name) && (position is null || position.Is(m.Modifier(SrCodes.TopographicalModifier))));
        Measurement Need(CodedConcept name, CodedConcept? position = null) =>
            Find(name, position) ?? throw new SrContentException("1", null, $"group {group.Tracking.Identifier} has no {name.Meaning}{(position is null ? string.Empty : " " + position.Meaning)}");
        var anterior = Need(SrCodes.Height, SrCodes.Anterior);
        var middle = Need(SrCodes.Height, SrCodes.Middle);
        var posterior = Need(SrCodes.Height, SrCodes.Posterior);
        var points = new Dictionary<string, double[]>(StringComparer.Ordinal);
        void Points(Measurement height, string top, string bottom)
        {
            var c = height.Coordinates.FirstOrDefault() ?? throw new SrContentException("1", null, $"height of {level} has no coordinates");
            points[top] = [VertebralReport.FromImage(c.Data[0]), VertebralReport.FromImage(c.Data[1])];
            points[bottom] = [VertebralReport.FromImage(c.Data[2]), VertebralReport.FromImage(c.Data[3])];
        }

        Points(anterior, "sa", "ia");
        Points(middle, "sm", "im");
        Points(posterior, "sp", "ip");
        var ordered = new[] { "sa", "sm", "sp", "ia", "im", "ip" }.ToDictionary(k => k, k => points[k]);
        var grade = Evaluation(group, VertebralCodes.GenantGrade)?.Value is { } g ? VertebralCodes.GradeOf(g) ?? 0 : 0;
        var deformity = Evaluation(group, VertebralCodes.DeformityType)?.Value?.Value ?? "none";
        MarrowFinding? marrow = null;
        if (Evaluation(group, VertebralCodes.AcuteOedema)?.Value is { } acute)
        {
            marrow = new MarrowFinding(
                Evaluation(group, VertebralCodes.MarrowSequence)?.Text ?? string.Empty,
                Find(VertebralCodes.MarrowRatio)?.Value,
                SrCodes.Yes.Is(acute),
                SrCodes.Yes.Is(Evaluation(group, VertebralCodes.MarrowSupportingOnly)?.Value),
                Evaluation(group, VertebralCodes.MarrowEvidence)?.Text ?? string.Empty);
        }

        var pointErrors = group.Measurements.Where(m => VertebralCodes.PointOf(m.Name) is not null).ToList();
        var low = Find(VertebralCodes.GradeLow);
        var high = Find(VertebralCodes.GradeHigh);
        var halfWidth = Find(VertebralCodes.GradeHalfWidth);
        return new VertebraResult
        {
            PointError = pointErrors.Count == 0 ? null : pointErrors.ToDictionary(m => VertebralCodes.PointOf(m.Name)!, m => m.Value),
            GradeRange = low is null || high is null || halfWidth is null ? null : new GradeRange((int)low.Value, (int)high.Value, halfWidth.Value),
            Level = level,
            LevelConfidence = Need(VertebralCodes.LevelConfidence).Value,
            Score = Need(VertebralCodes.DetectionScore).Value,
            RefinerConfidence = Find(VertebralCodes.RefinerConfidence)?.Value,
            Points = ordered,
            Heights = new Heights(anterior.Value, middle.Value, posterior.Value, SrCodes.Millimetre.Is(anterior.Unit) ? "mm" : "px"),
            Ratios = new Ratios(Need(VertebralCodes.AnteriorPosteriorRatio).Value, Need(VertebralCodes.MiddlePosteriorRatio).Value, Find(VertebralCodes.PosteriorNeighboursRatio)?.Value),
            Reductions = new Reductions(Need(VertebralCodes.WedgeReduction).Value, Need(VertebralCodes.BiconcaveReduction).Value, Need(VertebralCodes.CrushReduction).Value,
                SrCodes.Yes.Is(Evaluation(group, VertebralCodes.CrushAssessed)?.Value)),
            GenantGrade = grade,
            Deformity = deformity,
            Graded = !SrCodes.No.Is(Evaluation(group, VertebralCodes.Graded)?.Value),
            Marrow = marrow,
        };
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
