using System.Text;
using Xunit;

namespace PlaoImaging.Dicom.Tests.IO;

/// <summary>
/// Text given to a dataset is encoded when it is written, with the character set in force where its element is then:
/// items filled before they are placed in a dataset, and Specific Character Sets changed after values were added.
/// </summary>
[Trait("Category", "unit")]
public class TextEncodedOnWriteTests
{
    internal static readonly DicomTag ContentSequence = new(0x0040, 0xA730);
    internal static readonly DicomTag PersonName = new(0x0040, 0xA123);
    internal static readonly DicomTag TextValue = new(0x0040, 0xA160);
    internal static readonly DicomTag CodeMeaning = new(0x0008, 0x0104);
    internal static readonly DicomTag PatientName = new(0x0010, 0x0010);
    internal const string Japanese = "Yamada^Tarou=山田^太郎=やまだ^たろう";
    internal const string Greek = "Διονυσιος";
    internal const string French = "Buc^Jérôme";

    /// <summary>PS3.5 H.3.1: the person name in ISO 2022 IR 87, designations returned to ASCII at each delimiter.</summary>
    private static readonly byte[] JapaneseIso2022 = Encoding.ASCII.GetBytes(
        "Yamada^Tarou=\u001b$B;3ED\u001b(B^\u001b$BB@O:\u001b(B=\u001b$B$d$^$@\u001b(B^\u001b$B$?$m$&\u001b(B");

    public static TheoryData<string[], string, bool> Sets => new()
    {
        { ["ISO_IR 192"], Japanese, true },
        { ["ISO_IR 192"], Japanese, false },
        { ["", "ISO 2022 IR 87"], Japanese, true },
        { ["", "ISO 2022 IR 87"], Japanese, false },
        { ["ISO_IR 126"], Greek, true },
        { ["ISO_IR 100"], French, false },
    };

    /// <summary>A root with the given Specific Character Set holding one item filled before it was attached.</summary>
    internal static DicomDataset BuildBottomUp(string[] charset, string name)
    {
        var item = new DicomDataset()
            .AddString(PersonName, DicomVR.PN, name)
            .AddString(TextValue, DicomVR.UT, name.Replace('^', ' '))
            .AddString(CodeMeaning, DicomVR.LO, name.Split('=')[^1]);
        var root = new DicomDataset()
            .AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, charset)
            .AddString(new DicomTag(0x0008, 0x0016), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.88.22")
            .AddString(new DicomTag(0x0008, 0x0018), DicomVR.UI, "1.2.826.0.1.3680043.10.99.7")
            .AddString(PatientName, DicomVR.PN, name);
        root.AddSequence(ContentSequence, new DicomDataset().AddSequence(ContentSequence, item));
        return root;
    }

