using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Tests.Dictionary;

public sealed partial class DicomDictionaryTests
{
    [Fact]
    [Trait("Category", "unit")]
    public void Lookup_PatientName_ReturnsPersonNameEntry()
    {
        var entry = DicomDictionary.Lookup(new DicomTag(0x0010, 0x0010));

        Assert.NotNull(entry);
        Assert.Equal("PatientName", entry.Keyword);
        Assert.Equal("Patient's Name", entry.Name);
        Assert.Equal([DicomVR.PN], entry.VRs);
        Assert.Equal(DicomVR.PN, entry.DefaultVR);
        Assert.Equal("1", entry.VM);
        Assert.False(entry.IsRetired);
        Assert.False(entry.IsRepeating);
        Assert.Equal("(0010,0010)", entry.TagPattern);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void Lookup_RetiredTag_IsMarkedRetired()
    {
        var entry = DicomDictionary.Lookup(new DicomTag(0x0008, 0x0010));

        Assert.NotNull(entry);
        Assert.Equal("RecognitionCode", entry.Keyword);
        Assert.Equal(DicomVR.SH, entry.DefaultVR);
        Assert.True(entry.IsRetired);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void Lookup_TagWithTwoVRs_ListsBothInStandardOrder()
    {
        Assert.Equal([DicomVR.US, DicomVR.SS], DicomDictionary.Lookup(new DicomTag(0x0028, 0x0106))!.VRs);
        Assert.Equal([DicomVR.OB, DicomVR.OW], DicomDictionary.Lookup(DicomTag.PixelData)!.VRs);
        Assert.Equal(DicomVR.OB, DicomDictionary.Lookup(DicomTag.PixelData)!.DefaultVR);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void Lookup_ItemTag_HasNoVR()
    {
        var entry = DicomDictionary.Lookup(DicomTag.Item);

        Assert.NotNull(entry);
        Assert.Equal("Item", entry.Keyword);
        Assert.Empty(entry.VRs);
        Assert.Equal(DicomVR.None, entry.DefaultVR);
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData(0x6000)]
    [InlineData(0x6002)]
    [InlineData(0x601E)]
    public void Lookup_OverlayDataInAnOverlayGroup_ReturnsOverlayData(int group)
    {
        var entry = DicomDictionary.Lookup(new DicomTag((ushort)group, 0x3000));

        Assert.NotNull(entry);
        Assert.Equal("OverlayData", entry.Keyword);
        Assert.Equal([DicomVR.OB, DicomVR.OW], entry.VRs);
        Assert.True(entry.IsRepeating);
        Assert.Equal(new DicomTag(0x6000, 0x3000), entry.Tag);
        Assert.Equal("(60xx,3000)", entry.TagPattern);
        Assert.Equal(DicomTags.OverlayData, entry.Tag);
        Assert.Equal("(60xx,3000) OB or OW 1 OverlayData", entry.ToString());
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData(0x6020)] // past the 16 overlay groups of PS3.5 7.6
    [InlineData(0x60FE)]
    [InlineData(0x6001)] // odd: a private group
    public void Lookup_OverlayElementOutsideTheOverlayGroups_ReturnsNull(int group)
    {
        Assert.Null(DicomDictionary.Lookup(new DicomTag((ushort)group, 0x3000)));
    }

    [Fact]
    [Trait("Category", "unit")]
    public void Lookup_CurveTagsInCurveGroups_ReturnRetiredCurveEntries()
    {
        var dimensions = DicomDictionary.Lookup(new DicomTag(0x5000, 0x0005));
        var data = DicomDictionary.Lookup(new DicomTag(0x5004, 0x3000));

        Assert.NotNull(dimensions);
        Assert.Equal("CurveDimensions", dimensions.Keyword);
        Assert.True(dimensions.IsRetired);
        Assert.NotNull(data);
        Assert.Equal("CurveData", data.Keyword);
        Assert.Equal([DicomVR.OB, DicomVR.OW], data.VRs);
        Assert.Equal("(50xx,3000)", data.TagPattern);
        Assert.Null(DicomDictionary.Lookup(new DicomTag(0x5020, 0x3000)));
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData(0x3100)]
    [InlineData(0x3101)]
    [InlineData(0x31FF)]
    public void Lookup_SourceImageIDsElementRange_ReturnsSourceImageIDs(int element)
    {
        var entry = DicomDictionary.Lookup(new DicomTag(0x0020, (ushort)element));

        Assert.NotNull(entry);
        Assert.Equal("SourceImageIDs", entry.Keyword);
        Assert.Equal("(0020,31xx)", entry.TagPattern);
        Assert.True(entry.IsRetired);
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData(0x1000, 0x0010, "EscapeTriplet")] // (1000,xxx0)
    [InlineData(0x1000, 0x0A10, "EscapeTriplet")]
    [InlineData(0x1000, 0x0015, "ShiftTableTriplet")] // (1000,xxx5)
    [InlineData(0x1010, 0x1234, "ZonalMap")] // (1010,xxxx)
    [InlineData(0x0028, 0x0412, "CoefficientCoding")] // (0028,04x2)
    [InlineData(0x0028, 0x08F8, "ImageDataLocation")] // (0028,08x8)
    public void Lookup_ElementMaskedEntries_MatchTheirPattern(int group, int element, string keyword)
    {
        Assert.Equal(keyword, DicomDictionary.Lookup(new DicomTag((ushort)group, (ushort)element))?.Keyword);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void Lookup_ElementMaskWithUndefinedLastDigit_ReturnsNull()
    {
        Assert.Null(DicomDictionary.Lookup(new DicomTag(0x1000, 0x0016)));
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData(0x0008)]
    [InlineData(0x0009)]
    [InlineData(0x1000)] // (1000,xxx0) does not claim the group length
    [InlineData(0x6002)]
    [InlineData(0xFFFE)]
    public void Lookup_GroupLengthOfAnyGroup_ReturnsULGroupLength(int group)
    {
        var tag = new DicomTag((ushort)group, 0x0000);
        var entry = DicomDictionary.Lookup(tag);

        Assert.NotNull(entry);
        Assert.Equal("Group Length", entry.Name);
        Assert.Equal("", entry.Keyword);
        Assert.Equal(DicomVR.UL, entry.DefaultVR);
        Assert.Equal(tag, entry.Tag);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void Lookup_RegisteredGroupLength_ReturnsItsOwnEntry()
    {
        Assert.Equal("FileMetaInformationGroupLength", DicomDictionary.Lookup(new DicomTag(0x0002, 0x0000))?.Keyword);
        Assert.Equal("CommandGroupLength", DicomDictionary.Lookup(new DicomTag(0x0000, 0x0000))?.Keyword);
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData(0x0009, 0x0010)]
    [InlineData(0x0029, 0x0011)]
    [InlineData(0x7FE1, 0x00FF)]
    public void Lookup_PrivateCreatorElement_ReturnsLOPrivateCreator(int group, int element)
    {
        var entry = DicomDictionary.Lookup(new DicomTag((ushort)group, (ushort)element));

        Assert.NotNull(entry);
        Assert.Equal("Private Creator", entry.Name);
        Assert.Equal(DicomVR.LO, entry.DefaultVR);
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData(0x0008, 0x0002)]
    [InlineData(0x0010, 0x0011)]
    [InlineData(0x0029, 0x1010)] // private data element: see LookupPrivateVR
    [InlineData(0x0029, 0x0005)] // private group, reserved element
    [InlineData(0x0007, 0x0010)] // odd groups below 0009 are not private
    public void Lookup_UnknownTag_ReturnsNull(int group, int element)
    {
        Assert.Null(DicomDictionary.Lookup(new DicomTag((ushort)group, (ushort)element)));
    }

    [Fact]
    [Trait("Category", "unit")]
    public void TryGetByKeyword_EveryKeyword_RoundTripsToTheSameEntry()
    {
        var withKeyword = DicomDictionary.Entries.Where(e => e.Keyword.Length > 0).ToList();

        Assert.True(withKeyword.Count > 4900, $"only {withKeyword.Count} keyworded entries");
        foreach (var entry in withKeyword)
        {
            Assert.True(DicomDictionary.TryGetByKeyword(entry.Keyword, out var found), entry.Keyword);
            Assert.Same(entry, found);
            Assert.True(entry.Matches(entry.Tag));
            if (!entry.IsRepeating)
            {
                Assert.Same(entry, DicomDictionary.Lookup(entry.Tag));
            }
        }

        // A repeating entry's lowest tag can be a different single tag: (0028,0400) is Transform Label,
        // while (0028,04x0) Rows For Nth Order Coefficients answers for (0028,0410), (0028,0420), ...
        Assert.Equal("TransformLabel", DicomDictionary.Lookup(new DicomTag(0x0028, 0x0400))?.Keyword);
        Assert.Equal("RowsForNthOrderCoefficients", DicomDictionary.Lookup(new DicomTag(0x0028, 0x0410))?.Keyword);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void TryGetByKeyword_UnknownOrWrongCase_ReturnsFalse()
    {
        Assert.False(DicomDictionary.TryGetByKeyword("NoSuchKeyword", out _));
        Assert.False(DicomDictionary.TryGetByKeyword("patientname", out _));
    }

    [Fact]
    [Trait("Category", "unit")]
    public void DicomTags_EveryField_LooksUpToItsKeyword()
    {
        var fields = typeof(DicomTags).GetFields(BindingFlags.Public | BindingFlags.Static);

        Assert.True(fields.Length > 4800, $"only {fields.Length} tags");
        foreach (var field in fields)
        {
            var tag = (DicomTag)field.GetValue(null)!;
            Assert.Equal(field.Name, DicomDictionary.Lookup(tag)?.Keyword);
        }

        Assert.Equal(new DicomTag(0x0010, 0x0010), DicomTags.PatientName);
        Assert.Equal(DicomTag.PixelData, DicomTags.PixelData);
        Assert.Equal(new DicomTag(0x5000, 0x3000), DicomTags.CurveData);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void Entries_AreInTagOrderWithoutDuplicates()
    {
        var entries = DicomDictionary.Entries;

        for (var i = 1; i < entries.Count; i++)
        {
            Assert.True(entries[i - 1].Tag.Value <= entries[i].Tag.Value, $"{entries[i - 1].TagPattern} before {entries[i].TagPattern}");
        }

        Assert.Equal(entries.Count, entries.Select(e => e.TagPattern).Distinct().Count());
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData(0x0008, 0x0008, 2, null, 1, 5, 1)] // Image Type, 2-n
    [InlineData(0x0018, 0x1164, 2, 2, 1, 2, 3)] // Imager Pixel Spacing, 2
    [InlineData(0x0040, 0xA0B0, 2, null, 2, 4, 3)] // Referenced Waveform Channels, 2-2n
    [InlineData(0x0004, 0x1141, 1, 8, 1, 8, 9)] // File-set Descriptor File ID, 1-8
    public void ValueMultiplicity_ParsedFromVM_GivesBoundsAndStep(
        int group, int element, int min, int? max, int step, int allowed, int refused)
    {
        var entry = DicomDictionary.Lookup(new DicomTag((ushort)group, (ushort)element))!;

        Assert.Equal(min, entry.MinValueCount);
        Assert.Equal(max, entry.MaxValueCount);
        Assert.Equal(step, entry.ValueCountStep);
        Assert.True(entry.AllowsValueCount(allowed));
        Assert.False(entry.AllowsValueCount(refused));
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData("GEMS_ACQU_01", 0x0019, 0x100F, DicomVR.DS)] // low-byte entry, block 10
    [InlineData("GEMS_ACQU_01", 0x0019, 0x120F, DicomVR.DS)] // same entry, block 12
    [InlineData("GEMS_ACQU_01 ", 0x0019, 0x100F, DicomVR.DS)] // trailing padding of the stored LO value
    [InlineData("SIEMENS CM VA0  CMS", 0x0013, 0x1020, DicomVR.LO)]
    [InlineData("PHILIPS MR/PART", 0x0019, 0x1000, DicomVR.DS)] // four-digit entry: this element only
    [InlineData("PHILIPS MR/PART", 0x0019, 0x1100, DicomVR.IS)]
    [InlineData("PAPYRUS 3.0", 0x6001, 0x1010, DicomVR.US)] // range of odd groups 6001-60FF
    [InlineData("PAPYRUS 3.0", 0x60FF, 0x1110, DicomVR.US)]
    [InlineData("DLX_ANNOT_01", 0x7003, 0x1004, DicomVR.ST)]
    public void LookupPrivateVR_KnownPrivateTag_ReturnsDcmtkVR(string creator, int group, int element, DicomVR expected)
    {
        Assert.Equal(expected, DicomDictionary.LookupPrivateVR(creator, new DicomTag((ushort)group, (ushort)element)));
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData("PHILIPS MR/PART", 0x0019, 0x1200)] // its four-digit entries do not repeat in other blocks
    [InlineData("gems_acqu_01", 0x0019, 0x100F)] // creators compare exactly
    [InlineData("NO SUCH CREATOR", 0x0019, 0x100F)]
    [InlineData("GEMS_ACQU_01", 0x0018, 0x100F)] // not a private tag
    [InlineData("PAPYRUS 3.0", 0x6000, 0x1010)]
    public void LookupPrivateVR_UnknownPrivateTag_ReturnsNull(string creator, int group, int element)
    {
        Assert.Null(DicomDictionary.LookupPrivateVR(creator, new DicomTag((ushort)group, (ushort)element)));
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData("1.2.840.10008.1.2", "ImplicitVRLittleEndian", false)]
    [InlineData("1.2.840.10008.1.2.1", "ExplicitVRLittleEndian", false)]
    [InlineData("1.2.840.10008.1.2.1.99", "DeflatedExplicitVRLittleEndian", false)]
    [InlineData("1.2.840.10008.1.2.4.50", "JPEGBaseline8Bit", false)]
    [InlineData("1.2.840.10008.1.2.4.90", "JPEG2000Lossless", false)]
    [InlineData("1.2.840.10008.1.2.5", "RLELossless", false)]
    [InlineData("1.2.840.10008.1.2.2", "ExplicitVRBigEndian", true)]
    [InlineData("1.2.840.10008.1.2.4.52", "JPEGExtended35", true)]
    public void UidLookup_TransferSyntax_ReturnsTransferSyntaxEntry(string uid, string keyword, bool retired)
    {
        var info = DicomUidRegistry.Lookup(uid);

        Assert.NotNull(info);
        Assert.Equal(keyword, info.Keyword);
        Assert.Equal(DicomUidType.TransferSyntax, info.Type);
        Assert.True(info.IsTransferSyntax);
        Assert.Equal(retired, info.IsRetired);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void UidLookup_SopClasses_ReturnSopClassEntries()
    {
        var ct = DicomUidRegistry.Lookup(DicomUids.CTImageStorage);
        var verification = DicomUidRegistry.Lookup("1.2.840.10008.1.1");

        Assert.Equal("1.2.840.10008.5.1.4.1.1.2", DicomUids.CTImageStorage);
        Assert.NotNull(ct);
        Assert.Equal("CT Image Storage", ct.Name);
        Assert.Equal(DicomUidType.SopClass, ct.Type);
        Assert.False(ct.IsRetired);
        Assert.Equal("Verification", verification?.Keyword);
        Assert.Equal(DicomUidType.MetaSopClass, DicomUidRegistry.Lookup("1.2.840.10008.5.1.1.9")?.Type);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void UidLookup_PaddedValue_IgnoresTrailingNul()
    {
        Assert.Equal("ImplicitVRLittleEndian", DicomUidRegistry.Lookup("1.2.840.10008.1.2\0")?.Keyword);
    }

    [Theory]
    [Trait("Category", "unit")]
    [InlineData("1.2.840.10008.1.2.999")]
    [InlineData("1.2.3.4")]
    [InlineData("")]
    public void UidLookup_UnknownUid_ReturnsNull(string uid)
    {
        Assert.Null(DicomUidRegistry.Lookup(uid));
    }

    [Fact]
    [Trait("Category", "unit")]
    public void DicomUids_EveryConstant_IsInTheRegistryUnderItsKeyword()
    {
        var constants = typeof(DicomUids).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).ToList();

        Assert.True(constants.Count > 400, $"only {constants.Count} UIDs");
        foreach (var constant in constants)
        {
            Assert.Equal(constant.Name, DicomUidRegistry.Lookup((string)constant.GetRawConstantValue()!)?.Keyword);
        }

        Assert.Equal(DicomUidRegistry.All.Count, DicomUidRegistry.All.Select(u => u.Value).Distinct().Count());
    }

    // ---- Peer check against DCMTK's data dictionaries (Debian package libdcmtk17) ----

    /// <summary>
    /// Where we knowingly differ from DCMTK 3.6.7's dicom.dic (PS3.6 2022b), and why.
    /// </summary>
    private static readonly Dictionary<string, string> DcmtkVRExceptions = new(StringComparer.Ordinal)
    {
        // DCMTK gives LUT Data its internal VR "lt" (US, SS or OW); PS3.6 lists US or OW.
        ["(0028,3006)"] = "US or OW",
    };

    /// <summary>
    /// Retired in PS3.6 (pydicom's transcription, which reads the RET column) but not in DCMTK 3.6.7: the other
    /// elements of the retired Print Management content sequences, (2130,0010)-(2130,0080), are retired in both.
    /// </summary>
    private static readonly HashSet<string> DcmtkRetiredExceptions = ["(2130,00A0)", "(2130,00C0)"];

    [Fact]
    [Trait("Category", "peer")]
    public void DicomDictionary_ComparedWithDcmtkDicomDic_AgreesOnVRKeywordVMAndRetired()
    {
        var path = FindDcmtkFile("dicom.dic");
        var problems = new List<string>();
        var checkedTags = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
            var (groups, elements) = ParseDcmtkTag(fields[0]);
            var (vr, keyword, vm, version) = (fields[1], fields[2], fields[3], fields[4]);
            if (version == "ILLEGAL")
            {
                continue; // DCMTK's catch-all for the odd groups 0001-0007, which PS3.5 does not make private.
            }

            foreach (var tag in SampleTags(groups, elements))
            {
                checkedTags++;
                var entry = DicomDictionary.Lookup(tag);
                if (entry is null)
                {
                    problems.Add($"{fields[0]} {keyword}: no entry for {tag}");
                    continue;
                }

                var expectedVRs = DcmtkVRs(vr);
                var ourVRs = entry.VRs.Select(v => v.Code()).Order(StringComparer.Ordinal).ToList();
                if (!expectedVRs.SequenceEqual(ourVRs) &&
                    !(DcmtkVRExceptions.TryGetValue(fields[0], out var allowed) && allowed == string.Join(" or ", entry.VRs.Select(v => v.Code()))))
                {
                    problems.Add($"{tag} {keyword}: VR {string.Join("/", ourVRs)}, DCMTK {vr}");
                }

                if (version.StartsWith("DICOM", StringComparison.Ordinal))
                {
                    var plain = keyword.StartsWith("RETIRED_", StringComparison.Ordinal) ? keyword["RETIRED_".Length..] : keyword;
                    if (entry.Keyword != plain)
                    {
                        problems.Add($"{tag}: keyword {entry.Keyword}, DCMTK {keyword}");
                    }

                    if (entry.VM != vm)
                    {
                        problems.Add($"{tag} {keyword}: VM {entry.VM}, DCMTK {vm}");
                    }

                    if (entry.IsRetired != version.EndsWith("/retired", StringComparison.Ordinal) && !DcmtkRetiredExceptions.Contains(fields[0]))
                    {
                        problems.Add($"{tag} {keyword}: retired {entry.IsRetired}, DCMTK {version}");
                    }
                }
            }
        }

        Assert.True(checkedTags > 5000, $"only {checkedTags} tags checked in {path}");
        Assert.True(problems.Count == 0, $"{problems.Count} differences from {path}:\n{string.Join('\n', problems)}");
    }

    [Fact]
    [Trait("Category", "peer")]
    public void LookupPrivateVR_ComparedWithDcmtkPrivateDic_AgreesForEveryEntry()
    {
        var path = FindDcmtkFile("private.dic");
        var lines = new Dictionary<(string Creator, string Group, ushort Element, bool Fixed), string>();
        foreach (var line in File.ReadLines(path))
        {
            var match = PrivateLine().Match(line);
            if (match.Success)
            {
                // Later lines override earlier ones, as in DCMTK.
                var element = ushort.Parse(match.Groups["element"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                lines[(match.Groups["creator"].Value, match.Groups["group"].Value, element, match.Groups["element"].Length == 4)] =
                    match.Groups["vr"].Value;
            }
        }

        var problems = new List<string>();
        foreach (var ((creator, groupText, element, isFixed), vr) in lines)
        {
            var group = ushort.Parse(groupText[..4], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (group < 0x0009)
            {
                // private.dic has a few entries in groups 0003 and 0005, which PS3.5 7.8.1 does not allow as private
                // groups; LookupPrivateVR answers only for private tags (DicomTag.IsPrivate), so they never match.
                Assert.Null(DicomDictionary.LookupPrivateVR(creator, new DicomTag(group, (ushort)(0x1000 | element))));
                continue;
            }

            var tag = isFixed ? new DicomTag(group, element) : FreeBlock(lines, creator, groupText, group, element);
            var expected = DcmtkVRs(vr).Count == 0 ? (DicomVR?)null : DefaultOf(vr);
            var actual = DicomDictionary.LookupPrivateVR(creator, tag);
            if (actual != expected)
            {
                problems.Add($"({groupText},\"{creator}\",{element:X2}) as {tag}: {actual?.Code() ?? "null"}, DCMTK {vr}");
            }
        }

        Assert.True(lines.Count > 2500, $"only {lines.Count} private tags in {path}");
        Assert.True(problems.Count == 0, $"{problems.Count} differences from {path}:\n{string.Join('\n', problems)}");
    }

    /// <summary>A tag in the first private block (10-FF) where no four-digit entry of the creator takes precedence.</summary>
    private static DicomTag FreeBlock(
        Dictionary<(string, string, ushort, bool), string> lines, string creator, string groupText, ushort group, ushort lowByte)
    {
        for (var block = 0x10; block <= 0xFF; block++)
        {
            var element = (ushort)((block << 8) | lowByte);
            if (!lines.ContainsKey((creator, groupText, element, true)))
            {
                return new DicomTag(group, element);
            }
        }

        throw new InvalidOperationException("no free block");
    }

    private static DicomVR DefaultOf(string dcmtkVR)
    {
        var code = dcmtkVR switch
        {
            "ox" or "px" => "OB",
            "xs" => "US",
            "up" => "UL",
            _ => dcmtkVR,
        };
        Assert.True(DicomVRInfo.TryParse(code, out var vr), code);
        return vr;
    }

    /// <summary>DCMTK's VR column as the set of standard VRs it stands for, sorted.</summary>
    private static List<string> DcmtkVRs(string vr) => vr switch
    {
        "ox" or "px" => ["OB", "OW"], // OB or OW (px: pixel data)
        "xs" => ["SS", "US"], // US or SS
        "lt" => ["OW", "SS", "US"], // LUT data: US, SS or OW
        "up" => ["UL"], // UL holding an offset DCMTK updates
        "na" => [], // items and delimiters have no VR
        _ => [vr],
    };

    /// <summary>
    /// The tags of a DCMTK range to check: its first, second and last members. Known differences, capped here:
    /// DCMTK lets the 50xx/60xx entries run to group 50FE/60FE, while PS3.5 7.6 stops at 501E/601E; and DCMTK's
    /// private ranges run to group FFFF, which PS3.5 7.8.1 excludes from the private groups.
    /// </summary>
    private static IEnumerable<DicomTag> SampleTags(
        (ushort First, ushort Last, int Step) groups, (ushort First, ushort Last, int Step) elements)
    {
        var lastGroup = groups.Last;
        if ((groups.First >> 8) is 0x50 or 0x60 && groups.Last != groups.First)
        {
            lastGroup = (ushort)(groups.First + 0x1E);
        }
        else if (lastGroup == 0xFFFF && (groups.First & 1) == 1)
        {
            lastGroup = 0xFFFD;
        }

        foreach (var group in Members(groups.First, lastGroup, groups.Step))
        {
            foreach (var element in Members(elements.First, elements.Last, elements.Step))
            {
                yield return new DicomTag(group, element);
            }
        }
    }

    private static IEnumerable<ushort> Members(ushort first, ushort last, int step) =>
        first == last ? [first] : new[] { first, (ushort)(first + step), (ushort)(last - ((last - first) % step)) }.Distinct();

    /// <summary>"(gggg,eeee)", with either part a range "xxxx-yyyy" (even numbers), "xxxx-o-yyyy" (odd) or "xxxx-u-yyyy" (all).</summary>
    private static ((ushort, ushort, int) Groups, (ushort, ushort, int) Elements) ParseDcmtkTag(string text)
    {
        var parts = text.Trim('(', ')').Split(',');
        return (ParseRange(parts[0]), ParseRange(parts[1]));

        static (ushort, ushort, int) ParseRange(string range)
        {
            var bits = range.Split('-');
            var first = ushort.Parse(bits[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var last = ushort.Parse(bits[^1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return (first, last, bits.Length == 3 && bits[1] == "u" ? 1 : 2);
        }
    }

    private static string FindDcmtkFile(string name)
    {
        var found = Directory.Exists("/usr/share")
            ? Directory.GetDirectories("/usr/share", "libdcmtk*").Select(d => Path.Combine(d, name)).Where(File.Exists).Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        if (found is not null)
        {
            return found;
        }

        Peers.Unavailable($"DCMTK's {name} (/usr/share/libdcmtk*/{name}) is missing: dcmtk not installed (./build.sh test installs it)");
        return "";
    }

    [GeneratedRegex(@"^\((?<group>[0-9A-Fa-f]{4}(-o-[0-9A-Fa-f]{4})?),""(?<creator>[^""]*)"",(?<element>[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4})\)\t+(?<vr>\w\w)\t", RegexOptions.CultureInvariant)]
    private static partial Regex PrivateLine();
}
