using System.Reflection;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Mr;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Analysis.Selection;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Analysis.Engine;

/// <summary>Settings of a <see cref="StudyAnalyzer"/>; the defaults are the documented behaviour.</summary>
public sealed record StudyAnalyzerOptions
{
    public SelectionRules SelectionRules { get; init; } = SelectionRules.Default;

    public SpineImageReaderOptions Reader { get; init; } = SpineImageReaderOptions.Default;

    public ReviewFlagOptions Flags { get; init; } = new();

    /// <summary>MR: the most slices of one sagittal series the model reads (the central ones by position along the normal).</summary>
    public int MaxMrSlicesPerSeries { get; init; } = 31;

    /// <summary>MR: how the mid-sagittal slices are chosen from the model's answers.</summary>
    public MidSagittalOptions MidSagittal { get; init; } = MidSagittalOptions.Default;

    /// <summary>MR: the marrow-oedema rule on STIR / fat-saturated T2 (and hypointense marrow on T1).</summary>
    public OedemaOptions Oedema { get; init; } = OedemaOptions.Default;

    /// <summary>Where the model runs, in words, written into every result (the runner's own description).</summary>
    public string ExecutionProvider { get; init; } = "unspecified";
}

/// <summary>
/// Analyses one study: selects the series to read (with reasons for every skip), reads each selected frame into a
/// <see cref="SpineImage"/>, locates the vertebrae with the landmark model (all images of the study in one call, so the
/// model batches them), measures and grades each vertebra by the manifest's rule, chooses the mid-sagittal MR slices and
/// assesses marrow oedema, joins radiograph and MR per level, and computes the study figures and review flags.
/// An image that cannot be read or measured is recorded with its error and the study goes on without it; this method
/// throws only for cancellation.
/// </summary>
public sealed class StudyAnalyzer
{
    private static readonly string EngineVersion =
        typeof(StudyAnalyzer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private readonly ILandmarkModel model;
    private readonly ModelManifest manifest;
    private readonly StudyAnalyzerOptions options;
    private readonly SeriesSelector selector;
    private readonly SpineImageReader reader;
    private readonly TimeProvider time;

    // The images' frame bytes and values, reused from one study to the next; given back when a study's analysis ends.
    private readonly ImageBufferPool buffers = new();

    public StudyAnalyzer(ILandmarkModel model, ModelManifest manifest, DicomCodecRegistry codecs, StudyAnalyzerOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(codecs);
        this.model = model;
        this.manifest = manifest;
        this.options = options ?? new StudyAnalyzerOptions();
        this.time = time ?? TimeProvider.System;
        selector = new SeriesSelector(this.options.SelectionRules);
        reader = new SpineImageReader(codecs, this.options.Reader);
    }

    public StudyResult Analyze(StudyInput study, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(study);
        var analysedAt = time.GetUtcNow();
        try
        {
            return AnalyzeCore(study, analysedAt, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A fault of ours or of the runtime (not of the input, which is recorded per image): the study is reported
            // as failed with the error, and a batch or a worker goes on with the next study.
            return new StudyResult
            {
                StudyInstanceUid = study.StudyInstanceUid,
                PatientId = study.Files.Count > 0 ? study.Files[0].Header.GetStringOrDefault(DicomTags.PatientID) : null,
                AccessionNumber = study.Files.Count > 0 ? study.Files[0].Header.GetStringOrDefault(DicomTags.AccessionNumber) : null,
                AnalysedAt = analysedAt,
                Engine = new EngineInfo(EngineVersion, options.ExecutionProvider),
                Model = ModelInfo.Of(model.Identity, manifest.Architecture, manifest.Limitations ?? "validation not stated in the model manifest") with { ManifestSha256 = manifest.ManifestSha256 },
                Status = StudyStatus.Failed,
                Error = $"the analysis failed: {e.GetType().Name}: {e.Message}",
                Inputs = study.Files.Select(f => f.ToInput()).ToList(),
                Series = [],
                Images = [],
                Levels = [],
                Summary = new StudySummary(0, 0, 0, new Results.DeformityIndex(0, true, []), [], []),
                ReviewFlags = [],
            };
        }
    }

    private StudyResult AnalyzeCore(StudyInput study, DateTimeOffset analysedAt, CancellationToken cancellationToken)
    {
        var files = study.Files;
        var bySop = new Dictionary<string, StudyFile>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (file.SopInstanceUid is { } sop)
            {
                bySop.TryAdd(sop, file);
            }
        }

        var decisions = selector.Select(files.Select(f => f.Header));
        var series = decisions.Select(ToOutcome).ToList();

        // Read every frame the model will see; a frame that cannot be read becomes an image with its error.
        var work = new List<ImageWork>();
        try
        {
            return AnalyzeImages(study, analysedAt, files, bySop, decisions, series, work, cancellationToken);
        }
        finally
        {
            // Nothing of the images outlives the analysis: the result holds measurements, not pixels.
            foreach (var item in work)
            {
                buffers.Return(item.Image.Values);
            }
        }
    }

    private StudyResult AnalyzeImages(StudyInput study, DateTimeOffset analysedAt, IReadOnlyList<StudyFile> files, Dictionary<string, StudyFile> bySop,
        IReadOnlyList<SeriesDecision> decisions, List<SeriesOutcome> series, List<ImageWork> work, CancellationToken cancellationToken)
    {
        var images = new List<ImageResult>();
        foreach (var decision in decisions.Where(d => d.Selected))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var selected = decision.SelectedInstances.Distinct(StringComparer.Ordinal).Where(bySop.ContainsKey).Select(sop => bySop[sop]).ToList();
            if (decision.Kind == SeriesKind.LateralRadiograph)
            {
                foreach (var file in selected)
                {
                    Load(file, decision, measured: true, work, images);
                }
            }
            else if (decision.Kind == SeriesKind.SagittalMr)
            {
                // The model reads every slice (up to a cap, the central ones): the mid-sagittal choice needs its answers.
                foreach (var file in MrCentralSlices(selected))
                {
                    Load(file, decision, measured: true, work, images);
                }
            }
        }

        // One model call for the whole study: the model batches the images.
        var found = new Dictionary<string, ImageLandmarks>(StringComparer.Ordinal);
        if (work.Count > 0)
        {
            IReadOnlyList<ImageLandmarks>? located = null;
            string? modelError = null;
            try
            {
                located = model.Locate(work.Select(w => w.Image).ToList(), cancellationToken);
            }
            catch (AnalysisException e)
            {
                modelError = e.Message;
            }

            for (int i = 0; i < work.Count; i++)
            {
                var item = work[i];
                if (located is not null)
                {
                    found[item.Image.Source.SopInstanceUid] = located[i];
                }

                images.Add(modelError is null
                    ? Measure(item, located![i])
                    : Failed(item.File, item.Decision, item.Image.Source.Frame, $"the model failed: {modelError}"));
            }
        }

        // MR: keep the mid-sagittal choice per level, then the marrow signal on fluid-sensitive series.
        images = MrMeasurement.ChooseAndAssess(images, work, found, options.MidSagittal, options.Oedema);

        var levels = LevelJoiner.Join(images, manifest.OutputDecoding.LevelNames);
        var summary = StudySummaries.Summarise(levels, manifest.OutputDecoding.LevelNames);
        var orientations = work.Where(w => w.Image.ImageOrientationPatient is not null)
            .GroupBy(w => w.Image.Source.SopInstanceUid, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Image.ImageOrientationPatient, StringComparer.Ordinal);
        var flagOptions = options.Flags.PossibleFractureMinReduction is null && manifest.Review is { } review
            ? options.Flags with { PossibleFractureMinReduction = review.PossibleFractureMinReduction }
            : options.Flags;
        var flags = ReviewFlagger.Flag(images, levels, summary.SpinalDeformityIndex, orientations, manifest.OutputDecoding.LevelNames, flagOptions);

        var status = images.Any(i => i.Error is null && i.Measured)
            ? StudyStatus.Graded
            : decisions.Any(d => d.Selected) ? StudyStatus.Failed : StudyStatus.NoMeasurableSeries;
        var first = files.Count > 0 ? files[0].Header : null;
        return new StudyResult
        {
            StudyInstanceUid = study.StudyInstanceUid,
            PatientId = first?.GetStringOrDefault(DicomTags.PatientID),
            AccessionNumber = first?.GetStringOrDefault(DicomTags.AccessionNumber),
            AnalysedAt = analysedAt,
            Engine = new EngineInfo(EngineVersion, options.ExecutionProvider),
            Model = ModelInfo.Of(model.Identity, manifest.Architecture, manifest.Limitations ?? "validation not stated in the model manifest") with { ManifestSha256 = manifest.ManifestSha256 },
            Status = status,
            Inputs = files.Select(f => f.ToInput()).ToList(),
            Series = series,
            Images = images,
            Levels = levels,
            Summary = summary,
            ReviewFlags = flags,
        };
    }

