using PlaoImaging.Dicom.Json;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Tests.IO;

/// <summary>
/// Write → read gives an equal dataset (<see cref="DicomDatasetComparer"/>): Part 10 in Explicit and Implicit VR Little
/// Endian, and DICOM JSON. What the encodings cannot carry is stated once, in <see cref="Normalised"/>.
/// </summary>
public static class RoundTrip
{
    public static readonly DicomDatasetComparer Comparer = new();

    /// <summary>JSON declares ISO_IR 192 for the Unicode text it holds; the values are compared as text.</summary>
    public static readonly DicomDatasetComparer JsonComparer = new() { IgnoreSpecificCharacterSet = true };

    public static DicomFile OpenWhole(string path) =>
        DicomFile.Open(path, new DicomReadOptions { LargeValueThreshold = long.MaxValue });

    /// <summary>
    /// Writes a Part 10 file in <paramref name="syntax"/> and reads it back; a dataset without SOP Class and Instance
    /// UIDs (which the File Meta Information needs) goes through a bare data set in that syntax instead.
    /// </summary>
    public static DicomDataset ThroughPart10(DicomDataset dataset, DicomTransferSyntax syntax)
    {
        var stream = new MemoryStream();
        if (!dataset.Contains(new DicomTag(0x0008, 0x0016)) || !dataset.Contains(new DicomTag(0x0008, 0x0018)))
        {
            DicomFile.WriteDataset(stream, dataset, syntax);
            stream.Position = 0;
            return DicomFile.ReadDataset(stream, syntax);
        }

        new DicomFile(dataset, syntax).Write(stream, new DicomWriteOptions { TransferSyntax = syntax });
        stream.Position = 0;
        var read = DicomFile.Read(stream);
        Assert.Empty(read.Warnings);
        Assert.Equal(syntax.Uid, read.TransferSyntax.Uid);
        return read.Dataset;
    }

    /// <summary>Explicit VR Little Endian, or the file's own syntax when its pixel data is encapsulated (fragments stay in it).</summary>
    public static DicomTransferSyntax ExplicitSyntaxFor(DicomFile file) =>
        HasFragments(file.Dataset) ? file.TransferSyntax : DicomTransferSyntax.ExplicitVRLittleEndian;

    public static DicomDataset ThroughJson(DicomDataset dataset) => DicomJsonReader.Read(DicomJsonWriter.Write(dataset));

    /// <summary>
    /// What an implicit VR data set cannot carry: the VR. A private element, or one whose VR the data dictionary leaves
    /// open (US or SS, OB or OW), is read back with the VR the reader chooses; such an element is put back with the
    /// original's VR when its bytes are equal, so that only a real difference is reported.
    /// </summary>
    public static DicomDataset Normalised(DicomDataset original, DicomDataset implicitRead)
    {
        var copy = new DicomDataset();
        foreach (var element in implicitRead)
        {
            if (original.TryGetElement(element.Tag, out var theirs) && element is DicomValueElement read && theirs is DicomValueElement mine &&
                read.VR != mine.VR && read.Text is null && mine.GetBytes(original.TextEncoding).Span.SequenceEqual(read.Buffer.GetMemory().Span))
            {
                copy.AddOrUpdate(mine);
            }
            else if (element is DicomSequence sequence && original.TryGetElement(element.Tag, out var originalSequence) && originalSequence is DicomSequence os &&
                     os.Items.Count == sequence.Items.Count)
            {
                copy.AddOrUpdate(new DicomSequence(sequence.Tag, sequence.Items.Select((item, i) => Normalised(os.Items[i], item))));
            }
            else
            {
                copy.AddOrUpdate(element is DicomSequence s ? new DicomSequence(s.Tag, s.Items.Select(i => i.Clone())) : element);
            }
        }

        return copy;
    }

