namespace PlaoImaging.Worker.Configuration;

/// <summary>
/// What one worker instance runs (<c>Worker:Roles</c>). One binary: a single machine runs them all; a cluster runs
/// instances with some of them, sharing one PostgreSQL database and one storage path. Health and metrics are served
/// whatever the roles.
/// </summary>
[Flags]
public enum WorkerRoles
{
    None = 0,

    /// <summary>The DICOM SCP (C-STORE in, indexed at once) and the study assembler that queues studies whose quiet period ended.</summary>
    Ingest = 1,

    /// <summary>The model (loaded at start) and the job servers of the queues <c>realtime</c> and <c>batch</c>.</summary>
    Analysis = 2,

    /// <summary>The job server of the queue <c>export</c>: reports sent to the configured destinations.</summary>
    Export = 4,

    /// <summary>The API, the dashboard, the review and sign-in pages, the OpenAPI document and the Hangfire dashboard.</summary>
    Web = 8,

    All = Ingest | Analysis | Export | Web,
}

/// <summary>Reads <c>Worker:Roles</c>: <c>all</c>, or a comma-separated list of <c>ingest</c>, <c>analysis</c>, <c>export</c>, <c>web</c>.</summary>
public static class WorkerRoleNames
{
    public const string Key = "Worker:Roles";

    /// <summary>The roles named by <paramref name="text"/>; empty or <c>all</c>: every role.</summary>
    /// <exception cref="WorkerConfigurationException">An unknown name, naming the key and the names that exist.</exception>
    public static WorkerRoles Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return WorkerRoles.All;
        }

        var roles = WorkerRoles.None;
        foreach (string part in text.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            roles |= part.ToLowerInvariant() switch
            {
                "all" => WorkerRoles.All,
                "ingest" => WorkerRoles.Ingest,
                "analysis" => WorkerRoles.Analysis,
                "export" => WorkerRoles.Export,
                "web" => WorkerRoles.Web,
                _ => throw new WorkerConfigurationException(Key, $"names '{part}'; use all, or any of ingest, analysis, export, web (comma-separated)"),
            };
        }

        return roles;
    }

    /// <summary>The roles as configuration would name them, e.g. <c>ingest,web</c>.</summary>
    public static string Format(WorkerRoles roles) => roles == WorkerRoles.All
        ? "all"
        : string.Join(',', new[] { WorkerRoles.Ingest, WorkerRoles.Analysis, WorkerRoles.Export, WorkerRoles.Web }
            .Where(r => roles.HasFlag(r)).Select(r => r.ToString().ToLowerInvariant()));
}

/// <summary>The roles of this instance, as a service.</summary>
public sealed record ActiveRoles(WorkerRoles Roles)
{
    public bool Has(WorkerRoles role) => (Roles & role) == role;

    public override string ToString() => WorkerRoleNames.Format(Roles);
}
