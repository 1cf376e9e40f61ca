using System.Buffers.Binary;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dashboard.Tests;

/// <summary>The worklist at <c>/</c> in a real browser: rows and states, filters in the URL, the adjacent-fracture marker, live updates.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
[Collection(DashboardCollection.Name)]
public sealed class WorklistBrowserTests(DashboardWorker fixture)
{
    /// <summary>A 64 × 64 radiograph with nothing to measure, in UTF-8 (ISO_IR 192), for a patient of our choosing.</summary>
    private static DicomDataset TinyImage(string patientId, string patientName)
    {
        var pixels = new byte[64 * 64 * 2];
        for (int i = 0; i + 1 < pixels.Length; i += 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(i), (ushort)(i * 37 % 4096));
        }

        return new DicomDataset()
            .AddString(DicomTags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192")
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.1.1")
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.Modality, DicomVR.CS, "DX")
            .AddString(DicomTags.PatientName, DicomVR.PN, patientName)
            .AddString(DicomTags.PatientID, DicomVR.LO, patientId)
            .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddValues(new DicomTag(0x0028, 0x0002), DicomVR.US, (ushort)1)
            .AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2")
            .AddValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)64)
            .AddValues(new DicomTag(0x0028, 0x0011), DicomVR.US, (ushort)64)
            .AddValues(new DicomTag(0x0028, 0x0100), DicomVR.US, (ushort)16)
            .AddValues(new DicomTag(0x0028, 0x0101), DicomVR.US, (ushort)12)
            .AddValues(new DicomTag(0x0028, 0x0102), DicomVR.US, (ushort)11)
            .AddValues(new DicomTag(0x0028, 0x0103), DicomVR.US, (ushort)0)
            .AddBytes(DicomTag.PixelData, DicomVR.OW, pixels);
    }

    private static ILocator Row(IPage page, string patientId) => page.Locator("#rows tr", new PageLocatorOptions { HasText = patientId });

    [Fact]
    public async Task Worklist_ListsTheStudiesWithTheirStatesAndFractureCounts()
    {
        var page = await fixture.OpenAsync("/");

        Assert.Contains("PHANTOM, 0001", await Row(page, "PHANTOM-0001").InnerTextAsync(), StringComparison.Ordinal);
        var plao = Row(page, "PHANTOM-0003");
        Assert.Equal("Needs review", await plao.Locator(".state").InnerTextAsync());
        var detail = await fixture.Worker.GetJsonAsync($"api/studies/{await plao.GetAttributeAsync("data-id")}", TestContext.Current.CancellationToken);
        int fractures = detail["study"]!["fractureCount"]!.GetValue<int>();
        Assert.True(fractures >= 2, detail.ToJsonString());
        Assert.StartsWith(fractures.ToString(System.Globalization.CultureInfo.InvariantCulture), await plao.Locator("td").Nth(6).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("No result", await Row(page, "PHANTOM-0007").Locator(".state").InnerTextAsync());
        // Another test reads this study's review: it may be under way (or signed) when this one runs.
        Assert.Contains(await Row(page, "PHANTOM-0002").Locator(".state").InnerTextAsync(), new[] { "Needs review", "In review", "Signed" });
        Assert.Contains("results of a model trained on synthetic phantoms, for review by a radiologist", (await page.Locator("header").InnerTextAsync()).ToLowerInvariant(), StringComparison.Ordinal);
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task StateFilterInTheUrl_NarrowsTheList()
    {
        var page = await fixture.OpenAsync("/?state=noresult");

        var states = await page.Locator("#rows tr .state").AllInnerTextsAsync();
        Assert.NotEmpty(states);
        Assert.All(states, s => Assert.Equal("No result", s));
        Assert.Equal(1, await Row(page, "PHANTOM-0007").CountAsync());
        Assert.Equal(0, await Row(page, "PHANTOM-0003").CountAsync());
        Assert.Equal("noresult", await page.Locator("#state").InputValueAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task GradeAndDateFiltersAndSortingInTheUrl_SelectAndOrderTheRows()
    {
        var page = await fixture.OpenAsync("/?minGrade=2&sort=grade");

        var grades = (await page.Locator("#rows tr td:nth-child(8)").AllInnerTextsAsync()).Select(int.Parse).ToList();
        Assert.NotEmpty(grades);
        Assert.All(grades, g => Assert.True(g >= 2, string.Join(", ", grades)));
        Assert.Equal(grades.OrderDescending(), grades);
        Assert.Equal(0, await Row(page, "PHANTOM-0007").CountAsync());

        await page.GotoAsync("/?from=2026-01-01&to=2026-03-31");
        Assert.Equal(1, await Row(page, "PHANTOM-0001").CountAsync());
        Assert.Equal(0, await Row(page, "PHANTOM-0003").CountAsync());
        Assert.Equal(0, await Row(page, "PHANTOM-0002").CountAsync());
        Assert.Equal("2026-01-01", await page.Locator("#from").InputValueAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task PlaoRunStudy_IsMarkedAsHavingAdjacentFractures()
    {
        var page = await fixture.OpenAsync("/");

        var plao = Row(page, "PHANTOM-0003");
        string marker = await plao.Locator(".flag.adjacent").InnerTextAsync();
        Assert.StartsWith("Adjacent fractures: T", marker, StringComparison.Ordinal);
        Assert.Contains("standout", await plao.GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal(0, await Row(page, "PHANTOM-0007").Locator(".flag").CountAsync());

        string folder = Path.Combine(Peers.RepositoryRoot, "artifacts", "dashboard");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "worklist-1366x768.png") });
        await page.SetViewportSizeAsync(2560, 1440);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "worklist-2560x1440.png") });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Worklist_HasNoSeriousOrCriticalAccessibilityViolations()
    {
        var page = await fixture.OpenAsync("/?sort=grade");

        var result = await page.RunAxe();

        Assert.NotEmpty(result.Passes); // the scan ran: rules were checked
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help}: {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FreeTextSearch_HidesOtherRowsAndStaysOutOfTheUrl()
    {
        var page = await fixture.OpenAsync("/");

        await page.Locator("#search").FillAsync("phantom-0002");

        Assert.True(await Row(page, "PHANTOM-0002").IsVisibleAsync());
        Assert.False(await Row(page, "PHANTOM-0003").IsVisibleAsync());
        Assert.DoesNotContain("0002", page.Url, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LongGreekNameWithMarkup_IsShownAsText_AndNeitherWorklistNorStudyPageOverflowsAt1366()
    {
        var ct = TestContext.Current.CancellationToken;
        const string family = "Παπαδοπούλου-Χατζηγεωργίου-Κωνσταντινίδου";
        const string given = "Αικατερίνη <i>&amp;</i>";
        var outcome = await new DicomClient("127.0.0.1", fixture.Worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" })
            .StoreAsync(TinyImage("GR-0001", $"{family}^{given}"), cancellationToken: ct);
        Assert.Equal(DicomStoreResult.Success, outcome.Result);
        await fixture.Worker.WaitForStudiesAsync(
            s => s.Any(x => x!["patientId"]?.GetValue<string>() == "GR-0001" && x["state"]!.GetValue<string>() is "NoResult" or "Failed" or "Analysed"),
            TimeSpan.FromSeconds(90), ct);

        var page = await fixture.OpenAsync("/");

        var row = Row(page, "GR-0001");
        Assert.Equal($"{family}, {given}", await row.Locator("td").First.InnerTextAsync());
        Assert.Equal(0, await row.Locator("i").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"),
            "the page scrolls sideways at 1366 px");
        await page.Context.CloseAsync();

        // The study page's heading says the same name, as text, and does not scroll sideways either.
        var study = await fixture.OpenAsync($"/studies/{await fixture.StudyIdAsync("GR-0001", ct)}");
        var heading = study.Locator("h1");
        Assert.Contains($"{family}, {given}", await heading.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await heading.Locator("i").CountAsync());
        Assert.True(await study.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"),
            "the study page scrolls sideways at 1366 px");
        await study.Context.CloseAsync();
    }

    [Fact]
    public async Task NewStudy_AppearsWithoutAReload_AndIsAnnounced()
    {
        var ct = TestContext.Current.CancellationToken;
        var page = await fixture.OpenAsync("/");
        Assert.Equal(0, await Row(page, "PHANTOM-0009").CountAsync());
        await page.EvaluateAsync("""
            () => {
              window.stillTheSamePage = true;
              window.announced = [];
              const live = document.getElementById('live');
              new MutationObserver(() => window.announced.push(live.textContent)).observe(live, { childList: true, characterData: true, subtree: true });
            }
            """);

        await fixture.StoreAsync("08-cr-no-pixel-spacing", ct);

        await Row(page, "PHANTOM-0009").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");
        await page.WaitForFunctionAsync("() => window.announced.some(t => /new stud/.test(t))", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
        await page.Context.CloseAsync();
    }
}
