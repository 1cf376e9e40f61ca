using Xunit;

namespace PlaoImaging.Dicom.Tests.Core;

[Trait("Category", "unit")]
public class DicomDatasetComparerTests
{
    private static readonly DicomTag ContentSequence = new(0x0040, 0xA730);
    private static readonly DicomTag ConceptNameCodeSequence = new(0x0040, 0xA043);
    private static readonly DicomTag CodeValue = new(0x0008, 0x0100);
    private static readonly DicomTag PatientName = new(0x0010, 0x0010);
    private static readonly DicomTag Modality = new(0x0008, 0x0060);
    private static readonly DicomTag Rows = new(0x0028, 0x0010);
    private static readonly DicomTag PixelData = new(0x7FE0, 0x0010);
    private static readonly DicomDatasetComparer Comparer = new();

    /// <summary>Content items with a concept name each; the third's code value is given.</summary>
    private static DicomDataset Tree(string thirdCode)
    {
        var items = new List<DicomDataset>();
        foreach (var code in new[] { "111", "222", thirdCode })
        {
            items.Add(new DicomDataset().AddSequence(ConceptNameCodeSequence, new DicomDataset().AddString(CodeValue, DicomVR.SH, code)));
        }

        return new DicomDataset().AddString(Modality, DicomVR.CS, "SR").AddSequence(ContentSequence, [.. items]);
    }

    [Fact]
    public void FindFirstDifference_NestedValue_GivesPathThroughItems()
    {
        var difference = Comparer.FindFirstDifference(Tree("abc"), Tree("abd"));

        Assert.NotNull(difference);
        Assert.Equal("(0040,A730)[2]>(0040,A043)[0]>(0008,0100)", difference.Path);
        Assert.Equal(DicomDifferenceKind.Value, difference.Kind);
        Assert.Equal("(0040,A730)[2]>(0040,A043)[0]>(0008,0100): 'abc' vs 'abd'", difference.ToString());
        Assert.False(Comparer.Equals(Tree("abc"), Tree("abd")));
    }

    [Fact]
    public void Equals_SameTreeBuiltTwice_True()
    {
        Assert.True(Comparer.Equals(Tree("abc"), Tree("abc")));
        Assert.Equal(Comparer.GetHashCode(Tree("abc")), Comparer.GetHashCode(Tree("abc")));
    }

    [Fact]
    public void FindFirstDifference_ElementOnOneSide_SaysWhichSide()
    {
        var left = new DicomDataset().AddString(Modality, DicomVR.CS, "CR");
        var right = new DicomDataset().AddString(Modality, DicomVR.CS, "CR").AddValues(Rows, DicomVR.US, (ushort)2);

        var onlyRight = Comparer.FindFirstDifference(left, right);
        var onlyLeft = Comparer.FindFirstDifference(right, left);

        Assert.Equal(DicomDifferenceKind.OnlyRight, onlyRight!.Kind);
        Assert.Equal("(0028,0010)", onlyRight.Path);
        Assert.Equal(DicomDifferenceKind.OnlyLeft, onlyLeft!.Kind);
    }

    [Fact]
    public void FindFirstDifference_DifferentVR_ReportsBoth()
    {
        var left = new DicomDataset().AddValues(Rows, DicomVR.US, (ushort)2);
        var right = new DicomDataset().AddValues(Rows, DicomVR.SS, (short)2);

        var difference = Comparer.FindFirstDifference(left, right);

        Assert.Equal(DicomDifferenceKind.VR, difference!.Kind);
        Assert.Equal("(0028,0010): VR US vs SS", difference.ToString());
    }

    [Fact]
    public void FindFirstDifference_TextPaddingAndCharacterSet_AreNotDifferences()
    {
        var latin1 = new DicomDataset()
            .AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100")
            .AddBytes(PatientName, DicomVR.PN, System.Text.Encoding.Latin1.GetBytes("Buc^J\u00e9r\u00f4me "))
            .AddBytes(Modality, DicomVR.CS, System.Text.Encoding.ASCII.GetBytes(" CR "));
        var utf8 = new DicomDataset()
            .AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192")
            .AddBytes(PatientName, DicomVR.PN, System.Text.Encoding.UTF8.GetBytes("Buc^J\u00e9r\u00f4me"))
            .AddString(Modality, DicomVR.CS, "CR");

        Assert.Equal(DicomDifferenceKind.Value, Comparer.FindFirstDifference(latin1, utf8)!.Kind);
        Assert.Equal("(0008,0005)", Comparer.FindFirstDifference(latin1, utf8)!.Path);
        Assert.Null(new DicomDatasetComparer { IgnoreSpecificCharacterSet = true }.FindFirstDifference(latin1, utf8));
    }

    [Fact]
    public void FindFirstDifference_MultiValuedText_ComparesEachValueTrimmed()
    {
        var left = new DicomDataset().AddBytes(new DicomTag(0x0008, 0x0008), DicomVR.CS, System.Text.Encoding.ASCII.GetBytes("ORIGINAL \\PRIMARY "));
        var right = new DicomDataset().AddString(new DicomTag(0x0008, 0x0008), DicomVR.CS, "ORIGINAL", "PRIMARY");
        var other = new DicomDataset().AddString(new DicomTag(0x0008, 0x0008), DicomVR.CS, "ORIGINAL", "SECONDARY");

        Assert.Null(Comparer.FindFirstDifference(left, right));
        Assert.Equal("(0008,0008): 'ORIGINAL\\PRIMARY' vs 'ORIGINAL\\SECONDARY'", Comparer.FindFirstDifference(left, other)!.ToString());
    }

