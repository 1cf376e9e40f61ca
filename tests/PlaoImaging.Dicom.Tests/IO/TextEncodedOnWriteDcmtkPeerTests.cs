using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Tests.IO;

/// <summary>
/// DCMTK reads the text of items filled before they were attached as the root's character set says: <c>dcmdump +U8</c>
/// converts every value to UTF-8 and must show the names we wrote. DCMTK here cannot convert ISO 2022 IR 87 (see
/// <c>DicomTextEncodingDcmtkPeerTests</c>); those files must still dump without an error, and their bytes are checked
/// against PS3.5 H.3.1 in <see cref="TextEncodedOnWriteTests"/>.
/// </summary>
[Trait("Category", "peer")]
public class TextEncodedOnWriteDcmtkPeerTests
{
    public static TheoryData<string[], string> ConvertibleSets => new()
    {
        { ["ISO_IR 192"], TextEncodedOnWriteTests.Japanese },
        { ["ISO_IR 126"], TextEncodedOnWriteTests.Greek },
        { ["ISO_IR 100"], TextEncodedOnWriteTests.French },
    };

    [Theory]
    [MemberData(nameof(ConvertibleSets))]
    public void Dcmdump_ItemFilledBeforeAttaching_ShowsTheNames(string[] charset, string name)
    {
        Peers.Require("dcmdump");
        var path = WriteScratch(TextEncodedOnWriteTests.BuildBottomUp(charset, name));

        var (code, stdout, stderr) = Peers.Run("dcmdump", ["+U8", path]);

        Assert.True(code == 0, $"dcmdump +U8 exited {code}: {stderr}");
        Assert.DoesNotContain("W: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("E: ", stderr, StringComparison.Ordinal);
        var lines = stdout.Split('\n');
        Assert.Equal(2, lines.Count(l => l.Contains($"PN [{name}]", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Contains($"UT [{name.Replace('^', ' ')}]", StringComparison.Ordinal) && l.Contains("TextValue", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains($"LO [{name.Split('=')[^1]}]", StringComparison.Ordinal) && l.Contains("CodeMeaning", StringComparison.Ordinal));
    }

    [Fact]
    public void Dcmdump_CharacterSetChangedAfterAdding_ShowsTheNamesInTheNewSet()
    {
        Peers.Require("dcmdump");
        var root = TextEncodedOnWriteTests.BuildBottomUp(["ISO_IR 100"], TextEncodedOnWriteTests.French);
        root.AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        var path = WriteScratch(root);

        var (code, stdout, stderr) = Peers.Run("dcmdump", ["+U8", path]);

        Assert.True(code == 0, $"dcmdump +U8 exited {code}: {stderr}");
        Assert.Contains("CS [ISO_IR 192]", stdout, StringComparison.Ordinal);
        Assert.Equal(2, stdout.Split('\n').Count(l => l.Contains($"PN [{TextEncodedOnWriteTests.French}]", StringComparison.Ordinal)));
    }

    [Fact]
    public void Dcmdump_Iso2022Ir87_ReadsTheFileWithoutError()
    {
        Peers.Require("dcmdump");
        var path = WriteScratch(TextEncodedOnWriteTests.BuildBottomUp(["", "ISO 2022 IR 87"], TextEncodedOnWriteTests.Japanese));

        var (code, stdout, stderr) = Peers.Run("dcmdump", ["-q", path]);

        Assert.True(code == 0, $"dcmdump exited {code}: {stderr}");
        Assert.Contains(@"CS [\ISO 2022 IR 87]", stdout, StringComparison.Ordinal);
        Assert.Equal(2, stdout.Split('\n').Count(l => l.Contains("PN [Yamada^Tarou=", StringComparison.Ordinal)));
    }

    private static string WriteScratch(DicomDataset dataset)
    {
        var path = Path.Combine(Peers.ScratchDirectory("text-on-write"), "bottom-up.dcm");
        File.WriteAllBytes(path, TextEncodedOnWriteTests.Write(dataset));
        return path;
    }
}
