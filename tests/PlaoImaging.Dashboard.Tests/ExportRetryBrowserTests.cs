using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using Xunit;

namespace PlaoImaging.Dashboard.Tests;

/// <summary>
/// A failed export on the study page: an admin gets a Retry button that queues it again (the anti-forgery header sent by
/// the page's script), after which the report reaches the destination and the row reads Sent; a radiologist sees the
/// state but no button.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
[Collection(DashboardCollection.Name)]
public sealed class ExportRetryBrowserTests(DashboardWorker fixture)
{
    [Fact]
    public async Task FailedExport_AdminRetriesFromTheStudyPage_ItIsSentAgain_ARadiologistHasNoButton()
    {
        var ct = TestContext.Current.CancellationToken;
        long id = await fixture.StudyIdAsync("PHANTOM-0001", ct);
        await fixture.Worker.WaitForStudiesAsync(s => s.Any(x => x!["id"]!.GetValue<long>() == id && x["state"]!.GetValue<string>() == "Analysed"), TimeSpan.FromSeconds(90), ct);
        long exportId = await WaitForSentExportAsync(id, ct);

        // The destination refused it for good (what ExportService records after the last retry).
        Execute($"UPDATE exports SET State = 'Failed', LastError = 'association rejected by the destination' WHERE Id = {exportId}");

        var radiologist = await fixture.OpenAsync($"/studies/{id}", user: "rad1");
        await radiologist.Locator("#exports summary").ClickAsync();
        StringAssert(await radiologist.Locator($"tr[data-export='{exportId}']").InnerTextAsync(), "Failed");
        Assert.Equal(0, await radiologist.Locator("button[data-retry]").CountAsync());
        await radiologist.Context.CloseAsync();

        var admin = await fixture.OpenAsync($"/studies/{id}");
        await admin.Locator("#exports summary").ClickAsync();
        var retry = admin.Locator($"button[data-retry='{exportId}']");
        await retry.ClickAsync();
        var row = admin.Locator($"tr[data-export='{exportId}']");
        await Assertions.Expect(row).ToContainTextAsync("Sent", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        Assert.Equal("Sent", State(exportId));
        await admin.Context.CloseAsync();
    }

    private static void StringAssert(string text, string expected) => Assert.Contains(expected, text, StringComparison.Ordinal);

    private async Task<long> WaitForSentExportAsync(long studyId, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using (var connection = Open())
            {
                using var command = connection.CreateCommand();
                command.CommandText = $"SELECT Id FROM exports WHERE StudyId = {studyId} AND ReviewNumber = 0 AND State = 'Sent' ORDER BY Id LIMIT 1";
                if (command.ExecuteScalar() is long exportId)
                {
                    return exportId;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"study {studyId}: no sent export within 60 s");
            await Task.Delay(250, ct);
        }
    }

    private string State(long exportId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT State FROM exports WHERE Id = {exportId}";
        return (string)command.ExecuteScalar()!;
    }

    private void Execute(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(fixture.Worker.DataFolder, "results.db")};Pooling=False");
        connection.Open();
        return connection;
    }
}
