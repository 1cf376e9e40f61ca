namespace PlaoImaging.Worker.Jobs;

/// <summary>
/// The claim an analysis takes on a study's generation before it runs the engine, kept in the study's
/// <see cref="Persistence.StudyRecord.AnalysisClaim"/> while the study is <see cref="Persistence.StudyState.Analysing"/>
/// (and shown in its reason, which the API and the worklist show, as words). Whoever holds it runs the engine; anyone
/// else who finds it leaves the study alone, so one generation is never analysed twice at once. Claims are compared in
/// their own column only, so the reason's words can change without touching a claim.
/// </summary>
internal static class AnalysisClaims
{
    private const string Prefix = "being analysed by ";

    /// <summary>The claim of a routed Hangfire job: the same for every retry of the job and for the job fetched again after its node died.</summary>
    public static string Routed(string jobId) => Prefix + "job " + jobId;

    /// <summary>The claim of a reprocessing request's analysis (<paramref name="trigger"/>: <c>reprocess:N</c>): the same when the request is run again.</summary>
    public static string Batch(string trigger) => Prefix + trigger;
}
