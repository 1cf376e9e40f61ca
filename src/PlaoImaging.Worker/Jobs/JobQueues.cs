namespace PlaoImaging.Worker.Jobs;

/// <summary>Hangfire queue names. Routed studies and exports are served by their own workers, so batch work never delays them.</summary>
public static class JobQueues
{
    /// <summary>Studies routed by the PACS.</summary>
    public const string Realtime = "realtime";

    /// <summary>Exports of produced objects to destinations.</summary>
    public const string Export = "export";

    /// <summary>Reprocessing and folder imports.</summary>
    public const string Batch = "batch";
}
