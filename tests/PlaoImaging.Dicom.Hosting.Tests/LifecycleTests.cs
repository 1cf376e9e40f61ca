using Microsoft.Extensions.DependencyInjection;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Hosting.Tests;

/// <summary>The hosted SCP in process, with our own SCU: store handlers from DI, allow-lists, and shutdown with associations open.</summary>
[Trait("Category", "unit")]
public sealed class LifecycleTests
{
    private static string Lateral => Path.Combine(Peers.RepositoryRoot, "sample-data", "02-dx-thoracolumbar-explicit", "lateral.dcm");

    private static IReadOnlyList<string> MrStir => Directory.GetFiles(Path.Combine(Peers.RepositoryRoot, "sample-data", "07-mr-sagittal-acute", "STIR"), "*.dcm").Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Store_HandlerRegisteredInDi_ReceivesEveryInstance()
    {
        var handler = new RecordingHandler();
        var settings = ScpHost.LoopbackSettings("hosting-handler", out string root);
        using var host = ScpHost.Build(settings, s => s.AddSingleton<IDicomStoreHandler>(handler));
        await host.StartAsync(TestContext.Current.CancellationToken);
        var endPoint = ScpHost.EndPoint(host);
        string[] files = [Lateral, .. MrStir];

        var outcomes = await new DicomClient("127.0.0.1", endPoint.Port, new DicomClientOptions { CalledAETitle = "PLAO" })
            .StoreAsync(files, cancellationToken: TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.All(outcomes, o => Assert.True(o.Result == DicomStoreResult.Success, $"{o.Path}: {o.Result} {o.Message}"));
        Assert.Equal(files.Length, handler.Received.Count);
        var sent = files.Select(f => DicomFile.Open(f).Dataset.GetString(DicomTags.SOPInstanceUID)).Order(StringComparer.Ordinal);
        Assert.Equal(sent, handler.Received.Select(r => r.Keys.SopInstanceUid).Order(StringComparer.Ordinal));
        Assert.All(handler.Received, r => Assert.StartsWith(Path.GetFullPath(root), r.Path, StringComparison.Ordinal));
        Assert.All(handler.Received, r => Assert.True(File.Exists(r.Path), r.Path));
    }

    [Fact]
    public async Task Store_NoHandlerRegistered_FilesAreStoredUnderTheRoot()
    {
        var settings = ScpHost.LoopbackSettings("hosting-default", out string root);
        using var host = ScpHost.Build(settings);
        await host.StartAsync(TestContext.Current.CancellationToken);

        var outcome = await new DicomClient("127.0.0.1", ScpHost.EndPoint(host).Port).StoreAsync(DicomFile.Open(Lateral), TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DicomStoreResult.Success, outcome.Result);
        Assert.Single(Directory.GetFiles(root, "*.dcm", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Echo_CallingTitleNotInAllowList_AssociationRejected()
    {
        var settings = ScpHost.LoopbackSettings("hosting-allow", out _);
        settings["Dicom:Scp:AcceptedCallingAETitles:0"] = "PACS";
        settings["Dicom:Scp:AcceptedCallingAddresses:0"] = "127.0.0.0/8";
        using var host = ScpHost.Build(settings);
        await host.StartAsync(TestContext.Current.CancellationToken);
        int port = ScpHost.EndPoint(host).Port;

        var rejected = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() =>
            new DicomClient("127.0.0.1", port, new DicomClientOptions { CallingAETitle = "INTRUDER" }).EchoAsync(TestContext.Current.CancellationToken));
        var accepted = await new DicomClient("127.0.0.1", port, new DicomClientOptions { CallingAETitle = "PACS" }).EchoAsync(TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(AssociateRejectReasons.CallingAETitleNotRecognized, rejected.Reject?.Reason);
        Assert.True(accepted.IsSuccess);
    }

    [Fact]
    public async Task Stop_AssociationOpenPastTheShutdownTimeout_AbortsItAndClosesTheListener()
    {
        var handler = new HoldingHandler(Timeout.InfiniteTimeSpan);
        var settings = ScpHost.LoopbackSettings("hosting-stop-abort", out string root);
        using var host = ScpHost.Build(settings, s => s.AddSingleton<IDicomStoreHandler>(handler), shutdownTimeout: TimeSpan.FromSeconds(1));
        await host.StartAsync(TestContext.Current.CancellationToken);
        var endPoint = ScpHost.EndPoint(host);
        var store = Task.Run(() => new DicomClient("127.0.0.1", endPoint.Port).StoreAsync(DicomFile.Open(Lateral)), TestContext.Current.CancellationToken);
        await handler.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        var stop = host.StopAsync(TestContext.Current.CancellationToken);
        await stop.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.True(stop.IsCompletedSuccessfully);
        Assert.True(handler.Cancelled);
        Assert.False(host.Services.GetRequiredService<IDicomScpStatus>().IsListening);
        Assert.False(await ScpHost.AcceptsConnectionAsync(endPoint));
        var outcome = await CompletedStore(store);
        Assert.NotEqual(DicomStoreResult.Success, outcome);
        string incoming = Path.Combine(root, ".incoming");
        Assert.Empty(Directory.Exists(incoming) ? Directory.GetFiles(incoming) : []);
    }

    [Fact]
    public async Task Stop_AssociationFinishingWithinTheShutdownTimeout_IsLetFinish()
    {
        var handler = new HoldingHandler(TimeSpan.FromMilliseconds(700));
        var settings = ScpHost.LoopbackSettings("hosting-stop-drain", out _);
        using var host = ScpHost.Build(settings, s => s.AddSingleton<IDicomStoreHandler>(handler), shutdownTimeout: TimeSpan.FromSeconds(15));
        await host.StartAsync(TestContext.Current.CancellationToken);
        var endPoint = ScpHost.EndPoint(host);
        var store = Task.Run(() => new DicomClient("127.0.0.1", endPoint.Port).StoreAsync(DicomFile.Open(Lateral)), TestContext.Current.CancellationToken);
        await handler.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        await host.StopAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.False(handler.Cancelled);
        Assert.Equal(DicomStoreResult.Success, await CompletedStore(store));
        Assert.False(await ScpHost.AcceptsConnectionAsync(endPoint));
    }

    [Fact]
    [Trait("Category", "slow")]
    public async Task Stop_WhileDraining_RefusesNewConnectionsAndLetsTheRunningAssociationFinish()
    {
        var handler = new HoldingHandler(TimeSpan.FromSeconds(3));
        var settings = ScpHost.LoopbackSettings("hosting-stop-refuse", out _);
        using var host = ScpHost.Build(settings, s => s.AddSingleton<IDicomStoreHandler>(handler), shutdownTimeout: TimeSpan.FromSeconds(15));
        await host.StartAsync(TestContext.Current.CancellationToken);
        var endPoint = ScpHost.EndPoint(host);
        var status = host.Services.GetRequiredService<IDicomScpStatus>();
        var store = Task.Run(() => new DicomClient("127.0.0.1", endPoint.Port).StoreAsync(DicomFile.Open(Lateral)), TestContext.Current.CancellationToken);
        await handler.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        var stop = host.StopAsync(TestContext.Current.CancellationToken);
        while (status.IsListening)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.False(stop.IsCompleted, "the stop waits for the running association");
        Assert.Equal(1, status.ActiveAssociations);
        Assert.False(await ScpHost.AcceptsConnectionAsync(endPoint));
        await stop.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.False(handler.Cancelled);
        Assert.Equal(DicomStoreResult.Success, await CompletedStore(store));
    }

    /// <summary>The store's result, or Failure when the aborted association surfaced as an exception.</summary>
    private static async Task<DicomStoreResult> CompletedStore(Task<DicomStoreOutcome> store)
    {
        try
        {
            return (await store.WaitAsync(TimeSpan.FromSeconds(20))).Result;
        }
        catch (DicomNetworkException)
        {
            return DicomStoreResult.Failure;
        }
        catch (IOException)
        {
            return DicomStoreResult.Failure;
        }
    }
}
