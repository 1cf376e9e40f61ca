using System.Globalization;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// The instances the network tests send: small files made once per run (pydicom writes native Explicit and Implicit VR
/// Little Endian sources with <c>make_network_files.py</c>, DCMTK's dcmcjpeg, dcmcrle and dcmcjpls compress some of
/// them), a selection of the shared corpus, and the large multi-frame instance (made per test).
/// </summary>
internal static class NetworkSources
{
    /// <summary>Each generated id with its transfer syntax and how it is made: null tool = written by pydicom as is.</summary>
    public static readonly (string Id, string TransferSyntax, string? Tool, string[] Options)[] Generated =
    [
        ("ex-u16", ExplicitLittle, null, []),
        ("ex-rgb", ExplicitLittle, null, []),
        ("ex-multiframe", ExplicitLittle, null, []),
        ("im-s16", ImplicitLittle, null, []),
        ("im-u8", ImplicitLittle, null, []),
        ("jpeg-baseline-u8", "1.2.840.10008.1.2.4.50", "dcmcjpeg", ["+eb"]),
        ("jpeg-baseline-rgb", "1.2.840.10008.1.2.4.50", "dcmcjpeg", ["+eb"]),
        ("jpeg-sv1-u16", JpegLosslessSv1, "dcmcjpeg", ["+e1"]),
        ("jpeg-sv1-s16", JpegLosslessSv1, "dcmcjpeg", ["+e1"]),
        ("jpeg-sv1-multiframe", JpegLosslessSv1, "dcmcjpeg", ["+e1"]),
        ("rle-s16", Rle, "dcmcrle", []),
        ("rle-rgb", Rle, "dcmcrle", []),
        ("jls-u16", "1.2.840.10008.1.2.4.80", "dcmcjpls", []),
        ("jls-u8", "1.2.840.10008.1.2.4.80", "dcmcjpls", []),
    ];

    /// <summary>Corpus files (relative to ../shared/dicom-corpus) with distinct SOP Instance UIDs: real scanner and toolkit output in 7 transfer syntaxes and 9 SOP classes.</summary>
    public static readonly string[] CorpusSelection =
    [
        "dcm_qa_ts/In/1.dcm", // MR, Explicit VR LE
        "dcm_qa_ts/In/2.dcm", // Implicit VR LE
        "dcm_qa_ts/In/4.dcm", // RLE
        "dcm_qa_ts/In/5.dcm", // JPEG Lossless SV1
        "dcm_qa_ts/In/6.dcm", // JPEG Lossless SV1 (another encoder)
        "dcm_qa_ts/In/7.dcm", // JPEG-LS lossless
        "dcm_qa_ts/In/8.dcm", // JPEG-LS lossless (another encoder)
        "pydicom/src/pydicom/data/test_files/CT_small.dcm", // CT with trailing padding
        "pydicom/src/pydicom/data/test_files/MR_small.dcm",
        "pydicom/src/pydicom/data/test_files/rtplan.dcm", // RT Plan, Implicit VR LE, deep sequences
        "pydicom/src/pydicom/data/test_files/test-SR.dcm", // Comprehensive SR
        "pydicom/src/pydicom/data/test_files/waveform_ecg.dcm", // 12-lead ECG
        "pydicom/src/pydicom/data/test_files/SC_rgb_jpeg_dcmtk.dcm", // JPEG baseline RGB
        "pydicom/src/pydicom/data/test_files/SC_rgb_rle.dcm", // RLE RGB
        "pydicom/src/pydicom/data/test_files/JPGExtended.dcm", // JPEG Extended 12-bit
        "highdicom/data/test_files/dx_image.dcm", // DX, odd-length native Pixel Data
        "highdicom/data/test_files/sr_document.dcm", // Comprehensive 3D SR (TID 1500)
    ];

