using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using PlaoImaging.Analysis.Inference;

namespace PlaoImaging.Analysis.OnnxRuntime;

/// <summary>
/// Runs a model's stages with ONNX Runtime: one <see cref="InferenceSession"/> per stage, created and checked once and
/// shared by every caller (runs are thread-safe). <see cref="Create"/> refuses model files that differ from the
/// manifest (missing, other size or sha256, not loadable, other input or output names or shapes) with a
/// <see cref="ModelManifestException"/> naming the manifest field, and an execution provider that cannot run with an
/// <see cref="ExecutionProviderUnavailableException"/>.
/// </summary>
public sealed class OnnxModelRunner : IReusableOutputRunner
{
    /// <summary><c>cpu</c> or <c>cuda</c>: the ONNX Runtime package this assembly was built with (build property <c>PlaoOnnxFlavour</c>).</summary>
#if PLAO_ORT_CUDA
    public const string BuildFlavour = "cuda";
#else
    public const string BuildFlavour = "cpu";
#endif

    private readonly Dictionary<string, OnnxStage> stages;
    private readonly int maxBatchSize;
    private volatile bool disposed;

    private OnnxModelRunner(ModelManifest manifest, Dictionary<string, OnnxStage> stages, string executionProvider, int maxBatchSize)
    {
        Manifest = manifest;
        this.stages = stages;
        ExecutionProvider = executionProvider;
        this.maxBatchSize = maxBatchSize;
    }

    /// <summary>Whether this assembly was built against the CUDA package (<c>-p:PlaoOnnxFlavour=cuda</c>).</summary>
    public static bool IsCudaBuild => BuildFlavour == "cuda";

    public ModelManifest Manifest { get; }

    /// <summary>What really runs: <c>cpu (2 intra-op threads)</c>, <c>cpu (default threads)</c> or <c>cuda:0</c>.</summary>
    public string ExecutionProvider { get; }

    /// <summary>The stages this runner has: <c>detector</c>, and <c>refiner</c> for a two-stage model.</summary>
    public IReadOnlyCollection<string> Stages => stages.Keys;

