using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dashboard.Tests;

/// <summary>
/// A level the model missed, added on the study page: "n" opens the choice of the levels not in the review, six clicks
/// on the image in the result's point order add it (graded by the engine's rule, drawn as the reader's), Esc cancels,
/// and undo removes it again.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
[Collection(DashboardCollection.Name)]
public sealed class AddLevelBrowserTests(DashboardWorker fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonNode?> LevelAsync(long id, string level) =>
        (await fixture.Worker.GetJsonAsync($"api/studies/{id}/review", Ct))["levels"]!.AsArray().SingleOrDefault(l => l!["level"]!.GetValue<string>() == level);

    [Fact]
    public async Task MissedLevel_AddedWithSixClicks_ShowsWithAGrade_UndoRemovesIt_RedoAddsItAgain()
    {
        long id = await fixture.StudyIdAsync("PHANTOM-0003", Ct);
        var page = await fixture.OpenAsync($"/studies/{id}", 2560, 1440, user: "rad1");
        await page.Locator("#review-status").Filter(new LocatorFilterOptions { HasTextRegex = new System.Text.RegularExpressions.Regex("^Review \\d") }).WaitForAsync();
        await Assertions.Expect(page.Locator("#add-level")).ToBeEnabledAsync();
        var box = await page.Locator("svg#overlay image#frame").BoundingBoxAsync() ?? throw new InvalidOperationException("no image");
        var levelsShown = await page.Locator("tr.level-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.level)");

        // A wedge high up on the image: the anterior wall 45 % lower than the posterior one. Points in the result's order.
        float x0 = box.X + (box.Width * 0.10f), x1 = box.X + (box.Width * 0.22f), y0 = box.Y + (box.Height * 0.04f), y1 = box.Y + (box.Height * 0.10f);
        (float X, float Y)[] clicks = [(x0, y0 + ((y1 - y0) * 0.45f)), ((x0 + x1) / 2, y0), (x1, y0), (x0, y1), ((x0 + x1) / 2, y1), (x1, y1)];

        // Esc after a click cancels: nothing is sent.
        await page.Keyboard.PressAsync("n");
        var form = page.Locator("#add-form");
        await Assertions.Expect(form).ToBeVisibleAsync();
        string level = await page.Locator("#add-name").InputValueAsync();
        Assert.DoesNotContain(level, levelsShown);
        Assert.StartsWith($"Click the superior anterior point of {level}", await page.Locator("#add-prompt").InnerTextAsync(), StringComparison.Ordinal);
        await page.Mouse.ClickAsync(clicks[0].X, clicks[0].Y);
        Assert.StartsWith("Click the superior middle point", await page.Locator("#add-prompt").InnerTextAsync(), StringComparison.Ordinal);
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(form).ToBeHiddenAsync();
        Assert.Equal(0, await page.Locator("circle.add-mark").CountAsync());
        Assert.Null(await LevelAsync(id, level));

        await page.Keyboard.PressAsync("n");
        await Assertions.Expect(form).ToBeVisibleAsync();
        Assert.Equal(level, await page.Locator("#add-name").InputValueAsync());
        foreach (var (x, y) in clicks)
        {
            await page.Mouse.ClickAsync(x, y);
        }

        var row = page.Locator($"tr.level-row.reader[data-level='{level}']");
        await row.WaitForAsync();
        var added = await LevelAsync(id, level) ?? throw new InvalidOperationException($"{level} was not added");
        Assert.Equal("reader", added["origin"]!.GetValue<string>());
        Assert.Equal("modified", added["decision"]!.GetValue<string>());
        int grade = added["grade"]!.GetValue<int>();
        Assert.True(grade >= 1, added.ToJsonString());
        Assert.True(added["points"]!["sa"]![1]!.GetValue<double>() > added["points"]!["sp"]![1]!.GetValue<double>(), "the points were not taken in the order asked");
        Assert.Equal(grade.ToString(CultureInfo.InvariantCulture), await row.Locator("td[data-f='grade']").InnerTextAsync());
        Assert.Equal("Added by the reader", await row.Locator("span.decision").InnerTextAsync());
        var g = page.Locator($"svg g.level.reader[data-level='{level}']");
        Assert.StartsWith($"{level} G{grade}", await g.Locator("text.label").TextContentAsync() ?? string.Empty, StringComparison.Ordinal);
        Assert.EndsWith("added", await g.Locator("text.label").TextContentAsync() ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal("6 4", await g.Locator("line.h").First.EvaluateAsync<string>("l => getComputedStyle(l).strokeDasharray.replace(/px/g, '').replace(',', '')"));

        string folder = Path.Combine(Peers.RepositoryRoot, "artifacts", "dashboard");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "study-added-level-2560x1440.png") });

        // Undo removes the added level from the review, the table and the overlay.
        await page.Keyboard.PressAsync("u");
        await Assertions.Expect(row).ToHaveCountAsync(0);
        Assert.Equal(0, await g.CountAsync());
        Assert.Null(await LevelAsync(id, level));

        // Redo adds it again, with the same points and grade; undo takes it away once more.
        await page.Keyboard.PressAsync("Shift+U");
        await row.WaitForAsync();
        var again = await LevelAsync(id, level) ?? throw new InvalidOperationException($"redo did not add {level} again");
        Assert.Equal(grade, again["grade"]!.GetValue<int>());
        Assert.Equal(added["points"]!.ToJsonString(), again["points"]!.ToJsonString());
        await page.Keyboard.PressAsync("u");
        await Assertions.Expect(row).ToHaveCountAsync(0);
        Assert.Null(await LevelAsync(id, level));
        await page.Context.CloseAsync();
    }
}
