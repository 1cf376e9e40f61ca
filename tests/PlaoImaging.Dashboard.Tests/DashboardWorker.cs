using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dashboard.Tests;

/// <summary>The dashboard's browser tests share one worker and one browser.</summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardWorker>
{
    public const string Name = "dashboard";
}

/// <summary>
/// One worker with six sample studies analysed (01 and 02: scattered fractures, 03: the PLAO run, 04: normal, 06: a
/// frontal view with no result, 07: MR with an acute level), exporting to a DCMTK storescp, with three local accounts
/// (an admin and two radiologists), and Debian's Chromium, headless, each account signed in through the form once.
/// </summary>
public sealed class DashboardWorker : IAsyncLifetime
{
    private static readonly string[] Initial =
    [
        "01-cr-lumbar-mono1-jpegll", "02-dx-thoracolumbar-explicit", "03-dx-thoracic-plao-run", "04-cr-normal-implicit",
        "06-cr-frontal-spine-skip", "07-mr-sagittal-acute",
    ];

    /// <summary>The accounts: name, role; each password is the name reversed and padded (a test worker only).</summary>
    private static readonly (string Name, string Role)[] Accounts = [("admin", "admin"), ("rad1", "radiologist"), ("rad2", "radiologist")];

    private readonly Dictionary<string, string> storageStates = new(StringComparer.Ordinal);
    private IPlaywright? playwright;

    public WorkerProcess Worker { get; private set; } = null!;

    public StorescpPeer Pacs { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The admin's signed-in session (cookies), for each test's own context.</summary>
    public string StorageState => storageStates["admin"];

    public string BaseUrl => $"http://127.0.0.1:{Worker.HttpPort}";

    public static string Password(string user) => $"pw-{user}-{new string(user.Reverse().ToArray())}-0123";

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        string chromium = Peers.Require("chromium");
        // Expectations wait for the page's API round trips (a regrade, a signature, an export), which on 2 busy cores
        // can take longer than Playwright's 5 s default; a slower answer is not a failure, a wrong one is.
        Assertions.SetDefaultExpectTimeout(20_000);
        Pacs = StorescpPeer.Start(Path.Combine(Peers.ScratchDirectory("worker-dashboard-pacs"), "in"));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Export:Destinations:0:Name"] = "pacs",
            ["Export:Destinations:0:Host"] = "127.0.0.1",
            ["Export:Destinations:0:Port"] = Pacs.Port.ToString(CultureInfo.InvariantCulture),
            ["Export:Destinations:0:CalledAETitle"] = "STORESCP",
        };
        for (int i = 0; i < Accounts.Length; i++)
        {
            settings[$"Auth:Users:{i}:Name"] = Accounts[i].Name;
            settings[$"Auth:Users:{i}:PasswordHash"] = Hash(Password(Accounts[i].Name));
            settings[$"Auth:Users:{i}:Roles:0"] = Accounts[i].Role;
        }

        Worker = await WorkerProcess.StartAsync("worker-dashboard", settings, new NetworkCredential("admin", Password("admin")), ct);
        foreach (string sample in Initial)
        {
            await StoreAsync(sample, ct);
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox"] });
        await Worker.WaitForStudiesAsync(s => s.Count == Initial.Length && s.All(x => x!["state"]!.GetValue<string>() is "Analysed" or "NoResult" or "Failed"),
            TimeSpan.FromSeconds(180), ct);

        // Sign in through the form: "/" sends an anonymous browser to the sign-in page and back.
        foreach (var (name, _) in Accounts)
        {
            await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/");
            Assert.Contains("/login", page.Url, StringComparison.Ordinal);
            await page.Locator("#user").FillAsync(name);
            await page.Locator("#password").FillAsync(Password(name));
            await page.Locator("button[type=submit]").ClickAsync();
            await page.WaitForURLAsync($"{BaseUrl}/");
            Assert.Equal("PlaoImaging worklist", await page.Locator("h1").InnerTextAsync());
            storageStates[name] = await context.StorageStateAsync();
        }
    }

    /// <summary>C-STOREs a sample study's files to the worker.</summary>
    public async Task StoreAsync(string sample, CancellationToken cancellationToken)
    {
        string[] files = [.. Directory.GetFiles(Path.Combine(Peers.RepositoryRoot, "sample-data", sample), "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        var client = new DicomClient("127.0.0.1", Worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
        var outcomes = await client.StoreAsync(files, null, cancellationToken);
        Assert.All(outcomes, o => Assert.Equal(DicomStoreResult.Success, o.Result));
    }

    /// <summary>A new signed-in page (as <paramref name="user"/>) at the given size.</summary>
    public async Task<IPage> OpenAsync(string path, int width = 1366, int height = 768, string user = "admin")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            StorageState = storageStates[user],
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync(path);
        Assert.True(response is { Ok: true }, $"GET {path}: {response?.Status}");
        return page;
    }

    /// <summary>The internal id of the study of a patient (from the API).</summary>
    public async Task<long> StudyIdAsync(string patientId, CancellationToken cancellationToken) =>
        (await Worker.StudiesAsync(cancellationToken)).Single(s => s!["patientId"]?.GetValue<string>() == patientId)!["id"]!.GetValue<long>();

    /// <summary>
    /// Adds a study row in a given state straight to the worker's SQLite results database (a study caught while it is
    /// analysed, or one whose analysis failed, without waiting for either to happen); returns its id.
    /// </summary>
    public long InsertStudy(string patientId, string state, string? reason)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(Worker.DataFolder, "results.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO studies (StudyInstanceUid, PatientName, PatientId, StudyDate, Modalities, State, Reason, Generation, QueuedGeneration,
                                 FirstReceivedAt, LastReceivedAt, UpdatedAt, InputCount)
            SELECT $uid, $name, $pid, '20260301', 'DX', $state, $reason, 1, 1, FirstReceivedAt, LastReceivedAt, UpdatedAt, 1 FROM studies ORDER BY Id LIMIT 1;
            SELECT last_insert_rowid();
            """;
        command.Parameters.AddWithValue("$uid", "2.25." + BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)).ToString(CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$name", $"STATE^{state}");
        command.Parameters.AddWithValue("$pid", patientId);
        command.Parameters.AddWithValue("$state", state);
        command.Parameters.AddWithValue("$reason", (object?)reason ?? DBNull.Value);
        return (long)command.ExecuteScalar()!;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        playwright?.Dispose();
        Worker?.Dispose();
        Pacs?.Dispose();
    }

    /// <summary>The worker's hash form (pbkdf2-sha256$ITERATIONS$SALT$HASH) at the fewest iterations it accepts: a test account only.</summary>
    private static string Hash(string password)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, 10_000, HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256$10000${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }
}
