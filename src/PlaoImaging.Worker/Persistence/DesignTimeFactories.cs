using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace PlaoImaging.Worker.Persistence;

/// <summary>For <c>dotnet ef migrations add X --context SqliteResultsDbContext</c> only; the worker configures its context from settings.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteResultsDbContext>
{
    public SqliteResultsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteResultsDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>For <c>dotnet ef migrations add X --context PostgresResultsDbContext</c> only (no server is contacted).</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresResultsDbContext>
{
    public PostgresResultsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresResultsDbContext>().UseNpgsql("Host=localhost;Database=plao").Options);
}
