using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// <see cref="DicomStoreAssociation"/> against DCMTK's storescp: several sends over one association (storescp's own log
/// counts the associations), a peer gone between sends (typed outcomes, no exception, the association unusable), and
/// a SOP class the peer refused.
/// </summary>
[Trait("Category", "slow")]
public sealed class StoreAssociationInteropTests
{
    private const string ComprehensiveSr = "1.2.840.10008.5.1.4.1.1.88.33";

    private static string Report(string folder, string sopClass = ComprehensiveSr)
    {
        var dataset = new DicomDataset()
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, sopClass)
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.Modality, DicomVR.CS, "SR")
            .AddString(DicomTags.ValueType, DicomVR.CS, "CONTAINER");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, dataset.GetString(DicomTags.SOPInstanceUID) + ".dcm");
        new DicomFile(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        return path;
    }

    private static string Uid(string path) => Path.GetFileNameWithoutExtension(path);

    /// <summary>The associations storescp acknowledged (its log goes to stderr; the start-up port probe is received, never acknowledged).</summary>
    private static int Associations(StorescpPeer scp) => scp.Process.Errors.Split('\n').Count(l => l.Contains("Association Acknowledged", StringComparison.Ordinal));

    [Fact]
    public async Task ThreeSendsOverOneAssociation_AllStored_StorescpSawOneAssociationAndItsRelease()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("net-kept-association");
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "out"), "-v");
        var client = new DicomClient("127.0.0.1", scp.Port, new DicomClientOptions { CalledAETitle = "STORESCP" });

        var association = await client.OpenStoreAssociationAsync([ComprehensiveSr], ct);
        await using (association)
        {
            var sent = new List<string>();
            for (int i = 0; i < 3; i++)
            {
                string[] files = [Report(Path.Combine(scratch, "in")), Report(Path.Combine(scratch, "in"))];
                var outcomes = await association.StoreAsync(files, ct);
                Assert.All(outcomes, o => Assert.True(o.Result == DicomStoreResult.Success, $"{o}\n{scp.Process.Describe()}"));
                sent.AddRange(files);
                Assert.True(association.IsUsable);
            }

            Assert.Equal(3, association.Sends);
            await association.ReleaseAsync(ct);
            Assert.False(association.IsUsable);
            Assert.All(sent, f => Assert.True(scp.Received(Uid(f)) is not null, $"not stored: {Uid(f)}\n{scp.Process.Describe()}"));
        }

        await Poll.UntilAsync(() => scp.Process.Errors.Contains("Association Release", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "storescp logs the release",
            () => scp.Process.Errors, TimeSpan.FromMilliseconds(50), ct);
        Assert.True(Associations(scp) == 1, scp.Process.Errors);
    }

    [Fact]
    public async Task FileMetaReading_StorescpKeepsTheDataSetByteForByte()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("net-kept-association-meta");
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "out"), "+B");
        var client = new DicomClient("127.0.0.1", scp.Port, new DicomClientOptions { CalledAETitle = "STORESCP", FileReading = DicomStoreFileReading.FileMetaInformation });
        string[] files = [Report(Path.Combine(scratch, "in")), Report(Path.Combine(scratch, "in"))];

        var association = await client.OpenStoreAssociationAsync([ComprehensiveSr], ct);
        await using (association)
        {
            var outcomes = await association.StoreAsync(files, ct);
            Assert.All(outcomes, o => Assert.True(o.Result == DicomStoreResult.Success, $"{o}\n{scp.Process.Describe()}"));
            Assert.Equal(files.Select(Uid), outcomes.Select(o => o.SopInstanceUid));
            await association.ReleaseAsync(ct);
        }

        foreach (string file in files)
        {
            string received = scp.Received(Uid(file)) ?? throw new Xunit.Sdk.XunitException($"not stored: {Uid(file)}\n{scp.Process.Describe()}");
            Assert.Equal(DataSetBytes(file), DataSetBytes(received));
        }
    }

    /// <summary>The bytes after the File Meta Information (whose first element is its group length).</summary>
    private static byte[] DataSetBytes(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan(128, 4).SequenceEqual("DICM"u8), path);
        return bytes[(144 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(140)))..];
    }

    [Fact]
    public async Task PeerGoneBetweenSends_FileIsFailureTheRestNotSent_AssociationUnusable()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("net-kept-association-gone");
        var scp = StorescpPeer.Start(Path.Combine(scratch, "out"));
        var client = new DicomClient("127.0.0.1", scp.Port, new DicomClientOptions { CalledAETitle = "STORESCP" });

        var association = await client.OpenStoreAssociationAsync([ComprehensiveSr], ct);
        await using (association)
        {
            var first = await association.StoreAsync([Report(Path.Combine(scratch, "in"))], ct);
            Assert.Equal(DicomStoreResult.Success, first[0].Result);

            scp.Dispose(); // killed: the connection is closed under the idle association
            string[] files = [Report(Path.Combine(scratch, "in")), Report(Path.Combine(scratch, "in"))];
            var outcomes = await association.StoreAsync(files, ct);

            Assert.Equal(DicomStoreResult.Failure, outcomes[0].Result);
            Assert.Null(outcomes[0].Status);
            Assert.Equal(DicomStoreResult.NotSent, outcomes[1].Result);
            Assert.False(association.IsUsable);
            var again = await association.StoreAsync([files[0]], ct);
            Assert.Equal(DicomStoreResult.NotSent, again[0].Result);
        }
    }

    [Fact]
    public async Task SopClassNotProposed_NotSent_OthersStored()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("net-kept-association-class");
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "out"));
        var client = new DicomClient("127.0.0.1", scp.Port, new DicomClientOptions { CalledAETitle = "STORESCP" });

        var association = await client.OpenStoreAssociationAsync([ComprehensiveSr], ct);
        await using (association)
        {
            const string Gsps = "1.2.840.10008.5.1.4.1.1.11.1";
            string other = Report(Path.Combine(scratch, "in"), Gsps);
            string report = Report(Path.Combine(scratch, "in"));
            var outcomes = await association.StoreAsync([other, report, Path.Combine(scratch, "missing.dcm")], ct);

            Assert.Equal(DicomStoreResult.NotSent, outcomes[0].Result);
            Assert.Contains(Gsps, outcomes[0].Message, StringComparison.Ordinal);
            Assert.Equal(DicomStoreResult.Success, outcomes[1].Result);
            Assert.Equal(DicomStoreResult.Skipped, outcomes[2].Result);
            Assert.True(association.IsUsable);
            Assert.Equal([ComprehensiveSr], association.AcceptedSopClasses);
            await association.ReleaseAsync(ct);
        }
    }
}
