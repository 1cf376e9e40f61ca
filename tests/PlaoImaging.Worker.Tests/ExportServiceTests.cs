using System.Globalization;
using System.Net;
using Hangfire;
using Hangfire.Storage.SQLite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Export;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Operations;
using PlaoImaging.Worker.Persistence;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// One export's recorded attempts against a loopback port with nothing listening (a refused connection, at once), and
/// an admin's retry, over a real SQLite results database and Hangfire's client over a real SQLite job storage; and
/// exports over DICOM TLS to DCMTK's storescp (peer tests).
/// </summary>
[Trait("Category", "unit")]
public sealed class ExportServiceTests
{
    private static readonly TimeSpan[] Delays = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(20)];

    [Fact]
    public async Task ExportAsync_DestinationDown_RetriesAfterEachDelayThenFails()
    {
        var ct = TestContext.Current.CancellationToken;
        var (services, storage, exports, id) = await CreateAsync("export-attempts", ct);
        var start = services.Time.GetUtcNow();

        Assert.Equal(ExportState.Retrying, await exports.ExportAsync(id, ct));
        var first = await ExportAsync(services, id, ct);
        Assert.Equal(1, first.Attempts);
        Assert.Equal(start + Delays[0], first.NextAttemptAt);
        Assert.False(string.IsNullOrWhiteSpace(first.LastError));
        Assert.Equal(1, storage.GetMonitoringApi().ScheduledCount());

        services.Time.Advance(Delays[0]);
        Assert.Equal(ExportState.Retrying, await exports.ExportAsync(id, ct));
        Assert.Equal(services.Time.GetUtcNow() + Delays[1], (await ExportAsync(services, id, ct)).NextAttemptAt);

        services.Time.Advance(Delays[1]);
        Assert.Equal(ExportState.Failed, await exports.ExportAsync(id, ct));
        var failed = await ExportAsync(services, id, ct);
        Assert.Equal(3, failed.Attempts);
        Assert.Null(failed.NextAttemptAt);
        Assert.Null(failed.SentAt);
        Assert.Equal(2, storage.GetMonitoringApi().ScheduledCount());

        // A failed export is not attempted again by a stray job; it waits for an admin.
        Assert.Equal(ExportState.Failed, await exports.ExportAsync(id, ct));
        Assert.Equal(3, (await ExportAsync(services, id, ct)).Attempts);
    }

    [Fact]
    public async Task RetryAsync_FailedExport_StartsAgainFromTheFirstAttempt()
    {
        var ct = TestContext.Current.CancellationToken;
        var (services, storage, exports, id) = await CreateAsync("export-retry-failed", ct);
        await SetStateAsync(services, id, ExportState.Failed, 3, ct);

        Assert.Equal(ExportState.Failed, await exports.RetryAsync(id, "admin", ct));

        var export = await ExportAsync(services, id, ct);
        Assert.Equal(ExportState.Pending, export.State);
        Assert.Equal(0, export.Attempts);
        var job = Assert.Single(storage.GetMonitoringApi().EnqueuedJobs(JobQueues.Export, 0, 10)).Value.Job;
        Assert.Equal(typeof(ExportResultsJob), job.Type);
        Assert.Equal(id, Convert.ToInt64(job.Args[0], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task RetryAsync_FailedAmendedReport_IsAuditedUnderTheAdminsName_AModelReportIsNot()
    {
        var ct = TestContext.Current.CancellationToken;
        var (services, _, exports, id) = await CreateAsync("export-retry-audit", ct);
        await SetStateAsync(services, id, ExportState.Failed, 3, ct);
        Assert.Equal(ExportState.Failed, await exports.RetryAsync(id, "admin", ct));
        Assert.Equal(0, await AuditCountAsync(services, ct));

        // The same export as the amended report of review 2: its retry is part of the study's audit trail.
        await SetStateAsync(services, id, ExportState.Failed, 3, ct);
        var db = services.CreateDbContext();
        await using (db)
        {
            await db.Exports.Where(x => x.Id == id).ExecuteUpdateAsync(u => u.SetProperty(x => x.ReviewNumber, 2), ct);
        }

        Assert.Equal(ExportState.Failed, await exports.RetryAsync(id, "asmith", ct));

        var read = services.CreateDbContext();
        await using (read)
        {
            var entry = Assert.Single(await read.AuditEntries.AsNoTracking().ToListAsync(ct));
            Assert.Equal("asmith", entry.User);
            Assert.Equal("export-retry-requested", entry.Action);
            Assert.Equal(2, entry.ReviewNumber);
            Assert.Contains("\"Failed\"", entry.BeforeJson, StringComparison.Ordinal);
            Assert.Contains("\"Pending\"", entry.AfterJson, StringComparison.Ordinal);
        }
    }

    private static async Task<int> AuditCountAsync(WorkerServices services, CancellationToken ct)
    {
        var db = services.CreateDbContext();
        await using (db)
        {
            return await db.AuditEntries.CountAsync(ct);
        }
    }

    [Theory]
    [InlineData(ExportState.Pending)]
    [InlineData(ExportState.Retrying)]
    [InlineData(ExportState.Sent)]
    public async Task RetryAsync_ExportThatIsNotFailed_ChangesNothingAndQueuesNothing(ExportState state)
    {
        var ct = TestContext.Current.CancellationToken;
        var (services, storage, exports, id) = await CreateAsync("export-retry-" + state, ct);
        await SetStateAsync(services, id, state, 1, ct);

        // A retrying export already has its next attempt scheduled: a second chain of attempts would send it twice.
        Assert.Equal(state, await exports.RetryAsync(id, "admin", ct));

        var export = await ExportAsync(services, id, ct);
        Assert.Equal(state, export.State);
        Assert.Equal(1, export.Attempts);
        Assert.Equal(0, storage.GetMonitoringApi().EnqueuedCount(JobQueues.Export));
        Assert.Null(await exports.RetryAsync(id + 1000, "admin", ct));
    }

    /// <summary>
    /// The PACS down for an hour of simulated time, with the default delays: every failed attempt leaves the export
    /// Retrying with exactly one attempt scheduled, due at the recorded next attempt (the last failure's time plus the
    /// configured delay); the first attempt after the PACS returned delivers it, once. With the defaults that attempt is
    /// the last one (10 s + 30 s + 1 min + 5 min + 15 min + 1 h = 81 min 40 s after the first): an outage of one hour is
    /// recovered without an admin, but the reports arrive some 20 minutes after the PACS is back.
    /// </summary>
    [Fact]
    public async Task ExportAsync_DestinationDownForAnHour_DefaultDelays_DeliveredOnceAfterItReturns()
    {
        var ct = TestContext.Current.CancellationToken;
        int port = PeerProcess.FreeTcpPort();
        var (services, storage, exports, id) = await CreateAsync("export-outage-hour", ct, delays: [], port);
        var start = services.Time.GetUtcNow();
        var back = start + TimeSpan.FromHours(1);
        string received = Path.Combine(services.Folder, "pacs");
        var seen = new List<(TimeSpan At, ExportState State)>();
        DicomServer? pacs = null;
        try
        {
            while (seen.Count < 20)
            {
                var now = services.Time.GetUtcNow();
                if (pacs is null && now >= back)
                {
                    pacs = new DicomServer(new DicomServerOptions { AETitle = "PACS", Address = IPAddress.Loopback, Port = port, StorageDirectory = received });
                    pacs.Start();
                }

                var state = await exports.ExportAsync(id, ct);
                seen.Add((now - start, state!.Value));
                var export = await ExportAsync(services, id, ct);
                var scheduled = storage.GetMonitoringApi().ScheduledJobs(0, 100);
                if (state != ExportState.Retrying)
                {
                    Assert.Empty(scheduled);
                    break;
                }

                // Visible as retrying, with the error and when the next attempt comes; exactly that attempt is scheduled.
                Assert.Equal(ExportState.Retrying, export.State);
                Assert.False(string.IsNullOrWhiteSpace(export.LastError));
                Assert.Equal(now, export.LastAttemptAt);
                var job = Assert.Single(scheduled);
                Assert.Equal(export.NextAttemptAt!.Value.UtcDateTime, job.Value.EnqueueAt);
                Assert.Equal(id, Convert.ToInt64(job.Value.Job.Args[0], CultureInfo.InvariantCulture));

                // Hangfire runs it when it is due: it leaves the schedule, and the clock is then.
                Assert.True(new BackgroundJobClient(storage).Delete(job.Key));
                services.Time.SetUtcNow(export.NextAttemptAt.Value);
            }
        }
        finally
        {
            if (pacs is not null)
            {
                await pacs.DisposeAsync();
            }
        }

        var delays = ExportSettings.DefaultRetryDelays;
        var expected = new List<TimeSpan> { TimeSpan.Zero };
        foreach (var delay in delays)
        {
            expected.Add(expected[^1] + delay);
        }

        Assert.Equal(expected, seen.Select(a => a.At));
        Assert.Equal([.. Enumerable.Repeat(ExportState.Retrying, delays.Count), ExportState.Sent], seen.Select(a => a.State));
        var sent = await ExportAsync(services, id, ct);
        Assert.Equal(delays.Count + 1, sent.Attempts);
        Assert.Equal(start + expected[^1], sent.SentAt);
        Assert.Null(sent.LastError);
        Assert.Null(sent.NextAttemptAt);
        Assert.Single(ReceivedFiles(received));

        // The job run once more (fetched twice) sends nothing again.
        Assert.Equal(ExportState.Sent, await exports.ExportAsync(id, ct));
        Assert.Single(ReceivedFiles(received));
        Assert.Equal(delays.Count + 1, (await ExportAsync(services, id, ct)).Attempts);
    }

    /// <summary>
    /// The clock set back by three hours while an export waits for its retry: Hangfire would hold the retry back by those
    /// hours. The clock check schedules it again from the new time with the delay it had; the first job to run makes the
    /// attempt and the other, finding that attempt made, does nothing. A clock set forward leaves the schedule alone.
    /// </summary>
    [Fact]
    public async Task ClockSetBackByHours_RetryIsScheduledAgainFromNow_OnlyOneJobAttempts()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new SettableClock(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var (services, storage, exports, id) = await CreateAsync("export-clock-back", ct, clock: clock);
        var check = new ExportRetryClockCheck(services, Options.Create(new ExportSettings { RetryDelays = [.. Delays] }), new BackgroundJobClient(storage),
            clock, NullLogger<ExportRetryClockCheck>.Instance);
        Assert.Equal(ExportState.Retrying, await exports.ExportAsync(id, ct));
        Assert.Equal(0, await check.RescheduleAsync(ct));

        clock.Now -= TimeSpan.FromHours(3);
        Assert.Equal(1, await check.RescheduleAsync(ct));
        Assert.Equal(0, await check.RescheduleAsync(ct));

        var export = await ExportAsync(services, id, ct);
        Assert.Equal(clock.Now + Delays[0], export.NextAttemptAt);
        var jobs = storage.GetMonitoringApi().ScheduledJobs(0, 10).Select(j => j.Value).ToList();
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.Equal((id, 1), (Convert.ToInt64(j.Job.Args[0], CultureInfo.InvariantCulture), Convert.ToInt32(j.Job.Args[1], CultureInfo.InvariantCulture))));
        Assert.Contains(jobs, j => j.EnqueueAt == export.NextAttemptAt!.Value.UtcDateTime);

        // The new job runs first and attempts; the old one, when the clock reaches it, finds its attempt made.
        clock.Now = export.NextAttemptAt!.Value;
        Assert.Equal(ExportState.Retrying, await exports.ExportAsync(id, 1, ct));
        Assert.Equal(2, (await ExportAsync(services, id, ct)).Attempts);
        clock.Now += TimeSpan.FromHours(3);
        Assert.Equal(ExportState.Retrying, await exports.ExportAsync(id, 1, ct));
        var after = await ExportAsync(services, id, ct);
        Assert.Equal(2, after.Attempts);
        Assert.Equal(ExportState.Retrying, after.State);

        // Set forward: the retry due is simply due now; nothing to reschedule.
        Assert.Equal(0, await check.RescheduleAsync(ct));
    }

    /// <summary>
    /// DCMTK storescp with DICOM TLS (its OpenSSL build), requiring a client certificate from the test authority, and a
    /// destination trusting that authority only, offering the worker's client certificate and checking the server's
    /// name: the report arrives over mutual TLS, once. The same destination without TLS is refused by that storescp.
    /// </summary>
    [Fact]
    [Trait("Category", "peer")]
    public async Task ExportAsync_DestinationRequiresMutualTls_SentOverTls()
    {
        var ct = TestContext.Current.CancellationToken;
        var pki = TlsTestCertificates.Create("export-tls");
        string received = Path.Combine(pki.Folder, "pacs");
        using var pacs = StorescpPeer.Start(received, "+tls", pki.ServerKey, pki.ServerCertificate, "+cf", pki.Authority, "--require-peer-cert");
        var tls = new DestinationTlsSettings
        {
            Enabled = true, TrustedCertificatesPath = pki.Authority, ClientCertificatePath = pki.ClientCertificate, ClientKeyPath = pki.ClientKey,
            ServerName = TlsTestCertificates.ServerName,
        };
        var validation = new WorkerSettingsValidator().Validate(null, new ExportSettings
        {
            Destinations = [new DestinationSettings { Name = "pacs", Host = "127.0.0.1", Port = pacs.Port, CalledAETitle = "PACS", Tls = tls }],
        });
        Assert.True(validation.Succeeded, validation.FailureMessage);

        // Plain TCP to the TLS port: not sent, recorded.
        var (plainServices, _, plain, plainId) = await CreateAsync("export-tls-plain", ct, port: pacs.Port);
        Assert.Equal(ExportState.Retrying, await plain.ExportAsync(plainId, ct));
        Assert.Null((await ExportAsync(plainServices, plainId, ct)).SentAt);

        var (services, _, exports, id) = await CreateAsync("export-tls", ct, port: pacs.Port, tls: tls);
        var state = await exports.ExportAsync(id, ct);

        var export = await ExportAsync(services, id, ct);
        Assert.True(state == ExportState.Sent, export.LastError);
        Assert.Equal(1, export.Attempts);
        Assert.NotNull(export.SentAt);
        Assert.Single(ReceivedFiles(received));
    }

    /// <summary>
    /// The destination's certificate signed by an authority the destination settings do not trust, or trusted but
    /// checked against another name (the address connected to, which it does not carry): the handshake is refused by
    /// the worker, the attempt is recorded with the TLS error and retried after the first delay, and nothing is sent or
    /// reported sent.
    /// </summary>
    [Theory]
    [InlineData(true, TlsTestCertificates.ServerName)]
    [InlineData(false, null)]
    [Trait("Category", "peer")]
    public async Task ExportAsync_ServerCertificateNotTrusted_AttemptRecordedAndRetried_NothingSent(bool otherAuthority, string? serverName)
    {
        var ct = TestContext.Current.CancellationToken;
        var pki = TlsTestCertificates.Create("export-tls-untrusted");
        string received = Path.Combine(pki.Folder, "pacs");
        using var pacs = StorescpPeer.Start(received, "+tls", pki.ServerKey, pki.ServerCertificate, "+cf", pki.Authority, "--require-peer-cert");
        var tls = new DestinationTlsSettings
        {
            Enabled = true, TrustedCertificatesPath = otherAuthority ? pki.OtherAuthority : pki.Authority, ClientCertificatePath = pki.ClientCertificate,
            ClientKeyPath = pki.ClientKey, ServerName = serverName,
        };
        var (services, storage, exports, id) = await CreateAsync("export-tls-untrusted", ct, port: pacs.Port, tls: tls);
        var start = services.Time.GetUtcNow();

        Assert.Equal(ExportState.Retrying, await exports.ExportAsync(id, ct));

        var export = await ExportAsync(services, id, ct);
        Assert.Equal(1, export.Attempts);
        Assert.Contains("TLS handshake", export.LastError, StringComparison.Ordinal);
        Assert.Null(export.SentAt);
        Assert.Equal(start + Delays[0], export.NextAttemptAt);
        Assert.Equal(1, storage.GetMonitoringApi().ScheduledCount());
        Assert.Empty(ReceivedFiles(received));

        // The retry meets the same certificate: recorded again, still nothing sent.
        services.Time.Advance(Delays[0]);
        Assert.Equal(ExportState.Retrying, await exports.ExportAsync(id, ct));
        Assert.Equal(2, (await ExportAsync(services, id, ct)).Attempts);
        Assert.Empty(ReceivedFiles(received));
    }

    /// <summary>
    /// Another attempt holds the export and renews its claim, from a clock that agrees with this one, runs an hour
    /// ahead or an hour behind (another node): this attempt sends nothing, records nothing and schedules a look again.
    /// The holder then dies (no more renewals): the look again watches the claim go unrenewed for the claim's timeout
    /// on its own clock (not the hour the holder's expiry would say), takes it over, sends it once and lets the claim
    /// go. Before, a claim further ahead than 30 s or already past on this clock was taken at once: two senders.
    /// </summary>
    [Theory]
    [Trait("Category", "peer")]
    [InlineData(0)]
    [InlineData(60)]
    [InlineData(-60)]
    public async Task ExportAsync_HeldByALiveAttemptOnAnyClock_NothingSent_TakenOverOnceAfterItStopsRenewing(int holderClockMinutes)
    {
        var ct = TestContext.Current.CancellationToken;
        string received = Peers.ScratchDirectory($"export-claimed-pacs-{holderClockMinutes}");
        using var pacs = StorescpPeer.Start(received, "-v");
        var (services, storage, exports, id) = await CreateAsync($"export-claimed-{holderClockMinutes}", ct, port: pacs.Port);
        var skew = TimeSpan.FromMinutes(holderClockMinutes);
        DateTimeOffset HolderExpiry() => services.Time.GetUtcNow() + skew + ExportService.ClaimTimeout;
        await ClaimAsync(services, id, "another-attempt", HolderExpiry(), ct);

        // The holder renews every 5 s: this attempt sees it alive and ends.
        var (state, _) = await WhileTheClockRunsAsync(services, () => exports.ExportAsync(id, ct),
            second => second % 5 == 0 ? ClaimAsync(services, id, "another-attempt", HolderExpiry(), ct) : Task.CompletedTask, ct);
        Assert.Equal(ExportState.Pending, state);
        var waiting = await ExportAsync(services, id, ct);
        Assert.Equal(0, waiting.Attempts);
        Assert.Equal("another-attempt", waiting.ClaimedBy);
        Assert.Single(storage.GetMonitoringApi().ScheduledJobs(0, 10));
        Assert.Equal(0, StoreRequests(pacs));

        // The holder is gone: the look again takes the export over after the claim's timeout, as this clock counts it.
        var (sentState, watched) = await WhileTheClockRunsAsync(services, () => exports.ExportAsync(id, 0, ct), null, ct);
        Assert.Equal(ExportState.Sent, sentState);
        Assert.InRange(watched, ExportService.ClaimTimeout + TimeSpan.FromSeconds(1), ExportService.ClaimTimeout * 2);
        var sent = await ExportAsync(services, id, ct);
        Assert.Equal(1, sent.Attempts);
        Assert.Null(sent.ClaimedBy);
        Assert.Null(sent.ClaimedUntil);
        await Poll.UntilAsync(() => StoreRequests(pacs) >= 1, TimeSpan.FromSeconds(10), "storescp logs the C-STORE", () => pacs.Process.Errors, TimeSpan.FromMilliseconds(50), ct);
        Assert.Equal(1, StoreRequests(pacs));
    }

    /// <summary>
    /// Two attempts of one export at the same moment: one sends it, the other finds it held and watches the claim until
    /// the export is sent; the PACS gets one C-STORE.
    /// </summary>
    [Fact]
    [Trait("Category", "peer")]
    public async Task ExportAsync_TwoAttemptsAtOnce_OneCStore()
    {
        var ct = TestContext.Current.CancellationToken;
        string received = Peers.ScratchDirectory("export-twice-pacs");
        using var pacs = StorescpPeer.Start(received, "-v");
        var (services, _, exports, id) = await CreateAsync("export-twice", ct, port: pacs.Port);

        var both = Task.WhenAll(Task.Run(() => exports.ExportAsync(id, ct), ct), Task.Run(() => exports.ExportAsync(id, ct), ct));
        await WhileTheClockRunsAsync(services, async () => { await both; return null; }, null, ct);
        var states = await both;

        Assert.Contains(ExportState.Sent, states.Select(s => s ?? ExportState.Failed));
        Assert.Equal(1, (await ExportAsync(services, id, ct)).Attempts);
        await Poll.UntilAsync(() => StoreRequests(pacs) >= 1, TimeSpan.FromSeconds(10), "storescp logs the C-STORE", () => pacs.Process.Errors, TimeSpan.FromMilliseconds(50), ct);
        await Task.Delay(200, ct);
        Assert.Equal(1, StoreRequests(pacs));
    }

    /// <summary>
    /// Runs an attempt while the test's clock moves on a second at a time (an attempt that finds the export held waits
    /// on that clock), calling <paramref name="eachSecond"/> before each step; returns the attempt's state and how far
    /// the clock moved.
    /// </summary>
    private static async Task<(ExportState? State, TimeSpan Elapsed)> WhileTheClockRunsAsync(WorkerServices services, Func<Task<ExportState?>> attempt,
        Func<int, Task>? eachSecond, CancellationToken ct)
    {
        var start = services.Time.GetUtcNow();
        var running = Task.Run(attempt, ct);
        for (int second = 1; !running.IsCompleted; second++)
        {
            Assert.True(second <= 600, "the attempt still waits after ten minutes of its clock");
            await Task.Delay(20, ct); // real time for the attempt to reach its next wait
            if (eachSecond is not null)
            {
                await eachSecond(second);
            }

            if (!running.IsCompleted)
            {
                services.Time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        return (await running, services.Time.GetUtcNow() - start);
    }

    private static int StoreRequests(StorescpPeer pacs) => pacs.Process.Errors.Split('\n').Count(l => l.Contains("Received Store Request", StringComparison.Ordinal));

    private static async Task ClaimAsync(WorkerServices services, long id, string claim, DateTimeOffset until, CancellationToken ct)
    {
        var db = services.CreateDbContext();
        await using (db)
        {
            await db.Exports.Where(x => x.Id == id).ExecuteUpdateAsync(u => u.SetProperty(x => x.ClaimedBy, claim).SetProperty(x => x.ClaimedUntil, until), ct);
        }
    }

    private static string[] ReceivedFiles(string folder) =>
        [.. Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.Contains(".incoming", StringComparison.Ordinal))];

    private static async Task<(WorkerServices Services, SQLiteStorage Storage, ExportService Exports, long ExportId)> CreateAsync(string name, CancellationToken ct,
        TimeSpan[]? delays = null, int? port = null, TimeProvider? clock = null, DestinationTlsSettings? tls = null)
    {
        var services = await WorkerServices.CreateAsync(name, TimeSpan.FromSeconds(1), ct);
        var storage = new SQLiteStorage(Path.Combine(services.Paths.DataFolder, "hangfire.db"), new SQLiteStorageOptions());
        var settings = new ExportSettings
        {
            Destinations = [new DestinationSettings { Name = "pacs", Host = "127.0.0.1", Port = port ?? PeerProcess.FreeTcpPort(), CalledAETitle = "PACS", Tls = tls }],
            RetryDelays = [.. delays ?? Delays],
        };
        var http = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        var exports = new ExportService(services, Options.Create(settings), services.Paths, new BackgroundJobClient(storage), new StowRsSender(http),
            new DestinationAssociations(Options.Create(settings), clock ?? services.Time, NullLogger<DestinationAssociations>.Instance),
            new WorkerMetrics(), clock ?? services.Time, NullLogger<ExportService>.Instance);

        // An analysed study with one produced report in the outbox, and its export.
        string studyUid = DicomUidGenerator.NewUid();
        await services.StoreAsync(WorkerServices.Radiograph(studyUid), ct);
        var report = WorkerServices.Report(studyUid, "PlaoImaging");
        string file = Path.Combine(services.Paths.Outbox, "1", "sr.dcm");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        new DicomFile(report).Save(file);
        var db = services.CreateDbContext();
        await using (db)
        {
            var study = await db.Studies.SingleAsync(s => s.StudyInstanceUid == studyUid, ct);
            var analysis = new AnalysisRecord
            {
                StudyId = study.Id, Generation = 1, ModelId = "m", ModelVersion = "1", ModelSha256 = "00", Status = "graded", Trigger = "realtime",
                Objects =
                [
                    new ProducedObjectRecord
                    {
                        SopInstanceUid = report.GetString(DicomTags.SOPInstanceUID), SopClassUid = report.GetString(DicomTags.SOPClassUID), Kind = "SR",
                        Path = services.Paths.RelativeToOutbox(file),
                    },
                ],
            };
            db.Analyses.Add(analysis);
            await db.SaveChangesAsync(ct);
            var export = new ExportRecord { AnalysisId = analysis.Id, StudyId = study.Id, Destination = "pacs", State = ExportState.Pending, CreatedAt = services.Time.GetUtcNow() };
            db.Exports.Add(export);
            await db.SaveChangesAsync(ct);
            return (services, storage, exports, export.Id);
        }
    }

    private static async Task<ExportRecord> ExportAsync(WorkerServices services, long id, CancellationToken ct)
    {
        var db = services.CreateDbContext();
        await using (db)
        {
            return await db.Exports.AsNoTracking().SingleAsync(x => x.Id == id, ct);
        }
    }

    private static async Task SetStateAsync(WorkerServices services, long id, ExportState state, int attempts, CancellationToken ct)
    {
        var db = services.CreateDbContext();
        await using (db)
        {
            await db.Exports.Where(x => x.Id == id).ExecuteUpdateAsync(u => u.SetProperty(x => x.State, state).SetProperty(x => x.Attempts, attempts), ct);
        }
    }

    /// <summary>A clock that can be set back (FakeTimeProvider only goes forward).</summary>
    private sealed class SettableClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
