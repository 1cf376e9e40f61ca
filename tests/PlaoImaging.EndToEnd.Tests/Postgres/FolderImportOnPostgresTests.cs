using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Postgres;

/// <summary>
/// Reprocessing by folder import on PostgreSQL: the imported studies are analysed by the request (queue batch) once
/// each, and not also by the realtime path — with a quiet period far shorter than the import, the assembler would
/// otherwise queue every imported study on realtime as well.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class FolderImportOnPostgresTests
{
    [Fact]
    public async Task FolderImport_IsAnalysedByTheRequestAlone_OncePerStudy()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var cluster = PostgresCluster.Start("folder-import");
        string folder = Peers.ScratchDirectory("pg-import-folder");
        string[] samples = ["01-cr-lumbar-mono1-jpegll", "02-dx-thoracolumbar-explicit", "03-dx-thoracic-plao-run", "04-cr-normal-implicit"];
        foreach (string sample in samples)
        {
            File.Copy(Path.Combine(Peers.RepositoryRoot, "sample-data", sample, "lateral.dcm"), Path.Combine(folder, sample + ".dcm"));
        }

        using var worker = await WorkerProcess.StartAsync("pg-import-worker", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = cluster.ConnectionString,
            ["Assembly:QuietPeriod"] = "00:00:00.050",
            ["Assembly:PollInterval"] = "00:00:00.050",
            ["Jobs:RealtimeWorkers"] = "2",
        }, cancellationToken);

        using var content = new StringContent($$"""{"folder": {{System.Text.Json.JsonSerializer.Serialize(folder)}}}""", System.Text.Encoding.UTF8, "application/json");
        using var response = await worker.Api.PostAsync("api/reprocess", content, cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST /api/reprocess: {(int)response.StatusCode} {body}");
        long id = (long)System.Text.Json.Nodes.JsonNode.Parse(body)!["id"]!;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        System.Text.Json.Nodes.JsonNode record;
        while (true)
        {
            record = await worker.GetJsonAsync($"api/reprocess/{id}", cancellationToken);
            if ((string?)record["state"] is "Done" or "Failed" or "Cancelled")
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the request did not finish: {record.ToJsonString()}\n{worker.Process!.Describe(40)}");
            await Task.Delay(200, cancellationToken);
        }

        Assert.Equal("Done", (string?)record["state"]);
        Assert.Equal(4, (int)record["total"]!);
        Assert.Equal(4, (int)record["done"]!);
        var studies = await worker.StudiesAsync(cancellationToken);
        Assert.Equal(4, studies.Count);
        Assert.All(studies, s => Assert.Equal("Analysed", (string?)s!["state"]));

        // Give a wrongly routed study the time to be queued and analysed on realtime, then count.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var triggers = cluster.Query("SELECT \"Trigger\" FROM analyses ORDER BY \"Id\"");
        Assert.Equal([.. Enumerable.Repeat($"reprocess:{id}", 4)], triggers);
        int analysedLines = worker.Process!.Lines.Count(l => l.Contains(" analysed: ", StringComparison.Ordinal));
        Assert.True(analysedLines == 4, $"{analysedLines} analyses ran for 4 imported studies:\n{worker.Process.Describe(60)}");
    }
}
