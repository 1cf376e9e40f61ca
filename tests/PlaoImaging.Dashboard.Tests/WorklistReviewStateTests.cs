using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;

namespace PlaoImaging.Dashboard.Tests;

/// <summary>
/// The worklist and the review: a study whose review is open with a decision reads "In review", a signed one "Signed"
/// with who and when, and the state filter finds both; the results CSV link carries the page's filters; only admins
/// see the operations links.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
[Collection(DashboardCollection.Name)]
public sealed class WorklistReviewStateTests(DashboardWorker fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ILocator Row(IPage page, string patientId) => page.Locator("#rows tr", new PageLocatorOptions { HasText = patientId });

    /// <summary>The row of a patient in the table body the page's script polls, parsed by the browser.</summary>
    private static async Task<(string? State, string? Signature)> PolledRowAsync(IPage page, string patientId)
    {
        var response = await page.APIRequest.GetAsync("/dashboard/rows");
        Assert.Equal(200, response.Status);
        string html = await response.TextAsync();
        var cells = await page.EvaluateAsync<string?[]>("""
            ([html, pid]) => {
              const body = new DOMParser().parseFromString('<table>' + html + '</table>', 'text/html').getElementById('rows');
              const tr = Array.from(body.querySelectorAll('tr[data-id]')).find(r => r.textContent.includes(pid));
              return tr ? [tr.querySelector('.state').textContent, tr.getAttribute('data-sig')] : [null, null];
            }
            """, new object[] { html, patientId });
        return (cells[0], cells[1]);
    }

    [Fact]
    public async Task SignedReview_ShowsSignedWithWhoAndWhen_AndTheStateFilterFindsIt()
    {
        const string patient = "PHANTOM-0004";
        long id = await fixture.StudyIdAsync(patient, Ct);
        var page = await fixture.OpenAsync("/");
        var (before, signatureBefore) = await PolledRowAsync(page, patient);
        Assert.Equal("Needs review", before);

        // A radiologist reads through the API (Basic: no anti-forgery token), one decision at a time.
        using var rad1 = fixture.Worker.CreateClient(new NetworkCredential("rad1", DashboardWorker.Password("rad1")));
        var review = (await rad1.GetFromJsonAsync<JsonNode>($"api/studies/{id}/review", Ct))!;
        var levels = review["levels"]!.AsArray().Select(l => l!["level"]!.GetValue<string>()).ToList();
        Assert.NotEmpty(levels);
        for (int i = 0; i < levels.Count; i++)
        {
            var answer = await rad1.PostAsJsonAsync($"api/studies/{id}/review/levels/{levels[i]}/decision",
                new { decision = "accepted", version = review["version"]!.GetValue<long>() }, Ct);
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync(Ct));
            review = (await answer.Content.ReadFromJsonAsync<JsonNode>(Ct))!;
            if (i == 0)
            {
                var (state, signature) = await PolledRowAsync(page, patient);
                Assert.Equal("In review", state);
                Assert.NotEqual(signatureBefore, signature);
                await page.GotoAsync("/?state=inreview");
                Assert.Equal(1, await Row(page, patient).CountAsync());
                await page.GotoAsync("/?state=review");
                Assert.Equal(0, await Row(page, patient).CountAsync());
            }
        }

        var signed = await rad1.PostAsJsonAsync($"api/studies/{id}/review/sign", new { version = review["version"]!.GetValue<long>() }, Ct);
        Assert.True(signed.IsSuccessStatusCode, await signed.Content.ReadAsStringAsync(Ct));

        // The live poll sees the signature as a changed row; the page says who signed and when.
        Assert.Equal("Signed", (await PolledRowAsync(page, patient)).State);
        await page.GotoAsync("/");
        var row = Row(page, patient);
        Assert.Equal("Signed", await row.Locator(".state").InnerTextAsync());
        Assert.StartsWith("Signed by rad1 at 20", await row.Locator(".state").GetAttributeAsync("title") ?? string.Empty, StringComparison.Ordinal);
        Assert.Matches(@"by rad1, \d{4}-\d\d-\d\d \d\d:\d\d UTC", await row.Locator("td").Nth(5).InnerTextAsync());

        await page.GotoAsync("/?state=signed");
        Assert.Equal("signed", await page.Locator("#state").InputValueAsync());
        Assert.Equal(1, await Row(page, patient).CountAsync());
        Assert.All(await page.Locator("#rows tr .state").AllInnerTextsAsync(), s => Assert.Equal("Signed", s));
        await page.GotoAsync("/?state=review");
        Assert.Equal(0, await Row(page, patient).CountAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ResultsCsvLink_CarriesTheUrlFilters_AndDownloadsCsvWithAHeaderRow()
    {
        var page = await fixture.OpenAsync("/?minGrade=2&sort=grade&from=2020-01-01");

        var link = page.Locator("a#results-csv");
        Assert.Equal("Download results (CSV)", await link.InnerTextAsync());
        string href = (await link.GetAttributeAsync("href"))!;
        Assert.Equal("/api/results.csv?minGrade=2&from=2020-01-01&sort=grade", href);

        var response = await page.APIRequest.GetAsync(href);
        Assert.Equal(200, response.Status);
        Assert.StartsWith("text/csv", response.Headers["content-type"], StringComparison.Ordinal);
        Assert.StartsWith("attachment", response.Headers["content-disposition"], StringComparison.Ordinal);
        string[] lines = (await response.TextAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("study_id,accession_number,study_date,modality,level,model_grade", lines[0], StringComparison.Ordinal);
        Assert.True(lines.Length > 1, "no level rows for studies graded 2 or more");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task OperationsLinks_AreShownToAnAdmin_AndNotToARadiologist()
    {
        var admin = await fixture.OpenAsync("/");
        var links = await admin.Locator("header nav.ops a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        string[] expected = ["/hangfire", "/metrics", "/api/exports?state=Failed", "/api/agreement"];
        Assert.Equal(expected, links);
        Assert.Equal("Operations", await admin.Locator("nav.ops h2").InnerTextAsync());
        Assert.Equal(200, (await admin.APIRequest.GetAsync("/api/exports?state=Failed")).Status);
        await admin.Context.CloseAsync();

        var radiologist = await fixture.OpenAsync("/", user: "rad1");
        Assert.Equal(1, await radiologist.Locator("a#results-csv").CountAsync());
        Assert.Equal(0, await radiologist.Locator("nav.ops").CountAsync());
        Assert.Equal(0, await radiologist.Locator("a[href='/hangfire'], a[href='/metrics']").CountAsync());
        await radiologist.Context.CloseAsync();
    }
}
