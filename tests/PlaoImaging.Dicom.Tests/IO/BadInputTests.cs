using System.Diagnostics;
using System.Text;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Json;
using PlaoImaging.Dicom.Tests.Support;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Tests.IO;

/// <summary>
/// Malformed input gives a <see cref="DicomReadException"/> naming the offset and the tag, in bounded time and memory.
/// Truncation rule: a cut on a boundary between top-level elements is a shorter valid file and reads as the elements
/// before it; any other cut fails at the first field the reader cannot complete, reported at that field's start
/// (a value's first byte for a value), or, where the input's length is known, at the content of the outermost
/// defined-length sequence or item that runs past the end. The tag is the element being read; for an item header, a
/// delimiter or a missing element inside a sequence, the sequence; none for a partial tag at the top level.
/// </summary>
[Trait("Category", "unit")]
public class BadInputTests
{
    private const long SmallAllocation = 1 << 20;
    private static readonly DicomTag PatientName = new(0x0010, 0x0010);
    private static readonly DicomTag PatientId = new(0x0010, 0x0020);
    private static readonly DicomTag Sequence = new(0x0040, 0x0275);

    /// <summary>How the bytes reach the reader.</summary>
    public enum Input
    {
        Seekable,
        NonSeekable,
        Deflated,
    }

    // ---- truncation at every offset ---------------------------------------------------------------------------

    [Theory]
    [InlineData("explicit")]
    [InlineData("implicit")]
    [InlineData("encapsulated")]
    public void Read_TruncatedAtEveryOffset_FailsAtExactOffsetOrReadsPrefix(string name)
    {
        var sample = SampleFiles.All().Single(s => s.Name == name);
        var problems = new List<string>();
        for (int cut = 0; cut <= sample.Bytes.Length; cut++)
        {
            var data = sample.Bytes[..cut];
            CheckCut(sample, cut, () => DicomFile.Read(new MemoryStream(data, writable: false)), lengthKnown: true, "seekable", problems);
            CheckCut(sample, cut, () => DicomFile.Read(new NonSeekableStream(data, maxChunk: 7)), lengthKnown: false, "non-seekable", problems);
        }

        Assert.True(problems.Count == 0, $"{problems.Count} wrong outcomes, first ones:\n" + string.Join('\n', problems.Take(25)));
    }

