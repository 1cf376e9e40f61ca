using Hangfire;
using Hangfire.Storage.SQLite;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Persistence;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The worker's composition and its database model, checked without running it. Hangfire keeps its log provider and its
/// job activator in static state, pointed at the host's logger factory and container while the host is built: each test
/// puts them back (see <see cref="PutBackHangfiresStatics"/>).
/// </summary>
[Trait("Category", "unit")]
[Collection(nameof(CompositionTests))]
public sealed class CompositionTests
{
    [Fact]
    public async Task AddPlaoWorker_EveryServiceCanBeConstructed()
    {
        var builder = Builder("worker-composition");
        builder.Host.UseDefaultServiceProvider(o =>
        {
            o.ValidateOnBuild = true;
            o.ValidateScopes = true;
        });

        builder.AddPlaoWorker();
        var app = builder.Build();
        await using (app)
        {
            app.MapPlaoWorker();
            using var scope = app.Services.CreateScope();
            Assert.IsType<SqliteResultsDbContext>(scope.ServiceProvider.GetRequiredService<ResultsDbContext>());
            PutBackHangfiresStatics();
        }
    }

    [Fact]
    public async Task EmbeddedJobStorage_CommitsInWalModeAndSyncsOnlyAtCheckpoints()
    {
        var builder = Builder("worker-composition-jobs");
        builder.AddPlaoWorker();
        var app = builder.Build();
        await using (app)
        {
            var storage = Assert.IsType<SQLiteStorage>(app.Services.GetRequiredService<JobStorage>());
            using var connection = storage.CreateAndOpenConnection();
            Assert.Equal("wal", connection.Database.ExecuteScalar<string>("PRAGMA journal_mode"));
            Assert.Equal(1, connection.Database.ExecuteScalar<int>("PRAGMA synchronous")); // NORMAL (FULL is 2)
            PutBackHangfiresStatics();
        }
    }

    [Theory]
    [InlineData("all", true)]
    [InlineData("ingest,analysis,export", false)]
    public async Task MapPlaoWorker_EveryRouteButHealthAndSignInNeedsAUser(string roles, bool web)
    {
        // The fallback policy asks every endpoint without metadata for an authenticated user; only these opt out.
        string[] anonymous = web
            ? ["ANY /health/live", "ANY /health/ready", "GET /login", "GET /login/oidc", "POST /login"]
            : ["ANY /health/live", "ANY /health/ready"];
        var builder = Builder("worker-routes-" + (web ? "web" : "no-web"), $"--Worker:Roles={roles}");
        builder.AddPlaoWorker();
        var app = builder.Build();
        await using (app)
        {
            app.MapPlaoWorker();
            var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
            static string Name(RouteEndpoint e) =>
                string.Join('|', e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"]) + " /" + e.RoutePattern.RawText?.TrimStart('/');
            var open = endpoints.Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(Name).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(anonymous.Order(StringComparer.Ordinal), open);
            var names = endpoints.Select(Name).ToList();
            Assert.Contains("ANY /metrics", names);
            Assert.Equal(web, names.Any(n => n.Contains("/api/studies", StringComparison.Ordinal)));
            PutBackHangfiresStatics();
        }
    }

    [Fact]
    public void SqliteMigrations_CoverTheModel()
    {
        using var db = new SqliteResultsDbContext(new DbContextOptionsBuilder<SqliteResultsDbContext>().UseSqlite("Data Source=:memory:").Options);

        Assert.False(db.Database.HasPendingModelChanges(), "the results model changed without a SQLite migration (dotnet ef migrations add ... --context SqliteResultsDbContext)");
    }

    [Fact]
    public void PostgreSqlMigrations_CoverTheModel()
    {
        using var db = new PostgresResultsDbContext(new DbContextOptionsBuilder<PostgresResultsDbContext>().UseNpgsql("Host=unused.invalid;Database=plao").Options);

        Assert.False(db.Database.HasPendingModelChanges(), "the results model changed without a PostgreSQL migration (dotnet ef migrations add ... --context PostgresResultsDbContext)");
    }

    /// <summary>
    /// Mapping the dashboard configures Hangfire's statics from the host's container: the log provider, and the job
    /// activator, which then activates every job through that container, disposed with the host. Both go back to
    /// Hangfire's own, or a job server elsewhere in this process (one that names no activator) fails every job.
    /// </summary>
    private static void PutBackHangfiresStatics()
    {
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(null);
        JobActivator.Current = new JobActivator();
    }

    /// <summary>A production host builder on a scratch folder of its own, with loopback HTTP and any further arguments.</summary>
    private static WebApplicationBuilder Builder(string name, params string[] arguments)
    {
        string folder = Peers.ScratchDirectory(name);
        return WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = folder,
            EnvironmentName = "Production",
            Args = [$"--Worker:DataFolder={Path.Combine(folder, "data")}", "--Urls=http://127.0.0.1:0", .. arguments],
        });
    }
}
