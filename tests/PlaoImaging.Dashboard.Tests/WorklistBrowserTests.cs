using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dashboard.Tests;

/// <summary>
/// One worker with four sample studies analysed (01 and 02: scattered fractures, 03: the PLAO run, 06: a frontal view
/// with no result), and Debian's Chromium, headless, signed in through the form once.
/// </summary>
public sealed class DashboardWorker : IAsyncLifetime
{
    private static readonly string[] Initial =
        ["01-cr-lumbar-mono1-jpegll", "02-dx-thoracolumbar-explicit", "03-dx-thoracic-plao-run", "06-cr-frontal-spine-skip"];

    private IPlaywright? playwright;

    public WorkerProcess Worker { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The signed-in session's cookies, for each test's own context.</summary>
    public string StorageState { get; private set; } = null!;

    public string BaseUrl => $"http://127.0.0.1:{Worker.HttpPort}";

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        string chromium = Peers.Require("chromium");
        Worker = await WorkerProcess.StartAsync("worker-dashboard", cancellationToken: ct);
        foreach (string sample in Initial)
        {
            await StoreAsync(sample, ct);
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox"] });
        await Worker.WaitForStudiesAsync(s => s.Count == Initial.Length && s.All(x => x!["state"]!.GetValue<string>() is "Analysed" or "NoResult" or "Failed"),
            TimeSpan.FromSeconds(120), ct);

        // Sign in through the form: "/" sends an anonymous browser to the sign-in page and back.
        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        string password = (await File.ReadAllTextAsync(Path.Combine(Worker.DataFolder, "secrets", "admin-password"), ct)).Trim();
        await page.Locator("#user").FillAsync("admin");
        await page.Locator("#password").FillAsync(password);
        await page.Locator("button[type=submit]").ClickAsync();
        await page.WaitForURLAsync($"{BaseUrl}/");
        Assert.Equal("PlaoImaging worklist", await page.Locator("h1").InnerTextAsync());
        StorageState = await context.StorageStateAsync();
    }

    /// <summary>C-STOREs a sample study's files to the worker.</summary>
    public async Task StoreAsync(string sample, CancellationToken cancellationToken)
    {
        string[] files = [.. Directory.GetFiles(Path.Combine(Peers.RepositoryRoot, "sample-data", sample), "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        var client = new DicomClient("127.0.0.1", Worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
        var outcomes = await client.StoreAsync(files, null, cancellationToken);
        Assert.All(outcomes, o => Assert.Equal(DicomStoreResult.Success, o.Result));
    }

    /// <summary>A new signed-in page at the given size.</summary>
    public async Task<IPage> OpenAsync(string path, int width = 1366, int height = 768)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            StorageState = StorageState,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync(path);
        Assert.True(response is { Ok: true }, $"GET {path}: {response?.Status}");
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        playwright?.Dispose();
        Worker?.Dispose();
    }
}

/// <summary>The worklist at <c>/</c> in a real browser: rows and states, filters in the URL, the adjacent-fracture marker, live updates.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class WorklistBrowserTests(DashboardWorker fixture) : IClassFixture<DashboardWorker>
{
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
        Assert.Equal("Needs review", await Row(page, "PHANTOM-0002").Locator(".state").InnerTextAsync());
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
    public async Task NewStudy_AppearsWithoutAReload_AndIsAnnounced()
    {
        var ct = TestContext.Current.CancellationToken;
        var page = await fixture.OpenAsync("/");
        Assert.Equal(0, await Row(page, "PHANTOM-0004").CountAsync());
        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");

        await fixture.StoreAsync("04-cr-normal-implicit", ct);

        await Row(page, "PHANTOM-0004").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");
        await page.Locator("#live", new PageLocatorOptions { HasTextRegex = new System.Text.RegularExpressions.Regex("new stud") })
            .WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 10_000 });
        await page.Context.CloseAsync();
    }
}
