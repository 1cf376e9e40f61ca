using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// <see cref="DicomClient"/> sends data sets built in memory (a report-like tree whose items were filled with non-ASCII
/// text before they were attached) to DCMTK's storescp and to Orthanc; what they stored, read back with our reader,
/// equals what was sent (<see cref="DicomDatasetComparer"/>), and <c>dcmdump +U8</c> shows the names.
/// </summary>
[Trait("Category", "slow")]
public sealed class InMemoryStoreInteropTests
{
    private const string ComprehensiveSr = "1.2.840.10008.5.1.4.1.1.88.33";
    private const string ObserverName = "Buc^Jérôme";
    private const string PatientName = "Yamada^Tarou=山田^太郎=やまだ^たろう";

    /// <summary>Built bottom up: every item is filled before it is attached, and the root's character set set last.</summary>
    private static DicomDataset ReportTree(string[] charset, string patientName)
    {
        static DicomDataset Code(string value, string scheme, string meaning) => new DicomDataset()
            .AddString(DicomTags.CodeValue, DicomVR.SH, value)
            .AddString(DicomTags.CodingSchemeDesignator, DicomVR.SH, scheme)
            .AddString(DicomTags.CodeMeaning, DicomVR.LO, meaning);

        var observer = new DicomDataset()
            .AddString(DicomTags.RelationshipType, DicomVR.CS, "HAS OBS CONTEXT")
            .AddString(DicomTags.ValueType, DicomVR.CS, "PNAME")
            .AddSequence(DicomTags.ConceptNameCodeSequence, Code("121008", "DCM", "Person Observer Name"))
            .AddString(DicomTags.PersonName, DicomVR.PN, ObserverName);
        var comment = new DicomDataset()
            .AddString(DicomTags.RelationshipType, DicomVR.CS, "CONTAINS")
            .AddString(DicomTags.ValueType, DicomVR.CS, "TEXT")
            .AddSequence(DicomTags.ConceptNameCodeSequence, Code("121106", "DCM", "Comment"))
            .AddString(DicomTags.TextValue, DicomVR.UT, "Wirbelkörper L1: Höhenminderung 25 %");
        var root = new DicomDataset()
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, ComprehensiveSr)
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.Modality, DicomVR.CS, "SR")
            .AddString(DicomTags.PatientName, DicomVR.PN, patientName)
            .AddString(DicomTags.PatientID, DicomVR.LO, "PLAO-7")
            .AddString(DicomTags.ValueType, DicomVR.CS, "CONTAINER")
            .AddSequence(DicomTags.ConceptNameCodeSequence, Code("126000", "DCM", "Imaging Measurement Report"))
            .AddString(DicomTags.ContinuityOfContent, DicomVR.CS, "SEPARATE")
            .AddSequence(DicomTags.ContentSequence, observer, comment);
        root.AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, charset);
        return root;
    }

    public static TheoryData<string, string[]> StorescpCases => new()
    {
        { "+xa", ["ISO_IR 192"] },
        { "+xi", ["ISO_IR 192"] },
        { "+xa", ["ISO_IR 100"] },
    };

    [Theory]
    [MemberData(nameof(StorescpCases))]
    public async Task StoreAsync_ReportInMemoryToStorescp_ReceivedFileEqualsIt(string syntaxOption, string[] charset)
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("net-memory-storescp");
        string patient = charset[0] == "ISO_IR 100" ? "Ødegård^Åse" : PatientName;
        var report = ReportTree(charset, patient);
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "out"), syntaxOption, "+B");

        var outcome = await new DicomClient("127.0.0.1", scp.Port, Options()).StoreAsync(report, cancellationToken: ct);

        Assert.True(outcome.Result == DicomStoreResult.Success, $"{outcome}\n{scp.Process.Describe()}");
        string? received = scp.Received(report.GetString(DicomTags.SOPInstanceUID));
        Assert.True(received is not null, "storescp stored no file for the instance:\n" + scp.Process.Describe());
        var file = DicomFile.Open(received, new DicomReadOptions { LargeValueThreshold = long.MaxValue });
        Assert.Equal(syntaxOption == "+xi" ? DicomTransferSyntax.ImplicitVRLittleEndian.Uid : DicomTransferSyntax.ExplicitVRLittleEndian.Uid, file.TransferSyntax.Uid);
        Assert.Null(new DicomDatasetComparer().FindFirstDifference(report, file.Dataset));

        var dump = Peers.RunOk("dcmdump", "+U8", received);
        Assert.Contains($"PN [{patient}]", dump, StringComparison.Ordinal);
        Assert.Contains($"PN [{ObserverName}]", dump, StringComparison.Ordinal);
        Assert.Contains("UT [Wirbelkörper L1: Höhenminderung 25 %]", dump, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreAsync_ReportInMemoryToOrthanc_StoredInstanceEqualsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("net-memory-orthanc");
        _ = OrthancPeer.Executable;
        var report = ReportTree(["ISO_IR 192"], PatientName);
        using var orthanc = await OrthancPeer.StartAsync(scratch, new Dictionary<string, (string, int)>(), ct);

        var outcome = await new DicomClient("127.0.0.1", orthanc.DicomPort, Options() with { CalledAETitle = OrthancPeer.Aet }).StoreAsync(report, cancellationToken: ct);

        Assert.True(outcome.Result == DicomStoreResult.Success, $"{outcome}\n{orthanc.Process.Describe(15)}");
        string? id = await orthanc.LookupInstanceAsync(report.GetString(DicomTags.SOPInstanceUID), ct);
        Assert.True(id is not null, "Orthanc has no such instance:\n" + orthanc.Process.Describe(15));
        string copy = Path.Combine(scratch, "from-orthanc.dcm");
        await orthanc.DownloadAsync($"instances/{id}/file", copy, ct);
        var stored = DicomFile.Open(copy, new DicomReadOptions { LargeValueThreshold = long.MaxValue });
        Assert.Null(new DicomDatasetComparer().FindFirstDifference(report, stored.Dataset));

        var tags = await orthanc.GetJsonAsync($"instances/{id}/simplified-tags", ct);
        Assert.Equal(PatientName, (string?)tags["PatientName"]);
    }

    private static DicomClientOptions Options() => new()
    {
        CallingAETitle = "PLAOTEST",
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ArtimTimeout = TimeSpan.FromSeconds(10),
        ResponseTimeout = TimeSpan.FromSeconds(30),
    };
}
