using System.Collections.Concurrent;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Codecs.Native.Tests;

/// <summary>One way a peer tool encodes a source file: the tool and its arguments (input and output are appended).</summary>
public sealed record PeerEncoding(string Id, string Tool, string[] Arguments);

/// <summary>
/// The sources the peer tests start from (native files written at test time by <c>make_codec_sources.py</c> with
/// /usr/bin/python3, pydicom and numpy), their encodings by DCMTK and GDCM, and reference decodings by DCMTK
/// (<c>dcmdjpls</c>, its own CharLS fork), GDCM (<c>gdcmconv --raw</c>, system CharLS/OpenJPEG) and OpenJPEG's
/// <c>opj_decompress</c>. Everything is made once per run, on first use, under <c>artifacts/scratch/native-codecs-*</c>.
/// </summary>
public static class CodecPeers
{
    /// <summary>8/12/16-bit, signed, RGB (by pixel and by plane), 16-bit RGB, multi-frame.</summary>
    public static readonly string[] Sources = ["mono8", "signed8", "mono12", "mono16", "signed12", "signed16", "rgb8", "rgb8planar", "rgb16", "multiframe12", "multiframergb"];

    public static readonly PeerEncoding[] JpegLsEncodings =
    [
        new("dcmcjpls", "dcmcjpls", []),
        new("dcmcjpls-sample", "dcmcjpls", ["+is"]),
        new("dcmcjpls-none", "dcmcjpls", ["+in"]),
        new("dcmcjpls-near3", "dcmcjpls", ["+en", "+md", "3"]),
        new("dcmcjpls-near2-none", "dcmcjpls", ["+en", "+in"]),
        new("gdcm-jpegls", "gdcmconv", ["--jpegls"]),
        new("gdcm-jpegls-near3", "gdcmconv", ["--jpegls", "--lossy", "-e", "3"]),
    ];

    public static readonly PeerEncoding[] Jpeg2000Encodings =
    [
        new("gdcm-j2k", "gdcmconv", ["--j2k"]),
        new("gdcm-j2k-lossy", "gdcmconv", ["--j2k", "--lossy", "-q", "30"]),
        new("gdcm-j2k-irreversible", "gdcmconv", ["--j2k", "--lossy", "--irreversible", "-r", "8"]),
    ];

