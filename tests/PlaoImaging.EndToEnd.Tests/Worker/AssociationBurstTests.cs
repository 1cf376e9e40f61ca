using System.Collections.Concurrent;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Worker;

/// <summary>A burst of 200 associations, 16 at a time, one small instance each: every one acknowledged and indexed, and the worker ready throughout.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class AssociationBurstTests
{
    private const int Associations = 200;

    [Fact]
    public async Task TwoHundredAssociations_SixteenAtATime_AllAcknowledgedAndIndexed_ReadyThroughout()
    {
        var ct = TestContext.Current.CancellationToken;
        using var worker = await WorkerProcess.StartAsync("worker-burst", cancellationToken: ct);

        // Four studies of 50 instances; a 64 x 64 secondary capture is nothing the engine measures, so the analyses are short.
        var studies = Enumerable.Range(0, 4).Select(_ => (Study: DicomUidGenerator.NewUid(), Series: DicomUidGenerator.NewUid())).ToList();
        var instances = Enumerable.Range(0, Associations).Select(i => WorkerTestKit.TinyImage(studies[i % 4].Study, studies[i % 4].Series, "BURST" + (i % 4))).ToList();

        using var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{worker.HttpPort}/"), Timeout = TimeSpan.FromSeconds(10) };
        var notReady = new ConcurrentBag<string>();
        int probes = 0;
        using var stopProbing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var prober = Task.Run(async () =>
        {
            while (!stopProbing.IsCancellationRequested)
            {
                try
                {
                    using var response = await probe.GetAsync(new Uri("health/ready", UriKind.Relative), stopProbing.Token);
                    Interlocked.Increment(ref probes);
                    if (!response.IsSuccessStatusCode)
                    {
                        notReady.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(stopProbing.Token)}");
                    }

                    await Task.Delay(50, stopProbing.Token);
                }
                catch (OperationCanceledException) when (stopProbing.IsCancellationRequested)
                {
                }
                catch (HttpRequestException e)
                {
                    notReady.Add(e.Message);
                }
            }
        }, CancellationToken.None);

        var outcomes = new ConcurrentBag<DicomStoreOutcome>();
        await Parallel.ForEachAsync(instances, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (dataset, token) =>
        {
            var client = new DicomClient("127.0.0.1", worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
            outcomes.Add(await client.StoreAsync(dataset, DicomTransferSyntax.ExplicitVRLittleEndian, token));
        });
        int probesDuringBurst = Volatile.Read(ref probes);

        Assert.Equal(Associations, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.Result == DicomStoreResult.Success, $"{o.Result}: {o.Message}"));
        var settled = await WorkerTestKit.WaitUntilSettledAsync(worker, studies.Count, TimeSpan.FromMinutes(2), ct);
        Assert.Equal(Associations, settled.Sum(s => s!["inputs"]!.GetValue<int>()));
        Assert.Equal(Associations, await WorkerTestKit.MetricAsync(worker, "plao_instances_received_total{outcome=\"added\"}", ct));

        await stopProbing.CancelAsync();
        await prober;
        using var after = await probe.GetAsync(new Uri("health/ready", UriKind.Relative), ct);
        Assert.True(after.IsSuccessStatusCode, $"/health/ready after the burst: {(int)after.StatusCode}");
        Assert.True(probesDuringBurst > 0, "no readiness probe answered during the burst");
        Assert.True(notReady.IsEmpty, $"/health/ready failed {notReady.Count} of {probes} times: {string.Join("; ", notReady.Take(5))}");
    }
}
