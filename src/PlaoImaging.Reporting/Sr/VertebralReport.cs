using System.Globalization;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.StructuredReport;
using PlaoImaging.Reporting.Common;

namespace PlaoImaging.Reporting.Sr;

/// <summary>Why no report was written for a study.</summary>
public enum NoReportReason
{
    /// <summary>Every series was skipped: no lateral spine radiograph or sagittal spine MR.</summary>
    NoMeasurableSeries,

    /// <summary>Series were selected but every image failed, or the study failed as a whole.</summary>
    AnalysisFailed,

    /// <summary>Images were measured but no vertebra was found on any of them.</summary>
    NoVertebraMeasured,
}

/// <summary>The outcome of building a study's report: the document, or the reason there is none.</summary>
public sealed record VertebralReportOutcome(SrDocument? Document, NoReportReason? Reason, string? Detail)
{
    public bool HasReport => Document is not null;
}

/// <summary>Who signs an amended report.</summary>
public sealed record ReportSigner(DicomPersonName Name, string Organization, DateTimeOffset SignedAt);

/// <summary>What the reports name as their maker (General Equipment module, device observer).</summary>
public sealed record ReportOptions
{
    public string Manufacturer { get; init; } = "PlaoImaging";

    public string DeviceName { get; init; } = "plao";

    /// <summary>Series Number (0020,0011) of the report series.</summary>
    public int SeriesNumber { get; init; } = 9100;
}

/// <summary>
/// PlaoImaging's vertebral-fracture report: a <see cref="StudyResult"/> as a TID 1500 Comprehensive 3D SR. One report
/// per analysed study; one measurement group (TID 1501) per vertebra per measured image, tracked across reports by
/// "L1 vertebra" and a tracking UID derived from study and level; heights with the two points each was measured
/// between; ratios, reductions, Genant grade, deformity type, marrow oedema and confidences; the study's summary as
/// derived measurements and qualitative evaluations. <see cref="VertebralReportReader"/> reads it back.
/// </summary>
public static class VertebralReport
{
    /// <summary>The note written where heights are in pixels.</summary>
    public const string PixelHeightsNote = "No pixel spacing: heights are in image pixels; only the height ratios and the grade are meaningful";

    /// <summary>
    /// The report of one study. <paramref name="studySource"/> is the header of any image of the study: its patient and
    /// study attributes are copied as stored. No report (and the reason) for a study without measured vertebrae.
    /// </summary>
    public static VertebralReportOutcome Create(StudyResult result, DicomDataset studySource, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(studySource);
        options ??= new ReportOptions();
        if (result.Status == StudyStatus.NoMeasurableSeries)
        {
            return new(null, NoReportReason.NoMeasurableSeries, "no series was a lateral spine radiograph or a sagittal spine MR");
        }

        if (result.Status == StudyStatus.Failed)
        {
            return new(null, NoReportReason.AnalysisFailed, result.Error ?? "every selected image failed");
        }

        var images = MeasuredImages(result);
        if (images.Count == 0)
        {
            return new(null, NoReportReason.NoVertebraMeasured, "no vertebra was found on the measured images");
        }

        string series = ReportUids.Series(result.StudyInstanceUid, result.Model.Id, result.Model.Version, ReportObjectKind.StructuredReport);
        var patientStudy = PatientStudyAttributes.Copy(studySource);
        var content = BuildContent(result, images, options, person: null, new ReportText(patientStudy.TextEncoding));
        var document = new SrDocument
        {
            SopInstanceUid = ReportUids.Instance(series, "analysis", result.AnalysedAt.ToString("o", CultureInfo.InvariantCulture)),
            SeriesInstanceUid = series,
            SeriesNumber = options.SeriesNumber,
            SeriesDescription = Truncate($"Vertebral fracture report {result.Model.Id} {result.Model.Version}", 64),
            InstanceNumber = 1,
            PatientStudy = patientStudy,
            ContentDateTime = result.AnalysedAt,
            Completion = result.Summary.SpinalDeformityIndex.Partial || result.ReviewFlags.Count > 0 ? CompletionFlag.Partial : CompletionFlag.Complete,
            Verified = false,
            Evidence = Evidence(images),
            Equipment = Equipment(options),
            CodingSchemes = [VertebralCodes.SchemeIdentification],
            Content = content.ToContent(),
        };
        return new(document, null, null);
    }

