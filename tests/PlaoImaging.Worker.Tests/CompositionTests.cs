using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Persistence;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The worker's composition and its database model, checked without running it. Hangfire keeps its log provider in
/// static state, pointed at the host's logger factory while the host is built: this class runs alone, after the others,
/// and puts the provider back.
/// </summary>
[Trait("Category", "unit")]
[Collection(nameof(CompositionTests))]
public sealed class CompositionTests
{
    [Fact]
    public async Task AddPlaoWorker_EveryServiceCanBeConstructed()
    {
        string folder = Peers.ScratchDirectory("worker-composition");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = folder,
            EnvironmentName = "Production",
            Args = [$"--Worker:DataFolder={Path.Combine(folder, "data")}", "--Urls=http://127.0.0.1:0"],
        });
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
            Hangfire.Logging.LogProvider.SetCurrentLogProvider(null);
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
}

/// <summary>Runs <see cref="CompositionTests"/> alone, once every parallel test class has finished.</summary>
[CollectionDefinition(nameof(CompositionTests), DisableParallelization = true)]
public sealed class CompositionCollection;
