using PlaoImaging.Analysis.Imaging;

namespace PlaoImaging.Analysis.Inference;

/// <summary>Settings of a <see cref="ManifestLandmarkModel"/>.</summary>
public sealed record ManifestLandmarkModelOptions
{
    /// <summary>Images per detector run (one pre-allocated input buffer of this many items is reused).</summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>Crops per refiner run (two-stage models).</summary>
    public int MaxRefinerBatch { get; init; } = 64;

    /// <summary>Input buffers kept for reuse between calls (per stage); more concurrent calls allocate their own.</summary>
    public int PooledBuffers { get; init; } = 2;
}

/// <summary>One image located by a <see cref="ManifestLandmarkModel"/>, with the intermediate results that produced it.</summary>
public sealed record LocatedImage(ModelInputGeometry Geometry, IReadOnlyList<DetectedVertebra> Detections, ImageLandmarks Landmarks);

/// <summary>
/// The manifest-driven <see cref="ILandmarkModel"/>: preprocesses each image into a pooled batch tensor
/// (<see cref="ModelPreprocessor"/>), runs the detector through an <see cref="IModelRunner"/>, decodes
/// (<see cref="DetectorDecoder"/>) and maps the points back to image pixels; for a two-stage model it then cuts one crop
/// per vertebra (<see cref="RefinerCrop"/>), runs the refiner on batches of crops and maps the refined points back.
/// Thread-safe: concurrent calls share the runner and the buffer pool.
/// </summary>
public sealed class ManifestLandmarkModel : ILandmarkModel
{
    public const string DetectorStage = "detector";
    public const string RefinerStage = "refiner";

    private readonly IModelRunner runner;
    private readonly ManifestLandmarkModelOptions options;
    private readonly ModelPreprocessor preprocessor;
    private readonly DetectorDecoder decoder;
    private readonly BufferPool detectorBuffers;
    private readonly BufferPool? refinerBuffers;

    // The detector's outputs by batch size, reused from one call to the next when the runner can write into them (its
    // heatmaps are over a megabyte per image, which fresh would be large-object garbage every study).
    private readonly Lock outputGate = new();
    private readonly Dictionary<int, Stack<IReadOnlyDictionary<string, Tensor>>> detectorOutputs = [];

