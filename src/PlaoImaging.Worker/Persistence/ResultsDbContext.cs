using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace PlaoImaging.Worker.Persistence;

/// <summary>
/// The results database: the ingest index, studies, analyses, produced objects, exports and reprocessing requests. One
/// model for both providers; each provider has its own migrations (<see cref="SqliteResultsDbContext"/>,
/// <see cref="PostgresResultsDbContext"/>), applied at start.
/// </summary>
public abstract class ResultsDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<StudyRecord> Studies => Set<StudyRecord>();

    public DbSet<InstanceRecord> Instances => Set<InstanceRecord>();

    public DbSet<AnalysisRecord> Analyses => Set<AnalysisRecord>();

    public DbSet<ProducedObjectRecord> ProducedObjects => Set<ProducedObjectRecord>();

    public DbSet<ExportRecord> Exports => Set<ExportRecord>();

    public DbSet<ReprocessRecord> ReprocessRequests => Set<ReprocessRecord>();

    public DbSet<ReviewRecord> Reviews => Set<ReviewRecord>();

    public DbSet<AuditRecord> AuditEntries => Set<AuditRecord>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        configurationBuilder.Properties<StudyState>().HaveConversion<EnumToStringConverter<StudyState>>().HaveMaxLength(16);
        configurationBuilder.Properties<InstanceKind>().HaveConversion<EnumToStringConverter<InstanceKind>>().HaveMaxLength(16);
        configurationBuilder.Properties<ExportState>().HaveConversion<EnumToStringConverter<ExportState>>().HaveMaxLength(16);
        configurationBuilder.Properties<ReprocessState>().HaveConversion<EnumToStringConverter<ReprocessState>>().HaveMaxLength(16);
        configurationBuilder.Properties<ReviewState>().HaveConversion<EnumToStringConverter<ReviewState>>().HaveMaxLength(16);
        // SQLite cannot order or compare DateTimeOffset values; UTC ticks compare correctly on both providers.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<StudyRecord>(e =>
        {
            e.ToTable("studies");
            e.HasIndex(s => s.StudyInstanceUid).IsUnique();
            e.HasIndex(s => new { s.State, s.DueAt });
            e.HasIndex(s => s.LastReceivedAt);
            e.Property(s => s.StudyInstanceUid).HasMaxLength(64);
            e.Property(s => s.AnalysisClaim).HasMaxLength(64);
            e.Property(s => s.Generation).IsConcurrencyToken();
            e.HasMany(s => s.Instances).WithOne(i => i.Study).HasForeignKey(i => i.StudyId);
        });
        modelBuilder.Entity<InstanceRecord>(e =>
        {
            e.ToTable("instances");
            e.HasIndex(i => i.SopInstanceUid).IsUnique();
            e.HasIndex(i => i.StudyId);
            e.Property(i => i.SopInstanceUid).HasMaxLength(64);
            e.Property(i => i.SopClassUid).HasMaxLength(64);
            e.Property(i => i.Sha256).HasMaxLength(64);
        });
        modelBuilder.Entity<AnalysisRecord>(e =>
        {
            e.ToTable("analyses");
            e.HasIndex(a => new { a.StudyId, a.Generation, a.ModelSha256 }).IsUnique();
            e.HasIndex(a => a.ModelVersion);
            e.HasMany(a => a.Objects).WithOne().HasForeignKey(o => o.AnalysisId);
        });
        modelBuilder.Entity<ProducedObjectRecord>(e =>
        {
            e.ToTable("produced_objects");
            e.HasIndex(o => o.SopInstanceUid);
        });
        modelBuilder.Entity<ExportRecord>(e =>
        {
            e.ToTable("exports");
            e.HasIndex(x => new { x.AnalysisId, x.Destination, x.ReviewNumber }).IsUnique();
            e.HasIndex(x => x.State);
            e.Property(x => x.ClaimedBy).HasMaxLength(64).IsConcurrencyToken();
        });
        modelBuilder.Entity<ReprocessRecord>(e =>
        {
            e.ToTable("reprocess_requests");
            e.Property(r => r.RunToken).HasMaxLength(32);
        });
        modelBuilder.Entity<ReviewRecord>(e =>
        {
            e.ToTable("reviews");
            e.HasIndex(r => new { r.StudyId, r.AnalysisId }).IsUnique();
            e.Property(r => r.Version).IsConcurrencyToken();
        });
        modelBuilder.Entity<AuditRecord>(e =>
        {
            e.ToTable("audit_entries");
            e.HasIndex(a => new { a.StudyId, a.Id });
            e.Property(a => a.Action).HasMaxLength(32);
        });
    }
}

/// <summary>The results database on SQLite (the embedded default); its migrations are in <c>Persistence/Migrations/Sqlite</c>.</summary>
public sealed class SqliteResultsDbContext(DbContextOptions<SqliteResultsDbContext> options) : ResultsDbContext(options);

/// <summary>The results database on PostgreSQL (scale-out); its migrations are in <c>Persistence/Migrations/PostgreSql</c>.</summary>
public sealed class PostgresResultsDbContext(DbContextOptions<PostgresResultsDbContext> options) : ResultsDbContext(options);