    /// <summary>The slices of a sagittal series the model reads: all of them, or the central ones (by Image Position along the slice normal) when there are more than the cap.</summary>
    private IEnumerable<StudyFile> MrCentralSlices(IReadOnlyList<StudyFile> slices)
    {
        if (slices.Count <= options.MaxMrSlicesPerSeries)
        {
            return slices;
        }

        var ordered = slices.OrderBy(f => MrMeasurement.PositionAlongNormal(f.Header)).ToList();
        int from = (ordered.Count - options.MaxMrSlicesPerSeries) / 2;
        return ordered.Skip(from).Take(options.MaxMrSlicesPerSeries);
    }

    private void Load(StudyFile file, SeriesDecision decision, bool measured, List<ImageWork> work, List<ImageResult> images)
    {
        try
        {
            var image = reader.Read(file.Path, 0, buffers);
            if (image.Source.SopInstanceUid != file.SopInstanceUid)
            {
                buffers.Return(image.Values);
                throw new ImageRejectedException($"the file now holds another instance ({image.Source.SopInstanceUid}) than when the study was assembled ({file.SopInstanceUid}): it was replaced");
            }

            work.Add(new ImageWork(file, decision, image, measured));
        }
        catch (Exception e) when (e is AnalysisException or DicomException or IOException or UnauthorizedAccessException)
        {
            images.Add(Failed(file, decision, 0, e.Message));
        }
    }

