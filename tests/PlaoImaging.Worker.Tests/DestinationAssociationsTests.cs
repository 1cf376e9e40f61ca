using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Export;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The export associations kept open between exports (<see cref="DestinationAssociations"/>) against DCMTK's storescp,
/// whose own log counts the associations it acknowledged and released: exports within 5 s of its opening share one; it
/// is released when that time is up (a fake clock); an idle association the destination dropped costs no export; zero keeps the
/// old one association per export; exports at once get one each; the worker's stop releases what is idle.
/// </summary>
[Trait("Category", "peer")]
public sealed class DestinationAssociationsTests
{
    private const string Sr = "1.2.840.10008.5.1.4.1.1.88.33";
    private const string Gsps = "1.2.840.10008.5.1.4.1.1.11.1";

    private static (string Path, string SopClassUid) Object(string folder, string sopClass)
    {
        var dataset = new DicomDataset()
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, sopClass)
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.Modality, DicomVR.CS, sopClass == Sr ? "SR" : "PR");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, dataset.GetString(DicomTags.SOPInstanceUID) + ".dcm");
        new DicomFile(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        return (path, sopClass);
    }

    private static (string Path, string SopClassUid)[] Export(string folder) => [Object(folder, Sr), Object(folder, Gsps)];

    /// <summary>
    /// How often storescp logged <paramref name="text"/>: occurrences, not lines, since the processes it forks per
    /// association write to one stream and two of their lines can run together ("Association ReleaseAssociation Release").
    /// </summary>
    private static int Count(StorescpPeer scp, string text)
    {
        string log = scp.Process.Errors;
        int count = 0;
        for (int at = log.IndexOf(text, StringComparison.Ordinal); at >= 0; at = log.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static Task WaitLoggedAsync(StorescpPeer scp, string text, int count, CancellationToken ct) =>
        Poll.UntilAsync(() => Count(scp, text) >= count, TimeSpan.FromSeconds(10), $"storescp logs '{text}' {count} times", () => scp.Process.Errors, TimeSpan.FromMilliseconds(50), ct);

    private static (DestinationAssociations Pool, DestinationSettings Destination, FakeTimeProvider Clock) Create(int port, TimeSpan keepOpen, FakeTimeProvider? shared = null)
    {
        var destination = new DestinationSettings { Name = "pacs", Host = "127.0.0.1", Port = port, CalledAETitle = "PACS", KeepAssociationOpen = keepOpen };
        var clock = shared ?? new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var pool = new DestinationAssociations(Options.Create(new ExportSettings { Destinations = [destination] }), clock, NullLogger<DestinationAssociations>.Instance);
        return (pool, destination, clock);
    }

    private static void AssertStored(IReadOnlyList<DicomStoreOutcome> outcomes, StorescpPeer scp) =>
        Assert.All(outcomes, o => Assert.True(o.Result == DicomStoreResult.Success, $"{o}\n{scp.Process.Errors}"));

    [Fact]
    public async Task ExportsWithinItsTime_ShareOneAssociation_ReleasedWhenItsTimeIsUp()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("export-kept-association");
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "pacs"), "-v");
        var (pool, destination, clock) = Create(scp.Port, TimeSpan.FromSeconds(5));
        await using var _ = pool;

        for (int i = 0; i < 4; i++)
        {
            AssertStored(await pool.StoreAsync(destination, Export(Path.Combine(scratch, "out")), ct), scp);
            clock.Advance(TimeSpan.FromSeconds(1)); // within the 5 s from its opening each time
        }

        Assert.Equal(1, pool.Opened);
        Assert.Equal(1, pool.IdleCount);
        Assert.Equal(8, Directory.GetFiles(Path.Combine(scratch, "pacs")).Length);
        Assert.Equal(0, Count(scp, "Association Release"));

        clock.Advance(TimeSpan.FromSeconds(1)); // 5 s since it opened: released by the sweep
        Assert.Equal(0, pool.IdleCount);
        await WaitLoggedAsync(scp, "Association Release", 1, ct);
        Assert.Equal(1, Count(scp, "Association Acknowledged"));

        // The next export opens a new one.
        AssertStored(await pool.StoreAsync(destination, Export(Path.Combine(scratch, "out")), ct), scp);
        Assert.Equal(2, pool.Opened);
    }

    /// <summary>
    /// A PACS that serves one association at a time (storescp without --fork): another node's export waits while this
    /// node's association is open, and goes through once its time is up and it is released; it is not starved.
    /// </summary>
    [Fact]
    public async Task SerialPacs_AnotherNodesExportWaitsOnlyUntilTheAssociationsTimeIsUp()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("export-kept-association-serial");
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "pacs"), "-v");
        var (first, destination, clock) = Create(scp.Port, TimeSpan.FromSeconds(5));
        var (second, _, _) = Create(scp.Port, TimeSpan.FromSeconds(5), clock);
        await using var _ = first;
        await using var __ = second;

        AssertStored(await first.StoreAsync(destination, Export(Path.Combine(scratch, "out")), ct), scp);
        var waiting = second.StoreAsync(destination, Export(Path.Combine(scratch, "out")), ct);
        await Task.Delay(500, ct);
        Assert.False(waiting.IsCompleted, "the serial PACS took a second association while the first was open");

        clock.Advance(TimeSpan.FromSeconds(5));
        AssertStored(await waiting.WaitAsync(TimeSpan.FromSeconds(20), ct), scp);
        Assert.Equal(2, Count(scp, "Association Acknowledged"));
    }

    [Fact]
    public async Task IdleAssociationDroppedByTheDestination_ExportSentOnANewOne()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("export-kept-association-dropped");
        var scp = StorescpPeer.Start(Path.Combine(scratch, "pacs"));
        int port = scp.Port;
        var (pool, destination, _) = Create(port, TimeSpan.FromSeconds(5));
        await using var _ = pool;

        AssertStored(await pool.StoreAsync(destination, Export(Path.Combine(scratch, "out")), ct), scp);
        scp.Dispose(); // the destination restarts: the idle association's connection is gone
        using var again = StorescpPeer.StartOnPort(Path.Combine(scratch, "pacs"), port);

        var outcomes = await pool.StoreAsync(destination, Export(Path.Combine(scratch, "out")), ct);

        AssertStored(outcomes, again);
        Assert.Equal(2, pool.Opened);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(scratch, "pacs")).Length);
    }

    [Fact]
    public async Task KeepOpenZero_OneAssociationPerExport_NoneHeld()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("export-kept-association-zero");
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "pacs"), "-v");
        var (pool, destination, _) = Create(scp.Port, TimeSpan.Zero);
        await using var _ = pool;

        for (int i = 0; i < 3; i++)
        {
            AssertStored(await pool.StoreAsync(destination, Export(Path.Combine(scratch, "out")), ct), scp);
        }

        Assert.Equal(3, pool.Opened);
        Assert.Equal(0, pool.IdleCount);
        await WaitLoggedAsync(scp, "Association Release", 3, ct);
        Assert.Equal(3, Count(scp, "Association Acknowledged"));
    }

    [Fact]
    public async Task ExportsAtOnce_EachGetsItsOwn_ThenReused_StopReleasesThem()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("export-kept-association-parallel");
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "pacs"), "-v", "--fork");
        var (pool, destination, _) = Create(scp.Port, TimeSpan.FromSeconds(5));

        // Three at once, then a later export needing a class the idle ones did not propose (an SC).
        var first = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => pool.StoreAsync(destination, Export(Path.Combine(scratch, "out")), ct)));
        Assert.All(first, o => AssertStored(o, scp));
        int opened = pool.Opened;
        Assert.InRange(opened, 1, 3);
        Assert.Equal(opened, pool.IdleCount);

        AssertStored(await pool.StoreAsync(destination, Export(Path.Combine(scratch, "out")), ct), scp);
        Assert.Equal(opened, pool.Opened);
        const string SecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";
        AssertStored(await pool.StoreAsync(destination, [Object(Path.Combine(scratch, "out"), SecondaryCapture)], ct), scp);
        Assert.Equal(opened + 1, pool.Opened);

        await pool.DisposeAsync();
        Assert.Equal(0, pool.IdleCount);
        await WaitLoggedAsync(scp, "Association Release", opened + 1, ct);
    }
}