    [Fact]
    public void FindFirstDifference_BinaryValues_GivesOffsetOfFirstDifferentByte()
    {
        var left = new DicomDataset().AddBytes(PixelData, DicomVR.OB, new byte[] { 1, 2, 3, 4 });
        var right = new DicomDataset().AddBytes(PixelData, DicomVR.OB, new byte[] { 1, 2, 9, 4 });
        var shorter = new DicomDataset().AddBytes(PixelData, DicomVR.OB, new byte[] { 1, 2 });

        Assert.Equal("(7FE0,0010): bytes differ at offset 2 (0x03 vs 0x09)", Comparer.FindFirstDifference(left, right)!.ToString());
        Assert.Equal("(7FE0,0010): 4 bytes vs 2", Comparer.FindFirstDifference(left, shorter)!.ToString());
    }

    [Fact]
    public void FindFirstDifference_ItemCount_Reported()
    {
        var left = new DicomDataset().AddSequence(ContentSequence, new DicomDataset(), new DicomDataset());
        var right = new DicomDataset().AddSequence(ContentSequence, new DicomDataset());

        var difference = Comparer.FindFirstDifference(left, right);

        Assert.Equal(DicomDifferenceKind.ItemCount, difference!.Kind);
        Assert.Equal("(0040,A730): 2 items vs 1", difference.ToString());
    }

    [Fact]
    public void FindFirstDifference_SequenceAgainstValue_ReportsElementKind()
    {
        var left = new DicomDataset().AddSequence(ContentSequence);
        var right = new DicomDataset().AddOrUpdate(new DicomValueElement(ContentSequence, DicomVR.UN, DicomBuffer.Empty));

        Assert.Equal(DicomDifferenceKind.VR, Comparer.FindFirstDifference(left, right)!.Kind);

        var fragments = new DicomDataset().AddOrUpdate(new DicomFragmentSequence(PixelData, DicomVR.OB, DicomBuffer.Empty, []));
        var native = new DicomDataset().AddBytes(PixelData, DicomVR.OB, new byte[] { 0, 0 });
        var kind = Comparer.FindFirstDifference(fragments, native);
        Assert.Equal(DicomDifferenceKind.ElementKind, kind!.Kind);
        Assert.Equal("(7FE0,0010): encapsulated fragments vs a value", kind.ToString());
    }

    [Fact]
    public void FindFirstDifference_Fragments_ComparedByteForByte()
    {
        static DicomDataset Encapsulated(byte[] table, params byte[][] fragments) => new DicomDataset().AddOrUpdate(
            new DicomFragmentSequence(PixelData, DicomVR.OB, DicomBuffer.FromMemory(table), fragments.Select(f => DicomBuffer.FromMemory(f))));

        var a = Encapsulated([0, 0, 0, 0], [1, 2], [3, 4]);

        Assert.Null(Comparer.FindFirstDifference(a, Encapsulated([0, 0, 0, 0], [1, 2], [3, 4])));
        Assert.Equal("(7FE0,0010): fragment 1: bytes differ at offset 1 (0x04 vs 0x05)",
            Comparer.FindFirstDifference(a, Encapsulated([0, 0, 0, 0], [1, 2], [3, 5]))!.ToString());
        Assert.Equal("(7FE0,0010): 2 fragments vs 1", Comparer.FindFirstDifference(a, Encapsulated([0, 0, 0, 0], [1, 2]))!.ToString());
        Assert.Equal("(7FE0,0010): basic offset table: 4 bytes vs 0", Comparer.FindFirstDifference(a, Encapsulated([], [1, 2], [3, 4]))!.ToString());
        Assert.All(
            new[] { Comparer.FindFirstDifference(a, Encapsulated([], [1, 2], [3, 4]))! },
            d => Assert.Equal(DicomDifferenceKind.Fragments, d.Kind));
    }

    [Fact]
    public void FindFirstDifference_GroupLength_IgnoredUnlessAsked()
    {
        var left = new DicomDataset().AddValues(new DicomTag(0x0008, 0x0000), DicomVR.UL, 10u).AddString(Modality, DicomVR.CS, "CR");
        var right = new DicomDataset().AddString(Modality, DicomVR.CS, "CR");

        Assert.Null(Comparer.FindFirstDifference(left, right));
        Assert.Equal(DicomDifferenceKind.OnlyLeft, new DicomDatasetComparer { IgnoreGroupLengths = false }.FindFirstDifference(left, right)!.Kind);
    }

    [Fact]
    public void FindFirstDifference_FileBackedValues_ComparedBlockByBlock()
    {
        var path = Path.Combine(Path.GetTempPath(), "plao-comparer-" + Guid.NewGuid().ToString("N"));
        var bytes = new byte[(3 << 20) + 5];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        try
        {
            var changed = (byte[])bytes.Clone();
            changed[(2 << 20) + 3] ^= 0xFF;
            var fromFile = new DicomDataset().AddOrUpdate(new DicomValueElement(PixelData, DicomVR.OB, new FileDicomBuffer(path, 0, bytes.Length)));

            Assert.Null(Comparer.FindFirstDifference(fromFile, new DicomDataset().AddBytes(PixelData, DicomVR.OB, bytes)));
            Assert.StartsWith(
                $"(7FE0,0010): bytes differ at offset {(2 << 20) + 3} ",
                Comparer.FindFirstDifference(fromFile, new DicomDataset().AddBytes(PixelData, DicomVR.OB, changed))!.ToString(),
                StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
