using Microsoft.EntityFrameworkCore;
using PlaoImaging.Worker.Configuration;

namespace PlaoImaging.Worker.Persistence;

/// <summary>Hands out the provider's context as the common <see cref="ResultsDbContext"/>.</summary>
internal sealed class ResultsDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<ResultsDbContext>
    where TContext : ResultsDbContext
{
    public ResultsDbContext CreateDbContext() => inner.CreateDbContext();
}

/// <summary>Registers the results database for the configured provider.</summary>
internal static class ResultsDatabase
{
    public static IServiceCollection AddResultsDatabase(this IServiceCollection services, StorageSettings storage, string dataFolder)
    {
        if (storage.IsPostgreSql)
        {
            services.AddDbContextFactory<PostgresResultsDbContext>(o => o.UseNpgsql(storage.ConnectionString));
            services.AddSingleton<IDbContextFactory<ResultsDbContext>, ResultsDbContextFactory<PostgresResultsDbContext>>();
        }
        else
        {
            string path = Path.Combine(dataFolder, "results.db");
            services.AddDbContextFactory<SqliteResultsDbContext>(o => o.UseSqlite($"Data Source={path};Pooling=True;Default Timeout=30")
                .AddInterceptors(new SqliteBusyTimeout(TimeSpan.FromSeconds(30))));
            services.AddSingleton<IDbContextFactory<ResultsDbContext>, ResultsDbContextFactory<SqliteResultsDbContext>>();
        }

        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ResultsDbContext>>().CreateDbContext());
        return services;
    }
}
