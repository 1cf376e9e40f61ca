using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Network.Tests.Support;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.Services;

/// <summary>
/// <see cref="DicomClient"/> sending instances held in memory to our own <see cref="DicomServer"/>: the stored file
/// equals the sent data set (<see cref="DicomDatasetComparer"/>) in whatever syntax was accepted, and an instance that
/// cannot be encoded in an accepted syntax gives a <see cref="DicomStoreEncodingException"/>.
/// </summary>
[Trait("Category", "unit")]
public sealed class InMemoryStoreTests
{
    internal const string ComprehensiveSr = "1.2.840.10008.5.1.4.1.1.88.33";

    /// <summary>A report-like tree in <paramref name="charset"/> whose items were filled with non-ASCII text before they were attached.</summary>
    internal static DicomDataset ReportTree(params string[] charset)
    {
        static DicomDataset Code(string value, string scheme, string meaning) => new DicomDataset()
            .AddString(DicomTags.CodeValue, DicomVR.SH, value)
            .AddString(DicomTags.CodingSchemeDesignator, DicomVR.SH, scheme)
            .AddString(DicomTags.CodeMeaning, DicomVR.LO, meaning);

        var observer = new DicomDataset()
            .AddString(DicomTags.RelationshipType, DicomVR.CS, "HAS OBS CONTEXT")
            .AddString(DicomTags.ValueType, DicomVR.CS, "PNAME")
            .AddSequence(DicomTags.ConceptNameCodeSequence, Code("121008", "DCM", "Person Observer Name"))
            .AddString(DicomTags.PersonName, DicomVR.PN, "Buc^Jérôme");
        var comment = new DicomDataset()
            .AddString(DicomTags.RelationshipType, DicomVR.CS, "CONTAINS")
            .AddString(DicomTags.ValueType, DicomVR.CS, "TEXT")
            .AddSequence(DicomTags.ConceptNameCodeSequence, Code("121106", "DCM", "Comment"))
            .AddString(DicomTags.TextValue, DicomVR.UT, "Wirbelkörper L1: Höhenminderung");
        return new DicomDataset()
            .AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, charset)
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, ComprehensiveSr)
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.Modality, DicomVR.CS, "SR")
            .AddString(DicomTags.PatientName, DicomVR.PN, "Ødegård^Åse")
            .AddString(DicomTags.PatientID, DicomVR.LO, "PLAO-7")
            .AddString(DicomTags.ValueType, DicomVR.CS, "CONTAINER")
            .AddSequence(DicomTags.ConceptNameCodeSequence, Code("126000", "DCM", "Imaging Measurement Report"))
            .AddString(DicomTags.ContinuityOfContent, DicomVR.CS, "SEPARATE")
            .AddSequence(DicomTags.ContentSequence, observer, comment);
    }

    [Theory]
    [InlineData("ISO_IR 192")]
    [InlineData("ISO_IR 100")]
    public async Task StoreAsync_DatasetInMemory_StoredFileEqualsIt(string charset)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("memory-store");
        var report = ReportTree(charset);

        var outcome = await server.Client().StoreAsync(report, cancellationToken: ct);

        Assert.Equal(DicomStoreResult.Success, outcome.Result);
        Assert.Equal(string.Empty, outcome.Path);
        Assert.Equal(report.GetString(DicomTags.SOPInstanceUID), outcome.SopInstanceUid);
        Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian.Uid, outcome.SentTransferSyntax!.Uid);
        var stored = ReadFully(TestInstances.StoredPath(server.Storage, report));
        Assert.Null(new DicomDatasetComparer().FindFirstDifference(report, stored.Dataset));
        Assert.Equal(ComprehensiveSr, stored.FileMetaInformation.GetString(DicomTags.MediaStorageSOPClassUID));
    }

    [Fact]
    public async Task StoreAsync_ServerAcceptsOnlyImplicit_EncodedImplicitAndEqual()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("memory-implicit", o => o with { TransferSyntaxes = [DicomTransferSyntax.ImplicitVRLittleEndian] });
        var report = ReportTree("ISO_IR 192");

        var outcome = await server.Client().StoreAsync(new DicomFile(report), ct);

        Assert.Equal(DicomStoreResult.Success, outcome.Result);
        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian.Uid, outcome.SentTransferSyntax!.Uid);
        var stored = ReadFully(TestInstances.StoredPath(server.Storage, report));
        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian.Uid, stored.TransferSyntax.Uid);
        Assert.Null(new DicomDatasetComparer().FindFirstDifference(report, stored.Dataset));
    }

    [Fact]
    public async Task StoreAsync_EncapsulatedInstanceInMemory_SentInItsOwnSyntaxFragmentsUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("memory-rle");
        var rle = RleInstance(server.Scratch);

        var outcome = await server.Client().StoreAsync(rle, ct);

        Assert.Equal(DicomStoreResult.Success, outcome.Result);
        Assert.False(outcome.Transcoded);
        var stored = ReadFully(TestInstances.StoredPath(server.Storage, rle.Dataset));
        Assert.Equal(DicomTransferSyntax.RleLossless.Uid, stored.TransferSyntax.Uid);
        Assert.Null(new DicomDatasetComparer().FindFirstDifference(rle.Dataset, stored.Dataset));
    }

    [Fact]
    public async Task StoreAsync_EncapsulatedInstanceToImplicitOnlyPeer_DecodedFirst()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("memory-rle-implicit", o => o with { TransferSyntaxes = [DicomTransferSyntax.ImplicitVRLittleEndian] });
        var rle = RleInstance(server.Scratch);

        var outcome = await server.Client().StoreAsync(rle, ct);

        Assert.True(outcome.Transcoded);
        var stored = ReadFully(TestInstances.StoredPath(server.Storage, rle.Dataset));
        var expected = DicomTranscoder.ToNative(rle.Dataset, DicomTransferSyntax.RleLossless, DicomCodecRegistry.CreateDefault());
        Assert.Null(new DicomDatasetComparer().FindFirstDifference(expected, stored.Dataset));
    }

    [Fact]
    public async Task StoreAsync_NoCodecForTheOnlyAcceptedSyntax_ThrowsTypedErrorAndSendsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("memory-no-codec", o => o with { TransferSyntaxes = [DicomTransferSyntax.ImplicitVRLittleEndian] });
        var rle = RleInstance(server.Scratch);
        var client = server.Client(TestServer.ClientOptions() with { Codecs = new DicomCodecRegistry() });

        var e = await Assert.ThrowsAsync<DicomStoreEncodingException>(() => client.StoreAsync(rle, ct));

        Assert.Equal(rle.Dataset.GetString(DicomTags.SOPInstanceUID), e.SopInstanceUid);
        Assert.Equal([DicomTransferSyntax.ImplicitVRLittleEndian.Uid], e.AcceptedTransferSyntaxes.Select(s => s.Uid));
        Assert.Equal(DicomTransferSyntax.RleLossless.Uid, e.InstanceTransferSyntax!.Uid);
        Assert.Contains("Implicit VR Little Endian", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.StoredFiles());

        var batch = Assert.Single(await client.StoreAsync([rle], cancellationToken: ct));
        Assert.Equal(DicomStoreResult.NotSent, batch.Result);
        Assert.IsType<DicomStoreEncodingException>(batch.Error);
    }

    [Fact]
    public async Task StoreAsync_SeveralInstancesInMemory_OneOutcomeEachInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("memory-batch");
        var instances = new[] { new DicomFile(ReportTree("ISO_IR 192")), new DicomFile(new DicomDataset().AddString(DicomTags.Modality, DicomVR.CS, "SR")), new DicomFile(TestInstances.NewImage()) };

        var outcomes = await server.Client().StoreAsync(instances, cancellationToken: ct);

        Assert.Equal([DicomStoreResult.Success, DicomStoreResult.Skipped, DicomStoreResult.Success], outcomes.Select(o => o.Result));
        Assert.Equal(2, server.StoredFiles().Length);
    }

    [Fact]
    public async Task StoreAsync_DatasetWithoutSopInstanceUid_ThrowsValueException()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("memory-no-uid");

        await Assert.ThrowsAsync<DicomValueException>(() => server.Client().StoreAsync(new DicomDataset().AddString(DicomTags.SOPClassUID, DicomVR.UI, ComprehensiveSr), cancellationToken: ct));
    }

    [Fact]
    public async Task StoreAsync_SopClassRefused_ThrowsNetworkException()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("memory-refused", o => o with { SopClasses = new HashSet<string> { SamplePdus.CtImageStorage } });

        var e = await Assert.ThrowsAsync<DicomNetworkException>(() => server.Client().StoreAsync(ReportTree("ISO_IR 192"), cancellationToken: ct));

        Assert.IsNotType<DicomStoreEncodingException>(e);
        Assert.Contains(ComprehensiveSr, e.Message, StringComparison.Ordinal);
    }

    /// <summary>An RLE Lossless image read fully into memory (no values left in its file).</summary>
    private static DicomFile RleInstance(string scratch)
    {
        var path = TestInstances.Write(TestInstances.NewImage(), Path.Combine(scratch, DicomUidGenerator.NewUid() + ".dcm"), DicomTransferSyntax.RleLossless);
        var file = ReadFully(path);
        File.Delete(path);
        return file;
    }

    private static DicomFile ReadFully(string path) => DicomFile.Open(path, new DicomReadOptions { LargeValueThreshold = long.MaxValue });
}
