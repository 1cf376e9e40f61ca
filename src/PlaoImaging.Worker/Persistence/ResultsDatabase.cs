using Microsoft.EntityFrameworkCore;
using PlaoImaging.Worker.Configuration;

namespace PlaoImaging.Worker.Persistence;

/// <summary>Hands out the provider's context as the common <see cref="ResultsDbContext"/>.</summary>
internal sealed class ResultsDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<ResultsDbContext>
    where TContext : ResultsDbContext
{
    public ResultsDbContext CreateDbContext() => inner.CreateDbContext();
}

/// <summary>
/// Registers the results database for the configured provider. Contexts are pooled: each study takes a few dozen
/// short-lived contexts (index, assembly, claim, record, export), and a new one each time cost more CPU than the
/// database's own work (building its services, connection and collations anew). A context goes back to the pool when
/// disposed, reset; the contexts keep no state of their own.
/// </summary>
internal static class ResultsDatabase
{
    public static IServiceCollection AddResultsDatabase(this IServiceCollection services, StorageSettings storage, string dataFolder)
    {
        if (storage.IsPostgreSql)
        {
            services.AddPooledDbContextFactory<PostgresResultsDbContext>(o => o.UseNpgsql(storage.ConnectionString));
            services.AddSingleton<IDbContextFactory<ResultsDbContext>, ResultsDbContextFactory<PostgresResultsDbContext>>();
        }
        else
        {
            string path = Path.Combine(dataFolder, "results.db");
            services.AddPooledDbContextFactory<SqliteResultsDbContext>(o => o.UseSqlite($"Data Source={path};Pooling=True;Default Timeout=30")
                .AddInterceptors(new SqliteBusyTimeout(TimeSpan.FromSeconds(30))));
            services.AddSingleton<IDbContextFactory<ResultsDbContext>, ResultsDbContextFactory<SqliteResultsDbContext>>();
        }

        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ResultsDbContext>>().CreateDbContext());
        return services;
    }
}
