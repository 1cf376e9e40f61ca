using System.Runtime.InteropServices;
using PlaoImaging.Dicom.Tests.Support;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Tests.IO;

/// <summary>
/// Files read with a <see cref="DicomValuePool"/> (<see cref="DicomReadOptions.ValuePool"/>): the same values as
/// without one, arrays given back on <see cref="DicomFile.Dispose"/> and reused by the next file, values of a disposed
/// file refused, no byte of one file visible through another's, nothing kept beyond the pool's limit, and arrays
/// given back when a read fails.
/// </summary>
[Trait("Category", "unit")]
public sealed class ValuePoolTests : IDisposable
{
    private static readonly DicomReadOptions InMemory = new() { LargeValueThreshold = 0 };

    private readonly string directory = Path.Combine(Path.GetTempPath(), "plao-value-pool-" + Guid.NewGuid().ToString("N"));

    public ValuePoolTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Open_CorpusWithOnePool_SameDatasetsAsWithoutPool()
    {
        // Every corpus file read in turn with one pool, each disposed before the next, so later files read into arrays
        // that earlier ones (of other sizes, syntaxes, byte orders) filled: each must equal the file read without a pool.
        string corpus = Peers.RequireCorpus();
        var pool = new DicomValuePool();
        var options = InMemory with { ValuePool = pool };
        var comparer = new DicomDatasetComparer { IgnoreGroupLengths = false };
        int compared = 0;
        int pooledFiles = 0;
        foreach (var path in Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            DicomFile plain;
            try
            {
                plain = DicomFile.Open(path, InMemory);
            }
            catch (DicomException)
            {
                continue;
            }

            long retainedBefore = pool.RetainedBytes;
            using (var pooled = DicomFile.Open(path, options))
            {
                Assert.True(comparer.FindFirstDifference(plain.FileMetaInformation, pooled.FileMetaInformation) is null, path);
                Assert.True(comparer.FindFirstDifference(plain.Dataset, pooled.Dataset) is null,
                    $"{path}: {comparer.FindFirstDifference(plain.Dataset, pooled.Dataset)}");
                Assert.Equal(plain.TransferSyntax, pooled.TransferSyntax);
                Assert.Equal(plain.Warnings.Count, pooled.Warnings.Count);
                if (pool.RetainedBytes < retainedBefore || HasPooledValue(pooled.Dataset))
                {
                    pooledFiles++;
                }
            }

            compared++;
        }

        Assert.True(compared > 200, $"only {compared} corpus files were read");
        Assert.True(pooledFiles > 50, $"only {pooledFiles} corpus files used the pool");
    }

