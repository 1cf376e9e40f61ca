using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace PlaoImaging.Cli;

/// <summary>
/// <c>plao studies [--url U] [--user NAME] [--password-file F] [--wait S]</c>: lists the studies a running worker knows,
/// over its REST API (the CLI never reads the worker's database). With <c>--wait</c> it first waits until no study is
/// receiving, queued or being analysed (or the seconds are up).
/// </summary>
internal static class StudiesCommand
{
    private static readonly string[] Pending = ["Receiving", "Queued", "Analysing"];

    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The worker's web address", DefaultValueFactory = _ => "http://localhost:5080" };
        var user = new Option<string>("--user") { Description = "Account name", DefaultValueFactory = _ => "admin" };
        var passwordFile = new Option<FileInfo?>("--password-file")
        {
            Description = "File holding the password (default: data/secrets/admin-password, the one the worker generates at first start); or set PLAO_PASSWORD",
        };
        var wait = new Option<double>("--wait") { Description = "Seconds to wait for pending studies to finish first (0: do not wait)", DefaultValueFactory = _ => 0 };
        var command = new Command("studies", "List the studies of a running worker with their state, fractures and model (its REST API).") { url, user, passwordFile, wait };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(url)!, parse.GetValue(user)!, parse.GetValue(passwordFile), parse.GetValue(wait), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string url, string user, FileInfo? passwordFile, double waitSeconds, CancellationToken cancellationToken)
    {
        string? password = Environment.GetEnvironmentVariable("PLAO_PASSWORD");
        if (password is null)
        {
            string path = passwordFile?.FullName ?? Path.Combine("data", "secrets", "admin-password");
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"plao studies: no password: {path} does not exist; give --password-file or set PLAO_PASSWORD");
                return 2;
            }

            password = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
        }

        using var http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(waitSeconds);
            JsonArray studies;
            while (true)
            {
                using var response = await http.GetAsync("api/studies?pageSize=500", cancellationToken).ConfigureAwait(false);
                string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    Console.Error.WriteLine($"plao studies: {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                    return 1;
                }

                studies = JsonNode.Parse(body)!["items"]!.AsArray();
                bool pending = studies.Any(s => Pending.Contains((string?)s!["state"]));
                if (!pending || DateTime.UtcNow >= deadline)
                {
                    break;
                }

                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }

            using var modelResponse = await http.GetAsync("api/model", cancellationToken).ConfigureAwait(false);
            var model = modelResponse.IsSuccessStatusCode ? JsonNode.Parse(await modelResponse.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)) : null;
            Console.Out.Write(Format(studies, model));
            return 0;
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"plao studies: {url}: {e.Message}");
            return 1;
        }
    }

    internal static string Format(JsonArray studies, JsonNode? model)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        if (model is not null)
        {
            text.AppendLine(c, $"model {model["id"]} {model["version"]} on {model["executionProvider"]}: results of a model trained on synthetic phantoms, for review by a radiologist");
        }

        text.AppendLine(c, $"{"id",4}  {"state",-10} {"modality",-8} {"date",-8}  {"fractures",9} {"worst",5} {"SDI",4}  {"model",-7} reason");
        foreach (var s in studies)
        {
            text.AppendLine(c, $"{(long)s!["id"]!,4}  {(string?)s["state"],-10} {(string?)s["modalities"],-8} {(string?)s["studyDate"],-8}  {(int?)s["fractureCount"],9} {(int?)s["highestGrade"],5} {(double?)s["sdi"],4}  {(string?)s["modelVersion"],-7} {Truncate((string?)s["reason"], 70)}");
        }

        text.AppendLine(c, $"{studies.Count} studies");
        return text.ToString();
    }

    private static string Truncate(string? text, int length) => text is null ? string.Empty : text.Length <= length ? text : text[..(length - 1)] + "…";
}
