using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Security;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// One worker for the review tests: accounts rita and sam (radiologists) and adam (admin only), a DCMTK storescp as its
/// destination, and sample 03 analysed by the real model.
/// </summary>
public sealed class ReviewWorker : IAsyncLifetime
{
    public static readonly NetworkCredential Rita = new("rita", "rita-reads-spines");
    public static readonly NetworkCredential Sam = new("sam", "sam-reads-spines");
    public static readonly NetworkCredential Adam = new("adam", "adam-runs-the-worker");

    public WorkerProcess Worker { get; private set; } = null!;

    public StorescpPeer Pacs { get; private set; } = null!;

    public long StudyId { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Pacs = StorescpPeer.Start(Peers.ScratchDirectory("review-pacs"));
        var settings = WorkerTestKit.Destination("pacs", Pacs.Port, "PACS");
        int i = 0;
        foreach (var (user, role) in new[] { (Rita, Roles.Radiologist), (Sam, Roles.Radiologist), (Adam, Roles.Admin) })
        {
            settings[$"Auth:Users:{i}:Name"] = user.UserName;
            settings[$"Auth:Users:{i}:PasswordHash"] = PasswordHasher.Hash(user.Password, 10_000);
            settings[$"Auth:Users:{i}:Roles:0"] = role;
            i++;
        }

        Worker = await WorkerProcess.StartAsync("worker-review", settings, Rita, ct);
        string file = WorkerTestKit.SampleFiles(ReviewSample.Folder)[0];
        var client = new DicomClient("127.0.0.1", Worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
        Assert.Equal(DicomStoreResult.Success, Assert.Single(await client.StoreAsync([file], null, ct)).Result);
        string uid = DicomFile.Open(file, new DicomReadOptions { StopBeforePixelData = true }).Dataset.GetString(DicomTags.StudyInstanceUID);
        var study = await WorkerTestKit.WaitForFinishedStudyAsync(Worker, uid, TimeSpan.FromSeconds(120), ct);
        Assert.Equal("Analysed", WorkerTestKit.State(study));
        StudyId = study["id"]!.GetValue<long>();
    }

    public ValueTask DisposeAsync()
    {
        Worker?.Dispose();
        Pacs?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The review through the worker's API: a moved landmark changes the grade, the rest decided, signing sends the amended
/// SR to the PACS (read back with DCMTK's dsrdump), a stale version is refused with 409, and a cookie-authenticated POST
/// needs the anti-forgery header.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed partial class ReviewProcessTests(ReviewWorker fixture) : IClassFixture<ReviewWorker>
{
    private WorkerProcess Worker => fixture.Worker;

    private string Review => $"api/studies/{fixture.StudyId}/review";

    private static string Json(object body) => System.Text.Json.JsonSerializer.Serialize(body);

    private static long VersionOf(JsonNode? review) => review!["version"]!.GetValue<long>();

    private async Task<JsonNode> ChangeAsync(HttpClient client, string path, object body, CancellationToken ct)
    {
        var (status, answer) = await WorkerTestKit.PostJsonAsync(client, path, Json(body), ct);
        Assert.True(status == 200, $"POST {path}: {status} {answer?.ToJsonString()}");
        return answer!;
    }

    [Fact]
    public async Task MovedLandmarkDecidedAndSigned_AmendedReportArrivesAtThePacsVerifiedWithTheNewGradeAndItsPredecessor()
    {
        var ct = TestContext.Current.CancellationToken;
        var review = await Worker.GetJsonAsync(Review, ct);
        var wedged = review["levels"]!.AsArray()
            .Where(l => l!["grade"]!.GetValue<int>() > 0 && l["deformity"]!.GetValue<string>() == "wedge")
            .OrderByDescending(l => l!["grade"]!.GetValue<int>()).First()!;
        string level = wedged["level"]!.GetValue<string>();
        int modelGrade = wedged["modelGrade"]!.GetValue<int>();
        var points = wedged["points"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.AsArray().Select(v => v!.GetValue<double>()).ToArray());
        double hp = points["ip"][1] - points["sp"][1];
        points["sa"] = [points["sa"][0], points["ia"][1] - hp];
        points["sm"] = [points["sm"][0], points["im"][1] - hp];

        review = await ChangeAsync(Worker.Api, $"{Review}/levels/{level}/points", new { points, version = VersionOf(review) }, ct);
        var moved = review["levels"]!.AsArray().Single(l => l!["level"]!.GetValue<string>() == level)!;
        int grade = moved["grade"]!.GetValue<int>();
        Assert.True(grade < modelGrade, $"{level}: {modelGrade} → {grade}");
        Assert.Equal("modified", moved["decision"]!.GetValue<string>());

        foreach (var other in review["undecided"]!.AsArray().Select(n => n!.GetValue<string>()).ToList())
        {
            review = await ChangeAsync(Worker.Api, $"{Review}/levels/{other}/decision", new { decision = "accepted", version = VersionOf(review) }, ct);
        }

        Assert.True(review["canSign"]!.GetValue<bool>(), review.ToJsonString());
        using (var adam = Worker.CreateClient(ReviewWorker.Adam))
        {
            var (status, _) = await WorkerTestKit.PostJsonAsync(adam, $"{Review}/sign", Json(new { version = VersionOf(review) }), ct);
            Assert.Equal(403, status);
        }

        review = await ChangeAsync(Worker.Api, $"{Review}/sign", new { version = VersionOf(review) }, ct);
        Assert.Equal(("signed", "rita"), (review["state"]!.GetValue<string>(), review["signedBy"]!.GetValue<string>()));

        var audit = (await Worker.GetJsonAsync($"api/studies/{fixture.StudyId}/audit", ct)).AsArray();
        var sign = audit.Single(e => e!["action"]!.GetValue<string>() == "sign")!;
        string sr = sign["after"]!["objects"]!.AsArray().Single(o => o!["kind"]!.GetValue<string>() == "SR")!["sopInstanceUid"]!.GetValue<string>();
        string? received = null;
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60); received is null && DateTime.UtcNow < deadline; await Task.Delay(200, ct))
        {
            received = fixture.Pacs.Received(sr);
        }

        Assert.True(received is not null, $"the amended SR {sr} did not arrive\n{Worker.Process?.Describe(40)}");
        var dump = Peers.Run("dsrdump", [received]);
        Assert.Equal(0, dump.ExitCode);
        Assert.Contains("Completion Flag     : COMPLETE", dump.Stdout, StringComparison.Ordinal);
        Assert.Contains("Verification Flag   : VERIFIED", dump.Stdout, StringComparison.Ordinal);
        Assert.Contains("Predecessor Docs    : 1", dump.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"Verifying Observers : .*rita, PlaoImaging", dump.Stdout);
        Assert.Equal(grade, GradeIn(dump.Stdout, level));

        // The study shows the amended export, sent; the trail records it; the signed grade is in the results CSV.
        var exports = (await WaitForAsync($"api/studies/{fixture.StudyId}", s => s["exports"]!.AsArray()
            .Any(x => x!["kind"]!.GetValue<string>() == "amended" && x["state"]!.GetValue<string>() == "Sent"), ct))["exports"]!.AsArray();
        Assert.Contains(exports, x => x!["kind"]!.GetValue<string>() == "analysis");
        await WaitForAsync($"api/studies/{fixture.StudyId}/audit", a => a.AsArray().Any(e => e!["action"]!.GetValue<string>() == "export-sent"), ct);
        string csv = await Worker.Api.GetStringAsync(new Uri("api/results.csv", UriKind.Relative), ct);
        var row = csv.Split("\r\n").Single(r => r.StartsWith($"{fixture.StudyId},", StringComparison.Ordinal) && r.Contains($",{level},", StringComparison.Ordinal)).Split(',');
        Assert.Equal(("modified", grade.ToString(CultureInfo.InvariantCulture), "rita"), (row[11], row[12], row[14]));
        var agreement = (await Worker.GetJsonAsync("api/agreement", ct)).AsArray().Single()!;
        Assert.Equal(review["model"]!["version"]!.GetValue<string>(), agreement["modelVersion"]!.GetValue<string>());
        Assert.Equal(1, agreement["studiesSigned"]!.GetValue<int>());
        Assert.True(agreement["modified"]!.GetValue<int>() >= 1);
        Assert.True(agreement["exactGradeAgreement"]!.GetValue<double>() < 1);
    }

    [Fact]
    public async Task SecondClientWithAStaleVersion_Gets409NamingWhoChangedTheReview()
    {
        var ct = TestContext.Current.CancellationToken;
        var review = await Worker.GetJsonAsync(Review, ct);
        long seen = VersionOf(review);
        string level = review["levels"]![0]!["level"]!.GetValue<string>();
        string decision = review["levels"]![0]!["decision"]!.GetValue<string>() == "accepted" ? "undecided" : "accepted";
        await ChangeAsync(Worker.Api, $"{Review}/levels/{level}/decision", new { decision, version = seen }, ct);

        using var sam = Worker.CreateClient(ReviewWorker.Sam);
        var (status, body) = await WorkerTestKit.PostJsonAsync(sam, $"{Review}/levels/{level}/decision", Json(new { decision = "rejected", reason = "artefact", version = seen }), ct);

        Assert.Equal(409, status);
        Assert.Equal("changed by someone else", body!["title"]!.GetValue<string>());
        Assert.Equal("rita", body["changedBy"]!.GetValue<string>());
        Assert.Equal(seen + 1, body["currentVersion"]!.GetValue<long>());
    }

    [Fact]
    public async Task CookiePostWithoutTheAntiforgeryHeader_IsRefused_AndWithItIsAccepted()
    {
        var ct = TestContext.Current.CancellationToken;
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{Worker.HttpPort}/"),
        };
        var login = HiddenField().Match(await browser.GetStringAsync(new Uri("login", UriKind.Relative), ct));
        using (var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [WebUtility.HtmlDecode(login.Groups[1].Value)] = WebUtility.HtmlDecode(login.Groups[2].Value),
            ["user"] = ReviewWorker.Sam.UserName,
            ["password"] = ReviewWorker.Sam.Password,
            ["returnUrl"] = "/",
        }))
        {
            using var signedIn = await browser.PostAsync(new Uri("login", UriKind.Relative), form, ct);
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }

        var review = JsonNode.Parse(await browser.GetStringAsync(new Uri(Review, UriKind.Relative), ct))!;
        string level = review["levels"]![0]!["level"]!.GetValue<string>();
        string path = $"{Review}/levels/{level}/decision";
        string body = Json(new { decision = "accepted", version = VersionOf(review) });

        var (refused, problem) = await WorkerTestKit.PostJsonAsync(browser, path, body, ct);
        Assert.Equal(400, refused);
        Assert.Equal("anti-forgery token missing or invalid", problem!["title"]!.GetValue<string>());
        Assert.Equal(VersionOf(review), VersionOf(await Worker.GetJsonAsync(Review, ct)));

        // The token of a page the signed-in user loaded (the worklist's sign-out form carries it).
        var token = HiddenField().Match(await browser.GetStringAsync(new Uri("/", UriKind.Relative), ct));
        Assert.True(token.Success);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("RequestVerificationToken", WebUtility.HtmlDecode(token.Groups[2].Value));
        using var accepted = await browser.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("sam", (await accepted.Content.ReadFromJsonAsync<JsonNode>(ct))!["lastChangedBy"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheReviewRoutesAndTheirProblemAnswers()
    {
        var ct = TestContext.Current.CancellationToken;
        var paths = (await Worker.GetJsonAsync("openapi/v1.json", ct))["paths"]!.AsObject();

        foreach (string path in new[]
        {
            "/api/studies/{id}/review", "/api/studies/{id}/review/levels/{level}/decision", "/api/studies/{id}/review/levels/{level}/points",
            "/api/studies/{id}/review/preview", "/api/studies/{id}/review/levels", "/api/studies/{id}/review/levels/{level}",
            "/api/studies/{id}/review/sign", "/api/studies/{id}/audit", "/api/agreement", "/api/results.csv",
        })
        {
            Assert.True(paths.ContainsKey(path), $"{path} is not in the OpenAPI document");
        }

        var sign = paths["/api/studies/{id}/review/sign"]!["post"]!["responses"]!.AsObject();
        Assert.All(new[] { "200", "400", "403", "404", "409" }, code => Assert.True(sign.ContainsKey(code), $"sign has no {code} answer"));
        Assert.True(paths["/api/studies/{id}/review/levels/{level}"]!.AsObject().ContainsKey("delete"));
    }

    /// <summary>The Genant grade dsrdump shows in a level's measurement group.</summary>
    private static int GradeIn(string dump, string level)
    {
        int start = dump.IndexOf($"=\"{level} vertebra\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{level} is not in the report");
        int end = dump.IndexOf("\"Tracking Identifier\")", start + 1, StringComparison.Ordinal);
        var match = Regex.Match(end < 0 ? dump[start..] : dump[start..end], "Genant grade ([0-3])");
        Assert.True(match.Success, $"{level} has no grade in the report");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private Task<JsonNode> WaitForAsync(string path, Func<JsonNode, bool> done, CancellationToken ct) =>
        WorkerTestKit.WaitForAsync(Worker, path, done, TimeSpan.FromSeconds(60), ct);

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">")]
    private static partial Regex HiddenField();
}
