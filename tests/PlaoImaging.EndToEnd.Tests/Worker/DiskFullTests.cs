using System.Net;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Worker;

/// <summary>
/// The disk that takes received images fills up during a run (a 4 MiB tmpfs as <c>Dicom:Scp:StorageRoot</c>): every
/// instance that does not fit is refused with A700 (out of resources), never acknowledged; nothing half-written is
/// left in the storage; readiness says how little space is left and new associations are rejected as transient; the
/// process stays up. When space returns
/// (the tmpfs grown), the refused instances are sent again and every study is analysed once.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class DiskFullTests
{
    [Fact]
    public async Task StorageFull_InstancesRefusedOutOfResources_NeverAcknowledged_AndAcceptedWhenSpaceReturns()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("disk-full");
        string storage = Directory.CreateDirectory(Path.Combine(scratch, "storage")).FullName;
        Mount(storage, "size=4m");
        try
        {
            string inputs = Directory.CreateDirectory(Path.Combine(scratch, "inputs")).FullName;
            string source = WorkerTestKit.SampleFiles("03-dx-thoracic-plao-run")[0];
            var files = Enumerable.Range(0, 8).Select(i => WorkerTestKit.CopyAsNewStudy(source, inputs, $"FULL{i}")).ToList();
            var studyOf = files.ToDictionary(f => f, f => WorkerTestKit.Identify(f).StudyUid, StringComparer.Ordinal);

            using var worker = await WorkerProcess.StartAsync("disk-full", new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Dicom:Scp:StorageRoot"] = storage,
                ["Assembly:QuietPeriod"] = "00:00:01",
                ["Worker:MinimumFreeSpaceMiB"] = "1",
            }, ct);

            // 8 × 0.7 MB into 4 MiB: the first five or so fit, the others are refused.
            var first = await SendAsync(worker.DicomPort, files, ct);
            var acknowledged = first.Where(o => o.Result == DicomStoreResult.Success).Select(o => o.Path).ToList();
            var refused = first.Where(o => o.Result != DicomStoreResult.Success).ToList();
            Assert.InRange(acknowledged.Count, 1, files.Count - 1);
            Assert.All(refused, o => Assert.True(o.Status?.Code == 0xA700, $"{Path.GetFileName(o.Path)}: {o.Result} {o.Status} {o.Message}"));
            Assert.Empty(Directory.GetFiles(storage, "*.part", SearchOption.AllDirectories));
            Assert.Equal(acknowledged.Count, Directory.GetFiles(storage, "*.dcm", SearchOption.AllDirectories).Length);

            // Less than Worker:MinimumFreeSpaceMiB left: not ready, and (once the SCP's gate has probed, every 2 s) new
            // associations are turned away as transient, so that senders keep their instances.
            using (var ready = await worker.Api.GetAsync("health/ready", ct))
            {
                string body = await ready.Content.ReadAsStringAsync(ct);
                Assert.True(ready.StatusCode == HttpStatusCode.ServiceUnavailable && body.Contains("MiB free", StringComparison.Ordinal), $"{(int)ready.StatusCode} {body}");
            }

            await Task.Delay(TimeSpan.FromSeconds(2.5), ct);
            var turnedAway = Assert.Single(await SendAsync(worker.DicomPort, [refused[0].Path], ct));
            Assert.True(turnedAway.Result == DicomStoreResult.NotSent && turnedAway.Message.Contains("temporary-congestion", StringComparison.Ordinal),
                $"{turnedAway.Result} {turnedAway.Status} {turnedAway.Message}");

            // Only what was acknowledged is in the index.
            var indexed = (await worker.StudiesAsync(ct)).Select(s => s!["studyInstanceUid"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(acknowledged.Select(f => studyOf[f]).ToHashSet(StringComparer.Ordinal), indexed);

            // Space returns: the sender's retry of what was refused goes through, and every study is analysed.
            Mount(storage, "remount,size=64m");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while ((await worker.Api.GetAsync("health/ready", ct)).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(DateTime.UtcNow < deadline, "not ready 30 s after space returned");
                await Task.Delay(250, ct);
            }

            await Task.Delay(TimeSpan.FromSeconds(2.5), ct);
            var second = await SendAsync(worker.DicomPort, refused.Select(o => o.Path).ToList(), ct);
            Assert.All(second, o => Assert.True(o.Result == DicomStoreResult.Success, $"{Path.GetFileName(o.Path)}: {o.Result} {o.Message}"));
            var studies = await WorkerTestKit.WaitUntilSettledAsync(worker, files.Count, TimeSpan.FromMinutes(2), ct);
            Assert.All(studies, s => Assert.Equal("Analysed", WorkerTestKit.State(s)));
            Assert.Equal(studyOf.Values.ToHashSet(StringComparer.Ordinal), studies.Select(s => s!["studyInstanceUid"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal));
            using (var ready = await worker.Api.GetAsync("health/ready", ct))
            {
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }
        }
        finally
        {
            Peers.RunProcess("umount", ["-l", storage], timeoutSeconds: 30);
        }
    }

    private static async Task<IReadOnlyList<DicomStoreOutcome>> SendAsync(int port, IReadOnlyList<string> files, CancellationToken ct)
    {
        var client = new DicomClient("127.0.0.1", port, new DicomClientOptions { CalledAETitle = "PLAO", ResponseTimeout = TimeSpan.FromSeconds(30) });
        return await client.StoreAsync(files, null, ct);
    }

    /// <summary>Mounts (or remounts) a tmpfs; skips loudly, and fails in CI, where this user may not mount.</summary>
    private static void Mount(string folder, string options)
    {
        var (code, stdout, stderr) = Peers.RunProcess("mount", ["-t", "tmpfs", "-o", options, "tmpfs", folder], timeoutSeconds: 30);
        if (code == 0)
        {
            return;
        }

        Peers.Unavailable($"cannot mount a tmpfs to fill (mount exited {code}: {stdout}{stderr}); the test needs root or CAP_SYS_ADMIN");
    }
}