    public const string ExplicitLittle = "1.2.840.10008.1.2.1";
    public const string ImplicitLittle = "1.2.840.10008.1.2";
    public const string JpegLosslessSv1 = "1.2.840.10008.1.2.4.70";
    public const string Rle = "1.2.840.10008.1.2.5";

    private static readonly Lazy<string> Made = new(Make, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Python => "/usr/bin/python3";

    private static string Script => Path.Combine(Peers.RepositoryRoot, "tests", "PlaoImaging.Interop.Tests", "Network", "make_network_files.py");

    /// <summary>The path of a generated file (made on first use).</summary>
    public static string Get(string id)
    {
        var path = Path.Combine(Made.Value, id + ".dcm");
        Assert.True(File.Exists(path), $"{id}.dcm was not made");
        return path;
    }

    /// <summary>All generated files.</summary>
    public static IReadOnlyList<string> All() => [.. Generated.Select(g => Get(g.Id))];

    /// <summary>The corpus selection as full paths; fails in CI and skips loudly elsewhere when the corpus is absent.</summary>
    public static IReadOnlyList<string> Corpus()
    {
        string root = Peers.RequireCorpus();
        var files = CorpusSelection.Select(f => Path.Combine(root, f)).ToList();
        var missing = files.Where(f => !File.Exists(f)).ToList();
        Assert.True(missing.Count == 0, "corpus files missing: " + string.Join(", ", missing));
        return files;
    }

    /// <summary>Writes the large multi-frame instance (512 x 512 x 16 bit x FRAMES, Explicit VR LE) into a file.</summary>
    public static string Big(string directory, int frames)
    {
        RequirePython();
        var path = Path.Combine(directory, "big-multiframe.dcm");
        var (code, _, stderr) = Peers.RunProcess(Python, [Script, "big", path, frames.ToString(CultureInfo.InvariantCulture)], timeoutSeconds: 120);
        Assert.True(code == 0, "make_network_files.py big exited " + code + ": " + stderr);
        return path;
    }

    /// <summary>Copies files into a fresh directory (in a nested sub-folder for every second file, to exercise recursion).</summary>
    public static string CopyInto(string directory, IEnumerable<string> files)
    {
        Directory.CreateDirectory(Path.Combine(directory, "nested", "deeper"));
        int i = 0;
        foreach (var file in files)
        {
            string target = i++ % 2 == 0 ? directory : Path.Combine(directory, "nested", "deeper");
            File.Copy(file, Path.Combine(target, i.ToString("D3", CultureInfo.InvariantCulture) + "-" + Path.GetFileName(file)));
        }

        return directory;
    }

    private static void RequirePython()
    {
        if (!File.Exists(Python))
        {
            Peers.Require("python3 (python3-pydicom, python3-numpy, at /usr/bin/python3)");
        }
    }

    private static string Make()
    {
        RequirePython();
        foreach (var tool in new[] { "dcmdump", "dcmcjpeg", "dcmcrle", "dcmcjpls" })
        {
            Peers.Require(tool);
        }

        string dir = Peers.ScratchDirectory("network-sources");
        string raw = Path.Combine(dir, "raw");
        Directory.CreateDirectory(raw);
        var (code, _, stderr) = Peers.RunProcess(Python, [Script, "small", raw], timeoutSeconds: 120);
        Assert.True(code == 0, "make_network_files.py small exited " + code + ": " + stderr);
        foreach (var (id, syntax, tool, options) in Generated)
        {
            string target = Path.Combine(dir, id + ".dcm");
            if (tool is null)
            {
                File.Copy(Path.Combine(raw, id + ".dcm"), target);
            }
            else
            {
                Peers.RunOk(tool, [.. options, Path.Combine(raw, "src-" + id + ".dcm"), target]);
            }

            string? actual = DcmtkDump.Of(target, printAll: false).TransferSyntax;
            Assert.True(actual == syntax, $"{id}.dcm is in {actual}, not {syntax}");
        }

        return dir;
    }
}
