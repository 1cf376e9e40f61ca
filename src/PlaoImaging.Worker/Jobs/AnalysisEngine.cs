using Microsoft.Extensions.Options;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Codecs.Native;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Operations;

namespace PlaoImaging.Worker.Jobs;

/// <summary>
/// The model and the study analyser, one engine per process: the model is loaded at start (a model that cannot load
/// stops the start, naming the setting) and shared by every analysis job. Readiness reports it. An instance without the
/// analysis role reads the manifest only (the dashboard and the review grade with its thresholds) and loads no runtime.
/// <para>
/// <see cref="ReloadAsync"/> loads the model again from the same manifest path beside the current one and switches to
/// it only when everything passed (manifest read, each file's sha256 equal to the manifest's, sessions created and
/// checked, warm-up run). Anything else is refused with the reason, counted, and the current model keeps serving: a
/// corrupt or half-copied model never replaces a working one. Analyses take the model with <see cref="Acquire"/> and
/// keep it, whatever reloads happen, until they have recorded it.
/// </para>
/// </summary>
public sealed partial class AnalysisEngine : IDisposable
{
    /// <summary>The manifest used when <c>Analysis:Model</c> is empty.</summary>
    public const string DefaultModel = ModelManifestLocator.DefaultManifest;

    private readonly AnalysisSettings settings;
    private readonly bool analysisRole;
    private readonly WorkerMetrics metrics;
    private readonly TimeProvider time;
    private readonly ILogger<AnalysisEngine> logger;
    private readonly SemaphoreSlim reloading = new(1, 1);
    private LoadedModel current;
    private ModelReloadStatus? lastReload;

    public AnalysisEngine(IOptions<AnalysisSettings> settings, ActiveRoles roles, WorkerMetrics metrics, TimeProvider time, ILogger<AnalysisEngine> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(roles);
        this.settings = settings.Value;
        this.metrics = metrics;
        this.time = time;
        this.logger = logger;
        analysisRole = roles.Has(WorkerRoles.Analysis);
        var s = settings.Value;
        ManifestPath = string.IsNullOrWhiteSpace(s.Model)
            ? FindDefaultModel() ?? throw new WorkerConfigurationException("Analysis:Model", $"is empty and the default model {DefaultModel} is neither beside the worker nor in a models/ folder above {Environment.CurrentDirectory}")
            : Path.GetFullPath(s.Model);
        Codecs = DicomCodecRegistry.CreateDefault().AddNativeCodecs();
        try
        {
            current = LoadedModel.Load(ManifestPath, s, analysisRole, Codecs, logger);
        }
        catch (Exception e) when (e is AnalysisException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new WorkerConfigurationException("Analysis:Model", $"'{ManifestPath}' cannot be loaded: {e.Message}", e);
        }

        LoadedAt = time.GetUtcNow();
        LogModel(current, roles.ToString());
    }

    /// <summary>The model serving now (analyses take it with <see cref="Acquire"/>, which keeps it loaded while they run).</summary>
    public LoadedModel Current => Volatile.Read(ref current);

    public ModelManifest Manifest => Current.Manifest;

    public ModelIdentity Identity => Current.Identity;

    /// <summary>The manifest path the worker was configured with; a reload reads it again.</summary>
    public string ManifestPath { get; }

    /// <summary>Where the model runs; on an instance without the analysis role, a note that it does not.</summary>
    public string ExecutionProvider => Current.ExecutionProvider;

    /// <summary>Whether the runtime is loaded here (the analysis role).</summary>
    public bool CanAnalyze => Current.CanAnalyze;

    /// <summary>When the current model was loaded.</summary>
    public DateTimeOffset LoadedAt { get; private set; }

    /// <summary>The outcome of the last reload; null when none was tried since the start.</summary>
    public ModelReloadStatus? LastReload => Volatile.Read(ref lastReload);

    public DicomCodecRegistry Codecs { get; }

    /// <summary>
    /// The current model, held until the lease is disposed: an analysis takes one lease for its whole run and records
    /// the lease's identity, so a reload in between changes neither the sessions it runs on nor what it records.
    /// </summary>
    public ModelLease Acquire()
    {
        while (true)
        {
            var model = Current;
            if (model.TryAddReference())
            {
                return new ModelLease(model);
            }

            // Replaced and disposed between the read and the reference: the next read gets its successor.
        }
    }

    /// <summary>Analyses one study with the current model; throws only for cancellation (the engine records every other failure in the result).</summary>
    /// <exception cref="InvalidOperationException">This instance has no analysis role.</exception>
    public StudyResult Analyze(StudyInput study, CancellationToken cancellationToken)
    {
        using var lease = Acquire();
        return lease.Analyze(study, cancellationToken);
    }

