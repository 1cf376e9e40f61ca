using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json.Nodes;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dashboard.Tests;

/// <summary>
/// The study page at <c>/studies/{id}</c> in a real browser: the overlay where the result puts the points, the image
/// endpoint, the pages of studies without a result, MR slice choice, the view's keys, accessibility, and the review.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
[Collection(DashboardCollection.Name)]
public sealed class StudyPageBrowserTests(DashboardWorker fixture)
{
    private static readonly string[] PointNames = ["sa", "sm", "sp", "ia", "im", "ip"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static double Number(string? text) => double.Parse(text!, CultureInfo.InvariantCulture);

    /// <summary>The result's image with this SOP Instance UID (snake_case JSON, schema plao-study-result/1).</summary>
    private static JsonNode ImageOf(JsonNode result, string sop) =>
        result["images"]!.AsArray().Single(i => i!["source"]!["sop_instance_uid"]!.GetValue<string>() == sop)!;

    [Fact]
    public async Task PlaoStudy_OpenedFromTheWorklist_DrawsTheLandmarksWhereTheResultPutsThem()
    {
        var page = await fixture.OpenAsync("/");
        await page.Locator("#rows tr", new PageLocatorOptions { HasText = "PHANTOM-0003" }).Locator("td a").First.ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/studies/\\d+$"));
        long id = long.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);

        Assert.StartsWith("Study: PHANTOM", await page.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Results of a model trained on synthetic phantoms, for review by a radiologist.", await page.Locator("header").InnerTextAsync(), StringComparison.Ordinal);
        var result = await fixture.Worker.GetJsonAsync($"api/studies/{id}/result", Ct);
        var svg = page.Locator("svg#overlay");
        string sop = (await svg.GetAttributeAsync("data-sop"))!;
        var image = ImageOf(result, sop);
        Assert.Equal($"0 0 {image["columns"]} {image["rows"]}", await svg.GetAttributeAsync("viewBox"));

        var vertebrae = image["vertebrae"]!.AsArray();
        Assert.True(vertebrae.Count >= 8, $"{vertebrae.Count} vertebrae");
        Assert.Equal(vertebrae.Count, await page.Locator("svg g.level").CountAsync());
        foreach (var v in vertebrae)
        {
            string level = v!["level"]!.GetValue<string>();
            var g = page.Locator($"svg g.level[data-level='{level}']");
            foreach (string name in PointNames)
            {
                var circle = g.Locator($"circle.lm[data-point='{name}']");
                var expected = v["points"]![name]!.AsArray();

                // Rounded to 0.001 by the page, to 0.1 once the script has applied the review's points.
                Assert.Equal(expected[0]!.GetValue<double>(), Number(await circle.GetAttributeAsync("cx")), 0.06);
                Assert.Equal(expected[1]!.GetValue<double>(), Number(await circle.GetAttributeAsync("cy")), 0.06);
            }

            int grade = v["genant_grade"]!.GetValue<int>();
            string deformity = v["deformity"]!.GetValue<string>();
            string label = grade > 0 && deformity != "none" ? $"{level} G{grade} {deformity}" : $"{level} G{grade}";
            Assert.Equal(label, await g.Locator("text.label").TextContentAsync());
            Assert.Equal(grade.ToString(CultureInfo.InvariantCulture), await page.Locator($"tr.level-row[data-level='{level}'] td[data-f='grade']").InnerTextAsync());
        }

        Assert.Contains(vertebrae, v => v!["genant_grade"]!.GetValue<int>() >= 2);

        string folder = Path.Combine(Peers.RepositoryRoot, "artifacts", "dashboard");
        Directory.CreateDirectory(folder);
        await page.Locator("#review-status").Filter(new LocatorFilterOptions { HasNotText = "loading" }).WaitForAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "study-1366x768.png") });
        await page.SetViewportSizeAsync(1920, 1080);
        await page.Locator("svg g.level").Nth(vertebrae.Count / 2).Locator("text.label").ClickAsync();
        await page.Locator("#image-heading").ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "study-1920x1080.png") });
        await page.SetViewportSizeAsync(2560, 1440);
        await page.Locator("svg g.level").Nth(vertebrae.Count / 2).Locator("text.label").ClickAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "study-2560x1440.png") });
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"), "the page scrolls sideways at 2560 px");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ImageEndpoint_ReturnsAPngOfTheImagesSize_ForThisStudysInstancesOnly()
    {
        long plao = await fixture.StudyIdAsync("PHANTOM-0003", Ct);
        long other = await fixture.StudyIdAsync("PHANTOM-0001", Ct);
        var result = await fixture.Worker.GetJsonAsync($"api/studies/{plao}/result", Ct);
        var image = result["images"]!.AsArray().First(i => i!["kind"]!.GetValue<string>() == "lateral-radiograph")!;
        string sop = image["source"]!["sop_instance_uid"]!.GetValue<string>();
        var pngs = new List<byte[]>();
        foreach (string preset in new[] { "default", "bone", "soft" })
        {
            using var response = await fixture.Worker.Api.GetAsync($"dashboard/studies/{plao}/image?sop={sop}&frame=0&preset={preset}", Ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
            byte[] png = await response.Content.ReadAsByteArrayAsync(Ct);
            Assert.Equal("\u0089PNG", System.Text.Encoding.Latin1.GetString(png, 0, 4));
            Assert.Equal(image["columns"]!.GetValue<int>(), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
            Assert.Equal(image["rows"]!.GetValue<int>(), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
            Assert.Equal("1", string.Join(",", response.Headers.GetValues("X-Image-Scale")));
            pngs.Add(png);
        }

        Assert.NotEqual(pngs[0], pngs[1]);
        Assert.NotEqual(pngs[1], pngs[2]);

        // The same instance asked for under another study's id, a frame that does not exist, a made-up instance: 404.
        using (var wrongStudy = await fixture.Worker.Api.GetAsync($"dashboard/studies/{other}/image?sop={sop}&frame=0", Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, wrongStudy.StatusCode);
        }

        using (var noFrame = await fixture.Worker.Api.GetAsync($"dashboard/studies/{plao}/image?sop={sop}&frame=7", Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, noFrame.StatusCode);
        }

        using var unknown = await fixture.Worker.Api.GetAsync($"dashboard/studies/{plao}/image?sop=1.2.3.4&frame=0", Ct);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ImageEndpoint_DownscalesALargeFrameTo2048PixelsOnTheLongSide_AndSaysTheScale()
    {
        const int rows = 2304, columns = 3072;
        var pixels = new byte[rows * columns * 2];
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < columns; x++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(((y * columns) + x) * 2), (ushort)((x + y) % 4096));
            }
        }

        string sop = DicomUidGenerator.NewUid();
        var dataset = new DicomDataset()
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.1.1")
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, sop)
            .AddString(DicomTags.Modality, DicomVR.CS, "DX")
            .AddString(DicomTags.PatientName, DicomVR.PN, "LARGE^FRAME")
            .AddString(DicomTags.PatientID, DicomVR.LO, "LARGE-0001")
            .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddValues(new DicomTag(0x0028, 0x0002), DicomVR.US, (ushort)1)
            .AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2")
            .AddValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)rows)
            .AddValues(new DicomTag(0x0028, 0x0011), DicomVR.US, (ushort)columns)
            .AddValues(new DicomTag(0x0028, 0x0100), DicomVR.US, (ushort)16)
            .AddValues(new DicomTag(0x0028, 0x0101), DicomVR.US, (ushort)12)
            .AddValues(new DicomTag(0x0028, 0x0102), DicomVR.US, (ushort)11)
            .AddValues(new DicomTag(0x0028, 0x0103), DicomVR.US, (ushort)0)
            .AddBytes(DicomTag.PixelData, DicomVR.OW, pixels);
        var outcome = await new DicomClient("127.0.0.1", fixture.Worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" })
            .StoreAsync(dataset, cancellationToken: Ct);
        Assert.Equal(DicomStoreResult.Success, outcome.Result);
        await fixture.Worker.WaitForStudiesAsync(s => s.Any(x => x!["patientId"]?.GetValue<string>() == "LARGE-0001"), TimeSpan.FromSeconds(60), Ct);
        long id = await fixture.StudyIdAsync("LARGE-0001", Ct);

        using var response = await fixture.Worker.Api.GetAsync($"dashboard/studies/{id}/image?sop={sop}&frame=0", Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        byte[] png = await response.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal(2048, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(1536, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.Equal(2048.0 / 3072, Number(string.Join(",", response.Headers.GetValues("X-Image-Scale"))), 1e-6);
        Assert.Equal($"{columns}x{rows}", string.Join(",", response.Headers.GetValues("X-Image-Size")));
    }

    [Fact]
    public async Task StudiesWithoutFractures_OrWithoutAResult_EachShowTheirOwnPage()
    {
        long analysing = fixture.InsertStudy("STATE-ANALYSING", "Analysing", null);
        long failed = fixture.InsertStudy("STATE-FAILED", "Failed", "the engine ran out of memory <b>twice</b>");
        long received = fixture.InsertStudy("STATE-RECEIVED", "Receiving", null);
        long normal = await fixture.StudyIdAsync("PHANTOM-0004", Ct);
        long frontal = await fixture.StudyIdAsync("PHANTOM-0007", Ct);

        var page = await fixture.OpenAsync($"/studies/{analysing}");
        Assert.Equal("Being analysed", await page.Locator("#state-heading").InnerTextAsync());
        Assert.Equal(0, await page.Locator("svg#overlay").CountAsync());

        await page.GotoAsync($"/studies/{failed}");
        Assert.Equal("The analysis failed", await page.Locator("#state-heading").InnerTextAsync());
        Assert.Contains("the engine ran out of memory <b>twice</b>", await page.Locator("#state-page").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#state-page b").CountAsync());

        await page.GotoAsync($"/studies/{received}");
        Assert.Equal("Receiving images", await page.Locator("#state-heading").InnerTextAsync());

        await page.GotoAsync($"/studies/{frontal}");
        Assert.Equal("No result", await page.Locator("#state-heading").InnerTextAsync());
        Assert.Contains("No result", await page.Locator("#study-state").InnerTextAsync(), StringComparison.Ordinal);

        await page.GotoAsync($"/studies/{normal}");
        Assert.Equal("No fracture found", await page.Locator("#nofx-heading").InnerTextAsync());
        Assert.True(await page.Locator("svg#overlay g.level").CountAsync() >= 5);
        Assert.All(await page.Locator("td[data-f='grade']").AllInnerTextsAsync(), g => Assert.Equal("0", g));

        var missing = await page.GotoAsync("/studies/999999");
        Assert.Equal(404, missing!.Status);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task MrStudy_OffersItsMeasuredSlicesPerSeries_AndShowsTheAcuteLevel()
    {
        long mr = await fixture.StudyIdAsync("PHANTOM-0008", Ct);
        var page = await fixture.OpenAsync($"/studies/{mr}");

        Assert.Equal(0, await page.Locator("#nofx-heading").CountAsync()); // the study has a fracture, whichever slice is shown
        var selects = page.Locator("select.image-select");
        Assert.True(await selects.CountAsync() >= 2, "one select per measured MR series");
        Assert.Contains("Sagittal MR slice", await page.Locator("svg#overlay title").First.TextContentAsync(), StringComparison.Ordinal);
        var acute = await page.Locator("td[data-f='acute']").AllInnerTextsAsync();
        Assert.Contains(acute, a => a.StartsWith("acute", StringComparison.Ordinal));
        Assert.Contains("acute", await page.Locator("svg g.level[data-level='L1'] text.label").TextContentAsync() ?? string.Empty, StringComparison.Ordinal);

        // Another slice of another series: the page shows it.
        string before = (await page.Locator("svg#overlay").GetAttributeAsync("data-sop"))!;
        var option = page.Locator("select.image-select option:not([value='']):not([selected])").Last;
        string value = (await option.GetAttributeAsync("value"))!;
        await option.Locator("xpath=..").SelectOptionAsync(value);
        await page.WaitForURLAsync(u => u.Contains("image=", StringComparison.Ordinal));
        string after = (await page.Locator("svg#overlay").GetAttributeAsync("data-sop"))!;
        Assert.NotEqual(before, after);
        Assert.StartsWith(after, value, StringComparison.Ordinal);
        string folder = Path.Combine(Peers.RepositoryRoot, "artifacts", "dashboard");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "study-mr-1366x768.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ViewKeys_ToggleTheOverlay_SwitchTheWindow_ZoomAndShowTheKeyList()
    {
        long plao = await fixture.StudyIdAsync("PHANTOM-0003", Ct);
        var page = await fixture.OpenAsync($"/studies/{plao}");
        var svg = page.Locator("svg#overlay");
        await svg.FocusAsync();

        await page.Keyboard.PressAsync("o");
        Assert.Contains("overlay-off", await svg.GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal);
        Assert.False(await page.Locator("svg g.level").First.IsVisibleAsync());
        await page.Keyboard.PressAsync("o");
        Assert.True(await page.Locator("svg g.level").First.IsVisibleAsync());

        await page.Keyboard.PressAsync("2");
        Assert.EndsWith("preset=bone", await page.Locator("#frame").GetAttributeAsync("href") ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal("true", await page.Locator("button.preset[data-preset='bone']").GetAttributeAsync("aria-pressed"));

        string fitted = (await svg.GetAttributeAsync("viewBox"))!;
        await page.Keyboard.PressAsync("+");
        string zoomed = (await svg.GetAttributeAsync("viewBox"))!;
        Assert.True(Number(zoomed.Split(' ')[2]) < Number(fitted.Split(' ')[2]), $"{fitted} → {zoomed}");
        await page.Keyboard.PressAsync("0");
        Assert.Equal(fitted, await svg.GetAttributeAsync("viewBox"));

        // Hovering a row highlights its level on the image; clicking a label on the image focuses its row.
        var thirdRow = page.Locator("tr.level-row").Nth(2);
        string hovered = (await thirdRow.GetAttributeAsync("data-level"))!;
        await thirdRow.HoverAsync();
        Assert.Contains("hover", await page.Locator($"svg g.level[data-level='{hovered}']").GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal);
        await page.Locator("svg g.level").Nth(4).Locator("text.label").ClickAsync();
        string labelled = (await page.Locator("svg g.level").Nth(4).GetAttributeAsync("data-level"))!;
        Assert.Equal(labelled, await page.EvaluateAsync<string>("() => document.activeElement.closest('tr')?.dataset.level"));

        // One level's checkbox hides that level alone.
        var firstRow = page.Locator("tr.level-row").First;
        string level = (await firstRow.GetAttributeAsync("data-level"))!;
        await firstRow.Locator("input.show-level").UncheckAsync();
        Assert.False(await page.Locator($"svg g.level[data-level='{level}']").IsVisibleAsync());
        Assert.True(await page.Locator("svg g.level").Nth(1).IsVisibleAsync());

        // The hit circle of a landmark is at least 24 CSS pixels across.
        var box = await page.Locator("svg circle.hit").First.BoundingBoxAsync();
        Assert.True(box is { Width: >= 24 }, $"hit circle {box?.Width} px");

        await page.Keyboard.PressAsync("?");
        Assert.True(await page.Locator("#keys").IsVisibleAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task StudyPage_HasNoSeriousOrCriticalAccessibilityViolations()
    {
        long plao = await fixture.StudyIdAsync("PHANTOM-0003", Ct);
        var page = await fixture.OpenAsync($"/studies/{plao}");
        await page.Locator("#review-status").Filter(new LocatorFilterOptions { HasNotText = "loading" }).WaitForAsync();

        var result = await page.RunAxe();

        Assert.NotEmpty(result.Passes);
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help}: {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task PrintPage_ShowsTheImageTheTableAndTheModelStatement()
    {
        long plao = await fixture.StudyIdAsync("PHANTOM-0003", Ct);
        var page = await fixture.OpenAsync($"/studies/{plao}/print");

        Assert.StartsWith("Vertebral fracture report: ", await page.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("for review by a radiologist", await page.Locator("header").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("svg#overlay g.level").CountAsync() >= 8);
        Assert.Equal(0, await page.Locator("button[data-act]").CountAsync());
        await page.Locator("#review-status").Filter(new LocatorFilterOptions { HasNotText = "loading" }).WaitForAsync();
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        Assert.False(await page.Locator("header nav").IsVisibleAsync());
        string folder = Path.Combine(Peers.RepositoryRoot, "artifacts", "dashboard");
        Directory.CreateDirectory(folder);
        await page.SetViewportSizeAsync(794, 1123);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "study-print.png"), FullPage = true });
        byte[] pdf = await page.PdfAsync(new PagePdfOptions { Path = Path.Combine(folder, "study-print.pdf"), Format = "A4", PrintBackground = true });
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(System.Text.Encoding.Latin1.GetString(pdf), @"/Type\s*/Page[^s]"));
        await page.Context.CloseAsync();
    }
}
