using Prometheus;

namespace PlaoImaging.Worker.Operations;

/// <summary>
/// The worker's Prometheus metrics, in a registry of its own (never the library's static default), served at
/// <c>/metrics</c>. Labels carry no patient or study identifiers.
/// </summary>
public sealed class WorkerMetrics
{
    public WorkerMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        InstancesReceived = factory.CreateCounter("plao_instances_received_total", "Instances indexed after a C-STORE or an import, by outcome.", "outcome");
        StudiesAnalysed = factory.CreateCounter("plao_studies_analysed_total", "Analyses finished, by status (graded, no-measurable-series, failed) and trigger (realtime, batch).", "status", "trigger");
        JobDuration = factory.CreateHistogram("plao_job_duration_seconds", "Job durations, by job.", new HistogramConfiguration
        {
            LabelNames = ["job"],
            Buckets = Histogram.ExponentialBuckets(0.01, 2, 16),
        });
        InferenceDuration = factory.CreateHistogram("plao_analysis_duration_seconds", "Engine time per study (selection, decoding, model, grading).", new HistogramConfiguration
        {
            Buckets = Histogram.ExponentialBuckets(0.01, 2, 14),
        });
        EngineCpu = factory.CreateCounter("plao_analysis_engine_cpu_seconds_total",
            "CPU time of the engine calls on the thread that made them: all of the call's CPU when the engine runs one thread per analysis (the CPU provider on few cores); the runtime's own threads are not counted.");
        ExportFailures = factory.CreateCounter("plao_export_failures_total", "Failed export attempts, by destination.", "destination");
        ExportsSent = factory.CreateCounter("plao_exports_sent_total", "Exports delivered, by destination.", "destination");
        QueueLength = factory.CreateGauge("plao_queue_length", "Jobs waiting on each Hangfire queue.", "queue");
        StudiesPending = factory.CreateGauge("plao_studies_pending", "Studies receiving, queued or being analysed.");
        ModelReloads = factory.CreateCounter("plao_model_reloads_total", "Models loaded again while running (files replaced, or an admin's reload) and now serving.");
        ModelReloadFailures = factory.CreateCounter("plao_model_reload_failures_total", "Model reloads refused (manifest, sha256, session or warm-up failed); the previous model kept serving.");
    }

    public CollectorRegistry Registry { get; }

    public Counter InstancesReceived { get; }

    public Counter StudiesAnalysed { get; }

    public Histogram JobDuration { get; }

    public Histogram InferenceDuration { get; }

    /// <summary>The engine calls' CPU time on their calling threads (see <see cref="ThreadCpuTime"/>).</summary>
    public Counter EngineCpu { get; }

    public Counter ExportFailures { get; }

    public Counter ExportsSent { get; }

    public Gauge QueueLength { get; }

    public Gauge StudiesPending { get; }

    public Counter ModelReloads { get; }

    public Counter ModelReloadFailures { get; }
}