    [Fact]
    public void Dispose_PooledValueUsedAfterwards_ThrowsObjectDisposed()
    {
        var (path, pixels) = WriteImage("a.dcm", 300, 400, seed: 1);
        var pool = new DicomValuePool();
        var file = DicomFile.Open(path, InMemory with { ValuePool = pool });
        var buffer = PixelBuffer(file);
        Assert.Equal(pixels, buffer.GetMemory().ToArray());
        var patientName = file.Dataset.GetString(DicomTags.PatientName);

        file.Dispose();
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => buffer.GetMemory());
        Assert.Throws<ObjectDisposedException>(() => buffer.Read(0, new byte[4]));
        Assert.Throws<ObjectDisposedException>(() => buffer.CopyTo(new MemoryStream()));
        Assert.Equal(patientName, file.Dataset.GetString(DicomTags.PatientName));
        Assert.True(pool.RetainedBytes >= pixels.Length);
    }

    [Fact]
    public void Open_AfterDispose_ReusesArrayAndShowsNoByteOfEarlierFile()
    {
        var (first, _) = WriteImage("first.dcm", 512, 512, seed: 2);
        var (second, secondPixels) = WriteImage("second.dcm", 500, 500, seed: 3);
        var pool = new DicomValuePool();
        var options = InMemory with { ValuePool = pool };

        byte[] firstArray;
        using (var file = DicomFile.Open(first, options))
        {
            Assert.True(MemoryMarshal.TryGetArray(PixelBuffer(file).GetMemory(), out var segment));
            firstArray = segment.Array!;
        }

        using var next = DicomFile.Open(second, options);
        var memory = PixelBuffer(next).GetMemory();
        Assert.Equal(secondPixels, memory.ToArray());
        Assert.True(MemoryMarshal.TryGetArray(memory, out var reused));
        Assert.Same(firstArray, reused.Array);
        Assert.Equal(0, reused.Offset);
        Assert.True(reused.Array!.AsSpan(secondPixels.Length).IndexOfAnyExcept((byte)0) < 0,
            "the array behind the value holds bytes of the earlier file beyond the value");
    }

    [Fact]
    public void Open_FileDisposedOnlyByCollector_StillReadsCorrectly()
    {
        // A file that is never disposed keeps its arrays; the next file gets others.
        var (path, pixels) = WriteImage("kept.dcm", 256, 256, seed: 4);
        var options = InMemory with { ValuePool = new DicomValuePool() };
        var kept = DicomFile.Open(path, options);
        var again = DicomFile.Open(path, options);

        Assert.Equal(pixels, PixelBuffer(kept).GetMemory().ToArray());
        Assert.Equal(pixels, PixelBuffer(again).GetMemory().ToArray());
        Assert.True(MemoryMarshal.TryGetArray(PixelBuffer(kept).GetMemory(), out var a));
        Assert.True(MemoryMarshal.TryGetArray(PixelBuffer(again).GetMemory(), out var b));
        Assert.NotSame(a.Array, b.Array);
    }

    [Fact]
    public void Dispose_BeyondMaxRetainedBytes_KeepsNoMore()
    {
        var (path, pixels) = WriteImage("big.dcm", 400, 400, seed: 5);
        var pool = new DicomValuePool(maxRetainedBytes: pixels.Length * 2L);
        var options = InMemory with { ValuePool = pool };
        var files = Enumerable.Range(0, 4).Select(_ => DicomFile.Open(path, options)).ToList();
        foreach (var file in files)
        {
            file.Dispose();
        }

        Assert.InRange(pool.RetainedBytes, pixels.Length, pixels.Length * 2L);
        pool.Clear();
        Assert.Equal(0, pool.RetainedBytes);
    }

    [Fact]
    public void Open_FailsAfterPooledValue_GivesArraysBack()
    {
        // After the pixel data, an element whose length runs past the end of the file: the read fails once the
        // pixel data has its pooled array.
        var (path, _) = WriteImage("whole.dcm", 300, 300, seed: 6);
        string broken = Path.Combine(directory, "broken.dcm");
        File.WriteAllBytes(broken, [.. File.ReadAllBytes(path), 0xE1, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0x00, 0x00, 0x10, 0x00]);
        var pool = new DicomValuePool();

        Assert.Throws<DicomReadException>(() => DicomFile.Open(broken, InMemory with { ValuePool = pool }));

        Assert.True(pool.RetainedBytes >= 300 * 300 * 2, $"{pool.RetainedBytes} bytes retained");
    }

    [Fact]
    public void Read_StreamOfUnknownLengthOrWithoutPool_ValuesAreOrdinaryAndDisposeDoesNothing()
    {
        var (path, pixels) = WriteImage("stream.dcm", 300, 300, seed: 7);
        var pool = new DicomValuePool();
        var file = DicomFile.Read(new NonSeekableStream(File.ReadAllBytes(path)), InMemory with { ValuePool = pool });
        file.Dispose();
        Assert.Equal(pixels, PixelBuffer(file).GetMemory().ToArray());
        Assert.Equal(0, pool.RetainedBytes);

        var plain = DicomFile.Open(path, InMemory);
        plain.Dispose();
        Assert.Equal(pixels, PixelBuffer(plain).GetMemory().ToArray());
    }

    [Fact]
    public void Open_BigEndianWithPool_ValuesSwappedAsWithoutPool()
    {
        string corpus = Peers.RequireCorpus();
        string path = Path.Combine(corpus, "pydicom-data", "data_store", "data", "OBXXXX1A_expb.dcm");
        Assert.True(File.Exists(path), $"{path} is missing from the corpus");
        var pool = new DicomValuePool();
        var options = InMemory with { ValuePool = pool };
        // Twice, so that the second read swaps inside an array the first one used.
        for (int i = 0; i < 2; i++)
        {
            using var pooled = DicomFile.Open(path, options);
            var plain = DicomFile.Open(path, InMemory);
            Assert.Equal(PixelBuffer(plain).GetMemory().ToArray(), PixelBuffer(pooled).GetMemory().ToArray());
        }
    }

    private static bool HasPooledValue(DicomDataset dataset) =>
        dataset.Any(e => e switch
        {
            DicomValueElement v => v.Length >= DicomValuePool.MinimumLength,
            DicomFragmentSequence f => f.Fragments.Any(b => b.Length >= DicomValuePool.MinimumLength),
            DicomSequence s => s.Items.Any(HasPooledValue),
            _ => false,
        });

    private static DicomBuffer PixelBuffer(DicomFile file) =>
        ((DicomValueElement)file.Dataset[DicomTag.PixelData]).Buffer;

    private (string Path, byte[] Pixels) WriteImage(string name, int rows, int columns, int seed)
    {
        var pixels = new byte[rows * columns * 2];
        new Random(seed).NextBytes(pixels);
        var dataset = new DicomDataset()
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7")
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, "1.2.3." + seed)
            .AddString(DicomTags.PatientName, DicomVR.PN, "Pool^Test" + seed)
            .AddValues(DicomTags.Rows, DicomVR.US, (ushort)rows)
            .AddValues(DicomTags.Columns, DicomVR.US, (ushort)columns)
            .AddValues(DicomTags.BitsAllocated, DicomVR.US, (ushort)16)
            .AddBytes(DicomTag.PixelData, DicomVR.OW, pixels);
        string path = Path.Combine(directory, name);
        new DicomFile(dataset).Save(path);
        return (path, pixels);
    }
}
