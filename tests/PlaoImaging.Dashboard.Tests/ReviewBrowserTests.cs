using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dashboard.Tests;

/// <summary>
/// The radiologist's review on the study page, against the worker's review API: a landmark dragged with the mouse
/// regrades the level, undo and redo send the inverse change, keys accept and reject, the sign dialog sends the amended
/// report to the PACS (DCMTK storescp, read back with dsrdump), and two readers on one study do not overwrite each other.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
[Collection(DashboardCollection.Name)]
public sealed class ReviewBrowserTests(DashboardWorker fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ILocator Row(IPage page, string level) => page.Locator($"tr.level-row[data-level='{level}']");

    private static ILocator Decision(IPage page, string level) => Row(page, level).Locator("span.decision");

    private static async Task ReviewLoadedAsync(IPage page) =>
        await page.Locator("#review-status").Filter(new LocatorFilterOptions { HasTextRegex = new System.Text.RegularExpressions.Regex("^Review \\d") }).WaitForAsync();

    private async Task<JsonNode> ReviewAsync(long id) => await fixture.Worker.GetJsonAsync($"api/studies/{id}/review", Ct);

    private static JsonNode Level(JsonNode review, string level) => review["levels"]!.AsArray().Single(l => l!["level"]!.GetValue<string>() == level)!;

    private static async Task<(float X, float Y)> CentreAsync(ILocator locator)
    {
        var box = await locator.BoundingBoxAsync() ?? throw new InvalidOperationException("not shown");
        return (box.X + (box.Width / 2), box.Y + (box.Height / 2));
    }

    [Fact]
    public async Task DraggedLandmark_RegradesTheLevel_UndoRedo_KeysDecideTheRest_AndSigningSendsTheAmendedReport()
    {
        long id = await fixture.StudyIdAsync("PHANTOM-0002", Ct);
        var page = await fixture.OpenAsync($"/studies/{id}", 2560, 1440, user: "rad1");
        await ReviewLoadedAsync(page);
        string sop = (await page.Locator("svg#overlay").GetAttributeAsync("data-sop"))!;
        var review = await ReviewAsync(id);
        var onImage = review["levels"]!.AsArray().Where(l => l!["sopInstanceUid"]!.GetValue<string>() == sop).Select(l => l!).ToList();
        var target = onImage.Skip(1).SkipLast(1).First(l => l["grade"]!.GetValue<int>() == 0 && l["modelPoints"] is not null);
        string level = target["level"]!.GetValue<string>();
        var g = page.Locator($"svg g.level[data-level='{level}']");

        // Esc during a drag puts the point back and saves nothing.
        var (sx, sy) = await CentreAsync(g.Locator("circle.hit[data-point='sa']"));
        var (ix, iy) = await CentreAsync(g.Locator("circle.hit[data-point='ia']"));
        string? cy = await g.Locator("circle.lm[data-point='sa']").GetAttributeAsync("cy");
        await page.Mouse.MoveAsync(sx, sy);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(sx, sy + ((iy - sy) * 0.3f), new MouseMoveOptions { Steps = 5 });
        Assert.NotEqual(cy, await g.Locator("circle.lm[data-point='sa']").GetAttributeAsync("cy"));
        await page.Keyboard.PressAsync("Escape");
        await page.Mouse.UpAsync();
        Assert.Equal(cy, await g.Locator("circle.lm[data-point='sa']").GetAttributeAsync("cy"));
        Assert.Equal("undecided", Level(await ReviewAsync(id), level)["decision"]!.GetValue<string>());

        // Drag the superior anterior point 45 % of the way down the anterior wall: a wedge.
        await page.Mouse.MoveAsync(sx, sy);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(sx + ((ix - sx) * 0.45f), sy + ((iy - sy) * 0.45f), new MouseMoveOptions { Steps = 12 });
        await page.Mouse.UpAsync();

        await Decision(page, level).Filter(new LocatorFilterOptions { HasText = "Modified" }).WaitForAsync();
        var moved = Level(await ReviewAsync(id), level);
        int newGrade = moved["grade"]!.GetValue<int>();
        Assert.True(newGrade >= 1, moved.ToJsonString());
        Assert.Equal(newGrade.ToString(CultureInfo.InvariantCulture), await Row(page, level).Locator("td[data-f='grade']").InnerTextAsync());
        Assert.StartsWith($"{level} G{newGrade}", await g.Locator("text.label").TextContentAsync() ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("moved", await g.GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal); // the model's point stays as a ghost

        // Undo sends the model's points back (undecided again); redo moves them once more.
        await page.Keyboard.PressAsync("u");
        await Decision(page, level).Filter(new LocatorFilterOptions { HasText = "Not reviewed" }).WaitForAsync();
        Assert.Equal(0, Level(await ReviewAsync(id), level)["grade"]!.GetValue<int>());
        await page.Keyboard.PressAsync("Shift+U");
        await Decision(page, level).Filter(new LocatorFilterOptions { HasText = "Modified" }).WaitForAsync();
        Assert.Equal(newGrade, Level(await ReviewAsync(id), level)["grade"]!.GetValue<int>());

        // Keys: the first level selected, then j through the table; one level rejected with a reason, the rest accepted.
        var levels = await page.Locator("tr.level-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.level)");
        string rejected = levels.First(l => l != level);
        await Row(page, levels[0]).Locator("button.level-link").ClickAsync();
        foreach (string l in levels)
        {
            if (l == rejected)
            {
                await page.Keyboard.PressAsync("r");
                await Row(page, l).Locator("form.reason input").FillAsync("overlapping ribs: not assessable");
                await page.Keyboard.PressAsync("Enter");
                await Decision(page, l).Filter(new LocatorFilterOptions { HasText = "Rejected: overlapping ribs" }).WaitForAsync();
            }
            else if (l != level)
            {
                await page.Keyboard.PressAsync("a");
                await Decision(page, l).Filter(new LocatorFilterOptions { HasText = "Accepted" }).WaitForAsync();
            }

            await page.Keyboard.PressAsync("j");
        }

        // Sign in the in-page dialog, which lists the differences from the model.
        var sign = page.Locator("#sign");
        await Assertions.Expect(sign).ToBeEnabledAsync();
        await sign.ClickAsync();
        var dialog = page.Locator("#sign-dialog");
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        string differences = await page.Locator("#sign-differences").InnerTextAsync();
        Assert.Contains(level, differences, StringComparison.Ordinal);
        Assert.Contains(rejected, differences, StringComparison.Ordinal);
        await page.Locator("#sign-confirm").ClickAsync();
        await page.Locator("#review-status").Filter(new LocatorFilterOptions { HasText = "signed by rad1" }).WaitForAsync();
        Assert.True(await page.Locator("button[data-act='accept']").First.IsDisabledAsync(), "a signed review is read-only");
        Assert.True(await page.Locator("#change").IsVisibleAsync());

        // The amended report reaches the PACS: verified, by rad1, with the level's new grade.
        string dump = await AmendedReportAsync("PHANTOM-0002", TimeSpan.FromSeconds(60));
        Assert.Contains("Verification Flag   : VERIFIED", dump, StringComparison.Ordinal);
        string block = dump[dump.IndexOf($"=\"{level} vertebra\"", StringComparison.Ordinal)..];
        int next = block.IndexOf("Tracking Identifier", 40, StringComparison.Ordinal);
        block = next > 0 ? block[..next] : block;
        Assert.Contains($"Genant grade {newGrade}", block, StringComparison.Ordinal);

        // The audit trail lists the changes and the signature.
        await page.Locator("#audit summary").ClickAsync();
        var audit = page.Locator("#audit-body table");
        await audit.WaitForAsync();
        string trail = await audit.InnerTextAsync();
        Assert.Contains("points", trail, StringComparison.Ordinal);
        Assert.Contains("sign", trail, StringComparison.Ordinal);
        Assert.Contains("rad1", trail, StringComparison.Ordinal);

        // The study page tells the amended report's export apart from the analysis's own.
        await page.ReloadAsync();
        Assert.Contains("amended report (review 1): ", await page.Locator("#exports summary").InnerTextAsync(), StringComparison.Ordinal);

        // "Change" on the signed review: the next change starts review 2.
        await ReviewLoadedAsync(page);
        await page.Locator("#change").ClickAsync();
        await Row(page, rejected).Locator("button.level-link").ClickAsync();
        await page.Keyboard.PressAsync("a");
        await Decision(page, rejected).Filter(new LocatorFilterOptions { HasText = "Accepted" }).WaitForAsync();
        Assert.StartsWith("Review 2 ", await page.Locator("#review-status").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("open", (await ReviewAsync(id))["state"]!.GetValue<string>());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TwoReadersOnOneStudy_TheSecondIsToldAndNothingIsOverwritten()
    {
        long id = await fixture.StudyIdAsync("PHANTOM-0001", Ct);
        var first = await fixture.OpenAsync($"/studies/{id}", user: "rad1");
        var second = await fixture.OpenAsync($"/studies/{id}", user: "rad2");
        await ReviewLoadedAsync(first);
        await ReviewLoadedAsync(second);
        var levels = await first.Locator("tr.level-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.level)");

        await Row(first, levels[0]).Locator("button.level-link").ClickAsync();
        await first.Keyboard.PressAsync("a");
        await Decision(first, levels[0]).Filter(new LocatorFilterOptions { HasText = "Accepted" }).WaitForAsync();

        // The second reader still has the old version: the change is refused, said, and the review reloaded.
        await Row(second, levels[1]).Locator("button.level-link").ClickAsync();
        await second.Keyboard.PressAsync("a");
        await second.Locator("#message").Filter(new LocatorFilterOptions { HasText = "Changed by rad1 at" }).WaitForAsync();
        Assert.Contains("reloaded", await second.Locator("#message").InnerTextAsync(), StringComparison.Ordinal);
        await Decision(second, levels[0]).Filter(new LocatorFilterOptions { HasText = "Accepted" }).WaitForAsync();
        Assert.Equal("Not reviewed", await Decision(second, levels[1]).InnerTextAsync());

        var review = await ReviewAsync(id);
        Assert.Equal("accepted", Level(review, levels[0])["decision"]!.GetValue<string>());
        Assert.Equal("undecided", Level(review, levels[1])["decision"]!.GetValue<string>());
        Assert.Equal("rad1", review["lastChangedBy"]!.GetValue<string>());

        // Keyboard only: p selects the level's first landmark, Shift+↓ moves it 10 px at a time, saved after the last press.
        string third = levels[2];
        await Row(first, third).Locator("button.level-link").ClickAsync();
        await first.Keyboard.PressAsync("p");
        for (int i = 0; i < 3; i++)
        {
            await first.Keyboard.PressAsync("Shift+ArrowDown");
        }

        await Decision(first, third).Filter(new LocatorFilterOptions { HasText = "Modified" }).WaitForAsync();
        var nudged = Level(await ReviewAsync(id), third);
        Assert.Equal(nudged["modelPoints"]!["sa"]![1]!.GetValue<double>() + 30, nudged["points"]!["sa"]![1]!.GetValue<double>(), 0.11);
        Assert.Equal(nudged["modelPoints"]!["sa"]![0]!.GetValue<double>(), nudged["points"]!["sa"]![0]!.GetValue<double>(), 0.11);
        await first.Keyboard.PressAsync("Escape");
        await first.Keyboard.PressAsync("u");
        await Decision(first, third).Filter(new LocatorFilterOptions { HasText = "Not reviewed" }).WaitForAsync();
        await first.Context.CloseAsync();
        await second.Context.CloseAsync();
    }

    /// <summary>The dsrdump of the first verified SR of a patient that storescp received (other tests sign other studies).</summary>
    private async Task<string> AmendedReportAsync(string patientId, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (DateTime.UtcNow < until)
        {
            foreach (string file in Directory.GetFiles(fixture.Pacs.OutDirectory, "SR*").Where(f => !seen.Contains(f)))
            {
                var (code, stdout, _) = Peers.Run("dsrdump", [file]);
                if (code != 0)
                {
                    continue; // still being written: read again on the next round
                }

                seen.Add(file);
                if (stdout.Contains("Verification Flag   : VERIFIED", StringComparison.Ordinal) && stdout.Contains($"#{patientId})", StringComparison.Ordinal))
                {
                    return stdout;
                }
            }

            await Task.Delay(250, Ct);
        }

        Assert.Fail($"no verified SR of {patientId} reached storescp in {timeout.TotalSeconds} s ({seen.Count} SR files)");
        return string.Empty;
    }
}
