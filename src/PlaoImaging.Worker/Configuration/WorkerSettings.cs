namespace PlaoImaging.Worker.Configuration;

/// <summary>Where the worker keeps its files (section <c>Worker</c>); relative paths are under the content root.</summary>
public sealed class WorkerSettings
{
    public const string Section = "Worker";

    /// <summary>The data folder: the SQLite databases, the produced objects, the generated admin password. Stored images go to <c>Dicom:Scp:StorageRoot</c>.</summary>
    public string DataFolder { get; set; } = "data";

    /// <summary>
    /// Where produced objects (SR, GSPS, SC) are kept until and after export; empty: <c>outbox</c> in the data folder.
    /// Workers that share one PostgreSQL database must share it too (like <c>Dicom:Scp:StorageRoot</c>): any of them may
    /// run the export of an analysis another one made.
    /// </summary>
    public string? OutboxFolder { get; set; }

    /// <summary>
    /// What this instance runs: <c>all</c> (the default), or any of <c>ingest</c>, <c>analysis</c>, <c>export</c>,
    /// <c>web</c>, comma-separated (see <see cref="WorkerRoles"/>).
    /// </summary>
    public string Roles { get; set; } = "all";

    /// <summary>
    /// Free space (MiB) the storage root and the outbox must keep: below it the instance is not ready and its SCP turns
    /// new associations away (temporary congestion) until space returns. 0: only a failed write says the disk is full.
    /// </summary>
    public int MinimumFreeSpaceMiB { get; set; } = 256;
}

/// <summary>The databases (section <c>Storage</c>): SQLite files under the data folder, or one PostgreSQL database for results and Hangfire.</summary>
public sealed class StorageSettings
{
    public const string Section = "Storage";

    /// <summary><c>Sqlite</c> (default: <c>results.db</c> and <c>hangfire.db</c> in the data folder) or <c>PostgreSql</c>.</summary>
    public string Provider { get; set; } = "Sqlite";

    /// <summary>The PostgreSQL connection string (Npgsql form); required with <c>PostgreSql</c>, ignored with SQLite.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The PostgreSQL schema Hangfire keeps its tables in.</summary>
    public string HangfireSchema { get; set; } = "hangfire";