    [Fact]
    [Trait("Category", "slow")]
    public void Open_TruncatedFileAtEveryOffset_FailsAtExactOffsetWithLazyValues()
    {
        var sample = SampleFiles.Explicit();
        var dir = Peers.ScratchDirectory("truncated");
        var path = Path.Combine(dir, "cut.dcm");
        var options = new DicomReadOptions { LargeValueThreshold = 4 };
        var problems = new List<string>();
        try
        {
            for (int cut = 133; cut <= sample.Bytes.Length; cut++)
            {
                File.WriteAllBytes(path, sample.Bytes[..cut]);
                CheckCut(sample, cut, () => DicomFile.Open(path, options), lengthKnown: true, "file", problems);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        Assert.True(problems.Count == 0, $"{problems.Count} wrong outcomes, first ones:\n" + string.Join('\n', problems.Take(25)));
    }

    [Fact]
    public void Read_DeflatedDatasetWithZlibPresetDictionary_FailsTyped()
    {
        // Found by the AFL++ campaign on the Part 10 reader: a zlib header with FDICT set (0x78 0x20) made zlib return
        // Z_NEED_DICT, which came out of DicomFile.Read as System.IO.Compression.ZLibException.
        byte[] data = [.. SampleFiles.DeflatedMeta(), 0x78, 0x20, 0x27, 0xFA, 0x44, 0xBF, 0xD2, 0xA7, 0x01, 0x02];

        var error = Assert.Throws<DicomReadException>(() => DicomFile.Read(new MemoryStream(data)));
        Assert.Contains("deflated dataset is corrupt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_InflatedDatasetTruncatedAtEveryOffset_FailsAtExactInflatedOffset()
    {
        var meta = SampleFiles.DeflatedMeta();
        var body = SampleFiles.DeflatedBody();
        var problems = new List<string>();
        for (int cut = 0; cut <= body.Bytes.Length; cut++)
        {
            var data = meta.Concat(DicomByteBuilder.Deflate(body.Bytes.AsSpan(0, cut))).ToArray();
            DicomFile? file = null;
            Exception? error = null;
            try
            {
                file = DicomFile.Read(new MemoryStream(data));
            }
            catch (Exception e)
            {
                error = e;
            }

            var expected = DicomByteBuilder.ExpectedFailure(body.Layout, cut, lengthKnown: false);
            Judge(cut, "deflated", expected, DicomByteBuilder.TopLevelTagsBefore(body.Layout, cut).ToList(), file, error, problems, datasetOnly: true);
        }

        Assert.True(problems.Count == 0, $"{problems.Count} wrong outcomes, first ones:\n" + string.Join('\n', problems.Take(25)));
    }

    [Fact]
    public void Read_DeflatedFileTruncatedAtEveryOffset_FailsTypedOrReadsPrefix()
    {
        var sample = SampleFiles.Deflate();
        var body = SampleFiles.DeflatedBody();
        var allTags = DicomByteBuilder.TopLevelTagsBefore(body.Layout, long.MaxValue).ToList();
        int metaEnd = SampleFiles.DeflatedMeta().Length;
        long syntaxEnd = sample.Layout.First(f => f.Kind == DicomByteBuilder.FieldKind.Value && f.Tag == DicomTag.TransferSyntaxUid).End;
        var problems = new List<string>();
        for (int cut = 133; cut <= sample.Bytes.Length; cut++)
        {
            var data = sample.Bytes[..cut];
            long lastStart = sample.Layout.Where(f => f.Kind == DicomByteBuilder.FieldKind.Tag && f.TopLevel && f.Start <= cut).Max(f => f.Start);
            if (cut <= metaEnd && !(lastStart >= syntaxEnd && cut - lastStart is > 0 and < 4))
            {
                CheckCut(sample, cut, () => DicomFile.Read(new MemoryStream(data)), lengthKnown: true, "seekable", problems);
                continue;
            }

            // Past the meta group, or 1-3 bytes of a meta element after the transfer syntax said "deflated": those
            // bytes are the start of the deflate stream as far as the reader can tell, and a deflate stream cut short
            // inflates to fewer bytes without an error; the inflated bytes must then read as a prefix or fail typed.

            try
            {
                var file = DicomFile.Read(new MemoryStream(data));
                var tags = file.Dataset.Select(e => e.Tag).ToList();
                if (cut == sample.Bytes.Length ? !allTags.SequenceEqual(tags) : !allTags.Take(tags.Count).SequenceEqual(tags))
                {
                    problems.Add($"cut {cut}: read {tags.Count} elements that are not a prefix of the dataset");
                }
            }
            catch (DicomReadException e) when (e.InnerException is null or DicomReadException or InvalidDataException)
            {
                if (e.Offset < 0)
                {
                    problems.Add($"cut {cut}: negative offset {e.Offset}");
                }
            }
            catch (Exception e)
            {
                problems.Add($"cut {cut}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(problems.Count == 0, $"{problems.Count} wrong outcomes, first ones:\n" + string.Join('\n', problems.Take(25)));
    }

    [Fact]
    public void Read_EmptyInput_ThrowsAtOffsetZero()
    {
        var e = Assert.Throws<DicomReadException>(() => DicomFile.Read(new MemoryStream()));
        Assert.Equal(0, e.Offset);
        Assert.Null(e.Tag);
    }

    [Fact]
    public void Read_PreambleAndPrefixOnly_ThrowsAfterPrefix()
    {
        var data = new DicomByteBuilder().Preamble().ToArray();
        var e = Assert.Throws<DicomReadException>(() => DicomFile.Read(new MemoryStream(data)));
        Assert.Equal(132, e.Offset);
    }

    [Theory]
    [InlineData(1, 0, false)]
    [InlineData(3, 0, false)]
    [InlineData(5, 4, true)]
    [InlineData(7, 6, true)]
    public void Read_PartialHeaderAfterLastElement_ThrowsAtMissingField(int trailing, int fieldOffset, bool named)
    {
        // DCMTK rejects these too ("premature end of stream"): they are not ignorable padding.
        var sample = SampleFiles.Explicit();
        var data = sample.Bytes.Concat(new byte[] { 0xFC, 0xFF, 0xFC, 0xFF, (byte)'O', (byte)'B', 0x00 }.Take(trailing)).ToArray();

        var e = Assert.Throws<DicomReadException>(() => DicomFile.Read(new MemoryStream(data)));

        Assert.Equal(sample.Bytes.Length + fieldOffset, e.Offset);
        Assert.Equal(named ? new DicomTag(0xFFFC, 0xFFFC) : null, e.Tag);
    }

    // ---- lengths ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(Input.Seekable)]
    [InlineData(Input.NonSeekable)]
    [InlineData(Input.Deflated)]
    public void Read_ValueLengthBeyondEnd_ThrowsAtValueStart(Input input)
    {
        var b = new DicomByteBuilder(origin: 0).Text(0x00080060, "CS", "OT");
        long valueStart = b.Position + 8;
        b.Element(0x00100010, "PN", "Doe^Jane"u8, declaredLength: 0x100);
        var (data, offsetBase) = Encode(b.ToArray(), input);

        var e = ReadFails(data, input);

        Assert.Equal(offsetBase + valueStart, e.Offset);
        Assert.Equal(PatientName, e.Tag);
    }

    [Theory]
    [InlineData(Input.Seekable)]
    [InlineData(Input.NonSeekable)]
    [InlineData(Input.Deflated)]
    public void Read_ValueLengthBeyondEnclosingItem_ThrowsAtValueStart(Input input)
    {
        var b = new DicomByteBuilder().BeginSequence(0x00400275, definedLength: false);
        b.Raw([0xFE, 0xFF, 0x00, 0xE0, 16, 0, 0, 0]);
        long valueStart = b.Position + 8;
        b.Element(0x00100020, "LO", "ID12345678"u8, declaredLength: 40)
            .Raw([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0])
            .Element(0x00200010, "SH", new byte[64]);
        b.EndSequenceUnchecked();
        var (data, offsetBase) = Encode(b.ToArray(), input);

        var e = ReadFails(data, input);

        Assert.Equal(offsetBase + valueStart, e.Offset);
        Assert.Equal(PatientId, e.Tag);
        Assert.Contains("enclosing item", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Input.Seekable)]
    [InlineData(Input.NonSeekable)]
    public void Read_ItemLengthBeyondSequence_ThrowsAtItemStart(Input input)
    {
        var b = new DicomByteBuilder().Raw([0x40, 0x00, 0x75, 0x02, (byte)'S', (byte)'Q', 0, 0, 16, 0, 0, 0]);
        long itemStart = b.Position;
        b.Raw([0xFE, 0xFF, 0x00, 0xE0, 100, 0, 0, 0]).Element(0x00400007, "LO", new byte[120]);
        var (data, offsetBase) = Encode(b.ToArray(), input);

        var e = ReadFails(data, input);

        Assert.Equal(offsetBase + itemStart, e.Offset);
        Assert.Equal(Sequence, e.Tag);
    }

    [Fact]
    public void Read_OddValueLength_ReadsWithWarningNamingTag()
    {
        var b = new DicomByteBuilder();
        long start = b.Position;
        b.Element(0x00100010, "PN", "Doe"u8);
        var (data, offsetBase) = Encode(b.ToArray(), Input.Seekable);

        var file = DicomFile.Read(new MemoryStream(data));

        Assert.Equal("Doe", file.Dataset.GetString(PatientName));
        var warning = Assert.Single(file.Warnings, w => w.Tag == PatientName);
        Assert.Equal(offsetBase + start + 8, warning.Offset);
    }

    [Theory]
    [InlineData(Input.Seekable)]
    [InlineData(Input.NonSeekable)]
    [InlineData(Input.Deflated)]
    public void Read_OddItemLength_ThrowsNamingSequence(Input input)
    {
        var b = new DicomByteBuilder().BeginSequence(0x00400275, definedLength: false);
        long itemContent = b.Position + 8;
        b.Raw([0xFE, 0xFF, 0x00, 0xE0, 7, 0, 0, 0]).Text(0x00400007, "LO", "step one");
        b.EndSequenceUnchecked();
        var (data, offsetBase) = Encode(b.ToArray(), input);

        var e = ReadFails(data, input);

        // The element inside is longer than the item: reported at the element's value.
        Assert.Equal(offsetBase + itemContent + 8, e.Offset);
        Assert.Equal(new DicomTag(0x0040, 0x0007), e.Tag);
    }

    [Theory]
    [InlineData(Input.Seekable, 0xFFFFFFF0u)]
    [InlineData(Input.NonSeekable, 0xFFFFFFF0u)]
    [InlineData(Input.Deflated, 0xFFFFFFF0u)]
    [InlineData(Input.Seekable, 0x7FFFFFF0u)]
    [InlineData(Input.NonSeekable, 0x7FFFFFF0u)]
    [InlineData(Input.Deflated, 0x7FFFFFF0u)]
    [InlineData(Input.NonSeekable, 0x01000001u)]
    public void Read_HugeDeclaredValueLength_ThrowsWithoutAllocating(Input input, uint length)
    {
        var b = new DicomByteBuilder().Text(0x00100010, "PN", "Doe^Jane");
        long valueStart = b.Position + 12;
        b.Element(0x7FE00010, "OB", new byte[100], declaredLength: length);
        var (data, offsetBase) = Encode(b.ToArray(), input);

        var (e, allocated) = MeasureFailure(data, input);

        Assert.Equal(offsetBase + valueStart, e.Offset);
        Assert.Equal(DicomTag.PixelData, e.Tag);
        Assert.True(allocated < SmallAllocation, $"{allocated} bytes allocated for a {data.Length}-byte input");
    }

    [Theory]
    [InlineData(Input.Seekable)]
    [InlineData(Input.NonSeekable)]
    [InlineData(Input.Deflated)]
    public void Read_HugeImplicitValueLength_ThrowsWithoutAllocating(Input input)
    {
        var b = new DicomByteBuilder(explicitVR: false).Text(0x00080005, "CS", "ISO_IR 100");
        long valueStart = b.Position + 8;
        b.Element(0x00100010, "PN", "Doe^Jane"u8, declaredLength: 0xFFFFFFF0);
        var (data, offsetBase) = Encode(b.ToArray(), input, ts: SampleFiles.ImplicitLittle);

        var (e, allocated) = MeasureFailure(data, input);

        Assert.Equal(offsetBase + valueStart, e.Offset);
        Assert.Equal(PatientName, e.Tag);
        Assert.True(allocated < SmallAllocation, $"{allocated} bytes allocated");
    }

    [Fact]
    public void Read_HugeSequenceLength_ThrowsAtSequenceContent()
    {
        var b = new DicomByteBuilder().Raw([0x40, 0x00, 0x75, 0x02, (byte)'S', (byte)'Q', 0, 0, 0xF0, 0xFF, 0xFF, 0xFF]);
        long content = b.Position;
        b.Raw([0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
        var (data, offsetBase) = Encode(b.ToArray(), Input.Seekable);

        var (e, allocated) = MeasureFailure(data, Input.Seekable);

        Assert.Equal(offsetBase + content, e.Offset);
        Assert.Equal(Sequence, e.Tag);
        Assert.True(allocated < SmallAllocation, $"{allocated} bytes allocated");
    }

    [Theory]
    [InlineData(Input.Seekable)]
    [InlineData(Input.NonSeekable)]
    [InlineData(Input.Deflated)]
    public void Read_HugeItemLength_ThrowsTypedWithoutAllocating(Input input)
    {
        var b = new DicomByteBuilder().BeginSequence(0x00400275, definedLength: false);
        long itemStart = b.Position;
        b.Raw([0xFE, 0xFF, 0x00, 0xE0, 0xF0, 0xFF, 0xFF, 0xFF]).Text(0x00400007, "LO", "step");
        b.EndSequenceUnchecked();
        var (data, offsetBase) = Encode(b.ToArray(), input);

        var (e, allocated) = MeasureFailure(data, input);

        Assert.Equal(Sequence, e.Tag);
        if (input == Input.Seekable)
        {
            Assert.Equal(offsetBase + itemStart + 8, e.Offset);
        }

        Assert.True(allocated < SmallAllocation, $"{allocated} bytes allocated");
    }

    [Theory]
    [InlineData(Input.Seekable)]
    [InlineData(Input.NonSeekable)]
    [InlineData(Input.Deflated)]
    public void Read_HugeFragmentLength_ThrowsAtFragmentValue(Input input)
    {
        var b = new DicomByteBuilder().Raw([0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        b.Raw([0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0x00, 0xE0, 0xF0, 0xFF, 0xFF, 0xFF]);
        long valueStart = b.Position;
        b.Raw(new byte[40]);
        var (data, offsetBase) = Encode(b.ToArray(), input, ts: input == Input.Deflated ? null : SampleFiles.JpegBaseline);

        var (e, allocated) = MeasureFailure(data, input);

        Assert.Equal(offsetBase + valueStart, e.Offset);
        Assert.Equal(DicomTag.PixelData, e.Tag);
        Assert.True(allocated < SmallAllocation, $"{allocated} bytes allocated");
    }

    [Fact]
    public void Open_HugeDeclaredLengthInFile_ThrowsWithoutAllocating()
    {
        var b = new DicomByteBuilder().Text(0x00100010, "PN", "Doe^Jane");
        long valueStart = b.Position + 12;
        b.Element(0x7FE00010, "OB", new byte[100], declaredLength: 0xFFFFFFF0);
        var (data, offsetBase) = Encode(b.ToArray(), Input.Seekable);
        var dir = Peers.ScratchDirectory("huge");
        try
        {
            var path = Path.Combine(dir, "huge.dcm");
            File.WriteAllBytes(path, data);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<DicomReadException>(() => DicomFile.Open(path));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(offsetBase + valueStart, e.Offset);
            Assert.Equal(DicomTag.PixelData, e.Tag);
            Assert.True(allocated < SmallAllocation, $"{allocated} bytes allocated");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // ---- VRs ----------------------------------------------------------------------------------------------------

    [Fact]
    public void Read_WrongVRForTag_KeepsTheEncodedVR()
    {
        var b = new DicomByteBuilder().Text(0x00280010, "LO", "512");
        var (data, _) = Encode(b.ToArray(), Input.Seekable);

        var file = DicomFile.Read(new MemoryStream(data));

        Assert.Equal(DicomVR.LO, file.Dataset[new DicomTag(0x0028, 0x0010)].VR);
    }

    [Fact]
    public void Read_UnknownVR_ReadsAsUNWithWarningNamingTag()
    {
        var b = new DicomByteBuilder().Text(0x00080060, "CS", "OT")
            .Raw([0x10, 0x00, 0x10, 0x00, (byte)'Z', (byte)'Z', 0, 0, 4, 0, 0, 0, (byte)'D', (byte)'o', (byte)'e', (byte)' ']);
        var (data, _) = Encode(b.ToArray(), Input.Seekable);

        var file = DicomFile.Read(new MemoryStream(data));

        Assert.Equal(DicomVR.UN, file.Dataset[PatientName].VR);
        Assert.Contains(file.Warnings, w => w.Tag == PatientName && w.Message.Contains("ZZ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Input.Seekable)]
    [InlineData(Input.NonSeekable)]
    [InlineData(Input.Deflated)]
    public void Read_LongVRWithShortHeader_ThrowsAtMisreadValue(Input input)
    {
        // PN value written with an "OB" code but a 2-byte length: the reader takes "Doe^" as the 32-bit length.
        var b = new DicomByteBuilder().Text(0x00080060, "CS", "OT");
        long start = b.Position;
        b.Raw([0x10, 0x00, 0x10, 0x00, (byte)'O', (byte)'B', 8, 0]).Raw("Doe^Jane"u8);
        var (data, offsetBase) = Encode(b.ToArray(), input);

        var e = ReadFails(data, input);

        Assert.Equal(offsetBase + start + 12, e.Offset);
        Assert.Equal(PatientName, e.Tag);
    }

    [Fact]
    public void Read_UndefinedLengthOnStringVR_ThrowsAtElementStart()
    {
        var b = new DicomByteBuilder().Text(0x00080060, "CS", "OT");
        long start = b.Position;
        b.Raw([0x10, 0x00, 0x10, 0x00, (byte)'U', (byte)'T', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]).Raw("Doe^Jane"u8);
        var (data, offsetBase) = Encode(b.ToArray(), Input.Seekable);

        var e = ReadFails(data, Input.Seekable);

        Assert.Equal(offsetBase + start, e.Offset);
        Assert.Equal(PatientName, e.Tag);
    }

    // ---- nesting ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(false, "SQ", Input.Seekable)]
    [InlineData(true, "SQ", Input.Seekable)]
    [InlineData(false, "SQ", Input.NonSeekable)]
    [InlineData(true, "SQ", Input.NonSeekable)]
    [InlineData(false, "SQ", Input.Deflated)]
    [InlineData(true, "SQ", Input.Deflated)]
    [InlineData(false, "UN", Input.Seekable)]
    public void Read_100000NestedSequences_ThrowsDepthErrorAtLimit(bool definedLengths, string vr, Input input)
    {
        var (bytes, contentStarts) = Nested(100_000, definedLengths, vr);
        var (data, offsetBase) = Encode(bytes, input);
        int limit = DicomReadOptions.Default.MaxSequenceDepth;

        var watch = Stopwatch.StartNew();
        var e = ReadFails(data, input);

        Assert.Equal(offsetBase + contentStarts[limit], e.Offset);
        Assert.Equal(NestedTag(vr), e.Tag);
        Assert.Contains("nested deeper", e.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_100000NestedSequencesWithoutDepthLimit_ThrowsInsteadOfOverflowingTheStack(bool definedLengths)
    {
        var (bytes, _) = Nested(100_000, definedLengths, "SQ");
        var (data, _) = Encode(bytes, Input.Seekable);
        var options = new DicomReadOptions { MaxSequenceDepth = int.MaxValue };
        Exception? caught = null;

        // A thread of its own with a modest stack: the reader must notice the stack running out, whatever its size.
        var thread = new Thread(() => caught = Record.Exception(() => DicomFile.Read(new MemoryStream(data), options)), 1 << 20);
        thread.Start();
        thread.Join();

        var e = Assert.IsType<DicomReadException>(caught);
        Assert.Equal(Sequence, e.Tag);
    }

    [Fact]
    public void Read_HugeItemCount_ReadsInLinearTime()
    {
        var b = new DicomByteBuilder().BeginSequence(0x00400275, definedLength: false);
        for (int i = 0; i < 200_000; i++)
        {
            b.BeginItem(definedLength: true).EndItem();
        }

        b.EndSequence();
        var (data, _) = Encode(b.ToArray(), Input.NonSeekable);

        var watch = Stopwatch.StartNew();
        var file = DicomFile.Read(new NonSeekableStream(data));

        Assert.Equal(200_000, file.Dataset.GetSequence(Sequence).Items.Count);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Read_HugeFragmentCount_ReadsInLinearTime()
    {
        var b = new DicomByteBuilder().Raw([0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        for (int i = 0; i < 200_001; i++)
        {
            b.Raw([0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
        }

        b.Raw([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        var (data, _) = Encode(b.ToArray(), Input.Seekable, ts: SampleFiles.JpegBaseline);

        var watch = Stopwatch.StartNew();
        var file = DicomFile.Read(new MemoryStream(data));

        Assert.Equal(200_000, Assert.IsType<DicomFragmentSequence>(file.Dataset[DicomTag.PixelData]).Fragments.Count);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Read_ManyElementsInDescendingOrder_RejectedInBoundedTime()
    {
        var b = new DicomByteBuilder();
        for (int i = 60_000; i > 0; i--)
        {
            b.Element(0x00290000u | (uint)i, "LO", []);
        }

        var (data, _) = Encode(b.ToArray(), Input.Seekable);

        var watch = Stopwatch.StartNew();
        var e = ReadFails(data, Input.Seekable);

        Assert.Contains("tag order", e.Message, StringComparison.Ordinal);
        Assert.Equal((ushort)0x0029, e.Tag!.Value.Group);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Read_SomeElementsOutOfOrder_ReadsSortedWithWarnings()
    {
        var b = new DicomByteBuilder();
        for (int i = 1000; i > 0; i--)
        {
            b.Element(0x00290000u | (uint)i, "LO", []);
        }

        var (data, _) = Encode(b.ToArray(), Input.Seekable);

        var file = DicomFile.Read(new MemoryStream(data));

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => new DicomTag(0x0029, (ushort)i)), file.Dataset.Select(e => e.Tag));
        Assert.Contains(file.Warnings, w => w.Message.Contains("ascending tag order", StringComparison.Ordinal));
    }

    // ---- structure ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(Input.Seekable)]
    [InlineData(Input.NonSeekable)]
    [InlineData(Input.Deflated)]
    public void Read_ItemTagAtTopLevel_ThrowsNamingItemTag(Input input)
    {
        var b = new DicomByteBuilder().Text(0x00080060, "CS", "OT");
        long start = b.Position;
        b.Raw([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]).Text(0x00100010, "PN", "Doe");
        var (data, offsetBase) = Encode(b.ToArray(), input);

        var e = ReadFails(data, input);

        Assert.Equal(offsetBase + start, e.Offset);
        Assert.Equal(DicomTag.Item, e.Tag);
    }

    [Theory]
    [InlineData(Input.Seekable)]
    [InlineData(Input.NonSeekable)]
    public void Read_ItemTagInsideItem_ThrowsNamingItemTag(Input input)
    {
        var b = new DicomByteBuilder().BeginSequence(0x00400275, definedLength: false).BeginItem(definedLength: false).Text(0x00400007, "LO", "x");
        long start = b.Position;
        b.Raw([0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
        b.EndItem().EndSequence();
        var (data, offsetBase) = Encode(b.ToArray(), input);

        var e = ReadFails(data, input);

        Assert.Equal(offsetBase + start, e.Offset);
        Assert.Equal(DicomTag.Item, e.Tag);
    }

    [Fact]
    public void Read_SequenceDelimiterInsideItem_ThrowsNamingDelimiter()
    {
        var b = new DicomByteBuilder().BeginSequence(0x00400275, definedLength: false).BeginItem(definedLength: false);
        long start = b.Position;
        b.Raw([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        b.EndItem().EndSequence();
        var (data, offsetBase) = Encode(b.ToArray(), Input.Seekable);

        var e = ReadFails(data, Input.Seekable);

        Assert.Equal(offsetBase + start, e.Offset);
        Assert.Equal(DicomTag.SequenceDelimitationItem, e.Tag);
    }

    [Fact]
    public void Read_ElementWhereItemExpected_ThrowsNamingSequence()
    {
        var b = new DicomByteBuilder().BeginSequence(0x00400275, definedLength: false);
        long start = b.Position;
        b.Text(0x00400007, "LO", "x");
        b.EndSequence();
        var (data, offsetBase) = Encode(b.ToArray(), Input.Seekable);

        var e = ReadFails(data, Input.Seekable);

        Assert.Equal(offsetBase + start, e.Offset);
        Assert.Equal(Sequence, e.Tag);
    }

    [Fact]
    public void Read_DelimitersWithNonZeroLength_ReadWithWarnings()
    {
        var b = new DicomByteBuilder().BeginSequence(0x00400275, definedLength: false)
            .BeginItem(definedLength: false).Text(0x00400007, "LO", "x")
            .Raw([0xFE, 0xFF, 0x0D, 0xE0, 4, 0, 0, 0])
            .Raw([0xFE, 0xFF, 0xDD, 0xE0, 4, 0, 0, 0]);
        b.EndSequenceUnchecked();
        b.Text(0x00400009, "SH", "after");
        var (data, _) = Encode(b.ToArray(), Input.Seekable);

        var file = DicomFile.Read(new MemoryStream(data));

        Assert.Single(file.Dataset.GetSequence(Sequence).Items);
        Assert.Equal("after", file.Dataset.GetString(new DicomTag(0x0040, 0x0009)));
        Assert.Contains(file.Warnings, w => w.Tag == DicomTag.ItemDelimitationItem && w.Message.Contains("length 4", StringComparison.Ordinal));
        Assert.Contains(file.Warnings, w => w.Tag == Sequence && w.Message.Contains("length 4", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Input.Seekable)]
    [InlineData(Input.NonSeekable)]
    [InlineData(Input.Deflated)]
    public void Read_FragmentOfUndefinedLength_ThrowsAtFragmentItem(Input input)
    {
        var b = new DicomByteBuilder().Raw([0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        b.Raw([0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
        long start = b.Position;
        b.Raw([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        var (data, offsetBase) = Encode(b.ToArray(), input, ts: input == Input.Deflated ? null : SampleFiles.JpegBaseline);

        var e = ReadFails(data, input);

        Assert.Equal(offsetBase + start, e.Offset);
        Assert.Equal(DicomTag.PixelData, e.Tag);
    }

    [Fact]
    public void Read_ElementAmongFragments_ThrowsAtIt()
    {
        var b = new DicomByteBuilder().Raw([0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        b.Raw([0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
        long start = b.Position;
        b.Text(0x00100010, "PN", "Doe");
        var (data, offsetBase) = Encode(b.ToArray(), Input.Seekable, ts: SampleFiles.JpegBaseline);

        var e = ReadFails(data, Input.Seekable);

        Assert.Equal(offsetBase + start, e.Offset);
        Assert.Equal(DicomTag.PixelData, e.Tag);
    }

    [Fact]
    public void Read_MissingItemDelimiterAtEnd_ThrowsNamingSequence()
    {
        var b = new DicomByteBuilder().BeginSequence(0x00400275, definedLength: false).BeginItem(definedLength: false).Text(0x00400007, "LO", "x");
        long end = b.Position;
        var (data, offsetBase) = Encode(b.ToArrayUnchecked(), Input.Seekable);

        var e = ReadFails(data, Input.Seekable);

        Assert.Equal(offsetBase + end, e.Offset);
        Assert.Equal(Sequence, e.Tag);
    }

    // ---- garbage ------------------------------------------------------------------------------------------------

    [Fact]
    public void Read_RandomBytesAfterPrefix_ThrowTypedErrorsWithinInput()
    {
        for (int seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var garbage = new byte[random.Next(1, 4000)];
            random.NextBytes(garbage);
            var data = new DicomByteBuilder().Preamble().Raw(garbage).ToArray();

            var e = Assert.Throws<DicomReadException>(() => DicomFile.Read(new MemoryStream(data)));

            Assert.InRange(e.Offset, 132, data.Length);
            Assert.True(e.InnerException is null, $"seed {seed}: {e.InnerException}");
        }
    }

    [Fact]
    public void Read_RandomBytesWithoutPrefix_ThrowTypedErrorsWithinInput()
    {
        for (int seed = 0; seed < 300; seed++)
        {
            var random = new Random(1000 + seed);
            var data = new byte[random.Next(1, 4000)];
            random.NextBytes(data);

            var e = Assert.Throws<DicomReadException>(() => DicomFile.Read(new NonSeekableStream(data)));

            Assert.InRange(e.Offset, 0, data.Length);
            Assert.True(e.InnerException is null, $"seed {seed}: {e.InnerException}");
        }
    }

    [Fact]
    public void Read_NotDicomAtAll_ThrowsTypedError()
    {
        var data = Encoding.ASCII.GetBytes("%PDF-1.7 this is not a DICOM file at all\n");
        var e = Assert.Throws<DicomReadException>(() => DicomFile.Read(new MemoryStream(data)));
        Assert.InRange(e.Offset, 0, data.Length);
        Assert.Null(e.InnerException);
    }

    [Fact]
    public void Read_CorruptDeflateStream_ThrowsAtDeflatedDataStart()
    {
        var meta = SampleFiles.DeflatedMeta();
        var data = meta.Concat(Enumerable.Repeat((byte)0xFF, 64)).ToArray();

        var e = Assert.Throws<DicomReadException>(() => DicomFile.Read(new MemoryStream(data)));

        Assert.Equal(meta.Length, e.Offset);
        Assert.IsType<InvalidDataException>(e.InnerException);
    }

    // ---- JSON ---------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"00100010\": 5}")]
    [InlineData("{\"0010001\": {\"vr\": \"PN\"}}")]
    [InlineData("{\"zzzzzzzz\": {\"vr\": \"PN\"}}")]
    [InlineData("{\"00100010\": {\"vr\": \"XX\"}}")]
    [InlineData("{\"00100010\": {\"vr\": 5}}")]
    [InlineData("{\"00100010\": {}}")]
    [InlineData("{\"00100010\": {\"vr\": \"PN\", \"Value\": \"Doe\"}}")]
    [InlineData("{\"00100010\": {\"vr\": \"PN\", \"Value\": [5]}}")]
    [InlineData("{\"00100010\": {\"vr\": \"PN\", \"Value\": [{\"Alphabetic\": 5}]}}")]
    [InlineData("{\"00280010\": {\"vr\": \"US\", \"Value\": [\"abc\"]}}")]
    [InlineData("{\"00280010\": {\"vr\": \"US\", \"Value\": [1.5]}}")]
    [InlineData("{\"00280010\": {\"vr\": \"US\", \"Value\": [70000]}}")]
    [InlineData("{\"00280010\": {\"vr\": \"US\", \"Value\": [-1]}}")]
    [InlineData("{\"00280010\": {\"vr\": \"UV\", \"Value\": [-1]}}")]
    [InlineData("{\"00280010\": {\"vr\": \"SL\", \"Value\": [1e400]}}")]
    [InlineData("{\"00280010\": {\"vr\": \"FD\", \"Value\": [\"not a number\"]}}")]
    [InlineData("{\"00280010\": {\"vr\": \"FD\", \"Value\": [{}]}}")]
    [InlineData("{\"00209165\": {\"vr\": \"AT\", \"Value\": [\"zz\"]}}")]
    [InlineData("{\"00209165\": {\"vr\": \"AT\", \"Value\": [5]}}")]
    [InlineData("{\"7FE00010\": {\"vr\": \"OB\", \"InlineBinary\": \"not base64!\"}}")]
    [InlineData("{\"7FE00010\": {\"vr\": \"OB\", \"InlineBinary\": 5}}")]
    [InlineData("{\"7FE00010\": {\"vr\": \"OB\", \"BulkDataURI\": 5}}")]
    [InlineData("{\"7FE00010\": {\"vr\": \"OB\", \"BulkDataURI\": \"http://x/y\"}}")]
    [InlineData("{\"7FE00010\": {\"vr\": \"OB\", \"Value\": [1, 2]}}")]
    [InlineData("{\"7FE00010\": {\"vr\": \"OB\", \"InlineBinary\": \"AAAA\", \"Value\": []}}")]
    [InlineData("{\"00400275\": {\"vr\": \"SQ\", \"Value\": [5]}}")]
    [InlineData("{\"00400275\": {\"vr\": \"SQ\", \"Value\": [{\"zz\": 1}]}}")]
    [InlineData("{\"00080005\": {\"vr\": \"CS\", \"Value\": [\"ISO 2022 IR 87\"]}, \"00100010\": {\"vr\": \"PN\", \"Value\": [{\"Alphabetic\": \"\u00e9\u00e8\ud55c\"}]}}")]
    [InlineData("{\"00100010\": {\"vr\": \"PN\", \"Value\": [\"a\"]}} trailing")]
    public void JsonRead_Malformed_ThrowsDicomJsonException(string json)
    {
        var e = Record.Exception(() => DicomJsonReader.Read(json));
        Assert.True(e is null or DicomJsonException, $"{e?.GetType().Name}: {e?.Message}");
        var fromStream = Record.Exception(() => DicomJsonReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json))));
        Assert.True(fromStream is null or DicomJsonException, $"{fromStream?.GetType().Name}: {fromStream?.Message}");
        Assert.True(e is not null || json.Contains("2022", StringComparison.Ordinal), "malformed JSON was accepted");
    }

    [Fact]
    public void JsonRead_DeepNesting_ThrowsDicomJsonException()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"00400275\": {\"vr\": \"SQ\", \"Value\": [", 10_000)) +
                   string.Concat(Enumerable.Repeat("]}}", 10_000));
        Assert.Throws<DicomJsonException>(() => DicomJsonReader.Read(deep));
        Assert.Throws<DicomJsonException>(() => DicomJsonReader.Read(new string('[', 100_000)));
    }

    [Fact]
    public void JsonRead_InvalidUtf8_ThrowsDicomJsonException()
    {
        var bytes = new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}' };
        Assert.Throws<DicomJsonException>(() => DicomJsonReader.Read(new MemoryStream(bytes)));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static void CheckCut(SampleFiles.Sample sample, int cut, Func<DicomFile> read, bool lengthKnown, string how, List<string> problems)
    {
        DicomFile? file = null;
        Exception? error = null;
        try
        {
            file = read();
        }
        catch (Exception e)
        {
            error = e;
        }

        if (cut > 0 && cut < 132)
        {
            // Inside the preamble: zeros that may read as a bare dataset, or an error; never anything else.
            if (error is not null && (error is not DicomReadException r || r.InnerException is not null || r.Offset > cut))
            {
                problems.Add($"{how} cut {cut}: {error.GetType().Name}: {error.Message}");
            }

            return;
        }

        var expected = cut switch
        {
            0 => (0L, (DicomTag?)null),
            132 => (132L, (DicomTag?)null),
            _ => DicomByteBuilder.ExpectedFailure(sample.Layout, cut, lengthKnown),
        };
        Judge(cut, how, expected, DicomByteBuilder.TopLevelTagsBefore(sample.Layout, cut).ToList(), file, error, problems);
    }

    private static void Judge(int cut, string how, (long Offset, DicomTag? Tag)? expected, List<DicomTag> prefix, DicomFile? file, Exception? error, List<string> problems, bool datasetOnly = false)
    {
        if (expected is null)
        {
            if (error is not null)
            {
                problems.Add($"{how} cut {cut}: expected a read of {prefix.Count} elements, got {error.GetType().Name}: {error.Message}");
                return;
            }

            var tags = (datasetOnly ? file!.Dataset : file!.FileMetaInformation.Concat(file.Dataset)).Select(e => e.Tag).ToList();
            if (!tags.SequenceEqual(prefix))
            {
                problems.Add($"{how} cut {cut}: read [{string.Join(' ', tags)}], expected [{string.Join(' ', prefix)}]");
            }

            return;
        }

        if (error is not DicomReadException e)
        {
            problems.Add($"{how} cut {cut}: expected DicomReadException at {expected.Value.Offset} {expected.Value.Tag}, got " +
                         (error is null ? $"a read of {file!.Dataset.Count()} elements" : $"{error.GetType().Name}: {error.Message}"));
            return;
        }

        if (e.Offset != expected.Value.Offset || e.Tag != expected.Value.Tag || e.InnerException is not null and not DicomReadException)
        {
            problems.Add($"{how} cut {cut}: expected offset {expected.Value.Offset} {expected.Value.Tag?.ToString() ?? "no tag"}, got {e.Message}");
        }
    }

    private static (byte[] Data, long OffsetBase) Encode(byte[] dataset, Input input, string? ts = null)
    {
        if (input == Input.Deflated)
        {
            var meta = new DicomByteBuilder().Preamble().Meta(SampleFiles.Deflated).ToArray();
            return ([.. meta, .. DicomByteBuilder.Deflate(dataset)], 0);
        }

        var head = new DicomByteBuilder().Preamble().Meta(ts ?? SampleFiles.ExplicitLittle).ToArray();
        return ([.. head, .. dataset], head.Length);
    }

    private static Stream Open(byte[] data, Input input) =>
        input == Input.NonSeekable ? new NonSeekableStream(data) : new MemoryStream(data, writable: false);

    private static DicomReadException ReadFails(byte[] data, Input input)
    {
        var e = Assert.Throws<DicomReadException>(() => DicomFile.Read(Open(data, input)));
        Assert.True(e.InnerException is null or DicomReadException, $"internal error: {e.InnerException}");
        return e;
    }

    /// <summary>The failure and the bytes this thread allocated while reading (GC.GetAllocatedBytesForCurrentThread delta).</summary>
    private static (DicomReadException Error, long Allocated) MeasureFailure(byte[] data, Input input)
    {
        // One untimed read first: one-time initialisation (the data dictionary, loaded lazily on the first implicit VR
        // lookup, about 3.5 MB) is not what this measures, and whether another test ran first must not matter.
        try
        {
            DicomFile.Read(Open(data, input));
        }
        catch (DicomReadException)
        {
        }

        var stream = Open(data, input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        DicomReadException? error = null;
        try
        {
            DicomFile.Read(stream);
        }
        catch (DicomReadException e)
        {
            error = e;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.NotNull(error);
        return (error, allocated);
    }

    private static DicomTag NestedTag(string vr) => vr == "UN" ? new DicomTag(0x0011, 0x1001) : Sequence;

    /// <summary>Sequences nested <paramref name="depth"/> deep, each in the only item of the one above; the offsets where each sequence's content starts.</summary>
    private static (byte[] Bytes, List<long> ContentStarts) Nested(int depth, bool definedLengths, string vr)
    {
        var b = new DicomByteBuilder();
        var starts = new List<long>(depth);
        uint tag = NestedTag(vr).Value;
        for (int i = 0; i < depth; i++)
        {
            b.BeginSequence(tag, definedLengths && vr == "SQ", vr);
            starts.Add(b.Position);
            b.BeginItem(definedLengths);
        }

        for (int i = 0; i < depth; i++)
        {
            b.EndItem().EndSequence();
        }

        return (b.ToArray(), starts);
    }
}
