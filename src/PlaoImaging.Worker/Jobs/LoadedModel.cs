using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.OnnxRuntime;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Worker.Configuration;

namespace PlaoImaging.Worker.Jobs;

/// <summary>
/// One model as loaded: its manifest, its identity and, with the analysis role, its ONNX sessions and analyser, all
/// read from the same files at the same time. The engine holds one reference while the model is current; each analysis
/// holds another through a <see cref="ModelLease"/>. A reload that replaces the model drops the engine's reference, and
/// the sessions are disposed when the last analysis still running on them returns its lease: analyses in flight finish
/// on the model they started with, and record that model.
/// </summary>
public sealed class LoadedModel
{
    private readonly OnnxModelRunner? runner;
    private readonly StudyAnalyzer? analyzer;
    private int references = 1;

    private LoadedModel(string manifestPath, ModelManifest manifest, OnnxModelRunner? runner, StudyAnalyzer? analyzer, string executionProvider, ModelFilesStamp files)
    {
        ManifestPath = manifestPath;
        Manifest = manifest;
        Identity = ModelIdentity.Of(manifest);
        this.runner = runner;
        this.analyzer = analyzer;
        ExecutionProvider = executionProvider;
        Files = files;
    }

    public string ManifestPath { get; }

    public ModelManifest Manifest { get; }

    public ModelIdentity Identity { get; }

    /// <summary>Where the model runs; on an instance without the analysis role, a note that it does not.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Whether the runtime is loaded (the analysis role).</summary>
    public bool CanAnalyze => analyzer is not null;

    /// <summary>Size and modification time of the manifest and its stage files when they were read for this model.</summary>
    public ModelFilesStamp Files { get; }

    /// <summary>Whether the sessions were disposed (the model was replaced and its last analysis finished).</summary>
    public bool IsDisposed => Volatile.Read(ref references) == 0;

    /// <summary>
    /// Reads the manifest at <paramref name="manifestPath"/> and, with <paramref name="analysisRole"/>, checks each stage
    /// file against it (size, sha256), creates the ONNX sessions on the configured provider, checks their inputs and
    /// outputs and runs the warm-up (all in <see cref="OnnxModelRunner.Create"/>). Nothing is shared with a model
    /// loaded before, so a failure here leaves the current model untouched.
    /// </summary>
    /// <exception cref="WorkerConfigurationException">Analysis:Provider names no provider.</exception>
    /// <exception cref="AnalysisException">The manifest, a stage file or the runtime refused (the message names the field or file).</exception>
    /// <exception cref="IOException">A file could not be read.</exception>
    public static LoadedModel Load(string manifestPath, AnalysisSettings settings, bool analysisRole, DicomCodecRegistry codecs, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(codecs);
        var stamp = ModelFilesStamp.Of(manifestPath);
        var manifest = ModelManifestReader.Read(manifestPath);
        if (!analysisRole)
        {
            return new LoadedModel(manifestPath, manifest, null, null, "none (no analysis role here)", stamp);
        }

        var runner = OnnxModelRunner.Create(manifest, new OnnxRunnerOptions
        {
            Provider = settings.Provider.ToLowerInvariant() switch
            {
                "cpu" => OnnxExecutionProvider.Cpu,
                "cuda" => OnnxExecutionProvider.Cuda,
                "auto" => OnnxExecutionProvider.Auto,
                _ => throw new WorkerConfigurationException("Analysis:Provider", $"is '{settings.Provider}'; use cpu, cuda or auto"),
            },
            DeviceId = settings.DeviceId,
            IntraOpThreads = settings.Threads,
        }, logger);
        try
        {
            var analyzer = new StudyAnalyzer(new ManifestLandmarkModel(runner), manifest, codecs, new StudyAnalyzerOptions { ExecutionProvider = runner.ExecutionProvider });
            return new LoadedModel(manifestPath, manifest, runner, analyzer, runner.ExecutionProvider, stamp);
        }
        catch
        {
            runner.Dispose();
            throw;
        }
    }

    /// <summary>Analyses one study with this model; throws only for cancellation (the engine records every other failure in the result).</summary>
    /// <exception cref="InvalidOperationException">This instance has no analysis role.</exception>
    public StudyResult Analyze(StudyInput study, CancellationToken cancellationToken) =>
        (analyzer ?? throw new InvalidOperationException($"this worker instance has no analysis role ({WorkerRoleNames.Key}); the model is not loaded here"))
            .Analyze(study, cancellationToken);

    /// <summary>Adds a reference unless the model is already disposed (then the caller takes the engine's current model again).</summary>
    internal bool TryAddReference()
    {
        while (true)
        {
            int n = Volatile.Read(ref references);
            if (n == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref references, n + 1, n) == n)
            {
                return true;
            }
        }
    }

    /// <summary>Drops a reference; the last one disposes the sessions.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref references) == 0)
        {
            runner?.Dispose();
        }
    }
}

/// <summary>
/// An analysis's hold on one <see cref="LoadedModel"/>: the model stays loaded until the lease is disposed, however
/// many reloads happen meanwhile. Everything an analysis records about its model comes from <see cref="Model"/>.
/// </summary>
public sealed class ModelLease : IDisposable
{
    private LoadedModel? model;

    internal ModelLease(LoadedModel model) => this.model = model;

    public LoadedModel Model => model ?? throw new ObjectDisposedException(nameof(ModelLease));

    public ModelIdentity Identity => Model.Identity;

    /// <inheritdoc cref="LoadedModel.Analyze"/>
    public StudyResult Analyze(StudyInput study, CancellationToken cancellationToken) => Model.Analyze(study, cancellationToken);

    public void Dispose() => Interlocked.Exchange(ref model, null)?.Release();
}
