using System.IO.Compression;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Tests.Support;
using PlaoImaging.Tests.Shared;

namespace PlaoImaging.Dicom.Tests.Fuzz;

/// <summary>The seeds of the mutation fuzzer: the hand-built samples, re-encodings of them by our writer, and small pydicom test files when the shared corpus is present.</summary>
public static class FuzzSeeds
{
    /// <summary>Corpus files up to this size are used as seeds (inputs stay a few KB).</summary>
    public const int MaxCorpusFileSize = 12 * 1024;

    public static IReadOnlyList<FuzzSeed> Load(bool includeCorpus = true)
    {
        var seeds = new List<FuzzSeed>();
        foreach (var sample in SampleFiles.All())
        {
            seeds.Add(new FuzzSeed(sample.Name, sample.Bytes));
        }

        // The deflated dataset mutated before it is deflated, so that mutations reach the inflated parser.
        var meta = SampleFiles.DeflatedMeta();
        seeds.Add(new FuzzSeed("deflated-inflated", SampleFiles.DeflatedBody().Bytes, body => [.. meta, .. Deflate(body)]));

        // A bare dataset (no preamble, no meta group): the syntax is detected from the first element.
        seeds.Add(new FuzzSeed("bare-explicit", SampleFiles.DeflatedBody().Bytes));

        var explicitFile = DicomFile.Read(new MemoryStream(SampleFiles.Explicit().Bytes));
        foreach (var (name, options) in new (string, DicomWriteOptions)[]
        {
            ("written-undefined-lengths", new DicomWriteOptions { ExplicitSequenceLengths = false }),
            ("written-big-endian", new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.ExplicitVRBigEndian }),
            ("written-implicit", new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.ImplicitVRLittleEndian }),
        })
        {
            try
            {
                using var output = new MemoryStream();
                explicitFile.Write(output, options with { ValidateValues = false });
                seeds.Add(new FuzzSeed(name, output.ToArray()));
            }
            catch (DicomException)
            {
                // A syntax the writer refuses for this dataset: no seed from it.
            }
        }

        seeds.AddRange(PixelSeeds());
        if (includeCorpus)
        {
            seeds.AddRange(CorpusSeeds());
        }

        return seeds;
    }

    /// <summary>
    /// Encapsulated pixel data for the managed decoders, written by our writer: RLE (8-bit monochrome, two frames with a
    /// Basic Offset Table; 16-bit RGB colour-by-plane, one frame) and JPEG Lossless (SV1 12-bit monochrome, two frames,
    /// one fragment each; process 14 selection value 7, 8-bit RGB with an Extended Offset Table).
    /// </summary>
    public static IEnumerable<FuzzSeed> PixelSeeds()
    {
        yield return PixelSeed("rle-8bit-2frames-bot", DicomTransferSyntax.RleLossless, new RleCodec(), Info(6, 7, 8, 1, 0, 2), OffsetTable.Basic);
        yield return PixelSeed("rle-16bit-rgb", DicomTransferSyntax.RleLossless, new RleCodec(), Info(5, 4, 16, 3, 1, 1), OffsetTable.None);
        yield return PixelSeed("jpeg-sv1-12bit-2frames", DicomTransferSyntax.JpegLosslessSV1, new JpegLosslessSV1Codec(), Info(6, 5, 16, 1, 0, 2, bitsStored: 12), OffsetTable.None);
        yield return PixelSeed("jpeg-p14-rgb-eot", DicomTransferSyntax.JpegLossless, new JpegLosslessCodec(7), Info(4, 6, 8, 3, 0, 2), OffsetTable.Extended);
    }

    private enum OffsetTable
    {
        None,
        Basic,
        Extended,
    }

    private static DicomImageInfo Info(int rows, int columns, int bitsAllocated, int samples, int planar, int frames, int? bitsStored = null) => new()
    {
        Rows = rows,
        Columns = columns,
        SamplesPerPixel = samples,
        BitsAllocated = bitsAllocated,
        BitsStored = bitsStored ?? bitsAllocated,
        HighBit = (bitsStored ?? bitsAllocated) - 1,
        IsSigned = false,
        PlanarConfiguration = planar,
        PhotometricInterpretation = samples == 3 ? "RGB" : "MONOCHROME2",
        NumberOfFrames = frames,
    };

    private static FuzzSeed PixelSeed(string name, DicomTransferSyntax syntax, IDicomCodec codec, DicomImageInfo info, OffsetTable table)
    {
        // A gradient with some noise, so that both replicate and literal runs (and varied Huffman codes) appear.
        var random = new Random(name.Length);
        var fragments = new List<byte[]>();
        int bytesPerSample = info.BitsAllocated / 8;
        int mask = (1 << info.BitsStored) - 1;
        for (int f = 0; f < info.NumberOfFrames; f++)
        {
            var native = new byte[info.FrameBytes];
            for (int i = 0; i < native.Length / bytesPerSample; i++)
            {
                int value = ((i / 3 * 7) + (f * 40) + (random.Next(4) == 0 ? random.Next(50) : 0)) & mask;
                native[i * bytesPerSample] = (byte)value;
                if (bytesPerSample == 2)
                {
                    native[(i * 2) + 1] = (byte)(value >> 8);
                }
            }

            var encoded = codec.Encode(native, info, f);
            fragments.Add(encoded.Length % 2 == 0 ? encoded : [.. encoded, 0]);
        }

        var offsets = new List<ulong>();
        ulong position = 0;
        foreach (var fragment in fragments)
        {
            offsets.Add(position);
            position += 8 + (ulong)fragment.Length;
        }

        var ds = new DicomDataset();
        ds.AddString(new DicomTag(0x0008, 0x0016), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7");
        ds.AddString(new DicomTag(0x0008, 0x0018), DicomVR.UI, "1.2.3.4.5.6.7.8." + name.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ds.AddValues(new DicomTag(0x0028, 0x0002), DicomVR.US, (ushort)info.SamplesPerPixel);
        ds.AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, info.PhotometricInterpretation);
        if (info.SamplesPerPixel > 1)
        {
            ds.AddValues(new DicomTag(0x0028, 0x0006), DicomVR.US, (ushort)info.PlanarConfiguration);
        }

        ds.AddString(new DicomTag(0x0028, 0x0008), DicomVR.IS, info.NumberOfFrames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ds.AddValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)info.Rows);
        ds.AddValues(new DicomTag(0x0028, 0x0011), DicomVR.US, (ushort)info.Columns);
        ds.AddValues(new DicomTag(0x0028, 0x0100), DicomVR.US, (ushort)info.BitsAllocated);
        ds.AddValues(new DicomTag(0x0028, 0x0101), DicomVR.US, (ushort)info.BitsStored);
        ds.AddValues(new DicomTag(0x0028, 0x0102), DicomVR.US, (ushort)info.HighBit);
        ds.AddValues(new DicomTag(0x0028, 0x0103), DicomVR.US, (ushort)0);
        if (table == OffsetTable.Extended)
        {
            ds.AddValues(new DicomTag(0x7FE0, 0x0001), DicomVR.OV, [.. offsets]);
            ds.AddValues(new DicomTag(0x7FE0, 0x0002), DicomVR.OV, [.. fragments.Select(f => (ulong)f.Length)]);
        }

        var bot = table == OffsetTable.Basic ? offsets.SelectMany(o => BitConverter.GetBytes((uint)o)).ToArray() : [];
        ds.AddOrUpdate(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.FromMemory(bot), fragments.Select(f => DicomBuffer.FromMemory(f))));
        using var output = new MemoryStream();
        new DicomFile(ds, syntax).Write(output, new DicomWriteOptions { ValidateValues = false });
        var bytes = output.ToArray();
        var imageValues = new List<int>();
        foreach (ushort element in (ushort[])[0x0002, 0x0010, 0x0011, 0x0100])
        {
            // Explicit VR little endian: group, element, "US", 16-bit length 2, then the value.
            byte[] header = [0x28, 0x00, (byte)element, (byte)(element >> 8), (byte)'U', (byte)'S', 2, 0];
            int at = bytes.AsSpan().IndexOf(header);
            if (at >= 0)
            {
                imageValues.Add(at + header.Length);
            }
        }

        return new FuzzSeed(name, bytes, imageValues: [.. imageValues]);
    }

    /// <summary>Small files of pydicom's test set from the shared corpus; none when the corpus is absent.</summary>
    public static IEnumerable<FuzzSeed> CorpusSeeds()
    {
        string dir;
        try
        {
            dir = Path.Combine(Peers.RepositoryRoot, "..", "shared", "dicom-corpus", "pydicom", "src", "pydicom", "data", "test_files");
        }
        catch (InvalidOperationException)
        {
            yield break;
        }

        if (!Directory.Exists(dir))
        {
            yield break;
        }

        foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            if (info.Length is > 0 and <= MaxCorpusFileSize && (info.Extension is ".dcm" or ""))
            {
                yield return new FuzzSeed("pydicom/" + info.Name, File.ReadAllBytes(file));
            }
        }
    }

    private static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(data);
        }

        return output.ToArray();
    }
}