    /// <summary>
    /// Checks the manifest's stage files (present, size, sha256), loads one session per stage on the provider chosen by
    /// <paramref name="options"/>, checks each session's inputs and outputs against the manifest, and warms up.
    /// </summary>
    /// <exception cref="ModelManifestException">A stage file or the manifest's description of it does not fit; <see cref="ModelManifestException.Field"/> says which entry.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">CUDA was asked for and cannot run here.</exception>
    /// <exception cref="AnalysisException">ONNX Runtime's native library cannot be loaded, or the warm-up run failed.</exception>
    public static OnnxModelRunner Create(ModelManifest manifest, OnnxRunnerOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        options ??= OnnxRunnerOptions.Default;
        options.Validate();
        logger ??= NullLogger.Instance;

        var specs = new List<(string Role, string Field, ModelStageSpec Spec)>
        {
            ("detector", "stages.detector", manifest.Detector ?? throw new ModelManifestException("stages.detector", "is missing")),
        };
        if (manifest.Refiner is { } refiner)
        {
            specs.Add(("refiner", "stages.refiner", refiner));
        }
        else if (string.Equals(manifest.Architecture, ModelManifest.TwoStage, StringComparison.Ordinal))
        {
            throw new ModelManifestException("stages.refiner", "a two-stage model needs a refiner stage");
        }

        var files = new List<string>(specs.Count);
        foreach (var (_, field, spec) in specs)
        {
            SessionContract.CheckSpec(spec, field);
            files.Add(ModelFileCheck.Check(manifest, spec, field));
        }

        string cuda = $"cuda:{options.DeviceId}";
        Dictionary<string, OnnxStage> loaded;
        string provider;
        switch (options.Provider)
        {
            case OnnxExecutionProvider.Cpu:
                (loaded, provider) = (LoadAll(manifest, specs, files, options, useCuda: false, logger), CpuText(options));
                break;

            case OnnxExecutionProvider.Cuda:
                if (!IsCudaBuild)
                {
                    throw new ExecutionProviderUnavailableException(cuda, CpuBuildReason);
                }

                if (options.ProbeCudaDriver && CudaProbe.WhyNot(options.DeviceId) is { } why)
                {
                    throw new ExecutionProviderUnavailableException(cuda, why);
                }

                (loaded, provider) = (LoadAll(manifest, specs, files, options, useCuda: true, logger), cuda);
                break;

            default:
                (loaded, provider) = LoadAuto(manifest, specs, files, options, logger);
                break;
        }

        var runner = new OnnxModelRunner(manifest, loaded, provider, options.MaxBatchSize);
        if (options.WarmUp)
        {
            try
            {
                runner.WarmUpAll(logger);
            }
            catch
            {
                runner.Dispose();
                throw;
            }
        }

        return runner;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The input is handed to ONNX Runtime in place (not copied) and the outputs are written by ONNX Runtime straight into
    /// fresh arrays that the caller then owns. Batches larger than <see cref="OnnxRunnerOptions.MaxBatchSize"/> run in slices.
    /// </remarks>
    /// <exception cref="ArgumentException">Unknown stage, or an input shape other than [batch, the manifest's item shape].</exception>
    /// <exception cref="AnalysisException">ONNX Runtime failed during the run.</exception>
    public IReadOnlyDictionary<string, Tensor> Run(string stage, Tensor input, CancellationToken cancellationToken = default)
    {
        var s = StageOf(stage);
        int batch = s.BatchOf(input);
        var outputs = s.AllocateOutputs(batch);
        s.Run(input, batch, outputs, maxBatchSize, Manifest.ToString(), cancellationToken);
        return outputs;
    }

    /// <summary>
    /// Like <see cref="Run"/>, into output tensors the caller allocated (for example once, with <see cref="AllocateOutputs"/>,
    /// and reused for every batch of that size): nothing is allocated per run but ONNX Runtime's own scratch memory.
    /// </summary>
    public void RunInto(string stage, Tensor input, IReadOnlyDictionary<string, Tensor> outputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var s = StageOf(stage);
        int batch = s.BatchOf(input);
        s.Run(input, batch, outputs, maxBatchSize, Manifest.ToString(), cancellationToken);
    }

    /// <summary>Output tensors for a batch of <paramref name="batch"/> items of <paramref name="stage"/>, shaped as the manifest says.</summary>
    public IReadOnlyDictionary<string, Tensor> AllocateOutputs(string stage, int batch) => StageOf(stage).AllocateOutputs(batch);

    /// <summary>Releases the sessions; call it after the last run has returned.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var s in stages.Values)
        {
            s.Dispose();
        }
    }

    private const string CpuBuildReason =
        "this is the CPU build of PlaoImaging.Analysis.OnnxRuntime (package Microsoft.ML.OnnxRuntime); " +
        "build with -p:PlaoOnnxFlavour=cuda for the CUDA provider";

    private static string CpuText(OnnxRunnerOptions options) =>
        options.IntraOpThreads > 0 ? $"cpu ({options.IntraOpThreads} intra-op threads)" : "cpu (default threads)";

    private static (Dictionary<string, OnnxStage>, string) LoadAuto(
        ModelManifest manifest, List<(string Role, string Field, ModelStageSpec Spec)> specs, List<string> files, OnnxRunnerOptions options, ILogger logger)
    {
        string? why = !IsCudaBuild ? "this is the CPU build (PlaoOnnxFlavour=cpu)" : options.ProbeCudaDriver ? CudaProbe.WhyNot(options.DeviceId) : null;
        if (why is null)
        {
            try
            {
                var onCuda = LoadAll(manifest, specs, files, options, useCuda: true, logger);
                OnnxRuntimeLog.AutoChoseCuda(logger, options.DeviceId);
                return (onCuda, $"cuda:{options.DeviceId}");
            }
            catch (ExecutionProviderUnavailableException e)
            {
                OnnxRuntimeLog.AutoCudaFailed(logger, options.DeviceId, e.Reason);
            }
        }
        else
        {
            OnnxRuntimeLog.AutoChoseCpu(logger, why);
        }

        return (LoadAll(manifest, specs, files, options, useCuda: false, logger), CpuText(options));
    }

