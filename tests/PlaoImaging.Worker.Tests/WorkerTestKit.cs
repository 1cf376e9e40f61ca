using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>What the process-level worker tests share: sample files, JSON requests and bounded polls of the API.</summary>
internal static class WorkerTestKit
{
    /// <summary>A sample study folder of the repository.</summary>
    public static string Sample(string folder) => Path.Combine(Peers.RepositoryRoot, "sample-data", folder);

    /// <summary>The .dcm files of a sample study folder, in name order.</summary>
    public static IReadOnlyList<string> SampleFiles(string folder) =>
        [.. Directory.GetFiles(Sample(folder), "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    /// <summary>Settings for one C-STORE destination on the loopback interface.</summary>
    public static Dictionary<string, string> Destination(string name, int port, string calledAETitle) => new(StringComparer.Ordinal)
    {
        ["Export:Destinations:0:Name"] = name,
        ["Export:Destinations:0:Host"] = "127.0.0.1",
        ["Export:Destinations:0:Port"] = port.ToString(CultureInfo.InvariantCulture),
        ["Export:Destinations:0:CalledAETitle"] = calledAETitle,
    };

    /// <summary>POSTs a JSON body (or nothing) and returns the status and the parsed answer (null when empty or not JSON).</summary>
    public static async Task<(int Status, JsonNode? Body)> PostJsonAsync(HttpClient client, string path, string? json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json ?? string.Empty, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), json is null ? null : content, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonNode? body = null;
        try
        {
            body = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return ((int)response.StatusCode, body);
    }

    /// <summary>Polls a GET until <paramref name="done"/> holds, or fails the test after <paramref name="timeout"/> with the last answer and the worker's output.</summary>
    public static async Task<JsonNode> WaitForAsync(WorkerProcess worker, string path, Func<JsonNode, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var node = await worker.GetJsonAsync(path, cancellationToken).ConfigureAwait(false);
            if (done(node))
            {
                return node;
            }

            Assert.True(DateTime.UtcNow < deadline, $"GET {path}: timed out after {timeout}; last: {node.ToJsonString()}\n{worker.Process?.Describe(40)}");
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the study with this Study Instance UID is known and finished (Analysed, NoResult or Failed); returns its summary.</summary>
    public static async Task<JsonNode> WaitForFinishedStudyAsync(WorkerProcess worker, string studyUid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var studies = await worker.WaitForStudiesAsync(s => s.Any(x => Uid(x) == studyUid && IsFinished(State(x))), timeout, cancellationToken).ConfigureAwait(false);
        return studies.First(x => Uid(x) == studyUid)!;
    }

    public static string Uid(JsonNode? study) => study!["studyInstanceUid"]!.GetValue<string>();

    public static string State(JsonNode? node) => node!["state"]!.GetValue<string>();

    public static bool IsFinished(string state) => state is "Analysed" or "NoResult" or "Failed";

    /// <summary>GET with the given client; the status code.</summary>
    public static async Task<int> StatusOfGetAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        return (int)response.StatusCode;
    }
}
