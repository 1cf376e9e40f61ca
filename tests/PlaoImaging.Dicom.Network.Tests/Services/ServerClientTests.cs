using System.Net;
using PlaoImaging.Dicom.Network.Tests.Support;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.Services;

/// <summary>
/// <see cref="DicomServer"/> and <see cref="DicomClient"/> in one process: C-ECHO, C-STORE into Study/Series/SOP.dcm
/// with the handler told before the sender hears of success, handler failures, association policies (limit, called
/// and calling AE titles), SOP classes refused, and transfer syntaxes restricted so that the client transcodes.
/// </summary>
[Trait("Category", "unit")]
public sealed class ServerClientTests
{
    private static readonly DicomTag TransferSyntaxUid = new(0x0002, 0x0010);
    private static readonly DicomTag MediaStorageSopClassUid = new(0x0002, 0x0002);
    private static readonly DicomTag MediaStorageSopInstanceUid = new(0x0002, 0x0003);
    private static readonly DicomTag SourceApplicationEntityTitle = new(0x0002, 0x0016);

    [Fact]
    public async Task EchoAsync_DefaultServer_Success()
    {
        await using var server = TestServer.Start("echo");

        var status = await server.Client().EchoAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DimseStatus.Success, status);
        await server.AssertIdleAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task StoreAsync_ThreeInstances_StoredUnderStudySeriesSopAndHandlerToldBeforeTheClient()
    {
        var ct = TestContext.Current.CancellationToken;
        var sequence = new EventSequence();
        var handler = new RecordingStoreHandler(sequence);
        var factoryCalls = new List<DicomAssociationInfo>();
        await using var server = TestServer.Start("store", o => o with
        {
            StoreHandlerFactory = info =>
            {
                lock (factoryCalls)
                {
                    factoryCalls.Add(info);
                }

                return handler;
            },
        });
        string study = DicomUidGenerator.NewUid();
        string series = DicomUidGenerator.NewUid();
        var datasets = new[]
        {
            TestInstances.Image(SamplePdus.CtImageStorage, study, series, DicomUidGenerator.NewUid(), patientId: "P1", modality: "CT"),
            TestInstances.Image(SamplePdus.CtImageStorage, study, series, DicomUidGenerator.NewUid(), rows: 8, columns: 24, patientId: "P1", modality: "CT"),
            TestInstances.Image(SamplePdus.SecondaryCaptureImageStorage, DicomUidGenerator.NewUid(), DicomUidGenerator.NewUid(), DicomUidGenerator.NewUid(), patientId: "P2", modality: "OT"),
        };
        var files = datasets.Select((d, i) => TestInstances.Write(d, Path.Combine(server.Scratch, $"{i}.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian)).ToArray();
        var progress = new RecordingProgress(sequence);

        var outcomes = await server.Client().StoreAsync(files, progress, ct);

        Assert.All(outcomes, o => Assert.Equal(DicomStoreResult.Success, o.Result));
        Assert.All(outcomes, o => Assert.False(o.Transcoded));
        Assert.Single(factoryCalls);
        Assert.Equal("TESTSCU", factoryCalls[0].CallingAETitle);
        Assert.Equal("TESTSCP", factoryCalls[0].CalledAETitle);
        Assert.Equal(3, handler.Handled.Count);
        for (int i = 0; i < datasets.Length; i++)
        {
            var dataset = datasets[i];
            string expectedPath = TestInstances.StoredPath(server.Storage, dataset);
            Assert.True(File.Exists(expectedPath), $"{expectedPath} was not stored");
            Assert.Equal(TestInstances.DataSetBytes(files[i]), TestInstances.DataSetBytes(expectedPath));
            var told = handler.Handled.Single(h => h.Instance.Keys.SopInstanceUid == dataset.GetString(DicomTags.SOPInstanceUID)).Instance;
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(TestInstances.DataSetBytes(expectedPath))), told.DataSetSha256);
            var meta = DicomFile.Open(expectedPath).FileMetaInformation;
            Assert.Equal(dataset.GetString(DicomTags.SOPClassUID), meta.GetString(MediaStorageSopClassUid));
            Assert.Equal(dataset.GetString(DicomTags.SOPInstanceUID), meta.GetString(MediaStorageSopInstanceUid));
            Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian.Uid, meta.GetString(TransferSyntaxUid));
            Assert.Equal("TESTSCU", meta.GetString(SourceApplicationEntityTitle));

            var seen = Assert.Single(handler.Handled, h => h.Instance.Keys.SopInstanceUid == dataset.GetString(DicomTags.SOPInstanceUID));
            var keys = seen.Instance.Keys;
            Assert.Equal(dataset.GetString(DicomTags.SOPClassUID), keys.SopClassUid);
            Assert.Equal(dataset.GetString(DicomTags.StudyInstanceUID), keys.StudyInstanceUid);
            Assert.Equal(dataset.GetString(DicomTags.SeriesInstanceUID), keys.SeriesInstanceUid);
            Assert.Equal(dataset.GetString(DicomTags.PatientID), keys.PatientId);
            Assert.Equal(dataset.GetString(DicomTags.Modality), keys.Modality);
            Assert.Equal(expectedPath, seen.Instance.Path);
            Assert.Equal("TESTSCU", seen.Instance.CallingAETitle);
            Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian.Uid, seen.Instance.TransferSyntax.Uid);
            Assert.True(seen.FileInPlace, "the file was not in place when the handler was told");
            Assert.Equal(new FileInfo(expectedPath).Length, seen.FileLength);
            Assert.Equal(seen.FileLength, seen.Instance.Length);

            // The handler heard of the instance before the client heard of its success.
            var reported = Assert.Single(progress.Reports, r => r.Outcome.SopInstanceUid == keys.SopInstanceUid);
            Assert.True(seen.Sequence < reported.Sequence, $"handler event {seen.Sequence}, client outcome {reported.Sequence}");
            Assert.Equal(files[i], outcomes[i].Path);
            Assert.Equal(DimseStatus.Success, outcomes[i].Status);
        }