    public bool IsPostgreSql => string.Equals(Provider, "PostgreSql", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Study assembly (section <c>Assembly</c>).</summary>
public sealed class AssemblySettings
{
    public const string Section = "Assembly";

    /// <summary>How long a study must receive nothing before it is analysed; every new instance restarts it.</summary>
    public TimeSpan QuietPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the assembler looks for studies whose quiet period has ended (it is also woken by each instance).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A study received from a DICOM peer and queued for this long without being claimed by an analysis gets one more
    /// routed job (its first was lost: deleted, failed after its retries, or held by a node that died and never handed
    /// back); then again after the same time. The jobs claim the study, so a second job of a study that was only
    /// waiting in a long queue ends at once. Not while a reprocessing request is queued or running: a folder import
    /// leaves its studies queued for it.
    /// </summary>
    public TimeSpan LostJobAfter { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>The analysis engine (section <c>Analysis</c>).</summary>
public sealed class AnalysisSettings
{
    public const string Section = "Analysis";

    /// <summary>The model manifest; empty: the default model shipped beside the worker (or in a <c>models/</c> folder above the content root).</summary>
    public string? Model { get; set; }

    /// <summary><c>auto</c> (CUDA when the GPU build and a GPU are present), <c>cpu</c> or <c>cuda</c>.</summary>
    public string Provider { get; set; } = "auto";

    public int DeviceId { get; set; }

    /// <summary>
    /// ONNX Runtime's intra-op threads for one analysis on CPU; 0: the cores divided among the analyses that run at
    /// once (<see cref="JobsSettings.RealtimeWorkers"/>), at least one (<see cref="ThreadsPerAnalysis"/>).
    /// </summary>
    public int Threads { get; set; }

    /// <summary>
    /// The threads one analysis gets: <see cref="Threads"/> when set, else <paramref name="cores"/> ÷
    /// <paramref name="analysesAtOnce"/>, at least one. ONNX Runtime's own default (a thread per core for every session)
    /// made two analyses at once on 2 cores fight over them, each pool thread spinning while the other ran: a burst of
    /// 500 studies took 85 s that way and 71 s with one thread each; and one analysis alone gained nothing from the
    /// second thread (bench/README.md).
    /// </summary>
    public int ThreadsPerAnalysis(int cores, int analysesAtOnce) =>
        Threads > 0 ? Threads : Math.Max(1, cores / Math.Max(1, analysesAtOnce));

    /// <summary>Also produce one Grayscale Softcopy Presentation State per analysed image.</summary>
    public bool PresentationStates { get; set; } = true;

    /// <summary>Also produce one Secondary Capture per analysed image (the overlay burned in).</summary>
    public bool SecondaryCaptures { get; set; }

    /// <summary>
    /// How often the model's manifest and stage files are checked for a change (size, last write time), besides the
    /// file-system notifications, which a network share or a container mount may not deliver. A change loads the model
    /// again (see <c>AnalysisEngine.ReloadAsync</c>). Zero: not watched; only <c>POST /api/model/reload</c> reloads.
    /// </summary>
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the model files must stay unchanged before they are loaded: a copy in progress is not read half-written.</summary>
    public TimeSpan ReloadSettleTime { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Where results go (section <c>Export</c>).</summary>
public sealed class ExportSettings
{
    public const string Section = "Export";

    public List<DestinationSettings> Destinations { get; set; } = [];

    /// <summary>The waits between attempts when <see cref="RetryDelays"/> is not configured.</summary>
    public static IReadOnlyList<TimeSpan> DefaultRetryDelays { get; } =
        [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1)];

    /// <summary>
    /// The waits between attempts of one export; after the last one fails the export shows as failed until an admin
    /// retries it. Empty (not configured): <see cref="DefaultRetryDelays"/>. It starts empty because the configuration
    /// binder appends configured items to a list that already has some.
    /// </summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];

    /// <summary>The delays in force: the configured ones, else the defaults.</summary>
    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Count > 0 ? RetryDelays : DefaultRetryDelays;

    /// <summary>The AE title we call destinations with when a destination names none.</summary>
    public string CallingAETitle { get; set; } = "PLAO";
}

/// <summary>One export destination: a DICOM C-STORE SCP (host, port, called AE title) or a DICOMweb STOW-RS URL.</summary>
public sealed class DestinationSettings
{
    /// <summary>A short unique name (letters, digits, '-', '_'), used in the API and the database.</summary>
    public string Name { get; set; } = string.Empty;

    public string? Host { get; set; }

    public int Port { get; set; } = 104;

    public string CalledAETitle { get; set; } = "ANY-SCP";

    /// <summary>Overrides <see cref="ExportSettings.CallingAETitle"/>.</summary>
    public string? CallingAETitle { get; set; }

    /// <summary>A STOW-RS endpoint (…/studies) instead of C-STORE.</summary>
    public string? StowRsUrl { get; set; }

    /// <summary>Send the Secondary Captures too (off: SR and presentation states only).</summary>
    public bool SendSecondaryCaptures { get; set; }

    public bool IsStowRs => !string.IsNullOrWhiteSpace(StowRsUrl);

    /// <summary>DICOM TLS to a C-STORE destination; absent: plain TCP. (A STOW-RS destination gets TLS from an https URL.)</summary>
    public DestinationTlsSettings? Tls { get; set; }

    /// <summary>
    /// How long a C-STORE association, once opened, takes further exports to this destination before it is released
    /// (default 1 s): a burst of studies then travels over one association per second and export worker instead of one
    /// per study. Longer saves more but holds the PACS longer: a PACS that serves one association at a time makes every
    /// other node's and export worker's association wait that long, and past the 30 s the worker waits for an
    /// association's acceptance its export fails the attempt. Zero: one association per export, released at once.
    /// </summary>
    public TimeSpan KeepAssociationOpen { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// DICOM TLS (PS3.15 B.1) to one C-STORE destination (<c>Export:Destinations:N:Tls</c>): whom to trust, optionally our
/// client certificate for a destination that asks for one (mutual TLS), and the name its certificate must carry. The
/// files are checked at start and read again for each association, so a renewed certificate is used without a restart.
/// </summary>
public sealed class DestinationTlsSettings
{
    /// <summary>Send over TLS. The other keys are refused while it is false, so that a half-configured destination does not send in the clear.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// PEM file of the authorities the destination's certificate must chain to, and only those (a private PACS
    /// authority); absent: the system's trust store.
    /// </summary>
    public string? TrustedCertificatesPath { get; set; }

    /// <summary>Our PEM client certificate, for a destination that requires one; absent: none is offered.</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="ClientCertificatePath"/> (PKCS#8 or PKCS#1, unencrypted); absent: in the certificate file.</summary>
    public string? ClientKeyPath { get; set; }

    /// <summary>Where the client certificate's private key is read from: <see cref="ClientKeyPath"/>, else the certificate file.</summary>
    internal string? ClientKeyFile => string.IsNullOrWhiteSpace(ClientKeyPath) ? ClientCertificatePath : ClientKeyPath;

    /// <summary>The name the destination's certificate must carry; absent: <see cref="DestinationSettings.Host"/>.</summary>
    public string? ServerName { get; set; }
}

/// <summary>Hangfire processing (section <c>Jobs</c>): routed studies and exports never wait behind batch work.</summary>
public sealed class JobsSettings
{
    public const string Section = "Jobs";

    /// <summary>Workers serving the queues <c>realtime</c> then <c>export</c>.</summary>
    public int RealtimeWorkers { get; set; } = 2;

    /// <summary>
    /// Workers serving the queue <c>export</c> alone, so that reports leave while analyses are queued (the realtime
    /// workers take <c>realtime</c> first and reach <c>export</c> only when it is empty). Three: one export is an
    /// association that mostly waits for the destination, and a single one held a burst of 500 studies back by 19 %
    /// (bench/README.md).
    /// </summary>
    public int ExportWorkers { get; set; } = 3;

    /// <summary>Workers serving the queue <c>batch</c> alone.</summary>
    public int BatchWorkers { get; set; } = 1;

    /// <summary>
    /// Studies one reprocessing batch has in the engine at once; 0: as many as <see cref="RealtimeWorkers"/>, the
    /// analyses the threads are divided for (<see cref="AnalysisSettings.ThreadsPerAnalysis"/>). One more study is read
    /// or recorded meanwhile.
    /// </summary>
    public int BatchAnalyses { get; set; }

    /// <summary>The studies a batch has in the engine at once (<see cref="BatchAnalyses"/>, or the realtime workers).</summary>
    public int EffectiveBatchAnalyses => BatchAnalyses > 0 ? BatchAnalyses : Math.Max(1, RealtimeWorkers);

    /// <summary>
    /// How long a job a node was running stays invisible to other nodes once that node stops extending it (it died):
    /// then another node runs it again (jobs are idempotent). PostgreSQL only, where a live node keeps extending it;
    /// SQLite is one node, whose start-up queues again what it was doing.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often each job server reads its storage to notice the end of an outage, after which it starts afresh rather
    /// than let its loops wait out Hangfire's back-off (up to n² seconds after the n-th failure in a row).
    /// </summary>
    public TimeSpan StorageProbeInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Retention (section <c>Retention</c>): stored images of finished studies are removed after a while; results, reports and the index stay.</summary>
public sealed class RetentionSettings
{
    public const string Section = "Retention";

    /// <summary>Days a finished study's received images are kept; 0 keeps them for ever.</summary>
    public int KeepImagesDays { get; set; } = 90;

    /// <summary>When the cleanup runs (cron, UTC).</summary>
    public string Schedule { get; set; } = "30 3 * * *";
}
