using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom.Hosting;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Worker.Api;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Dashboard;
using PlaoImaging.Worker.Export;
using PlaoImaging.Worker.Ingest;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Operations;
using PlaoImaging.Worker.Persistence;
using PlaoImaging.Worker.Review;
using PlaoImaging.Worker.Security;
using Prometheus;

namespace PlaoImaging.Worker;

/// <summary>Composes the worker: everything <c>Program.cs</c> adds and maps, in one place.</summary>
public static class WorkerComposition
{
    /// <summary>The sign-in cookie of browsers.</summary>
    private const string AuthCookieName = "plao.auth";

    /// <summary>Settings, databases, Hangfire, the SCP, the jobs, authentication, health and metrics.</summary>
    public static WebApplicationBuilder AddPlaoWorker(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var services = builder.Services;
        if (configuration["Urls"] is null && configuration["ASPNETCORE_URLS"] is null && configuration["Kestrel:Endpoints:Http:Url"] is null)
        {
            builder.WebHost.UseUrls("http://localhost:5080");
        }

        var validator = new WorkerSettingsValidator();
        services.AddOptions<WorkerSettings>().Bind(configuration.GetSection(WorkerSettings.Section));
        Bind<StorageSettings>(services, configuration, StorageSettings.Section, validator);
        Bind<AssemblySettings>(services, configuration, AssemblySettings.Section, validator);
        Bind<AnalysisSettings>(services, configuration, AnalysisSettings.Section, validator);
        Bind<ExportSettings>(services, configuration, ExportSettings.Section, validator);
        Bind<JobsSettings>(services, configuration, JobsSettings.Section, validator);
        Bind<RetentionSettings>(services, configuration, RetentionSettings.Section, validator);
        Bind<AuthSettings>(services, configuration, AuthSettings.Section, validator);

        // Settings the composition itself needs (which storage, where): read now, checked again by the validators at start.
        var storage = configuration.GetSection(StorageSettings.Section).Get<StorageSettings>() ?? new StorageSettings();
        var worker = configuration.GetSection(WorkerSettings.Section).Get<WorkerSettings>() ?? new WorkerSettings();
        var jobsSettings = configuration.GetSection(JobsSettings.Section).Get<JobsSettings>() ?? new JobsSettings();
        var roles = new ActiveRoles(WorkerRoleNames.Parse(worker.Roles));

        // One analysis's share of the cores, fixed here because the engine is shared by the realtime workers and the batch.
        services.PostConfigure<AnalysisSettings>(a => a.Threads = a.ThreadsPerAnalysis(Environment.ProcessorCount, jobsSettings.RealtimeWorkers));
        string dataFolder = Path.GetFullPath(worker.DataFolder);
        Directory.CreateDirectory(dataFolder);
        services.AddSingleton(roles);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<StoragePaths>();
        services.AddSingleton<WorkerMetrics>();
        services.AddResultsDatabase(storage, dataFolder);

        // First hosted service: migrations and recovery run before the SCP listens and the job servers fetch.
        services.AddHostedService<StartupRecovery>();
        services.AddHostedService<ModelWarmUp>();
        services.AddHostedService<ModelReloadWatcher>();
        services.AddHostedService<ExportRetryClockCheck>();

        services.AddSingleton<JobStorage>(_ => storage.IsPostgreSql
            ? CreatePostgreSqlStorage(storage, jobsSettings)
            : CreateSqliteStorage(Path.Combine(dataFolder, "hangfire.db")));
        services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        if (roles.Has(WorkerRoles.Analysis))
        {
            AddJobServer(services, options =>
            {
                options.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:realtime";
                options.Queues = roles.Has(WorkerRoles.Export) ? [JobQueues.Realtime, JobQueues.Export] : [JobQueues.Realtime];
                options.WorkerCount = jobsSettings.RealtimeWorkers;
                options.ShutdownTimeout = TimeSpan.FromSeconds(20);

                // Export retries are scheduled jobs: Hangfire's default poll of 15 s would add up to 15 s to every
                // configured retry delay; a 1 s poll keeps each retry within a second of its delay.
                options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            });
            AddJobServer(services, options =>
            {
                options.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:batch";
                options.Queues = [JobQueues.Batch];
                options.WorkerCount = jobsSettings.BatchWorkers;
                options.ShutdownTimeout = TimeSpan.FromSeconds(20);
            });
        }

        if (roles.Has(WorkerRoles.Export))
        {
            AddJobServer(services, options =>
            {
                // With export served only after realtime, a burst of studies kept every report back until the last
                // of them was analysed (the first tenth of 500 reached the PACS after 89 s, bench/README.md).
                options.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:export";
                options.Queues = [JobQueues.Export];
                options.WorkerCount = jobsSettings.ExportWorkers;
                options.ShutdownTimeout = TimeSpan.FromSeconds(20);

                // Scheduled export retries are moved to the queue by any server; an export-only node needs the 1 s poll too.
                options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            });
        }

        services.AddSingleton<AnalysisEngine>();
        services.AddSingleton<StudyAssemblerSignal>();
        services.AddSingleton<IngestService>();
        services.AddSingleton<IDicomStoreHandler, StoreHandler>();
        services.AddSingleton<StudyAnalysisService>();
        services.AddSingleton<ExportService>();
        services.AddSingleton<DestinationAssociations>();
        services.AddSingleton<ReprocessService>();
        services.AddSingleton<ReviewService>();
        services.AddTransient<AnalyzeStudyJob>();
        services.AddTransient<ExportResultsJob>();
        services.AddTransient<ReprocessJob>();
        services.AddTransient<RetentionJob>();
        services.AddHttpClient("stow-rs", c => c.Timeout = TimeSpan.FromMinutes(2));
        services.AddSingleton<IStowRsSender, StowRsSender>();
        if (roles.Has(WorkerRoles.Ingest))
        {
            services.AddDicomScp(configuration.GetSection(DicomScpSettings.DefaultSectionPath));
            services.AddHostedService<StudyAssembler>();
            services.AddSingleton<IngestAvailability>();
            services.AddSingleton<IDicomScpAvailability>(sp => sp.GetRequiredService<IngestAvailability>());
            services.AddHostedService(sp => sp.GetRequiredService<IngestAvailability>());
        }
        else
        {
            // No SCP here, but the storage root is still where the stored images are (analysis, the dashboard, imports).
            services.AddOptions<DicomScpSettings>().Bind(configuration.GetSection(DicomScpSettings.DefaultSectionPath));
        }

        services.PostConfigure<DicomScpSettings>(s =>
        {
            // The default storage root lives in the data folder.
            if (configuration[$"{DicomScpSettings.DefaultSectionPath}:StorageRoot"] is null)
            {
                s.StorageRoot = Path.Combine(dataFolder, "dicom");
            }
        });
        services.AddHostedService<MetricsRefresher>();

        AddSecurity(services, configuration, dataFolder);
        var health = services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [HealthTags.Ready])
            .AddCheck<StorageHealthCheck>("storage", tags: [HealthTags.Ready])
            .AddCheck<ModelHealthCheck>("model", tags: [HealthTags.Ready]);
        if (roles.Has(WorkerRoles.Ingest))
        {
            health.AddCheck<ScpHealthCheck>("dicom-scp", tags: [HealthTags.Ready]);
        }

        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    /// <summary>Health (anonymous), the API, OpenAPI, metrics and the Hangfire dashboard (admins).</summary>
    public static WebApplication MapPlaoWorker(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseAuthorization();

        // After authorization: a request that may not reach the endpoint is answered 401 or 403 first.
        app.UseApiAntiforgery();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(HealthTags.Ready),
            ResponseWriter = HealthResponse.WriteAsync,
        }).AllowAnonymous();
        app.MapMetrics("/metrics", app.Services.GetRequiredService<WorkerMetrics>().Registry).RequireAuthorization(Policies.Admin);
        if (app.Services.GetRequiredService<ActiveRoles>().Has(WorkerRoles.Web))
        {
            app.MapWorkerApi();
            app.MapReview();
            app.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(Policies.Reader);
            app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], AppPath = "/", DashboardTitle = "PlaoImaging jobs" })
                .RequireAuthorization(Policies.Admin);
            app.MapLogin();
            app.MapDashboard();
        }

        var retention = app.Services.GetRequiredService<IOptions<RetentionSettings>>().Value;
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<RetentionJob>(RetentionJob.RecurringId, JobQueues.Batch, job => job.RunAsync(CancellationToken.None), retention.Schedule);
        return app;
    }

    /// <summary>
    /// The embedded job storage. Its connections commit with <c>synchronous = NORMAL</c> in WAL mode: a commit is in
    /// the operating system's cache when it returns (a killed process loses nothing) but is synced to disk only at the
    /// WAL's checkpoints, so a power cut or an operating-system crash can take the last commits. Hangfire commits some
    /// 43 times per study (creation, queue, fetch, each state, locks), and a sync each time cost about 4 ms of CPU per
    /// study on the benchmark's virtual machine. Nothing is lost with them: on the single node the results database (synced
    /// at every commit) is the record, and <see cref="StartupRecovery"/> queues again from it whatever was queued,
    /// analysing, exporting or reprocessing when the node went down.
    /// </summary>
    internal static SQLiteStorage CreateSqliteStorage(string path) =>
        new(new SQLiteDbConnectionFactory(() =>
        {
            var connection = new SQLite.SQLiteConnection(path, SQLite.SQLiteOpenFlags.ReadWrite | SQLite.SQLiteOpenFlags.Create | SQLite.SQLiteOpenFlags.NoMutex, storeDateTimeAsTicks: true)
            {
                BusyTimeout = TimeSpan.FromSeconds(10),
            };
            connection.ExecuteScalar<string>("PRAGMA synchronous = NORMAL");
            return connection;
        }), new SQLiteStorageOptions
        {
            QueuePollInterval = TimeSpan.FromMilliseconds(250),
            InvisibilityTimeout = TimeSpan.FromMinutes(30),
        });

    /// <summary>Hangfire on PostgreSQL; its schema is created or upgraded under the schema lock, one worker at a time.</summary>
    private static PostgreSqlStorage CreatePostgreSqlStorage(StorageSettings storage, JobsSettings jobs)
    {
        using var schemaLock = PostgresSchemaLock.Acquire(storage.ConnectionString!);
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(storage.ConnectionString!, new PostgreSqlStorageOptions()), new PostgreSqlStorageOptions
        {
            SchemaName = storage.HangfireSchema,
            QueuePollInterval = TimeSpan.FromMilliseconds(250),

            // A live node extends the jobs it runs (every fifth of the timeout), so a long batch is never taken over;
            // a dead node's jobs are run by another node once the timeout passes.
            InvisibilityTimeout = jobs.InvisibilityTimeout,
            UseSlidingInvisibilityTimeout = true,
            PrepareSchemaIfNecessary = true,
        });
    }

    private static void Bind<T>(IServiceCollection services, IConfiguration configuration, string section, IValidateOptions<T> validator)
        where T : class
    {
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton(validator);
    }

    /// <summary>Paths for programs (the API, metrics, the OpenAPI document): 401 without credentials, never a redirect.</summary>
    private static bool IsApiPath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/openapi");

    private static void AddSecurity(IServiceCollection services, IConfiguration configuration, string dataFolder)
    {
        services.AddSingleton<LocalAccounts>();
        var auth = configuration.GetSection(AuthSettings.Section).Get<AuthSettings>() ?? new AuthSettings();
        var authentication = services.AddAuthentication(o =>
            {
                o.DefaultScheme = "plao";
                // With a provider configured, browsers that must sign in go to it (the local form stays at /login).
                o.DefaultChallengeScheme = auth.OpenIdConnect is null ? "plao" : OpenIdConnectSignIn.BrowserChallengeScheme;
            })
            // Basic credentials win; then a signed-in browser's cookie (on every path: the API included, where "/"
            // sends it); without either, API paths answer 401 and browser paths redirect to the sign-in page.
            .AddPolicyScheme("plao", "Basic for API clients, a cookie for browsers", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
                || (!context.Request.Cookies.ContainsKey(AuthCookieName) && IsApiPath(context.Request.Path))
                    ? BasicAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.Cookie.Name = AuthCookieName;
                o.Cookie.HttpOnly = true;
                // Strict for local accounts. With a provider, Lax: the browser comes back from the provider's site, and
                // a Strict cookie set at /signin-oidc is not sent on the redirect that follows, so every sign-in ended
                // at the provider again. Lax still keeps it off cross-site POSTs; unsafe cookie-authenticated API
                // requests also need the anti-forgery header, and forms carry an anti-forgery token.
                o.Cookie.SameSite = auth.OpenIdConnect is null ? SameSiteMode.Strict : SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);

                // A cookie that is stale on an API path answers 401 like Basic does, and a signed-in user without
                // the role gets 403 (there is no access-denied page to redirect to).
                o.Events.OnRedirectToLogin = context =>
                {
                    if (IsApiPath(context.Request.Path))
                    {
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    }
                    else
                    {
                        context.Response.Redirect(context.RedirectUri);
                    }

                    return Task.CompletedTask;
                };
                o.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            });
        if (auth.OpenIdConnect is { } oidc)
        {
            authentication
                .AddPolicyScheme(OpenIdConnectSignIn.BrowserChallengeScheme, "The provider for browsers, 401 for API clients", o => o.ForwardDefaultSelector = context =>
                    IsApiPath(context.Request.Path) || context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
                        ? "plao"
                        : OpenIdConnectSignIn.SchemeName)
                .AddPlaoOpenIdConnect(oidc);
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Reader, p => p.RequireAuthenticatedUser().RequireRole(Roles.Radiologist, Roles.Admin))
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin))
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddAntiforgery();
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataFolder, "keys"))).SetApplicationName("PlaoImaging");
    }

    /// <summary>A Hangfire job server as a hosted service that starts afresh after an outage of its storage (<see cref="RestartingJobServer"/>).</summary>
    private static void AddJobServer(IServiceCollection services, Action<BackgroundJobServerOptions> configure) =>
        services.AddSingleton<IHostedService>(sp =>
        {
            var options = new BackgroundJobServerOptions();
            configure(options);
            return new RestartingJobServer(options, sp.GetRequiredService<JobStorage>(), sp, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RestartingJobServer>>(),
                sp.GetRequiredService<IOptions<JobsSettings>>().Value.StorageProbeInterval);
        });
}
