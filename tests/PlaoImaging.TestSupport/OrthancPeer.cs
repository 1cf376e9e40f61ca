using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace PlaoImaging.Tests.Shared;

/// <summary>
/// A private Orthanc (Debian's package) for one test: config, storage and index in the test's scratch folder, free
/// loopback HTTP and DICOM ports, no plugins, no authentication, RemoteAccessAllowed false; stopped on Dispose.
/// Lua scripts (for example an <c>OnStoredInstance</c> that routes every instance to a modality) go in with
/// <c>luaScripts</c>: each is written beside the configuration and named in its <c>LuaScripts</c>.
/// </summary>
public sealed class OrthancPeer : IDisposable
{
    public const string Aet = "ORTHANC";

    private readonly HttpClient http;

    private OrthancPeer(PeerProcess process, int httpPort, int dicomPort)
    {
        Process = process;
        HttpPort = httpPort;
        DicomPort = dicomPort;
        http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public PeerProcess Process { get; }

    public int HttpPort { get; }

    public int DicomPort { get; }

    /// <summary>The Orthanc executable (the Debian package installs it in /usr/sbin, often not on PATH).</summary>
    public static string Executable => File.Exists("/usr/sbin/Orthanc") ? "/usr/sbin/Orthanc" : Peers.Require("Orthanc");

    /// <summary>Orthanc's DICOMweb plugin (Debian package orthanc-dicomweb); fails in CI and skips loudly elsewhere when it is missing.</summary>
    public static string DicomWebPlugin
    {
        get
        {
            const string path = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";
            return File.Exists(path) ? path : Peers.Require("libOrthancDicomWeb.so (Debian package orthanc-dicomweb)");
        }
    }

    /// <summary>Starts Orthanc with the given DICOM modalities (id → AE title and loopback port) and waits until its REST API answers.</summary>
    public static Task<OrthancPeer> StartAsync(string scratch, IReadOnlyDictionary<string, (string Aet, int Port)> modalities, CancellationToken cancellationToken) =>
        StartAsync(scratch, modalities, [], cancellationToken);

    /// <summary>As <see cref="StartAsync(string, IReadOnlyDictionary{string, ValueTuple{string, int}}, CancellationToken)"/>, with Lua scripts (their source text) loaded at start.</summary>
    public static Task<OrthancPeer> StartAsync(string scratch, IReadOnlyDictionary<string, (string Aet, int Port)> modalities, IReadOnlyList<string> luaScripts,
        CancellationToken cancellationToken) =>
        StartAsync(scratch, modalities, luaScripts, [], cancellationToken);

    /// <summary>
    /// As the overload with Lua scripts, with plugins loaded too (their shared-library paths; for example
    /// <see cref="DicomWebPlugin"/>, whose DICOMweb server answers under <c>/dicom-web/</c>).
    /// </summary>
    public static async Task<OrthancPeer> StartAsync(string scratch, IReadOnlyDictionary<string, (string Aet, int Port)> modalities, IReadOnlyList<string> luaScripts,
        IReadOnlyList<string> plugins, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        ArgumentNullException.ThrowIfNull(modalities);
        ArgumentNullException.ThrowIfNull(luaScripts);
        string executable = Executable;
        string failures = string.Empty;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            string dir = Path.Combine(scratch, "orthanc-" + attempt.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(Path.Combine(dir, "storage"));
            Directory.CreateDirectory(Path.Combine(dir, "index"));
            int httpPort = PeerProcess.FreeTcpPort();
            int dicomPort = PeerProcess.FreeTcpPort();
            var modalityConfig = new JsonObject();
            foreach (var (id, (aet, port)) in modalities)
            {
                modalityConfig[id] = new JsonArray(aet, "127.0.0.1", port);
            }

            var config = new JsonObject
            {
                ["Name"] = "PlaoInterop",
                ["StorageDirectory"] = Path.Combine(dir, "storage"),
                ["IndexDirectory"] = Path.Combine(dir, "index"),
                ["StorageCompression"] = false,
                ["HttpServerEnabled"] = true,
                ["HttpPort"] = httpPort,
                ["DicomServerEnabled"] = true,
                ["DicomAet"] = Aet,
                ["DicomPort"] = dicomPort,
                ["RemoteAccessAllowed"] = false,
                ["AuthenticationEnabled"] = false,
                ["Plugins"] = new JsonArray(plugins.Select(p => (JsonNode)JsonValue.Create(p)).ToArray()),
                ["DicomModalities"] = modalityConfig,
                ["DicomScuTimeout"] = 10,
                ["DicomAssociationCloseDelay"] = 0,
                ["SaveJobs"] = false,
                ["ConcurrentJobs"] = 1,
            };
            if (luaScripts.Count > 0)
            {
                var scripts = new JsonArray();
                for (int i = 0; i < luaScripts.Count; i++)
                {
                    string script = Path.Combine(dir, $"script-{i.ToString(CultureInfo.InvariantCulture)}.lua");
                    await File.WriteAllTextAsync(script, luaScripts[i], cancellationToken).ConfigureAwait(false);
                    scripts.Add(script);
                }

                config["LuaScripts"] = scripts;
            }

            string configPath = Path.Combine(dir, "orthanc.json");
            await File.WriteAllTextAsync(configPath, config.ToJsonString(), cancellationToken).ConfigureAwait(false);
            var process = PeerProcess.Start(executable, [configPath], workingDirectory: dir);
            var peer = new OrthancPeer(process, httpPort, dicomPort);
            if (await peer.WaitReadyAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false))
            {
                return peer;
            }

            failures += process.Describe() + "\n";
            peer.Dispose();
        }

        Assert.Fail("Orthanc did not start: " + failures);
        throw new InvalidOperationException();
    }