    private static readonly Lazy<string> Scratch = new(() => Peers.ScratchDirectory("native-codecs"), LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<string> SourceDirectory = new(MakeSources, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly ConcurrentDictionary<string, Lazy<string>> Made = new(StringComparer.Ordinal);

    /// <summary>The registry under test: this library's managed codecs plus the native ones.</summary>
    public static DicomCodecRegistry Registry { get; } = DicomCodecRegistry.CreateDefault().AddNativeCodecs(new NativeCodecOptions { AllowHtj2kDecoding = true });

    public static string ScratchDirectory => Scratch.Value;

    /// <summary>Whether a peer encoding applies to a source (DCMTK refuses signed near-lossless; GDCM 3.0 cannot make lossless J2K of 16-bit RGB).</summary>
    public static bool Applies(string source, string encoding) => (source, encoding) switch
    {
        ("signed8" or "signed12" or "signed16", "dcmcjpls-near3" or "dcmcjpls-near2-none") => false,
        ("rgb16", "gdcm-j2k") => false,
        _ => true,
    };

    public static TheoryData<string, string> Cases(PeerEncoding[] encodings)
    {
        var data = new TheoryData<string, string>();
        foreach (var source in Sources)
        {
            foreach (var encoding in encodings)
            {
                if (Applies(source, encoding.Id))
                {
                    data.Add(source, encoding.Id);
                }
            }
        }

        return data;
    }

    public static string Source(string name) => Path.Combine(SourceDirectory.Value, name + ".dcm");

    /// <summary>The source encoded by a peer.</summary>
    public static string Encode(string source, PeerEncoding encoding) =>
        Once($"{source}.{encoding.Id}.dcm", path => Peers.RunOk(encoding.Tool, [.. encoding.Arguments, Source(source), path]));

    /// <summary>A peer's decoding of an encapsulated file to a native one: "dcmdjpls" or "gdcmconv".</summary>
    public static string Decode(string encodedPath, string tool) =>
        Once($"{Path.GetFileNameWithoutExtension(encodedPath)}.{tool}.dcm", path => Peers.RunOk(tool, tool == "gdcmconv" ? ["--raw", encodedPath, path] : [encodedPath, path]));

    /// <summary>
    /// Compares a decoded frame with <c>opj_decompress</c> run on the frame's codestream. Its raw output is component by
    /// component, little-endian, 1 or 2 bytes per sample, masked to the codestream's precision (a signed 14-bit sample
    /// loses its sign extension), so the comparison is of the bits the codestream holds.
    /// </summary>
    public static void AssertSameAsOpjDecompress(byte[] codestream, DicomImageInfo info, byte[] decoded, string name)
    {
        var expected = OpenJpegReference(codestream, info, name);
        int precision = J2kCodestream.Parse(codestream, 0).Precision.Max();
        CodecPeers.AssertSameBytes(MaskSamples(expected, info, precision), MaskSamples(decoded, info, precision), $"{name} vs opj_decompress");
    }

    /// <summary>Each sample with only its low <paramref name="bits"/> bits kept.</summary>
    public static byte[] MaskSamples(byte[] frame, DicomImageInfo info, int bits)
    {
        int bytes = info.BitsAllocated / 8;
        if (bits >= info.BitsAllocated || bytes == 0)
        {
            return frame;
        }

        var masked = (byte[])frame.Clone();
        int mask = (1 << bits) - 1;
        for (int i = 0; i + bytes <= masked.Length; i += bytes)
        {
            int v = (bytes == 1 ? masked[i] : masked[i] | (masked[i + 1] << 8)) & mask;
            masked[i] = (byte)v;
            if (bytes == 2)
            {
                masked[i + 1] = (byte)(v >> 8);
            }
        }

        return masked;
    }

    /// <summary>A frame decoded by <c>opj_decompress</c> from the frame's codestream, rearranged to a DICOM native frame.</summary>
    public static byte[] OpenJpegReference(byte[] codestream, DicomImageInfo info, string name)
    {
        string input = Path.Combine(ScratchDirectory, name + ".j2k");
        string output = Path.Combine(ScratchDirectory, name + ".rawl");
        File.WriteAllBytes(input, codestream);
        Peers.RunOk("opj_decompress", "-quiet", "-i", input, "-o", output);
        var raw = File.ReadAllBytes(output);
        int pixels = info.PixelCount;
        int components = info.SamplesPerPixel;
        int bytes = info.BitsAllocated / 8;
        Assert.True(raw.Length == (long)pixels * components * bytes, $"opj_decompress wrote {raw.Length} bytes for {name}; {pixels * components * bytes} expected (1 or 2 bytes per sample as Bits Allocated)");
        var frame = new byte[raw.Length];
        for (int c = 0; c < components; c++)
        {
            for (int p = 0; p < pixels; p++)
            {
                Array.Copy(raw, ((c * pixels) + p) * bytes, frame, ((p * components) + c) * bytes, bytes);
            }
        }

        return frame;
    }

    /// <summary>Decodes every frame of <paramref name="encodedPath"/> with the registry under test.</summary>
    public static (DicomPixelData Pixels, DicomDecodedFrame[] Frames) DecodeAll(string encodedPath)
    {
        var pixels = DicomPixelData.Create(DicomFile.Open(encodedPath));
        var frames = new DicomDecodedFrame[pixels.FrameCount];
        for (int f = 0; f < frames.Length; f++)
        {
            frames[f] = pixels.DecodeFrame(f, Registry);
        }

        return (pixels, frames);
    }

    /// <summary>Native frames of a reference file, colour-by-pixel (rearranged when the file is colour-by-plane).</summary>
    public static (DicomImageInfo Info, byte[][] Frames) NativeFrames(string path)
    {
        var pixels = DicomPixelData.Create(DicomFile.Open(path));
        Assert.False(pixels.IsEncapsulated, $"{Path.GetFileName(path)} is not native");
        var frames = new byte[pixels.FrameCount][];
        for (int f = 0; f < frames.Length; f++)
        {
            frames[f] = ByPixel(pixels.GetNativeFrame(f), pixels.Info);
        }

        return (pixels.Info, frames);
    }

    public static byte[] ByPixel(byte[] frame, DicomImageInfo info)
    {
        if (info.SamplesPerPixel == 1 || info.PlanarConfiguration == 0)
        {
            return frame;
        }

        int pixels = info.PixelCount;
        int components = info.SamplesPerPixel;
        int bytes = info.BitsAllocated / 8;
        var result = new byte[frame.Length];
        for (int c = 0; c < components; c++)
        {
            for (int p = 0; p < pixels; p++)
            {
                Array.Copy(frame, ((c * pixels) + p) * bytes, result, ((p * components) + c) * bytes, bytes);
            }
        }

        return result;
    }

    /// <summary>Bit-for-bit equality with a message that says where and how much differs.</summary>
    public static void AssertSameBytes(byte[] expected, byte[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} bytes decoded; the reference has {expected.Length}");
        int first = -1;
        int count = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                count++;
                if (first < 0)
                {
                    first = i;
                }
            }
        }

        Assert.True(count == 0, $"{what}: {count} of {expected.Length} bytes differ; first at byte {first} (reference {(first >= 0 ? expected[first] : 0)}, decoded {(first >= 0 ? actual[first] : 0)})");
    }