    internal static byte[] Write(DicomDataset dataset, DicomWriteOptions? options = null)
    {
        var stream = new MemoryStream();
        new DicomFile(dataset).Write(stream, options);
        return stream.ToArray();
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Write_ItemFilledBeforeAttaching_ReadsBackWithTheRootCharacterSet(string[] charset, string name, bool explicitLengths)
    {
        var root = BuildBottomUp(charset, name);

        var bytes = Write(root, new DicomWriteOptions { ExplicitSequenceLengths = explicitLengths });
        var read = DicomFile.Read(new MemoryStream(bytes)).Dataset;

        var item = read.GetSequence(ContentSequence).Items[0].GetSequence(ContentSequence).Items[0];
        Assert.Equal(name, read.GetString(PatientName));
        Assert.Equal(name, item.GetString(PersonName));
        Assert.Equal(name.Replace('^', ' '), item.GetString(TextValue));
        Assert.Equal(name.Split('=')[^1], item.GetString(CodeMeaning));
        Assert.Null(new DicomDatasetComparer().FindFirstDifference(root, read));
        Assert.Empty(DicomFile.Read(new MemoryStream(bytes)).Warnings);
    }

    [Fact]
    public void Write_Iso2022Ir87_ItemNameHasTheBytesOfPs35H31()
    {
        var bytes = Write(BuildBottomUp(["", "ISO 2022 IR 87"], Japanese));

        // The root's name and the item's PN (the UT value has spaces where the name has '^').
        Assert.Equal(2, CountOccurrences(bytes, JapaneseIso2022));
    }

    [Fact]
    public void Write_Latin1Root_ItemTextIsLatin1NotUtf8()
    {
        var bytes = Write(BuildBottomUp(["ISO_IR 100"], French));

        Assert.True(CountOccurrences(bytes, Encoding.Latin1.GetBytes(French)) >= 2);
        Assert.Equal(0, CountOccurrences(bytes, Encoding.UTF8.GetBytes("é")));
    }

    [Fact]
    public void Write_CharacterSetChangedAfterValuesWereAdded_WritesInTheNewSet()
    {
        var root = BuildBottomUp(["ISO_IR 100"], French);
        root.AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");

        var bytes = Write(root);
        var read = DicomFile.Read(new MemoryStream(bytes)).Dataset;

        Assert.Equal(0, CountOccurrences(bytes, Encoding.Latin1.GetBytes(French)));
        Assert.True(CountOccurrences(bytes, Encoding.UTF8.GetBytes(French)) >= 2);
        Assert.Equal(["ISO_IR 192"], read.TextEncoding.Terms);
        Assert.Equal(French, read.GetSequence(ContentSequence).Items[0].GetSequence(ContentSequence).Items[0].GetString(PersonName));
    }

    [Fact]
    public void Write_TextTheCharacterSetCannotHold_ThrowsNamingTheTag()
    {
        var root = BuildBottomUp(["ISO_IR 192"], Japanese);
        root.AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100");

        var e = Assert.Throws<DicomTextEncodingException>(() => Write(root));

        Assert.Equal(PatientName, e.Tag);
        Assert.Contains("(0010,0010)", e.Message, StringComparison.Ordinal);
        Assert.Contains("ISO_IR 100", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NestedTextTheCharacterSetCannotHold_ThrowsNamingTheNestedTag()
    {
        var item = new DicomDataset().AddString(CodeMeaning, DicomVR.LO, "山田");
        var root = new DicomDataset()
            .AddString(new DicomTag(0x0008, 0x0016), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.88.22")
            .AddString(new DicomTag(0x0008, 0x0018), DicomVR.UI, "1.2.826.0.1.3680043.10.99.7")
            .AddSequence(ContentSequence, item);

        var e = Assert.Throws<DicomTextEncodingException>(() => Write(root));

        Assert.Equal(CodeMeaning, e.Tag);
    }

    [Fact]
    public void Write_ItemWithItsOwnCharacterSet_UsesItInsteadOfTheRoots()
    {
        var item = new DicomDataset()
            .AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 126")
            .AddString(PersonName, DicomVR.PN, Greek);
        var root = BuildBottomUp(["ISO_IR 100"], French);
        root.AddSequence(new DicomTag(0x0040, 0xA504), item);

        var bytes = Write(root);
        var read = DicomFile.Read(new MemoryStream(bytes)).Dataset;

        Assert.Equal(Greek, read.GetSequence(new DicomTag(0x0040, 0xA504)).Items[0].GetString(PersonName));
        Assert.Equal(1, CountOccurrences(bytes, Iso8859Greek(Greek)));
    }

    [Fact]
    public void GetString_TextAddedToDetachedItem_ReturnsTheText()
    {
        var item = new DicomDataset().AddString(PersonName, DicomVR.PN, Japanese);

        Assert.Equal(Japanese, item.GetString(PersonName));
        Assert.Equal(3, item.GetValues<DicomPersonName>(PersonName)[0].ToString().Split('=').Length);
    }

    [Fact]
    public void AddString_LoneSurrogate_ThrowsNamingTheTag()
    {
        var e = Assert.Throws<DicomValueException>(() => new DicomDataset().AddString(PersonName, DicomVR.PN, "a\uD800b"));
        Assert.Equal(PersonName, e.Tag);
    }

    [Fact]
    public void Write_ValuesReadFromFile_KeepTheirBytesEvenWhenTheCharacterSetChanges()
    {
        var original = Write(BuildBottomUp(["ISO_IR 100"], French));
        var read = DicomFile.Read(new MemoryStream(original)).Dataset;

        var again = Write(read);

        Assert.Equal(original, again);
        var element = Assert.IsType<DicomValueElement>(read[PatientName]);
        Assert.Null(element.Text);
        Assert.Equal(Encoding.Latin1.GetBytes(French), element.Buffer.GetMemory().ToArray());
    }

    [Fact]
    public void GetBytes_TextElement_EncodesWithTheGivenSet()
    {
        var element = new DicomValueElement(PatientName, DicomVR.PN, French);

        Assert.Equal(Encoding.UTF8.GetBytes(French), element.GetBytes(DicomTextEncoding.FromSpecificCharacterSet(["ISO_IR 192"])).ToArray());
        Assert.Equal(Encoding.Latin1.GetBytes(French), element.GetBytes(DicomTextEncoding.FromSpecificCharacterSet(["ISO_IR 100"])).ToArray());
        Assert.Throws<DicomTextEncodingException>(() => element.GetBytes(DicomTextEncoding.Default));
        Assert.Throws<ArgumentException>(() => new DicomValueElement(new DicomTag(0x0008, 0x0060), DicomVR.CS, "CR"));
    }

    [Fact]
    public void WriteJson_ItemFilledBeforeAttaching_HasTheText()
    {
        var root = BuildBottomUp(["", "ISO 2022 IR 87"], Japanese);

        var json = Json.DicomJsonWriter.Write(root);

        Assert.Contains("山田^太郎", json, StringComparison.Ordinal);
        Assert.Null(new DicomDatasetComparer { IgnoreSpecificCharacterSet = true }.FindFirstDifference(root, Json.DicomJsonReader.Read(json)));
    }

    /// <summary>ISO 8859-7 for Greek letters only: U+0391..U+03C9 sit at 0xC1..0xF9.</summary>
    private static byte[] Iso8859Greek(string text) => [.. text.Select(c => (byte)(c - 0x2D0))];

    internal static int CountOccurrences(byte[] haystack, byte[] needle)
    {
        int count = 0;
        var span = haystack.AsSpan();
        int at;
        while ((at = span.IndexOf(needle)) >= 0)
        {
            count++;
            span = span[(at + needle.Length)..];
        }

        return count;
    }
}
