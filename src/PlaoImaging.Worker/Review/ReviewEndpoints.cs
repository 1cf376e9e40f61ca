using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using PlaoImaging.Worker.Persistence;
using PlaoImaging.Worker.Security;

namespace PlaoImaging.Worker.Review;

/// <summary>
/// The review API under <c>/api</c> (policy <c>reader</c>; signing needs the radiologist role): the review document,
/// its changes under a version check, a preview of points, signing, the audit trail, agreement per model version and
/// the results as CSV. Refusals are problem documents (400, 403, 404, 409).
/// </summary>
public static class ReviewEndpoints
{
    public static IEndpointRouteBuilder MapReview(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(Policies.Reader).WithTags("Review");
        api.MapGet("/studies/{id:long}/review", GetAsync).WithName("GetReview")
            .WithSummary("The study's review, started from its latest analysis on the first read").ProducesProblem(404);
        api.MapPost("/studies/{id:long}/review/levels/{level}/decision", DecideAsync).WithName("DecideReviewLevel")
            .WithSummary("Accept, reject (with a reason) or undecide a level").ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        api.MapPost("/studies/{id:long}/review/levels/{level}/points", MovePointsAsync).WithName("MoveReviewLevelPoints")
            .WithSummary("Move a level's six points: graded again by the engine's rule; the model's points undo it").ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        api.MapPost("/studies/{id:long}/review/preview", PreviewAsync).WithName("PreviewReviewLevel")
            .WithSummary("Heights, ratios, grade and deformity of points, without saving").ProducesProblem(400).ProducesProblem(404);
        api.MapPost("/studies/{id:long}/review/levels", AddLevelAsync).WithName("AddReviewLevel")
            .WithSummary("Add a level the model missed").ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        api.MapDelete("/studies/{id:long}/review/levels/{level}", RemoveLevelAsync).WithName("RemoveReviewLevel")
            .WithSummary("Remove a level the reader added").ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        api.MapPost("/studies/{id:long}/review/sign", SignAsync).WithName("SignReview")
            .WithSummary("Sign (radiologists): amended SR and presentation states, exported to every destination")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        api.MapGet("/studies/{id:long}/audit", AuditAsync).WithName("GetStudyAudit").WithSummary("The study's review audit trail, oldest first");
        api.MapGet("/agreement", AgreementAsync).WithName("GetAgreement").WithSummary("Readers' signed reviews against each model version");
        api.MapGet("/results.csv", ResultsCsv.WriteAsync).WithName("GetResultsCsv")
            .WithSummary("One row per level of each study's latest analysis, filtered like the worklist").Produces<string>(200, "text/csv");
        return endpoints;
    }

    private static string UserOf(ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";

    private static Results<Ok<T>, ProblemHttpResult> Answer<T>(ReviewOutcome<T> outcome)
        where T : class =>
        outcome.Value is { } value ? TypedResults.Ok(value) : Problem(outcome.Problem!);

    internal static ProblemHttpResult Problem(ReviewProblem problem) =>
        TypedResults.Problem(problem.Detail, statusCode: problem.Status, title: problem.Title,
            extensions: problem.Extensions?.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));

    private static async Task<Results<Ok<ReviewDocument>, ProblemHttpResult>> GetAsync(ReviewService reviews, long id, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await reviews.GetAsync(id, UserOf(user), cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<ReviewDocument>, ProblemHttpResult>> DecideAsync(
        ReviewService reviews, long id, string level, DecisionRequest body, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await reviews.DecideAsync(id, level, body, UserOf(user), cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<ReviewDocument>, ProblemHttpResult>> MovePointsAsync(
        ReviewService reviews, long id, string level, PointsRequest body, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await reviews.MovePointsAsync(id, level, body, UserOf(user), cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<PreviewAnswer>, ProblemHttpResult>> PreviewAsync(
        ReviewService reviews, long id, PreviewRequest body, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await reviews.PreviewAsync(id, body, UserOf(user), cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<ReviewDocument>, ProblemHttpResult>> AddLevelAsync(
        ReviewService reviews, long id, AddLevelRequest body, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await reviews.AddLevelAsync(id, body, UserOf(user), cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<ReviewDocument>, ProblemHttpResult>> RemoveLevelAsync(
        ReviewService reviews, long id, string level, long? version, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await reviews.RemoveLevelAsync(id, level, version, UserOf(user), cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<ReviewDocument>, ProblemHttpResult>> SignAsync(
        ReviewService reviews, long id, SignRequest body, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await reviews.SignAsync(id, body, user, cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<List<AuditEntry>>, NotFound>> AuditAsync(ReviewService reviews, long id, CancellationToken cancellationToken) =>
        await reviews.AuditAsync(id, cancellationToken).ConfigureAwait(false) is { } entries ? TypedResults.Ok(entries) : TypedResults.NotFound();

    private static async Task<Ok<List<AgreementRow>>> AgreementAsync(ResultsDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await Agreement.ComputeAsync(db, cancellationToken).ConfigureAwait(false));
}
