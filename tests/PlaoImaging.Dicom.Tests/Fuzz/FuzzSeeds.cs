using System.IO.Compression;
using PlaoImaging.Dicom;
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

        if (includeCorpus)
        {
            seeds.AddRange(CorpusSeeds());
        }

        return seeds;
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