    /// <summary>Uploads a file (POST /instances); returns the Orthanc instance id.</summary>
    public async Task<string> UploadAsync(string file, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
        using var response = await http.PostAsync(new Uri("instances", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        Assert.True(response.IsSuccessStatusCode, $"Orthanc POST /instances {file}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)?["ID"]?.GetValue<string>() ?? throw new InvalidOperationException("no ID in " + body);
    }

    /// <summary>POSTs a JSON body; returns status code and body.</summary>
    public async Task<(int Status, string Body)> PostAsync(string path, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>PUTs a JSON body (for example a modality, PUT /modalities/{id}, once its port is known); fails the test on an HTTP error.</summary>
    public async Task PutAsync(string path, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PutAsync(new Uri(path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        Assert.True(response.IsSuccessStatusCode, $"Orthanc PUT {path}: {(int)response.StatusCode} {body}");
    }

    /// <summary>GETs a JSON resource; fails the test on an HTTP error.</summary>
    public async Task<JsonNode> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        Assert.True(response.IsSuccessStatusCode, $"Orthanc GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body) ?? throw new InvalidOperationException("empty JSON from " + path);
    }

    /// <summary>Downloads a resource into a file.</summary>
    public async Task DownloadAsync(string path, string file, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        Assert.True(response.IsSuccessStatusCode, $"Orthanc GET {path}: {(int)response.StatusCode}");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The Orthanc id of the instance with a SOP Instance UID (POST /tools/lookup), or null.</summary>
    public async Task<string?> LookupInstanceAsync(string sopInstanceUid, CancellationToken cancellationToken)
    {
        var (status, body) = await PostAsync("tools/lookup", sopInstanceUid, cancellationToken).ConfigureAwait(false);
        Assert.True(status == 200, $"Orthanc POST /tools/lookup: {status} {body}");
        foreach (var hit in JsonNode.Parse(body)?.AsArray() ?? [])
        {
            if (hit?["Type"]?.GetValue<string>() == "Instance")
            {
                return hit["ID"]?.GetValue<string>();
            }
        }

        return null;
    }

    /// <summary>Stops Orthanc (SIGTERM, then kill).</summary>
    public void Dispose()
    {
        http.Dispose();
        if (!Process.HasExited)
        {
            try
            {
                Process.Terminate(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
            }
        }

        Process.Dispose();
    }

    private async Task<bool> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !Process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("system", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return PeerProcess.WaitForTcpPort(DicomPort, TimeSpan.FromSeconds(10), () => Process.HasExited);
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }
}
