using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.OnnxRuntime;

// bench/run.sh infer, the ONNX Runtime side (torch_infer.py is the PyTorch side):
//   check MANIFEST DIR                          writes DIR/input.f32, DIR/shape.txt and ONNX Runtime's DIR/<output>.f32
//   time MANIFEST BATCH RUNS WARMUP THREADS     one line: every timed run's wall and process CPU milliseconds
// Both go through OnnxModelRunner.Run, as the engine does: CPU provider, THREADS intra-op threads, one inter-op thread.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length >= 3 && args[0] == "check")
{
    return Check(args[1], args[2]);
}

if (args.Length >= 6 && args[0] == "time")
{
    return Time(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture),
        int.Parse(args[4], CultureInfo.InvariantCulture), int.Parse(args[5], CultureInfo.InvariantCulture));
}

Console.Error.WriteLine("usage: check MANIFEST DIR | time MANIFEST BATCH RUNS WARMUP THREADS");
return 2;

static OnnxModelRunner Open(string manifestPath, int threads) =>
    OnnxModelRunner.Create(
        ModelManifestReader.Read(manifestPath),
        new OnnxRunnerOptions { Provider = OnnxExecutionProvider.Cpu, IntraOpThreads = threads, InterOpThreads = 1, WarmUp = false, MaxBatchSize = 0 });

static Tensor RandomInput(ModelManifest manifest, int batch, int seed)
{
    var shape = manifest.Detector.Inputs[0].Shape.Select(d => d ?? batch).ToArray();
    var input = Tensor.Allocate(shape);
    var random = new Random(seed);
    for (int i = 0; i < input.Length; i++)
    {
        input.Data[i] = (float)((random.NextDouble() * 4) - 2);
    }

    return input;
}

static int Check(string manifestPath, string dir)
{
    using var runner = Open(manifestPath, 2);
    var input = RandomInput(runner.Manifest, 2, 7);
    Directory.CreateDirectory(dir);
    Write(Path.Combine(dir, "input.f32"), input.Span);
    File.WriteAllText(Path.Combine(dir, "shape.txt"), string.Join(',', input.Shape));
    foreach (var (name, tensor) in runner.Run("detector", input))
    {
        Write(Path.Combine(dir, name + ".f32"), tensor.Span);
    }

    Console.WriteLine($"onnxruntime outputs of a [{string.Join(", ", input.Shape)}] input written to {dir} ({runner.ExecutionProvider})");
    return 0;
}

static int Time(string manifestPath, int batch, int runs, int warmup, int threads)
{
    using var runner = Open(manifestPath, threads);
    var input = RandomInput(runner.Manifest, batch, batch);
    var process = Process.GetCurrentProcess();
    var wall = new List<double>(runs);
    var cpu = new List<double>(runs);
    for (int i = 0; i < warmup + runs; i++)
    {
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        long t0 = Stopwatch.GetTimestamp();
        runner.Run("detector", input);
        var elapsed = Stopwatch.GetElapsedTime(t0);
        process.Refresh();
        if (i >= warmup)
        {
            wall.Add(elapsed.TotalMilliseconds);
            cpu.Add((process.TotalProcessorTime - cpu0).TotalMilliseconds);
        }
    }

    string version = Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString();
    Console.WriteLine(
        $"tool=ort batch={batch} threads={threads} version=onnxruntime-{version}/{runner.ExecutionProvider.Replace(' ', '_')} " +
        $"wall_ms={string.Join(',', wall.Select(v => v.ToString("F3")))} cpu_ms={string.Join(',', cpu.Select(v => v.ToString("F3")))}");
    return 0;
}

static void Write(string path, ReadOnlySpan<float> values)
{
    var bytes = new byte[values.Length * sizeof(float)];
    for (int i = 0; i < values.Length; i++)
    {
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
    }

    File.WriteAllBytes(path, bytes);
}