    /// <summary>Largest difference between two frames' sample values (for near-lossless bounds); with <paramref name="asUnsigned"/>, of the whole cells taken as unsigned.</summary>
    public static int MaxSampleDifference(byte[] a, byte[] b, DicomImageInfo info, bool asUnsigned = false)
    {
        int bytes = info.BitsAllocated / 8;
        int max = 0;
        for (int i = 0; i + bytes <= a.Length; i += bytes)
        {
            int x = bytes == 1 ? a[i] : a[i] | (a[i + 1] << 8);
            int y = bytes == 1 ? b[i] : b[i] | (b[i + 1] << 8);
            if (!asUnsigned && info.IsSigned)
            {
                x = bytes == 1 ? (sbyte)x : (short)x;
                y = bytes == 1 ? (sbyte)y : (short)y;
            }

            max = Math.Max(max, Math.Abs(x - y));
        }

        return max;
    }

    private static string MakeSources()
    {
        var script = Path.Combine(Peers.RepositoryRoot, "tests", "PlaoImaging.Dicom.Codecs.Native.Tests", "make_codec_sources.py");
        var directory = Path.Combine(ScratchDirectory, "sources");
        Directory.CreateDirectory(directory);
        // The interpreter python3-pydicom is installed for, not a pyenv shim that may come first on PATH.
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            Peers.Require("python3 (python3-pydicom, at /usr/bin/python3)");
        }

        var (code, _, stderr) = Peers.Run(python, [script, directory]);
        Assert.True(code == 0, $"make_codec_sources.py exited {code} (it needs pydicom and numpy: python3-pydicom, python3-numpy): {stderr}");
        return directory;
    }

    private static string Once(string name, Action<string> make) =>
        Made.GetOrAdd(name, n => new Lazy<string>(() =>
        {
            var path = Path.Combine(ScratchDirectory, n);
            make(path);
            return path;
        }, LazyThreadSafetyMode.ExecutionAndPublication)).Value;
}
