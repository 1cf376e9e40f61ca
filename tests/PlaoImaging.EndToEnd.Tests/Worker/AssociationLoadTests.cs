using System.Collections.Concurrent;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Worker;

/// <summary>
/// Twenty associations at once, ten instances each, into a worker with the ingest and web roles: everything indexed,
/// and afterwards the worker's sockets and threads back near what it had before (nothing held per association).
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class AssociationLoadTests
{
    private const int Associations = 20;
    private const int PerAssociation = 10;

    [Fact]
    public async Task TwentyConcurrentAssociations_AllIndexed_SocketsAndThreadsComeBack()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads the worker's descriptors and threads from /proc");
        var ct = TestContext.Current.CancellationToken;
        using var worker = await WorkerProcess.StartAsync("worker-load", new Dictionary<string, string>(StringComparer.Ordinal) { ["Worker:Roles"] = "ingest,web" }, ct);
        int pid = worker.Process!.Id;
        Assert.Empty(await worker.StudiesAsync(ct));  // the API's connection is open before the baseline
        int socketsBefore = Sockets(pid);
        long threadsBefore = Threads(worker);
        Assert.True(socketsBefore >= 2, $"the worker's listening sockets were not found in /proc/{pid}/fd ({socketsBefore})");
        Assert.True(threadsBefore > 0, "the worker's thread count was not read");

        var outcomes = new ConcurrentBag<DicomStoreOutcome>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Associations), new ParallelOptions { MaxDegreeOfParallelism = Associations, CancellationToken = ct }, async (i, token) =>
        {
            string study = DicomUidGenerator.NewUid(), series = DicomUidGenerator.NewUid();
            var instances = Enumerable.Range(0, PerAssociation)
                .Select(_ => new DicomFile(WorkerTestKit.TinyImage(study, series, "LOAD" + i), DicomTransferSyntax.ExplicitVRLittleEndian))
                .ToList();
            var client = new DicomClient("127.0.0.1", worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
            foreach (var outcome in await client.StoreAsync(instances, cancellationToken: token))
            {
                outcomes.Add(outcome);
            }
        });

        Assert.Equal(Associations * PerAssociation, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.Result == DicomStoreResult.Success, $"{o.Result}: {o.Message}"));
        Assert.Equal(Associations * PerAssociation, await WorkerTestKit.MetricAsync(worker, "plao_instances_received_total{outcome=\"added\"}", ct));
        var studies = await worker.StudiesAsync(ct);
        Assert.Equal(Associations, studies.Count);
        Assert.All(studies, s => Assert.Equal(PerAssociation, s!["inputs"]!.GetValue<int>()));

        // Each association had its own socket (and a thread pool that grew to serve them); once released, the sockets
        // close at once and idle pool threads retire (after about 20 s idle). A socket or thread kept per association
        // would stay at least 20 over the baseline.
        int socketsAfter = 0;
        long threadsAfter = 0;
        for (int i = 0; i < 120; i++)
        {
            socketsAfter = Sockets(pid);
            threadsAfter = Threads(worker);
            if (socketsAfter <= socketsBefore + 4 && threadsAfter <= threadsBefore + 8)
            {
                break;
            }

            await Task.Delay(500, ct);
        }

        Assert.True(socketsAfter <= socketsBefore + 4, $"sockets: {socketsBefore} before, {socketsAfter} after the associations ended");
        Assert.True(threadsAfter <= threadsBefore + 8, $"threads: {threadsBefore} before, {threadsAfter} after the associations ended");
    }

    /// <summary>The process's open descriptors that are sockets.</summary>
    private static int Sockets(int pid) =>
        new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos().Count(fd => fd.LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true);

    private static long Threads(WorkerProcess worker) => worker.Process!.ProcStatusKb("Threads") ?? 0;
}