    private static Dictionary<string, OnnxStage> LoadAll(
        ModelManifest manifest, List<(string Role, string Field, ModelStageSpec Spec)> specs, List<string> files, OnnxRunnerOptions options, bool useCuda, ILogger logger)
    {
        var loaded = new Dictionary<string, OnnxStage>(StringComparer.Ordinal);
        try
        {
            for (int i = 0; i < specs.Count; i++)
            {
                var (role, field, spec) = specs[i];
                var clock = Stopwatch.StartNew();
                var session = OpenSession(files[i], field, options, useCuda);
                try
                {
                    SessionContract.CheckSession(session, spec, field);
                }
                catch
                {
                    session.Dispose();
                    throw;
                }

                loaded.Add(role, new OnnxStage(role, spec, session));
                OnnxRuntimeLog.StageLoaded(logger, manifest.ToString(), role, files[i], useCuda ? $"cuda:{options.DeviceId}" : CpuText(options), clock.ElapsedMilliseconds);
            }

            return loaded;
        }
        catch
        {
            foreach (var s in loaded.Values)
            {
                s.Dispose();
            }

            throw;
        }
    }

    private static InferenceSession OpenSession(string path, string field, OnnxRunnerOptions options, bool useCuda)
    {
        string provider = useCuda ? $"cuda:{options.DeviceId}" : "cpu";
        SessionOptions sessionOptions;
        try
        {
            sessionOptions = NewSessionOptions(options);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            throw new AnalysisException($"ONNX Runtime's native library (libonnxruntime) could not be loaded: {e.Message}", e);
        }

        using (sessionOptions)
        {
            if (useCuda)
            {
                try
                {
                    sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId);
                }
                catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
                {
                    // ONNX Runtime names a missing CUDA library (libcublasLt, libcudnn...) only on stderr.
                    throw new ExecutionProviderUnavailableException(
                        provider,
                        $"ONNX Runtime's CUDA provider could not be loaded ({e.Message.Trim()}); the library it lacks is named on stderr",
                        e);
                }
            }

            try
            {
                return new InferenceSession(path, sessionOptions);
            }
            catch (OnnxRuntimeException e)
            {
                if (useCuda && CanLoadOnCpu(path, options))
                {
                    throw new ExecutionProviderUnavailableException(provider, $"the model loads on CPU but not on CUDA: {e.Message.Trim()}", e);
                }

                throw new ModelManifestException(field + ".file", $"ONNX Runtime cannot load {path} (a corrupt or unsupported ONNX file): {e.Message.Trim()}", e);
            }
        }
    }

    private static bool CanLoadOnCpu(string path, OnnxRunnerOptions options)
    {
        try
        {
            using var sessionOptions = NewSessionOptions(options);
            using var session = new InferenceSession(path, sessionOptions);
            return true;
        }
        catch (OnnxRuntimeException)
        {
            return false;
        }
    }

    private static SessionOptions NewSessionOptions(OnnxRunnerOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.GraphOptimization switch
            {
                OnnxGraphOptimization.Disabled => GraphOptimizationLevel.ORT_DISABLE_ALL,
                OnnxGraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                OnnxGraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
            // Inter-op threads only matter in parallel mode; one thread or the default keeps runs sequential.
            ExecutionMode = options.InterOpThreads > 1 ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
        };
        return sessionOptions;
    }

    private void WarmUpAll(ILogger logger)
    {
        foreach (var (role, stage) in stages)
        {
            var clock = Stopwatch.StartNew();
            var spec = role == "detector" ? Manifest.Detector : Manifest.Refiner!;
            var (item, _) = SessionContract.ItemOf(spec.Inputs[0]);
            var shape = new int[item.Length + 1];
            shape[0] = 1;
            item.CopyTo(shape, 1);
            var input = Tensor.Allocate(shape);
            stage.Run(input, 1, stage.AllocateOutputs(1), maxBatchSize, Manifest.ToString(), CancellationToken.None);
            OnnxRuntimeLog.WarmedUp(logger, Manifest.ToString(), role, clock.ElapsedMilliseconds);
        }
    }

    private OnnxStage StageOf(string stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ObjectDisposedException.ThrowIf(disposed, this);
        return stages.TryGetValue(stage, out var s)
            ? s
            : throw new ArgumentException($"model {Manifest}: no stage '{stage}' (it has {string.Join(", ", stages.Keys)})", nameof(stage));
    }
}
