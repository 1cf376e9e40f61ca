using Microsoft.Extensions.Options;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.OnnxRuntime;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Codecs.Native;
using PlaoImaging.Worker.Configuration;

namespace PlaoImaging.Worker.Jobs;

/// <summary>
/// The loaded model and the study analyser, one per process: loaded at start (a model that cannot load stops the
/// start, naming the setting), shared by every analysis job. Readiness reports it. An instance without the analysis
/// role reads the manifest only (the dashboard and the review grade with its thresholds) and loads no runtime.
/// </summary>
public sealed partial class AnalysisEngine : IDisposable
{
    /// <summary>The manifest used when <c>Analysis:Model</c> is empty.</summary>
    public const string DefaultModel = ModelManifestLocator.DefaultManifest;

    private readonly OnnxModelRunner? runner;
    private readonly StudyAnalyzer? analyzer;

    public AnalysisEngine(IOptions<AnalysisSettings> settings, ActiveRoles roles, ILogger<AnalysisEngine> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(roles);
        var s = settings.Value;
        string manifestPath = string.IsNullOrWhiteSpace(s.Model)
            ? FindDefaultModel() ?? throw new WorkerConfigurationException("Analysis:Model", $"is empty and the default model {DefaultModel} is neither beside the worker nor in a models/ folder above {Environment.CurrentDirectory}")
            : Path.GetFullPath(s.Model);
        try
        {
            Manifest = ModelManifestReader.Read(manifestPath);
            Identity = ModelIdentity.Of(Manifest);
            Codecs = DicomCodecRegistry.CreateDefault().AddNativeCodecs();
            ManifestPath = manifestPath;
            if (!roles.Has(WorkerRoles.Analysis))
            {
                ExecutionProvider = "none (no analysis role here)";
                LogManifestOnly(logger, Identity.Id, Identity.Version, roles.ToString());
                return;
            }

            runner = OnnxModelRunner.Create(Manifest, new OnnxRunnerOptions
            {
                Provider = s.Provider.ToLowerInvariant() switch
                {
                    "cpu" => OnnxExecutionProvider.Cpu,
                    "cuda" => OnnxExecutionProvider.Cuda,
                    "auto" => OnnxExecutionProvider.Auto,
                    _ => throw new WorkerConfigurationException("Analysis:Provider", $"is '{s.Provider}'; use cpu, cuda or auto"),
                },
                DeviceId = s.DeviceId,
                IntraOpThreads = s.Threads,
            }, logger);
        }
        catch (Exception e) when (e is AnalysisException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new WorkerConfigurationException("Analysis:Model", $"'{manifestPath}' cannot be loaded: {e.Message}", e);
        }

        var landmarks = new ManifestLandmarkModel(runner);
        analyzer = new StudyAnalyzer(landmarks, Manifest, Codecs, new StudyAnalyzerOptions { ExecutionProvider = runner.ExecutionProvider });
        ExecutionProvider = runner.ExecutionProvider;
        LogLoaded(logger, Identity.Id, Identity.Version, Identity.Sha256, runner.ExecutionProvider);
    }

    public ModelManifest Manifest { get; }

    public ModelIdentity Identity { get; }

    public string ManifestPath { get; }

    /// <summary>Where the model runs; on an instance without the analysis role, a note that it does not.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Whether the runtime is loaded here (the analysis role).</summary>
    public bool CanAnalyze => analyzer is not null;

    public DicomCodecRegistry Codecs { get; }

    /// <summary>Analyses one study; throws only for cancellation (the engine records every other failure in the result).</summary>
    /// <exception cref="InvalidOperationException">This instance has no analysis role.</exception>
    public StudyResult Analyze(StudyInput study, CancellationToken cancellationToken) =>
        (analyzer ?? throw new InvalidOperationException($"this worker instance has no analysis role ({WorkerRoleNames.Key}); the model is not loaded here"))
            .Analyze(study, cancellationToken);

    public void Dispose() => runner?.Dispose();

    private static string? FindDefaultModel() => ModelManifestLocator.Find(DefaultModel, AppContext.BaseDirectory, Environment.CurrentDirectory);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Information, Message = "Model {ModelId} {ModelVersion}: manifest read, runtime not loaded (roles {Roles})")]
    private static partial void LogManifestOnly(ILogger logger, string modelId, string modelVersion, string roles);

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Model {ModelId} {ModelVersion} (sha256 {Sha256}) loaded on {Provider}")]
    private static partial void LogLoaded(ILogger logger, string modelId, string modelVersion, string sha256, string provider);
}