        Assert.Empty(server.PartFiles());
        await server.AssertIdleAsync(ct);
    }

    [Fact]
    public async Task StoreAsync_ImplicitFileWhileBothLittleEndianAccepted_StoredWithTheSameElements()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("store-implicit");
        var dataset = TestInstances.NewImage();
        string file = TestInstances.Write(dataset, Path.Combine(server.Scratch, "implicit.dcm"), DicomTransferSyntax.ImplicitVRLittleEndian);

        var outcome = Assert.Single(await server.Client().StoreAsync([file], cancellationToken: ct));

        Assert.Equal(DicomStoreResult.Success, outcome.Result);
        AssertSameElements(ReadFully(file).Dataset, ReadFully(TestInstances.StoredPath(server.Storage, dataset)).Dataset);
    }

    [Theory]
    [InlineData(0xA700, DicomStoreResult.Failure)]
    [InlineData(0x0124, DicomStoreResult.Failure)]
    [InlineData(0xC000, DicomStoreResult.Failure)]
    [InlineData(0xB000, DicomStoreResult.Warning)]
    public async Task StoreAsync_HandlerReturnsStatus_ClientOutcomeCarriesIt(int code, DicomStoreResult expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var handler = new RecordingStoreHandler(new EventSequence()) { Respond = _ => new DimseStatus((ushort)code) };
        await using var server = TestServer.Start("handler-status", o => o with { StoreHandlerFactory = _ => handler });
        var dataset = TestInstances.NewImage();
        string file = TestInstances.Write(dataset, Path.Combine(server.Scratch, "a.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian);

        var outcome = Assert.Single(await server.Client().StoreAsync([file], cancellationToken: ct));

        Assert.Equal(expected, outcome.Result);
        Assert.Equal(new DimseStatus((ushort)code), outcome.Status);
        Assert.Single(handler.Handled);
        await server.AssertIdleAsync(ct);
    }

    [Fact]
    public async Task StoreAsync_HandlerThrows_ProcessingFailure0110()
    {
        var ct = TestContext.Current.CancellationToken;
        var handler = new RecordingStoreHandler(new EventSequence()) { Respond = _ => throw new InvalidOperationException("the archive is down") };
        await using var server = TestServer.Start("handler-throws", o => o with { StoreHandlerFactory = _ => handler });
        var datasets = new[] { TestInstances.NewImage(), TestInstances.NewImage() };
        var files = datasets.Select((d, i) => TestInstances.Write(d, Path.Combine(server.Scratch, $"{i}.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian)).ToArray();

        var outcomes = await server.Client().StoreAsync(files, cancellationToken: ct);

        // Each file fails alone; the association carries on.
        Assert.All(outcomes, o =>
        {
            Assert.Equal(DicomStoreResult.Failure, o.Result);
            Assert.Equal(DimseStatus.ProcessingFailure, o.Status);
        });
        Assert.Equal(2, handler.Handled.Count);
        await server.AssertIdleAsync(ct);
    }

    [Fact]
    public async Task EchoAsync_OverMaxAssociations_RejectedTransientLocalLimitExceeded()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("limit", o => o with { MaxAssociations = 1 });
        var holder = await server.ConnectRawAsync(ct);
        await using (holder)
        {
            await holder.AssociateAcceptedAsync(RawPeer.VerificationRequest(), ct);

            var e = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => server.Client().EchoAsync(ct));

            Assert.NotNull(e.Reject);
            Assert.Equal(AssociateRejectResult.Transient, e.Reject.Result);
            Assert.Equal(AssociateRejectSource.ServiceProviderPresentation, e.Reject.Source);
            Assert.Equal(AssociateRejectReasons.LocalLimitExceeded, e.Reject.Reason);

            await holder.ReleaseAsync(ct);
        }

        // Once the held association is gone, the next one is served.
        await server.AssertIdleAsync(ct);
        await server.AssertEchoAsync(ct);
    }

    [Fact]
    public async Task EchoAsync_WhileTheServiceSaysItIsUnavailable_RejectedTransientTemporaryCongestion_AndServedOnceItIsBack()
    {
        var ct = TestContext.Current.CancellationToken;
        string? unavailable = "the index database does not answer";
        await using var server = TestServer.Start("unavailable", o => o with { Unavailable = () => unavailable });

        var e = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => server.Client().EchoAsync(ct));

        Assert.Equal(AssociateRejectResult.Transient, e.Reject!.Result);
        Assert.Equal(AssociateRejectSource.ServiceProviderPresentation, e.Reject.Source);
        Assert.Equal(AssociateRejectReasons.TemporaryCongestion, e.Reject.Reason);

        unavailable = null;
        await server.AssertIdleAsync(ct);
        await server.AssertEchoAsync(ct);
    }

    [Fact]
    public async Task Start_TempFilesInTheStorage_OnlyThoseIdleForTwiceThePduTimeoutAreRemoved()
    {
        // A storage root shared by two SCPs: a younger temp file may be an instance the other one is receiving now.
        string stale = string.Empty, live = string.Empty;
        await using var server = TestServer.Start("leftovers", o =>
        {
            string incoming = Directory.CreateDirectory(Path.Combine(o.StorageDirectory, ".incoming")).FullName;
            stale = Path.Combine(incoming, "stale.part");
            File.WriteAllBytes(stale, [1]);
            File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - (2 * o.PduTimeout) - TimeSpan.FromSeconds(5));
            live = Path.Combine(incoming, "live.part");
            File.WriteAllBytes(live, [2]);
            File.SetLastWriteTimeUtc(live, DateTime.UtcNow - o.PduTimeout);
            return o;
        });

        Assert.False(File.Exists(stale), "a temp file idle for longer than twice the PDU timeout was kept");
        Assert.True(File.Exists(live), "a temp file written within twice the PDU timeout was removed");
        File.Delete(live);
    }

    [Fact]
    public async Task EchoAsync_CalledAETitleNotServed_RejectedCalledAETitleNotRecognized()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("called-ae", o => o with { CalledAETitles = new HashSet<string>(StringComparer.Ordinal) { "TESTSCP", "ALIAS" } });

        var e = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => server.Client(TestServer.ClientOptions(called: "SOMEONE_ELSE")).EchoAsync(ct));

        Assert.Equal(AssociateRejectResult.Permanent, e.Reject!.Result);
        Assert.Equal(AssociateRejectSource.ServiceUser, e.Reject.Source);
        Assert.Equal(AssociateRejectReasons.CalledAETitleNotRecognized, e.Reject.Reason);
        Assert.Equal(DimseStatus.Success, await server.Client(TestServer.ClientOptions(called: "ALIAS")).EchoAsync(ct));
        await server.AssertIdleAsync(ct);
    }

    [Fact]
    public async Task EchoAsync_CallingAETitleNotAKnownPeer_RejectedCallingAETitleNotRecognized()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("peers", o => o with { Peers = [new DicomPeer("GOODSCU")] });

        var e = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => server.Client(TestServer.ClientOptions(calling: "BADSCU")).EchoAsync(ct));

        Assert.Equal(AssociateRejectResult.Permanent, e.Reject!.Result);
        Assert.Equal(AssociateRejectSource.ServiceUser, e.Reject.Source);
        Assert.Equal(AssociateRejectReasons.CallingAETitleNotRecognized, e.Reject.Reason);
        Assert.Equal(DimseStatus.Success, await server.Client(TestServer.ClientOptions(calling: "GOODSCU")).EchoAsync(ct));
    }

    [Fact]
    public async Task EchoAsync_KnownPeerFromAnotherAddress_RejectedCallingAETitleNotRecognized()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("peer-address", o => o with { Peers = [new DicomPeer("GOODSCU") { Addresses = [IPNetwork.Parse("10.0.0.0/8")] }] });

        var e = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => server.Client(TestServer.ClientOptions(calling: "GOODSCU")).EchoAsync(ct));

        Assert.Equal(AssociateRejectReasons.CallingAETitleNotRecognized, e.Reject!.Reason);
    }

    [Fact]
    public async Task StoreAsync_SopClassNotAccepted_NotSentWhileOthersAreStored()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("sop-classes", o => o with { SopClasses = new HashSet<string>(StringComparer.Ordinal) { SamplePdus.CtImageStorage } });
        var refused = TestInstances.NewImage(SamplePdus.SecondaryCaptureImageStorage);
        var accepted = TestInstances.NewImage(SamplePdus.CtImageStorage);
        string[] files =
        [
            TestInstances.Write(refused, Path.Combine(server.Scratch, "sc.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian),
            TestInstances.Write(accepted, Path.Combine(server.Scratch, "ct.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian),
        ];

        var outcomes = await server.Client().StoreAsync(files, cancellationToken: ct);

        Assert.Equal(DicomStoreResult.NotSent, outcomes[0].Result);
        Assert.Null(outcomes[0].Status);
        Assert.Equal(DicomStoreResult.Success, outcomes[1].Result);
        Assert.False(File.Exists(TestInstances.StoredPath(server.Storage, refused)));
        Assert.True(File.Exists(TestInstances.StoredPath(server.Storage, accepted)));
        Assert.Single(server.StoredFiles());
    }

    [Fact]
    public async Task StoreAsync_ServerAcceptsOnlyImplicitExplicitFile_TranscodedAndStoredImplicit()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("implicit-only", o => o with { TransferSyntaxes = [DicomTransferSyntax.ImplicitVRLittleEndian] });
        var dataset = TestInstances.NewImage();
        string file = TestInstances.Write(dataset, Path.Combine(server.Scratch, "explicit.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian);

        var outcome = Assert.Single(await server.Client().StoreAsync([file], cancellationToken: ct));

        Assert.Equal(DicomStoreResult.Success, outcome.Result);
        Assert.True(outcome.Transcoded);
        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian.Uid, outcome.SentTransferSyntax!.Uid);
        Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian.Uid, outcome.FileTransferSyntax!.Uid);
        var stored = ReadFully(TestInstances.StoredPath(server.Storage, dataset));
        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian.Uid, stored.TransferSyntax.Uid);
        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian.Uid, stored.FileMetaInformation.GetString(TransferSyntaxUid));
        AssertSameElements(ReadFully(file).Dataset, stored.Dataset);
    }

    [Fact]
    public async Task StoreAsync_ServerAcceptsOnlyImplicitRleFile_DecodedAndStoredImplicit()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("implicit-only-rle", o => o with { TransferSyntaxes = [DicomTransferSyntax.ImplicitVRLittleEndian] });
        var dataset = TestInstances.NewImage(rows: 12, columns: 20);
        string file = TestInstances.Write(dataset, Path.Combine(server.Scratch, "rle.dcm"), DicomTransferSyntax.RleLossless);

        var outcome = Assert.Single(await server.Client().StoreAsync([file], cancellationToken: ct));

        Assert.Equal(DicomStoreResult.Success, outcome.Result);
        Assert.True(outcome.Transcoded);
        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian.Uid, outcome.SentTransferSyntax!.Uid);
        Assert.Equal(DicomTransferSyntax.RleLossless.Uid, outcome.FileTransferSyntax!.Uid);
        var stored = ReadFully(TestInstances.StoredPath(server.Storage, dataset));
        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian.Uid, stored.TransferSyntax.Uid);
        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian.Uid, stored.FileMetaInformation.GetString(TransferSyntaxUid));
        Assert.Equal(TestInstances.ValueBytes(dataset, DicomTag.PixelData), TestInstances.ValueBytes(stored.Dataset, DicomTag.PixelData));
        Assert.Equal(dataset.GetString(DicomTags.SOPInstanceUID), stored.Dataset.GetString(DicomTags.SOPInstanceUID));
        Assert.Equal("MONOCHROME2", stored.Dataset.GetString(new DicomTag(0x0028, 0x0004)));
    }

    [Fact]
    public async Task StoreAsync_RleFileWhileRleAccepted_SentAsIsAndStoredRle()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("rle");
        var dataset = TestInstances.NewImage();
        string file = TestInstances.Write(dataset, Path.Combine(server.Scratch, "rle.dcm"), DicomTransferSyntax.RleLossless);

        var outcome = Assert.Single(await server.Client().StoreAsync([file], cancellationToken: ct));

        Assert.Equal(DicomStoreResult.Success, outcome.Result);
        Assert.False(outcome.Transcoded);
        string stored = TestInstances.StoredPath(server.Storage, dataset);
        Assert.Equal(DicomTransferSyntax.RleLossless.Uid, DicomFile.Open(stored).TransferSyntax.Uid);
        Assert.Equal(TestInstances.DataSetBytes(file), TestInstances.DataSetBytes(stored));
    }

    private static DicomFile ReadFully(string path) => DicomFile.Open(path, new DicomReadOptions { LargeValueThreshold = long.MaxValue });

    /// <summary>Every element of <paramref name="expected"/> (outside group 0002) is in <paramref name="actual"/> with the same value bytes.</summary>
    private static void AssertSameElements(DicomDataset expected, DicomDataset actual)
    {
        var expectedTags = expected.Where(e => e.Tag.Group != 0x0002).Select(e => e.Tag).ToList();
        var actualTags = actual.Where(e => e.Tag.Group != 0x0002).Select(e => e.Tag).ToList();
        Assert.Equal(expectedTags, actualTags);
        foreach (var tag in expectedTags)
        {
            Assert.Equal(TestInstances.ValueBytes(expected, tag), TestInstances.ValueBytes(actual, tag));
        }
    }
}
