using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Pixel;

/// <summary>
/// The native sources of the pixel interop tests (written once per run by <c>make_pixel_files.py</c> with
/// /usr/bin/python3, pydicom and numpy), the real <c>plao</c> binary, and DCMTK's view of a file's Pixel Data
/// (<c>dcmdump +W</c> writes the value to a .raw file exactly as DCMTK holds it).
/// </summary>
internal static class PixelPeers
{
    /// <summary>Every source id, with what it covers.</summary>
    public static readonly (string Id, string Covers)[] Sources =
    [
        ("u8-mono2", "8-bit unsigned"),
        ("u8-odd-size", "8-bit, 7 x 5: odd value length, padded"),
        ("u12-mono2", "12 of 16 bits unsigned, dataset window"),
        ("u12-highbit15", "12 of 16 bits at the top (High Bit 15), noise below"),
        ("u16-mono2", "16-bit unsigned"),
        ("s12-garbage", "12 of 16 bits signed, garbage in the unused top bits"),
        ("s16-ct", "16-bit signed, rescale -1024 (HU), two windows"),
        ("s16-sigmoid", "16-bit signed, VOI LUT Function SIGMOID"),
        ("u12-mono1", "12-bit MONOCHROME1"),
        ("rgb-planar0", "RGB 8-bit colour-by-pixel"),
        ("rgb-planar1", "RGB 8-bit colour-by-plane"),
        ("u16-multiframe", "16-bit, 3 frames"),
        ("rgb-multiframe", "RGB 8-bit, 2 frames"),
        ("cr-lateral-spine", "384 x 320 lateral lumbar spine-like CR, MONOCHROME1, 12-bit"),
    ];

    private static readonly Lazy<string> Made = new(Make, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Python => "/usr/bin/python3";

    public static TheoryData<string> SourceIds()
    {
        var data = new TheoryData<string>();
        foreach (var (id, _) in Sources)
        {
            data.Add(id);
        }

        return data;
    }

    /// <summary>Fails in CI and skips elsewhere when a peer is missing.</summary>
    public static void Require(params string[] tools)
    {
        foreach (var tool in tools)
        {
            Peers.Require(tool);
        }

        if (!File.Exists(Python))
        {
            Peers.Require("python3 (python3-pydicom, python3-numpy, at /usr/bin/python3)");
        }
    }

    /// <summary>The path of a source file (made on first use).</summary>
    public static string Source(string id)
    {
        Require("dcmdump");
        var path = Path.Combine(Made.Value, id + ".dcm");
        Assert.True(File.Exists(path), $"make_pixel_files.py did not write {id}.dcm");
        return path;
    }

    /// <summary>The Pixel Data value of a file as DCMTK reads it (little-endian, padding included).</summary>
    public static byte[] DcmtkPixelData(string file, string scratch)
    {
        var dir = Path.Combine(scratch, "dcmdump-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        Peers.RunOk("dcmdump", "+W", dir, file);
        var raws = Directory.GetFiles(dir, "*.raw");
        Assert.True(raws.Length == 1, $"dcmdump +W wrote {raws.Length} .raw files for {file}");
        return File.ReadAllBytes(raws[0]);
    }

    /// <summary>One element's value as dcmdump prints it (between the VR and the '#'), or null when absent.</summary>
    public static string? DcmtkValue(string file, string tag)
    {
        foreach (var line in Peers.RunOk("dcmdump", "-q", "+P", tag, file).Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith('(') && trimmed.Length > 15)
            {
                var value = trimmed[15..];
                int hash = value.LastIndexOf('#');
                return (hash >= 0 ? value[..hash] : value).Trim().Trim('[', ']');
            }
        }

        return null;
    }

    /// <summary>Runs the real plao binary (beside the tests) and returns exit code, stdout and stderr.</summary>
    public static (int Code, string Stdout, string Stderr) Plao(params string[] args)
    {
        string plao = Path.Combine(AppContext.BaseDirectory, "plao.dll");
        Assert.True(File.Exists(plao), $"plao.dll is not beside the tests ({plao})");
        return Peers.RunProcess(Peers.DotnetHost, [plao, .. args]);
    }

    /// <summary>Runs plao and fails the test on a non-zero exit.</summary>
    public static string PlaoOk(params string[] args)
    {
        var (code, stdout, stderr) = Plao(args);
        Assert.True(code == 0, $"plao {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    /// <summary>Asserts that <paramref name="ours"/> equals DCMTK's value, which may carry one pad byte more.</summary>
    public static void AssertSameValue(byte[] dcmtk, byte[] ours, string what)
    {
        Assert.True(dcmtk.Length == ours.Length || (dcmtk.Length == ours.Length + 1 && ours.Length % 2 == 1),
            $"{what}: DCMTK's Pixel Data has {dcmtk.Length} bytes, ours {ours.Length}");
        int first = FirstDifference(dcmtk, ours);
        Assert.True(first < 0, $"{what}: first difference at byte {first} of {ours.Length}");
    }

    public static int FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            if (a[i] != b[i])
            {
                return i;
            }
        }

        return -1;
    }

    private static string Make()
    {
        string dir = Peers.ScratchDirectory("pixel-sources");
        string script = Path.Combine(Peers.RepositoryRoot, "tests", "PlaoImaging.Interop.Tests", "Pixel", "make_pixel_files.py");
        var (code, _, stderr) = Peers.Run(Python, [script, dir], timeoutSeconds: 120);
        Assert.True(code == 0, "make_pixel_files.py exited " + code + ": " + stderr);
        return dir;
    }
}