    /// <summary>
    /// A signed amendment of a report: the corrected result, COMPLETE and VERIFIED by the signer, who is also a person
    /// observer beside the device; the prior report in the Predecessor Documents Sequence; the same series and tracking UIDs.
    /// </summary>
    public static SrDocument Amend(SrDocument prior, StudyResult corrected, ReportSigner signer, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prior);
        ArgumentNullException.ThrowIfNull(corrected);
        ArgumentNullException.ThrowIfNull(signer);
        options ??= new ReportOptions();
        if (corrected.StudyInstanceUid != prior.StudyInstanceUid)
        {
            throw new ArgumentException($"The corrected result is of study {corrected.StudyInstanceUid}, the report of {prior.StudyInstanceUid}.", nameof(corrected));
        }

        var images = MeasuredImages(corrected);
        if (images.Count == 0)
        {
            throw new ArgumentException("The corrected result has no measured vertebra to report.", nameof(corrected));
        }

        var person = new PersonObserver(signer.Name) { Organization = signer.Organization };
        var content = BuildContent(corrected, images, options, person, new ReportText(prior.PatientStudy.TextEncoding));
        return new SrDocument
        {
            SopInstanceUid = ReportUids.Instance(prior.SeriesInstanceUid, "amendment", prior.SopInstanceUid, signer.SignedAt.ToString("o", CultureInfo.InvariantCulture)),
            SeriesInstanceUid = prior.SeriesInstanceUid,
            SeriesNumber = prior.SeriesNumber,
            SeriesDescription = prior.SeriesDescription,
            InstanceNumber = prior.InstanceNumber + 1,
            PatientStudy = prior.PatientStudy,
            ContentDateTime = signer.SignedAt,
            Completion = CompletionFlag.Complete,
            Verified = true,
            Final = true,
            VerifyingObservers = [new VerifyingObserver(signer.Name, signer.Organization, signer.SignedAt)],
            PredecessorDocuments = [new SrEvidence(prior.StudyInstanceUid, prior.SeriesInstanceUid, new SopReference(prior.SopClassUid, prior.SopInstanceUid))],
            Evidence = Evidence(images),
            Equipment = Equipment(options),
            CodingSchemes = [VertebralCodes.SchemeIdentification],
            Content = content.ToContent(),
        };
    }

    /// <summary>The images a report carries: measured, without error, with at least one vertebra.</summary>
    public static IReadOnlyList<ImageResult> MeasuredImages(StudyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return [.. result.Images.Where(i => i.Measured && i.Error is null && i.Vertebrae.Count > 0)];
    }

    private static SrEquipment Equipment(ReportOptions options) =>
        new(options.Manufacturer) { ModelName = options.DeviceName, SoftwareVersions = ReportingAssembly.Version };

    private static List<SrEvidence> Evidence(IReadOnlyList<ImageResult> images) =>
        [.. images.Select(i => new SrEvidence(i.Source.StudyInstanceUid, i.Source.SeriesInstanceUid, new SopReference(i.Source.SopClassUid, i.Source.SopInstanceUid)))
            .DistinctBy(e => e.Instance.SopInstanceUid, StringComparer.Ordinal)];

    private static MeasurementReport BuildContent(StudyResult result, IReadOnlyList<ImageResult> images, ReportOptions options, PersonObserver? person, ReportText text)
    {
        var algorithm = Algorithm(result, text);
        var procedures = new List<CodedConcept>();
        if (images.Any(i => i.Kind != "sagittal-mr"))
        {
            procedures.Add(SrCodes.XrUnspecifiedBodyRegion);
        }

        if (images.Any(i => i.Kind == "sagittal-mr"))
        {
            procedures.Add(SrCodes.MriUnspecifiedBodyRegion);
        }

        var library = new ImageLibrary([.. images.Select(Reference).DistinctBy(r => (r.SopInstanceUid, string.Join(',', r.Frames)))]);
        var groups = new List<MeasurementGroup>();
        foreach (var image in images)
        {
            foreach (var vertebra in image.Vertebrae)
            {
                groups.Add(Group(result, image, vertebra, algorithm, text));
            }
        }

        var summary = result.Summary;
        var derived = new List<Measurement>
        {
            new(VertebralCodes.MeasuredLevels, summary.MeasuredLevels, SrCodes.NoUnits),
            new(VertebralCodes.FracturedVertebrae, summary.FracturedVertebrae, SrCodes.NoUnits),
            new(VertebralCodes.WorstGrade, summary.WorstGrade, SrCodes.NoUnits),
            new(VertebralCodes.SpinalDeformityIndex, summary.SpinalDeformityIndex.Value, SrCodes.NoUnits) { Algorithm = algorithm },
        };
        var evaluations = new List<QualitativeEvaluation>
        {
            new(VertebralCodes.SdiPartial, VertebralCodes.YesNo(summary.SpinalDeformityIndex.Partial)),
        };
        if (summary.SpinalDeformityIndex.MissingLevels.Count > 0)
        {
            evaluations.Add(new(VertebralCodes.SdiMissingLevels, string.Join(", ", summary.SpinalDeformityIndex.MissingLevels)));
        }

        evaluations.AddRange(summary.Runs.Select(r => new QualitativeEvaluation(VertebralCodes.FractureRun, string.Join(", ", r.Levels))));
        evaluations.AddRange(summary.AcuteLevels.Select(l => new QualitativeEvaluation(VertebralCodes.AcuteLevel, l)));
        evaluations.AddRange(result.ReviewFlags.Select(f => new QualitativeEvaluation(VertebralCodes.ReviewFlag, text.Fit(FormatFlag(f)))));
        evaluations.Add(new(VertebralCodes.AnalysedAt, result.AnalysedAt.ToString("o", CultureInfo.InvariantCulture)));
        evaluations.Add(new(VertebralCodes.ModelValidation, text.Fit(result.Model.Validation)));
        return new MeasurementReport(
            new DeviceObserver(ReportUids.DeviceObserver(result.Model.Id)) { Name = options.DeviceName, Manufacturer = options.Manufacturer, ModelName = result.Model.Id },
            procedures, library, groups)
        {
            Person = person,
            DerivedMeasurements = derived,
            QualitativeEvaluations = evaluations,
        };
    }

    /// <summary>TID 4019 of the model: name = model id, version = model version; the rest as named parameters.</summary>
    internal static AlgorithmIdentification Algorithm(StudyResult result, ReportText text) =>
        new(text.Fit(result.Model.Id), text.Fit(result.Model.Version))
        {
            Parameters =
            [
                "sha256=" + text.Fit(result.Model.Sha256),
                .. result.Model.ManifestSha256 is { } manifest ? new[] { "manifest-sha256=" + text.Fit(manifest) } : [],
                "architecture=" + text.Fit(result.Model.Architecture),
                "engine=" + text.Fit(result.Engine.Version),
                "execution-provider=" + text.Fit(result.Engine.ExecutionProvider),
            ],
            Manufacturer = "PlaoImaging",
        };

    internal static SopReference Reference(ImageResult image) =>
        new(image.Source.SopClassUid, image.Source.SopInstanceUid, image.Source.Frame > 0 ? [image.Source.Frame + 1] : null);

    private static MeasurementGroup Group(StudyResult result, ImageResult image, VertebraResult v, AlgorithmIdentification algorithm, ReportText text)
    {
        var source = Reference(image);
        bool mm = v.Heights.Unit == "mm";
        var unit = mm ? SrCodes.Millimetre : SrCodes.Pixels;
        Measurement Height(CodedConcept position, double value, string top, string bottom) =>
            new(SrCodes.Height, value, unit)
            {
                Modifiers = [new(SrCodes.TopographicalModifier, position)],
                Coordinates = [new MeasurementCoordinates(GraphicType.Polyline, [.. ToImage(v.Points[top]), .. ToImage(v.Points[bottom])], source)],
            };

        var measurements = new List<Measurement>
        {
            Height(SrCodes.Anterior, v.Heights.Anterior, "sa", "ia"),
            Height(SrCodes.Middle, v.Heights.Middle, "sm", "im"),
            Height(SrCodes.Posterior, v.Heights.Posterior, "sp", "ip"),
            new(VertebralCodes.AnteriorPosteriorRatio, v.Ratios.AnteriorPosterior, SrCodes.NoUnits),
            new(VertebralCodes.MiddlePosteriorRatio, v.Ratios.MiddlePosterior, SrCodes.NoUnits),
        };
        if (v.Ratios.PosteriorNeighbours is { } neighbours)
        {
            measurements.Add(new(VertebralCodes.PosteriorNeighboursRatio, neighbours, SrCodes.NoUnits));
        }

        measurements.Add(new(VertebralCodes.WedgeReduction, v.Reductions.Wedge, SrCodes.NoUnits));
        measurements.Add(new(VertebralCodes.BiconcaveReduction, v.Reductions.Biconcave, SrCodes.NoUnits));
        measurements.Add(new(VertebralCodes.CrushReduction, v.Reductions.Crush, SrCodes.NoUnits));
        measurements.Add(new(VertebralCodes.LevelConfidence, v.LevelConfidence, SrCodes.NoUnits));
        measurements.Add(new(VertebralCodes.DetectionScore, v.Score, SrCodes.NoUnits));
        if (v.RefinerConfidence is { } refiner)
        {
            measurements.Add(new(VertebralCodes.RefinerConfidence, refiner, SrCodes.NoUnits));
        }

        if (v.PointError is { } errors)
        {
            measurements.AddRange(errors.Select(e => new Measurement(VertebralCodes.PointError(e.Key), e.Value, unit)));
        }

        if (v.GradeRange is { } range)
        {
            measurements.Add(new(VertebralCodes.GradeLow, range.Low, SrCodes.NoUnits));
            measurements.Add(new(VertebralCodes.GradeHigh, range.High, SrCodes.NoUnits));
            measurements.Add(new(VertebralCodes.GradeHalfWidth, range.HalfWidth, SrCodes.NoUnits));
        }

        if (v.Marrow?.Ratio is { } marrowRatio)
        {
            measurements.Add(new(VertebralCodes.MarrowRatio, marrowRatio, SrCodes.NoUnits));
        }

        var evaluations = new List<QualitativeEvaluation>
        {
            new(VertebralCodes.GenantGrade, VertebralCodes.Grade(v.GenantGrade)),
        };
        if (VertebralCodes.Severity(v.GenantGrade) is { } severity)
        {
            evaluations.Add(new(SrCodes.Severity, severity));
        }

        evaluations.Add(new(VertebralCodes.DeformityType, VertebralCodes.Deformity(v.Deformity)));
        evaluations.Add(new(VertebralCodes.CrushAssessed, VertebralCodes.YesNo(v.Reductions.CrushAssessed)));
        if (!v.Graded)
        {
            evaluations.Add(new(VertebralCodes.Graded, SrCodes.No));
        }

        if (v.Marrow is { } marrow)
        {
            evaluations.Add(new(VertebralCodes.AcuteOedema, VertebralCodes.YesNo(marrow.Acute)));
            evaluations.Add(new(VertebralCodes.MarrowSequence, text.Fit(marrow.Sequence)));
            evaluations.Add(new(VertebralCodes.MarrowSupportingOnly, VertebralCodes.YesNo(marrow.SupportingOnly)));
            if (marrow.Evidence.Length > 0)
            {
                evaluations.Add(new(VertebralCodes.MarrowEvidence, text.Fit(marrow.Evidence)));
            }
        }

        evaluations.Add(new(VertebralCodes.ImageKind, image.Kind == "sagittal-mr" ? VertebralCodes.SagittalMr : VertebralCodes.LateralRadiograph));
        if (image.MrSequence is { Length: > 0 } sequence)
        {
            evaluations.Add(new(VertebralCodes.MrSequence, text.Fit(sequence)));
        }

        if (!mm)
        {
            evaluations.Add(new(VertebralCodes.MeasurementNote, PixelHeightsNote));
        }

        return new MeasurementGroup(new TrackingIdentifier(v.Level + " vertebra", ReportUids.Tracking(result.StudyInstanceUid, v.Level)))
        {
            Finding = v.GenantGrade > 0 ? SrCodes.CompressionFractureOfVertebralColumn : SrCodes.Normal,
            FindingSites = [VertebralCodes.Vertebra(v.Level)],
            Algorithm = algorithm,
            SourceImages = [source],
            Measurements = measurements,
            QualitativeEvaluations = evaluations,
        };
    }

    /// <summary>
    /// An engine point (pixel centres at integers) in SR image coordinates, where the top left corner of the top left
    /// pixel is (0, 0) and its centre (0.5, 0.5).
    /// </summary>
    internal static float[] ToImage(double[] point) => [(float)(point[0] + 0.5), (float)(point[1] + 0.5)];

    internal static double FromImage(float value) => value - 0.5;

    internal static string FormatFlag(ReviewFlag flag)
    {
        string text = $"{flag.Code}: {flag.Message}";
        if (flag.Level is { } level)
        {
            text += $" [level {level}]";
        }

        if (flag.SopInstanceUid is { } sop)
        {
            text += $" [image {sop}]";
        }

        return text;
    }

    internal static ReviewFlag ParseFlag(string text)
    {
        string? sop = null;
        string? level = null;
        if (text.EndsWith(']') && text.LastIndexOf(" [image ", StringComparison.Ordinal) is int i and >= 0)
        {
            sop = text[(i + 8)..^1];
            text = text[..i];
        }

        if (text.EndsWith(']') && text.LastIndexOf(" [level ", StringComparison.Ordinal) is int j and >= 0)
        {
            level = text[(j + 8)..^1];
            text = text[..j];
        }

        int colon = text.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0
            ? new ReviewFlag(string.Empty, text) { Level = level, SopInstanceUid = sop }
            : new ReviewFlag(text[..colon], text[(colon + 2)..]) { Level = level, SopInstanceUid = sop };
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