    private ImageResult Measure(ImageWork item, ImageLandmarks landmarks)
    {
        var image = item.Image;
        var vertebrae = VertebraGrading.Grade(manifest, image, landmarks);
        return new ImageResult
        {
            Source = image.Source,
            Kind = KindName(item.Decision.Kind),
            MrSequence = item.Decision.MrSequence?.ToString(),
            Rows = image.Rows,
            Columns = image.Columns,
            Spacing = ToSpacingInfo(image.Spacing),
            Measured = item.Measured,
            Vertebrae = vertebrae,
        };
    }

    private static ImageResult Failed(StudyFile file, SeriesDecision decision, int frame, string error) => new()
    {
        Source = new ImageReference(
            decision.StudyInstanceUid,
            decision.SeriesInstanceUid,
            file.SopInstanceUid ?? string.Empty,
            file.Header.GetStringOrDefault(DicomTags.SOPClassUID) ?? string.Empty,
            frame) { Path = file.Path },
        Kind = KindName(decision.Kind),
        MrSequence = decision.MrSequence?.ToString(),
        Rows = file.Header.GetSingleValueOrDefault(DicomTags.Rows, (ushort)0),
        Columns = file.Header.GetSingleValueOrDefault(DicomTags.Columns, (ushort)0),
        Error = error,
    };

    internal static string KindName(SeriesKind kind) => kind == SeriesKind.SagittalMr ? "sagittal-mr" : "lateral-radiograph";

    internal static SpacingInfo ToSpacingInfo(CalibratedSpacing spacing) => new(
        spacing.HasSpacing ? spacing.RowMm : null,
        spacing.HasSpacing ? spacing.ColumnMm : null,
        spacing.Provenance switch
        {
            SpacingProvenance.PixelSpacing => "pixel_spacing",
            SpacingProvenance.ImagerPixelSpacingCorrected => "imager_pixel_spacing_corrected",
            SpacingProvenance.ImagerPixelSpacingUncorrected => "imager_pixel_spacing_uncorrected",
            _ => "none",
        },
        spacing.Note);

    private static SeriesOutcome ToOutcome(SeriesDecision decision) => new(
        decision.SeriesInstanceUid,
        decision.Modality,
        decision.SeriesDescription,
        decision.Selected,
        decision.Selected ? KindName(decision.Kind) : null,
        decision.MrSequence?.ToString(),
        decision.Reasons)
    {
        SopInstanceUids = decision.Instances.Select(i => i.SopInstanceUid).ToList(),
    };

    /// <summary>One frame on its way through the model.</summary>
    internal sealed record ImageWork(StudyFile File, SeriesDecision Decision, SpineImage Image, bool Measured);
}
