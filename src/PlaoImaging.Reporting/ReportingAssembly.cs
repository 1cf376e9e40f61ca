namespace PlaoImaging.Reporting;

/// <summary>Facts about this library that its outputs name (the implementation version written into reports).</summary>
public static class ReportingAssembly
{
    /// <summary>The informational version of PlaoImaging.Reporting.</summary>
    public static string Version { get; } =
        typeof(ReportingAssembly).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