    /// <summary>
    /// JSON carries encapsulated pixel data as one InlineBinary value (the fragments' item encoding), which reads back
    /// as an OB value: bulk data aside, an element that holds fragments on the left is left out on both sides.
    /// </summary>
    public static (DicomDataset Left, DicomDataset Right) WithoutFragments(DicomDataset left, DicomDataset right)
    {
        var tags = left.OfType<DicomFragmentSequence>().Select(f => f.Tag).ToHashSet();
        var l = left.Clone();
        var r = right.Clone();
        l.RemoveAll(e => tags.Contains(e.Tag));
        r.RemoveAll(e => tags.Contains(e.Tag));
        return (l, r);
    }

    public static bool HasFragments(DicomDataset dataset) =>
        dataset.Any(e => e is DicomFragmentSequence || (e is DicomSequence s && s.Items.Any(HasFragments)));

    public static void AssertEqual(DicomDatasetComparer comparer, DicomDataset expected, DicomDataset actual, string what)
    {
        var difference = comparer.FindFirstDifference(expected, actual);
        Assert.True(difference is null, $"{what}: {difference}");
    }
}

[Trait("Category", "unit")]
public class RoundTripTests
{
    public static TheoryData<string> SampleFiles() => [.. SampleFileNames()];

    /// <summary>The sample files with native pixel data (encapsulated pixel data is written only in its own syntax).</summary>
    public static TheoryData<string> NativeSampleFiles() =>
    [
        .. SampleFileNames().Where(relative =>
            !DicomFile.Open(Path.Combine(Peers.RepositoryRoot, "sample-data", relative), new DicomReadOptions { StopBeforePixelData = true }).TransferSyntax.IsEncapsulated),
    ];

