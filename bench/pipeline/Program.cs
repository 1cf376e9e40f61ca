using System.Diagnostics;
using System.Globalization;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Imaging;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Morphometry;
using PlaoImaging.Analysis.OnnxRuntime;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Codecs.Native;
using PlaoImaging.Dicom.Imaging;

// bench/run.sh pipeline:
//   stages MANIFEST THREADS N FILE...   each file N times (after 3 untimed runs) through the engine's own pieces, stage by
//                                       stage; one line per file: median and p90 ms of every stage and of the total
//   studies MANIFEST THREADS N DIR...   each study folder N times through StudyGrouper + StudyAnalyzer (what plao analyze does)
//   memory MANIFEST THREADS N FILE      N images through the stages; managed heap and working set every N/10 images
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: stages|studies|memory MANIFEST THREADS N PATH...");
    return 2;
}

var manifest = ModelManifestReader.Read(args[1]);
int threads = int.Parse(args[2], CultureInfo.InvariantCulture);
int n = int.Parse(args[3], CultureInfo.InvariantCulture);
using var runner = OnnxModelRunner.Create(manifest, new OnnxRunnerOptions { Provider = OnnxExecutionProvider.Cpu, IntraOpThreads = threads, InterOpThreads = 1 });
var codecs = DicomCodecRegistry.CreateDefault().AddNativeCodecs();
var pipeline = new Stages(manifest, runner, codecs);
switch (args[0])
{
    case "stages":
        foreach (string file in args[4..])
        {
            for (int i = 0; i < 3; i++)
            {
                pipeline.Run(file);
            }

            var times = Enumerable.Range(0, n).Select(_ => pipeline.Run(file)).ToList();
            var image = new SpineImageReader(codecs).Read(file);
            Console.WriteLine($"stages {Path.GetFileName(Path.GetDirectoryName(file))}/{Path.GetFileName(file)} {image.Rows}x{image.Columns} {DicomFile.Open(file, new DicomReadOptions { StopBeforePixelData = true }).TransferSyntax.Name} n={n} "
                + string.Join(' ', Stages.Names.Select((name, s) => $"{name}={Median(times.Select(t => t[s])):0.0}/{P90(times.Select(t => t[s])):0.0}"))
                + $" total={Median(times.Select(t => t.Sum())):0.0}/{P90(times.Select(t => t.Sum())):0.0} images_per_s={1000 / Median(times.Select(t => t.Sum())):0.00}");
        }

        return 0;
    case "studies":
        var analyzer = new StudyAnalyzer(new ManifestLandmarkModel(runner), manifest, codecs, new StudyAnalyzerOptions { ExecutionProvider = runner.ExecutionProvider });
        foreach (string dir in args[4..])
        {
            double Once()
            {
                var clock = Stopwatch.StartNew();
                var (studies, _) = StudyGrouper.Group([dir]);
                foreach (var study in studies)
                {
                    analyzer.Analyze(study);
                }

                return clock.Elapsed.TotalMilliseconds;
            }

            Once();
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
            var times = Enumerable.Range(0, n).Select(_ => Once()).ToList();
            double allocatedMb = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1048576.0 / n;
            int images = StudyGrouper.Group([dir]).Studies.Sum(s => s.Files.Count);
            Console.WriteLine($"study {Path.GetFileName(dir)} files={images} n={n} median_ms={Median(times):0.0} p90_ms={P90(times):0.0} "
                + $"allocated_mb={allocatedMb:0.0} gen0={(GC.CollectionCount(0) - gen0) / (double)n:0.00} gen2={(GC.CollectionCount(2) - gen2) / (double)n:0.00} (per pass)");
        }

        return 0;
    case "memory":
        string path = args[4];
        int every = Math.Max(1, n / 10);
        var cpu = Stopwatch.StartNew();
        var process = Process.GetCurrentProcess();
        for (int i = 1; i <= n; i++)
        {
            pipeline.Run(path);
            if (i % every == 0)
            {
                process.Refresh();
                Console.WriteLine($"memory images={i} managed_mb={GC.GetTotalMemory(false) / 1048576.0:0.0} working_set_mb={process.WorkingSet64 / 1048576.0:0.0} private_mb={process.PrivateMemorySize64 / 1048576.0:0.0} gen2={GC.CollectionCount(2)} images_per_s={i / cpu.Elapsed.TotalSeconds:0.00}");
            }
        }

        return 0;
    default:
        Console.Error.WriteLine($"unknown mode {args[0]}");
        return 2;
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static double P90(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[(int)Math.Round(0.9 * (sorted.Count - 1))];
}

/// <summary>
/// The engine's path for one radiograph, cut into its stages (the same classes StudyAnalyzer and ManifestLandmarkModel
/// use): stage 1 is "inference" (the detector); "refine" is stage 2 of a two-stage model (one crop per vertebra, all
/// crops in one refiner run, points mapped back; 0 for a single-stage model).
/// </summary>
internal sealed class Stages(ModelManifest manifest, IModelRunner runner, DicomCodecRegistry codecs)
{
    public static readonly string[] Names = ["read", "decode", "preprocess", "inference", "refine", "postprocess"];

    private readonly SpineImageReader reader = new(codecs);

    // As StudyAnalyzer reads: frame bytes and values through reused arrays, the values given back after each image.
    private readonly ImageBufferPool buffers = new();
    private readonly ModelPreprocessor preprocessor = new(manifest);
    private readonly DetectorDecoder decoder = new(manifest.OutputDecoding);
    private readonly GenantGrader grader = new(manifest);
    private readonly float[] input = new float[manifest.Preprocessing.GridHeight * manifest.Preprocessing.GridWidth];

    // As ManifestLandmarkModel runs: the detector's outputs and the refiner's crops in arrays kept from run to run.
    private readonly IReadOnlyDictionary<string, Tensor>? detectorOutputs = (runner as IReusableOutputRunner)?.AllocateOutputs("detector", 1);
    private float[] crops = [];

    /// <summary>Milliseconds of each stage for one image.</summary>
    public double[] Run(string path)
    {
        var t = new double[Names.Length];
        var clock = Stopwatch.StartNew();
        var file = DicomFile.Open(path);
        t[0] = Lap(clock);
        var image = reader.Read(file, 0, path, buffers);
        t[1] = Lap(clock);
        var geometry = preprocessor.Prepare(image, input);
        t[2] = Lap(clock);
        var detectorInput = new Tensor(input, [1, 1, preprocessor.GridHeight, preprocessor.GridWidth]);
        var outputs = detectorOutputs ?? runner.Run("detector", detectorInput);
        if (detectorOutputs is not null)
        {
            ((IReusableOutputRunner)runner).RunInto("detector", detectorInput, detectorOutputs);
        }

        t[3] = Lap(clock);
        var found = decoder.Decode(outputs, 0);
        var points = found.Select(d => d.Points.Select(geometry.ToImage).ToList()).ToList();
        t[4] = 0;
        if (manifest.IsTwoStage && points.Count > 0)
        {
            var crop = manifest.Refinement!.Crop;
            int size = crop.SizePx;
            int length = size * size;
            if (crops.Length < points.Count * length)
            {
                crops = new float[points.Count * length];
            }

            var frames = new CropFrame[points.Count];
            for (int v = 0; v < points.Count; v++)
            {
                frames[v] = RefinerCrop.Frame(points[v], crop, geometry.SpacingMm);
                RefinerCrop.Sample(image, geometry.Intensity, frames[v], crop.Normalisation, crops.AsSpan(v * length, length));
            }

            var refined = runner.Run("refiner", new Tensor(crops, [points.Count, 1, size, size]))[manifest.Refinement.PointsOutput];
            int k = refined.Shape[1] / 2;
            for (int v = 0; v < points.Count; v++)
            {
                points[v] = Enumerable.Range(0, k).Select(j => frames[v].ToImage(refined.Data[(v * 2 * k) + (2 * j)], refined.Data[(v * 2 * k) + (2 * j) + 1])).ToList();
            }

            t[4] = Lap(clock);
        }

        var vertebrae = found.Select((d, v) => new VertebraPoints(d.Level, points[v])).ToList();
        MeasurementSpacing? spacing = image.Spacing.HasSpacing ? new MeasurementSpacing(image.Spacing.RowMm, image.Spacing.ColumnMm) : null;
        _ = grader.Grade(vertebrae, spacing);
        buffers.Return(image.Values);
        t[5] = Lap(clock);
        return t;
    }

    private static double Lap(Stopwatch clock)
    {
        double ms = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        return ms;
    }
}