    public ManifestLandmarkModel(IModelRunner runner, ManifestLandmarkModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        this.runner = runner;
        this.options = options ?? new ManifestLandmarkModelOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(this.options.MaxBatch, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(this.options.MaxRefinerBatch, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(this.options.PooledBuffers, nameof(options));
        Manifest = runner.Manifest ?? throw new ArgumentException("the runner has no manifest", nameof(runner));
        preprocessor = new ModelPreprocessor(Manifest.Preprocessing);
        decoder = new DetectorDecoder(Manifest.OutputDecoding);
        detectorBuffers = new BufferPool(this.options.MaxBatch * preprocessor.InputLength, this.options.PooledBuffers);
        if (Manifest.IsTwoStage)
        {
            var refinement = Manifest.Refinement ?? throw new ModelManifestException("refiner", "a two-stage model needs the refiner section");
            int size = refinement.Crop.SizePx;
            refinerBuffers = new BufferPool(this.options.MaxRefinerBatch * size * size, this.options.PooledBuffers);
        }

        Identity = ModelIdentity.Of(Manifest);
    }

    public ModelIdentity Identity { get; }

    public ModelManifest Manifest { get; }

    public IReadOnlyList<ImageLandmarks> Locate(IReadOnlyList<SpineImage> images, CancellationToken cancellationToken = default) =>
        LocateDetailed(images, cancellationToken).Select(l => l.Landmarks).ToList();

    /// <summary>As <see cref="Locate"/>, with each image's placement on the grid and its detections in model pixels.</summary>
    public IReadOnlyList<LocatedImage> LocateDetailed(IReadOnlyList<SpineImage> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        for (int i = 0; i < images.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(images[i], $"{nameof(images)}[{i}]");
        }

        var geometries = new ModelInputGeometry[images.Count];
        var detections = new IReadOnlyList<DetectedVertebra>[images.Count];
        int itemLength = preprocessor.InputLength;
        for (int first = 0; first < images.Count; first += options.MaxBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(options.MaxBatch, images.Count - first);
            float[] buffer = detectorBuffers.Rent();
            try
            {
                for (int b = 0; b < count; b++)
                {
                    geometries[first + b] = preprocessor.Prepare(images[first + b], buffer.AsSpan(b * itemLength, itemLength));
                }

                var input = new Tensor(buffer, [count, 1, preprocessor.GridHeight, preprocessor.GridWidth]);
                IReadOnlyDictionary<string, Tensor> outputs;
                if (runner is IReusableOutputRunner reusable)
                {
                    outputs = RentDetectorOutputs(reusable, count);
                    reusable.RunInto(DetectorStage, input, outputs, cancellationToken);
                }
                else
                {
                    outputs = runner.Run(DetectorStage, input, cancellationToken);
                }

                for (int b = 0; b < count; b++)
                {
                    detections[first + b] = decoder.Decode(outputs, b);
                }

                if (runner is IReusableOutputRunner)
                {
                    ReturnDetectorOutputs(count, outputs);
                }
            }
            finally
            {
                detectorBuffers.Return(buffer);
            }
        }

        var points = new ImagePoint[images.Count][][];
        for (int i = 0; i < images.Count; i++)
        {
            var g = geometries[i];
            points[i] = detections[i].Select(d => d.Points.Select(g.ToImage).ToArray()).ToArray();
        }

        double?[][] refinerConfidence = images.Select((_, i) => new double?[detections[i].Count]).ToArray();
        double[]?[][] pointError = images.Select((_, i) => new double[]?[detections[i].Count]).ToArray();
        if (Manifest.IsTwoStage)
        {
            Refine(images, geometries, points, refinerConfidence, pointError, cancellationToken);
        }

        var located = new LocatedImage[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            var vertebrae = new List<VertebraLandmarks>(detections[i].Count);
            for (int v = 0; v < detections[i].Count; v++)
            {
                var d = detections[i][v];
                vertebrae.Add(new VertebraLandmarks(d.Level, d.LevelConfidence, d.Score, points[i][v]) { RefinerConfidence = refinerConfidence[i][v], PointError = pointError[i][v] });
            }

            located[i] = new LocatedImage(geometries[i], detections[i], new ImageLandmarks(vertebrae));
        }

        return located;
    }

    private void Refine(IReadOnlyList<SpineImage> images, ModelInputGeometry[] geometries, ImagePoint[][][] points, double?[][] confidence, double[]?[][] pointError, CancellationToken cancellationToken)
    {
        var refinement = Manifest.Refinement!;
        var crop = refinement.Crop;
        int size = crop.SizePx;
        int cropLength = size * size;
        int nPoints = Manifest.OutputDecoding.PointNames.Count;
        var jobs = new List<(int Image, int Vertebra, CropFrame Frame)>();
        for (int i = 0; i < images.Count; i++)
        {
            for (int v = 0; v < points[i].Length; v++)
            {
                // A body cut by the border keeps the detector's points when the manifest says so (applies_to: inside).
                if (refinement.AppliesToPoints(points[i][v], images[i].Rows, images[i].Columns))
                {
                    jobs.Add((i, v, RefinerCrop.Frame(points[i][v], crop, geometries[i].SpacingMm)));
                }
            }
        }

        for (int first = 0; first < jobs.Count; first += options.MaxRefinerBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(options.MaxRefinerBatch, jobs.Count - first);
            float[] buffer = refinerBuffers!.Rent();
            try
            {
                for (int b = 0; b < count; b++)
                {
                    var job = jobs[first + b];
                    RefinerCrop.Sample(images[job.Image], geometries[job.Image].Intensity, job.Frame, crop.Normalisation, buffer.AsSpan(b * cropLength, cropLength));
                }

                var outputs = runner.Run(RefinerStage, new Tensor(buffer, [count, 1, size, size]), cancellationToken);
                var refined = RefinerOutput(outputs, refinement.PointsOutput, "points", count, 2 * nPoints);
                var logits = refinement.ConfidenceOutput is { } name ? RefinerOutput(outputs, name, "confidence", count, 1) : null;
                var logScales = refinement.PointUncertaintyOutput is { } scaleName ? RefinerOutput(outputs, scaleName, "point_uncertainty", count, nPoints) : null;
                for (int b = 0; b < count; b++)
                {
                    var (image, vertebra, frame) = jobs[first + b];
                    var mapped = new ImagePoint[nPoints];
                    for (int k = 0; k < nPoints; k++)
                    {
                        mapped[k] = frame.ToImage(refined.Data[(b * 2 * nPoints) + (2 * k)], refined.Data[(b * 2 * nPoints) + (2 * k) + 1]);
                    }

                    points[image][vertebra] = mapped;
                    if (logits is not null)
                    {
                        confidence[image][vertebra] = 1.0 / (1.0 + Math.Exp(-(double)logits.Data[b]));
                    }

                    if (logScales is not null)
                    {
                        var errors = new double[nPoints];
                        for (int k = 0; k < nPoints; k++)
                        {
                            errors[k] = Math.Exp(logScales.Data[(b * nPoints) + k]);
                        }

                        pointError[image][vertebra] = errors;
                    }
                }
            }
            finally
            {
                refinerBuffers.Return(buffer);
            }
        }
    }

    private IReadOnlyDictionary<string, Tensor> RentDetectorOutputs(IReusableOutputRunner reusable, int count)
    {
        lock (outputGate)
        {
            if (detectorOutputs.TryGetValue(count, out var free) && free.Count > 0)
            {
                return free.Pop();
            }
        }

        return reusable.AllocateOutputs(DetectorStage, count);
    }

    /// <summary>Keeps outputs for the next call of the same batch size (up to <see cref="ManifestLandmarkModelOptions.PooledBuffers"/> per size); a run that threw does not come here.</summary>
    private void ReturnDetectorOutputs(int count, IReadOnlyDictionary<string, Tensor> outputs)
    {
        lock (outputGate)
        {
            if (!detectorOutputs.TryGetValue(count, out var free))
            {
                detectorOutputs[count] = free = new Stack<IReadOnlyDictionary<string, Tensor>>();
            }

            if (free.Count < options.PooledBuffers)
            {
                free.Push(outputs);
            }
        }
    }

    private static Tensor RefinerOutput(IReadOnlyDictionary<string, Tensor> outputs, string name, string role, int count, int values)
    {
        string field = $"refiner.outputs.{role}";
        if (!outputs.TryGetValue(name, out var tensor))
        {
            throw new ModelManifestException(field, $"the refiner returned no output '{name}' (it returned {string.Join(", ", outputs.Keys.Select(k => $"'{k}'"))})");
        }

        if (tensor.Shape.Length != 2 || tensor.Shape[0] != count || tensor.Shape[1] != values)
        {
            throw new ModelManifestException(field, $"the refiner's output '{name}' has shape [{string.Join(", ", tensor.Shape)}]; expected [{count}, {values}]");
        }

        return tensor;
    }

    /// <summary>A few reusable input buffers of one size; callers beyond the pool get fresh ones.</summary>
    private sealed class BufferPool(int length, int capacity)
    {
        private readonly Lock gate = new();
        private readonly Stack<float[]> free = new();

        public float[] Rent()
        {
            lock (gate)
            {
                if (free.Count > 0)
                {
                    return free.Pop();
                }
            }

            return new float[length];
        }

        public void Return(float[] buffer)
        {
            lock (gate)
            {
                if (free.Count < capacity)
                {
                    free.Push(buffer);
                }
            }
        }
    }
}