    /// <summary>Every sample file, relative to sample-data/; one image per MR series (the others differ only in their pixels).</summary>
    private static IEnumerable<string> SampleFileNames()
    {
        var root = Path.Combine(Peers.RepositoryRoot, "sample-data");
        foreach (var path in Directory.EnumerateFiles(root, "*.dcm", SearchOption.AllDirectories)
                     .Where(p => !p.Contains(Path.DirectorySeparatorChar + "golden" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, path);
            if (!relative.Contains("07-mr", StringComparison.Ordinal) || relative.EndsWith("-01.dcm", StringComparison.Ordinal))
            {
                yield return relative;
            }
        }
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Part10_SampleFile_ExplicitVRLittleEndian_ReadsBackEqual(string relative)
    {
        var file = RoundTrip.OpenWhole(Path.Combine(Peers.RepositoryRoot, "sample-data", relative));

        RoundTrip.AssertEqual(RoundTrip.Comparer, file.Dataset, RoundTrip.ThroughPart10(file.Dataset, RoundTrip.ExplicitSyntaxFor(file)), relative);
    }

    [Theory]
    [MemberData(nameof(NativeSampleFiles))]
    public void Part10_SampleFile_ImplicitVRLittleEndian_ReadsBackEqual(string relative)
    {
        var original = RoundTrip.OpenWhole(Path.Combine(Peers.RepositoryRoot, "sample-data", relative)).Dataset;

        var read = RoundTrip.ThroughPart10(original, DicomTransferSyntax.ImplicitVRLittleEndian);

        RoundTrip.AssertEqual(RoundTrip.Comparer, original, RoundTrip.Normalised(original, read), relative);
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Json_SampleFile_ReadsBackEqual(string relative)
    {
        var original = RoundTrip.OpenWhole(Path.Combine(Peers.RepositoryRoot, "sample-data", relative)).Dataset;

        var (expected, actual) = RoundTrip.WithoutFragments(original, RoundTrip.ThroughJson(original));

        RoundTrip.AssertEqual(RoundTrip.JsonComparer, expected, actual, relative);
    }

    public static TheoryData<string[], string> Trees => new()
    {
        { ["ISO_IR 192"], TextEncodedOnWriteTests.Japanese },
        { ["", "ISO 2022 IR 87"], TextEncodedOnWriteTests.Japanese },
        { ["ISO_IR 126"], TextEncodedOnWriteTests.Greek },
        { ["ISO_IR 100"], TextEncodedOnWriteTests.French },
    };

    [Theory]
    [MemberData(nameof(Trees))]
    public void Part10_BuiltNestedTree_EverySyntaxReadsBackEqual(string[] charset, string name)
    {
        var tree = SrLikeTree(charset, name);
        foreach (var syntax in new[] { DicomTransferSyntax.ExplicitVRLittleEndian, DicomTransferSyntax.ImplicitVRLittleEndian })
        {
            var read = RoundTrip.ThroughPart10(tree, syntax);
            RoundTrip.AssertEqual(RoundTrip.Comparer, tree, syntax.IsExplicitVR ? read : RoundTrip.Normalised(tree, read), syntax.Name);
        }
    }

    [Theory]
    [MemberData(nameof(Trees))]
    public void Json_BuiltNestedTree_ReadsBackEqual(string[] charset, string name)
    {
        var tree = SrLikeTree(charset, name);

        RoundTrip.AssertEqual(RoundTrip.JsonComparer, tree, RoundTrip.ThroughJson(tree), "JSON");
    }

    [Fact]
    public void Json_ThenPart10_TextFromJsonIsWrittenInTheDeclaredSet()
    {
        var tree = SrLikeTree(["ISO_IR 100"], TextEncodedOnWriteTests.French);
        var fromJson = RoundTrip.ThroughJson(tree);
        fromJson.AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100");

        RoundTrip.AssertEqual(RoundTrip.Comparer, tree, RoundTrip.ThroughPart10(fromJson, DicomTransferSyntax.ExplicitVRLittleEndian), "JSON then Part 10");
    }

    [Fact]
    public void Json_BinaryValuesAsBulkDataUris_ReadBackEqualThroughTheResolver()
    {
        var file = RoundTrip.OpenWhole(Path.Combine(Peers.RepositoryRoot, "sample-data", "04-cr-normal-implicit", "lateral.dcm"));
        var json = System.Text.Json.Nodes.JsonNode.Parse(DicomJsonWriter.Write(file.Dataset))!.AsObject();
        var bulk = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, attribute) in json)
        {
            if (attribute!.AsObject().Remove("InlineBinary", out var inline))
            {
                var uri = "bulk/" + key;
                bulk[uri] = Convert.FromBase64String((string)inline!);
                attribute.AsObject()["BulkDataURI"] = uri;
            }
        }

        Assert.Contains("bulk/7FE00010", bulk.Keys);
        var read = DicomJsonReader.Read(json.ToJsonString(), new DicomJsonReadOptions { BulkDataResolver = uri => bulk[uri] });

        RoundTrip.AssertEqual(RoundTrip.JsonComparer, file.Dataset, read, "JSON with BulkDataURI");
    }

    /// <summary>
    /// A report-like tree built bottom up: content items three levels deep with codes, person names, text, numbers,
    /// dates and a private block, every item filled before it is attached.
    /// </summary>
    internal static DicomDataset SrLikeTree(string[] charset, string name)
    {
        static DicomDataset Code(string value, string scheme, string meaning) => new DicomDataset()
            .AddString(new DicomTag(0x0008, 0x0100), DicomVR.SH, value)
            .AddString(new DicomTag(0x0008, 0x0102), DicomVR.SH, scheme)
            .AddString(new DicomTag(0x0008, 0x0104), DicomVR.LO, meaning);

        static DicomDataset Item(string valueType, string relationship, DicomDataset concept) => new DicomDataset()
            .AddString(new DicomTag(0x0040, 0xA010), DicomVR.CS, relationship)
            .AddString(new DicomTag(0x0040, 0xA040), DicomVR.CS, valueType)
            .AddSequence(new DicomTag(0x0040, 0xA043), concept);

        var measurement = Item("NUM", "CONTAINS", Code("121211", "DCM", "Path length"))
            .AddSequence(new DicomTag(0x0040, 0xA300), new DicomDataset()
                .AddValues(new DicomTag(0x0040, 0xA30A), DicomVR.DS, 12.5)
                .AddSequence(new DicomTag(0x0040, 0x08EA), Code("mm", "UCUM", "millimeter")));
        var text = Item("TEXT", "CONTAINS", Code("121106", "DCM", "Comment"))
            .AddString(new DicomTag(0x0040, 0xA160), DicomVR.UT, "Befund: " + name.Replace('^', ' ') + "\r\nzweite Zeile");
        var observer = Item("PNAME", "HAS OBS CONTEXT", Code("121008", "DCM", "Person Observer Name"))
            .AddString(new DicomTag(0x0040, 0xA123), DicomVR.PN, name);
        var finding = Item("CONTAINER", "CONTAINS", Code("126010", "DCM", "Imaging Measurements"))
            .AddString(new DicomTag(0x0040, 0xA050), DicomVR.CS, "SEPARATE")
            .AddSequence(new DicomTag(0x0040, 0xA730), measurement, text);
        var root = new DicomDataset()
            .AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, charset)
            .AddString(new DicomTag(0x0008, 0x0016), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.88.22")
            .AddString(new DicomTag(0x0008, 0x0018), DicomVR.UI, "1.2.826.0.1.3680043.10.99.8")
            .AddValues(new DicomTag(0x0008, 0x0023), DicomVR.DA, new DateOnly(2026, 12, 6))
            .AddString(new DicomTag(0x0008, 0x0060), DicomVR.CS, "SR")
            .AddString(new DicomTag(0x0010, 0x0010), DicomVR.PN, name)
            .AddString(new DicomTag(0x0010, 0x0020), DicomVR.LO, "PLAO-0001");
        var creator = root.GetOrReservePrivateTag(0x0009, "PLAO ROUND TRIP", 0x01);
        root.AddValues(creator, DicomVR.US, (ushort)7);
        root.AddSequence(new DicomTag(0x0040, 0xA730), observer, finding);
        return root;
    }
}

/// <summary>The same round trips on files of the shared corpus: real-world nesting, character sets, private sequences.</summary>
[Trait("Category", "peer")]
public class CorpusRoundTripTests
{
    public static TheoryData<string> CorpusFiles => new()
    {
        "pydicom/src/pydicom/data/test_files/CT_small.dcm",
        "pydicom/src/pydicom/data/test_files/MR_small_bigendian.dcm",
        "pydicom/src/pydicom/data/test_files/rtplan.dcm",
        "pydicom/src/pydicom/data/test_files/rtstruct.dcm",
        "pydicom/src/pydicom/data/test_files/reportsi.dcm",
        "pydicom/src/pydicom/data/test_files/priv_SQ.dcm",
        "pydicom/src/pydicom/data/test_files/JPEG2000.dcm",
        "pydicom/src/pydicom/data/charset_files/chrSQEncoding.dcm",
        "pydicom/src/pydicom/data/charset_files/chrH31.dcm",
        "pydicom/src/pydicom/data/charset_files/chrGreek.dcm",
    };

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Part10_CorpusFile_ExplicitAndImplicit_ReadBackEqual(string relative)
    {
        var file = Open(relative);
        var original = file.Dataset;
        RoundTrip.AssertEqual(RoundTrip.Comparer, original, RoundTrip.ThroughPart10(original, RoundTrip.ExplicitSyntaxFor(file)), relative + " explicit");
        if (!RoundTrip.HasFragments(original))
        {
            var read = RoundTrip.ThroughPart10(original, DicomTransferSyntax.ImplicitVRLittleEndian);
            RoundTrip.AssertEqual(RoundTrip.Comparer, original, RoundTrip.Normalised(original, read), relative + " implicit");
        }
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Json_CorpusFile_ReadsBackEqual(string relative)
    {
        var original = Open(relative).Dataset;
        var (expected, actual) = RoundTrip.WithoutFragments(original, RoundTrip.ThroughJson(original));

        RoundTrip.AssertEqual(RoundTrip.JsonComparer, expected, actual, relative);
    }

    private static DicomFile Open(string relative)
    {
        var path = Path.Combine(Peers.RequireCorpus(), relative);
        Assert.True(File.Exists(path), $"{path} is missing from the corpus");
        return RoundTrip.OpenWhole(path);
    }
}
