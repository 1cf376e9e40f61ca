using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace PlaoImaging.Tests.Shared;

/// <summary>
/// The worker (<c>plao-worker</c>, as built by build.sh) as a separate process for a test: its own working folder (so
/// <c>./data</c> is private), free loopback ports for HTTP and DICOM, settings as command-line overrides
/// (<c>--Section:Key=value</c>), a short quiet period. <see cref="StartAsync"/> waits for <c>/health/ready</c>;
/// <see cref="Kill"/> is SIGKILL (nothing flushed, nothing cleaned up), <see cref="RestartAsync"/> starts it again on
/// the same folder and ports. <see cref="Api"/> is an HTTP client signed in as the generated admin.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Dictionary<string, string> settings;
    private readonly NetworkCredential? credential;
    private HttpClient? api;

    private WorkerProcess(string folder, int httpPort, int dicomPort, Dictionary<string, string> settings, NetworkCredential? credential)
    {
        Folder = folder;
        HttpPort = httpPort;
        DicomPort = dicomPort;
        this.settings = settings;
        this.credential = credential;
    }

    /// <summary>The built worker assembly (Release).</summary>
    public static string Assembly
    {
        get
        {
            string path = Path.Combine(Peers.RepositoryRoot, "src", "PlaoImaging.Worker", "bin", "Release", "net10.0", "plao-worker.dll");
            Assert.True(File.Exists(path), $"the worker is not built: {path} (run ./build.sh test or dotnet build -c Release)");
            return path;
        }
    }

    /// <summary>The worker's working folder; its data folder is <c>data/</c> under it.</summary>
    public string Folder { get; }

    public string DataFolder => Path.Combine(Folder, "data");

    public int HttpPort { get; }

    public int DicomPort { get; }

    /// <summary>
    /// The HTTPS port, when the overrides give Kestrel a default certificate (<c>Kestrel:Certificates:Default:Path</c>):
    /// the worker then listens on HTTPS too, on another free loopback port. Null otherwise.
    /// </summary>
    public int? HttpsPort { get; private init; }

    public PeerProcess? Process { get; private set; }

    /// <summary>Variables added to the process's environment at each start; null: none.</summary>
    private IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>An HTTP client for the worker's API, with the admin's Basic credentials (or those given at start).</summary>
    public HttpClient Api => api ?? throw new InvalidOperationException("the worker has not started");

    /// <summary>
    /// Starts a worker in a fresh scratch folder. <paramref name="overrides"/> are configuration keys and values
    /// (for example <c>["Export:Destinations:0:Name"] = "pacs"</c>); the defaults here are a 1 s quiet period,
    /// loopback ports, CPU, one realtime and one batch worker.
    /// </summary>
    public static Task<WorkerProcess> StartAsync(string name, IReadOnlyDictionary<string, string>? overrides = null, CancellationToken cancellationToken = default) =>
        StartAsync(name, overrides, null, cancellationToken);

    /// <summary>
    /// Starts a worker as <see cref="StartAsync(string, IReadOnlyDictionary{string, string}?, CancellationToken)"/> does;
    /// <see cref="Api"/> then signs in with <paramref name="apiCredential"/> (an account of <c>Auth:Users</c>) instead
    /// of the generated admin, whose password file a worker with configured accounts does not write. Null: the generated admin.
    /// <paramref name="environment"/>: variables added to the process's environment (those the runtime itself reads, such
    /// as OpenSSL's <c>SSL_CERT_FILE</c>), kept for every restart.
    /// </summary>
    public static async Task<WorkerProcess> StartAsync(string name, IReadOnlyDictionary<string, string>? overrides, NetworkCredential? apiCredential, CancellationToken cancellationToken = default,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        string folder = Peers.ScratchDirectory(name);
        int httpPort = PeerProcess.FreeTcpPort();
        int dicomPort = PeerProcess.FreeTcpPort();
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Urls"] = $"http://127.0.0.1:{httpPort}",
            ["Dicom:Scp:Port"] = dicomPort.ToString(CultureInfo.InvariantCulture),
            ["Dicom:Scp:BindAddress"] = "127.0.0.1",
            ["Assembly:QuietPeriod"] = "00:00:01",
            ["Assembly:PollInterval"] = "00:00:00.200",
            ["Analysis:Provider"] = "cpu",
            ["Jobs:RealtimeWorkers"] = "1",
            ["Jobs:BatchWorkers"] = "1",
            ["Logging:LogLevel:Default"] = "Information",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        int? httpsPort = settings.ContainsKey("Kestrel:Certificates:Default:Path") ? PeerProcess.FreeTcpPort() : null;
        if (httpsPort is { } tls)
        {
            settings["Urls"] = $"http://127.0.0.1:{httpPort};https://127.0.0.1:{tls}";
        }

        var worker = new WorkerProcess(folder, httpPort, dicomPort, settings, apiCredential) { HttpsPort = httpsPort, Environment = environment };
        await worker.RestartAsync(cancellationToken).ConfigureAwait(false);
        return worker;
    }

    /// <summary>Starts the process (again) on the same folder and ports and waits until it is ready.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        Process?.Dispose();
        Process = PeerProcess.Start(Peers.DotnetHost, [Assembly, .. settings.Select(kv => $"--{kv.Key}={kv.Value}")], Folder, Environment);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        using var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}/"), Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (Process.HasExited)
            {
                Assert.Fail($"the worker exited with {Process.ExitCode} before it was ready:\n{Process.Describe(60)}");
            }

            try
            {
                using var response = await probe.GetAsync("health/ready", cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, $"the worker was not ready within 90 s:\n{Process.Describe(60)}");
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        api?.Dispose();
        var signIn = credential ?? new NetworkCredential("admin",
            (await File.ReadAllTextAsync(Path.Combine(DataFolder, "secrets", "admin-password"), cancellationToken).ConfigureAwait(false)).Trim());
        api = CreateClient(signIn, followRedirects: true);
    }

    /// <summary>A new HTTP client for the worker with Basic credentials, or anonymous when <paramref name="basic"/> is null; redirects are followed only when asked.</summary>
    public HttpClient CreateClient(NetworkCredential? basic, bool followRedirects = false)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = followRedirects }) { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}/"), Timeout = TimeSpan.FromSeconds(60) };
        if (basic is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic.UserName + ":" + basic.Password)));
        }

        return client;
    }

    /// <summary>SIGKILL: the process ends at once, wherever it was.</summary>
    public void Kill()
    {
        if (Process is { HasExited: false } p)
        {
            Peers.RunProcess("kill", ["-KILL", p.Id.ToString(CultureInfo.InvariantCulture)], timeoutSeconds: 10);
            p.WaitForExit(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>GET a JSON document from the API (fails the test on a non-success status).</summary>
    public async Task<JsonNode> GetJsonAsync(string path, CancellationToken cancellationToken = default)
    {
        using var response = await Api.GetAsync(path, cancellationToken).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>Every study the worker knows (one page of up to 500).</summary>
    public async Task<JsonArray> StudiesAsync(CancellationToken cancellationToken = default) =>
        (await GetJsonAsync("api/studies?pageSize=500", cancellationToken).ConfigureAwait(false))["items"]!.AsArray();

    /// <summary>Polls until <paramref name="done"/> holds for the study list, or fails the test after <paramref name="timeout"/> with the last list.</summary>
    public async Task<JsonArray> WaitForStudiesAsync(Func<JsonArray, bool> done, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var studies = await StudiesAsync(cancellationToken).ConfigureAwait(false);
            if (done(studies))
            {
                return studies;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout}; studies: {studies.ToJsonString()}\n{Process?.Describe(40)}");
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        api?.Dispose();
        if (Process is { } p)
        {
            if (!p.Terminate(TimeSpan.FromSeconds(30)))
            {
                Kill();
            }

            p.Dispose();
        }
    }
}