    /// <summary>
    /// Loads the model from <see cref="ManifestPath"/> again, beside the current one, and switches to it when the load
    /// passed; one reload at a time. A refusal is logged as an error naming the file and the reason, counted in
    /// <c>plao_model_reload_failures_total</c> and kept in <see cref="LastReload"/>; the current model keeps serving.
    /// </summary>
    /// <param name="trigger">Why (<c>the model files changed</c>, <c>asked by admin</c>), for the log.</param>
    /// <param name="cancellationToken">Cancels the wait for another reload; a load that started finishes.</param>
    public async Task<ModelReloadStatus> ReloadAsync(string trigger, CancellationToken cancellationToken)
    {
        await reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = ModelFilesStamp.Of(ManifestPath);
            LoadedModel fresh;
            try
            {
                // ONNX Runtime's session creation and the warm-up take seconds of CPU: not on the caller's thread.
                fresh = await Task.Run(() => LoadedModel.Load(ManifestPath, settings, analysisRole, Codecs, logger), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Whatever failed, the new model is refused and the current one serves on: a reload never stops the worker.
                return Refused(trigger, e.Message, e);
            }

            if (ModelFilesStamp.Of(ManifestPath, before) != before || fresh.Files != before)
            {
                // Written while it was read: what was checked may not be what was loaded. The files' next quiet moment
                // brings another reload; not counted as a refusal of the model.
                fresh.Release();
                var deferred = new ModelReloadStatus(time.GetUtcNow(), false, Current.Identity, "the model files changed while they were loaded; loaded again when they are quiet");
                Volatile.Write(ref lastReload, deferred);
                LogReloadDeferred(logger, ManifestPath);
                return deferred;
            }

            var old = Interlocked.Exchange(ref current, fresh);
            LoadedAt = time.GetUtcNow();
            old.Release();
            metrics.ModelReloads.Inc();
            var status = new ModelReloadStatus(LoadedAt, true, fresh.Identity, null);
            Volatile.Write(ref lastReload, status);
            LogReloaded(logger, fresh.Identity.Id, fresh.Identity.Version, fresh.Identity.Sha256, fresh.ExecutionProvider, old.Identity.Id, old.Identity.Version, trigger);
            return status;
        }
        finally
        {
            reloading.Release();
        }
    }

    public void Dispose()
    {
        Current.Release();
        reloading.Dispose();
    }

    private ModelReloadStatus Refused(string trigger, string reason, Exception e)
    {
        metrics.ModelReloadFailures.Inc();
        var status = new ModelReloadStatus(time.GetUtcNow(), false, Current.Identity, reason);
        Volatile.Write(ref lastReload, status);
        LogReloadRefused(logger, e, ManifestPath, trigger, reason, Current.Identity.Id, Current.Identity.Version);
        return status;
    }

    private void LogModel(LoadedModel model, string roles)
    {
        if (model.CanAnalyze)
        {
            LogLoaded(logger, model.Identity.Id, model.Identity.Version, model.Identity.Sha256, model.ExecutionProvider);
        }
        else
        {
            LogManifestOnly(logger, model.Identity.Id, model.Identity.Version, roles);
        }
    }

    private static string? FindDefaultModel() => ModelManifestLocator.Find(DefaultModel, AppContext.BaseDirectory, Environment.CurrentDirectory);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Information, Message = "Model {ModelId} {ModelVersion}: manifest read, runtime not loaded (roles {Roles})")]
    private static partial void LogManifestOnly(ILogger logger, string modelId, string modelVersion, string roles);

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Model {ModelId} {ModelVersion} (sha256 {Sha256}) loaded on {Provider}")]
    private static partial void LogLoaded(ILogger logger, string modelId, string modelVersion, string sha256, string provider);

    [LoggerMessage(EventId = 1310, Level = LogLevel.Warning, Message = "Model {ModelId} {ModelVersion} (sha256 {Sha256}) loaded on {Provider} and now serving, replacing {OldId} {OldVersion} ({Trigger})")]
    private static partial void LogReloaded(ILogger logger, string modelId, string modelVersion, string sha256, string provider, string oldId, string oldVersion, string trigger);

    [LoggerMessage(EventId = 1311, Level = LogLevel.Error, Message = "Model reload from {ManifestPath} refused ({Trigger}): {Reason}. Still serving {ModelId} {ModelVersion}")]
    private static partial void LogReloadRefused(ILogger logger, Exception exception, string manifestPath, string trigger, string reason, string modelId, string modelVersion);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Warning, Message = "Model files under {ManifestPath} changed while they were loaded; the current model serves on and they are loaded again when quiet")]
    private static partial void LogReloadDeferred(ILogger logger, string manifestPath);
}

/// <summary>The outcome of one model reload.</summary>
/// <param name="At">When it ended.</param>
/// <param name="Loaded">Whether the new model serves now.</param>
/// <param name="Serving">The model serving after it.</param>
/// <param name="Error">Why the new model was refused (null when loaded).</param>
public sealed record ModelReloadStatus(DateTimeOffset At, bool Loaded, ModelIdentity Serving, string? Error);
