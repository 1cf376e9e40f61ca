using System.Globalization;
using System.Text;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Imaging.Display;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Pixel;

/// <summary>
/// The display pipeline against DCMTK's <c>dcmj2pnm</c> (8-bit binary PGM/PPM, <c>+op</c>) for windowing cases:
/// an explicit window (<c>+Ww c w</c>), the dataset's nth window (<c>+Wi n</c>) with rescale and SIGMOID, the min-max
/// window (<c>+Wm</c>), a VOI LUT (<c>+Wl 1</c>), a Modality LUT, MONOCHROME1, bits stored at the top of the cell,
/// garbage above High Bit, one frame of a multi-frame image, RGB, native YBR_FULL_422 and PALETTE COLOR.
/// Tolerance: ±1 per pixel. DCMTK computes the same PS3.3 formulas but truncates the output value toward zero
/// (<c>(T3)(offset + x · gradient)</c>), and scales VOI LUT entries by 256/2^bits; we round to the nearest integer,
/// halves up (and scale by 255/(2^bits − 1)); the same holds for YBR_FULL → RGB and 16-bit palette entries. RGB must
/// match exactly.
/// </summary>
public class DisplayMatchesDcmj2pnmTests(ITestOutputHelper output)
{
    /// <summary>A case: source (a made id or a corpus path), dcmj2pnm options, our options, 1-based frame.</summary>
    private static readonly Dictionary<string, (string Source, string[] Dcmtk, DicomRenderOptions Ours, int Frame)> Cases = new()
    {
        ["u12 explicit window"] = ("u12-mono2", ["+Ww", "2048", "1000"], new() { Window = new DicomWindow(2048, 1000) }, 1),
        ["u12 dataset window"] = ("u12-mono2", ["+Wi", "1"], DicomRenderOptions.Default, 1),
        ["u12 narrow odd window"] = ("u12-mono2", ["+Ww", "1000.5", "3"], new() { Window = new DicomWindow(1000.5, 3) }, 1),
        ["s16 rescale first window"] = ("s16-ct", ["+Wi", "1"], DicomRenderOptions.Default, 1),
        ["s16 rescale explicit bone window"] = ("s16-ct", ["+Ww", "300", "1500"], new() { Window = new DicomWindow(300, 1500) }, 1),
        ["s16 sigmoid"] = ("s16-sigmoid", ["+Wi", "1"], DicomRenderOptions.Default, 1),
        ["mono1 min-max"] = ("u12-mono1", ["+Wm"], new() { Voi = DicomVoiSelection.MinMax }, 1),
        ["mono1 explicit window"] = ("u12-mono1", ["+Ww", "1500", "2000"], new() { Window = new DicomWindow(1500, 2000) }, 1),
        ["u8 min-max"] = ("u8-mono2", ["+Wm"], new() { Voi = DicomVoiSelection.MinMax }, 1),
        ["s12 garbage bits"] = ("s12-garbage", ["+Ww", "0", "1000"], new() { Window = new DicomWindow(0, 1000) }, 1),
        ["u12 high bit 15"] = ("u12-highbit15", ["+Ww", "2048", "4096"], new() { Window = new DicomWindow(2048, 4096) }, 1),
        ["u16 frame 2 of 3"] = ("u16-multiframe", ["+F", "2", "+Ww", "2100", "4000"], new() { Window = new DicomWindow(2100, 4000) }, 2),
        ["cr spine min-max"] = ("cr-lateral-spine", ["+Wm"], new() { Voi = DicomVoiSelection.MinMax }, 1),
        ["rgb planar 1"] = ("rgb-planar1", [], DicomRenderOptions.Default, 1),
        ["rgb frame 2"] = ("rgb-multiframe", ["+F", "2"], DicomRenderOptions.Default, 2),
        ["corpus modality LUT"] = ("pydicom-data/data_store/data/mlut_18.dcm", ["+Wm"], new() { Voi = DicomVoiSelection.MinMax }, 1),
        ["corpus VOI LUT"] = ("pydicom-data/data_store/data/vlut_04.dcm", ["+Wl", "1"], DicomRenderOptions.Default, 1),
        ["corpus CT min-max"] = ("pydicom/src/pydicom/data/test_files/CT_small.dcm", ["+Wm"], new() { Voi = DicomVoiSelection.MinMax }, 1),
        ["corpus MR 12-bit"] = ("dcm_qa_ts/In/2.dcm", ["+Wi", "1"], DicomRenderOptions.Default, 1),
        ["corpus YBR_FULL_422 native"] = ("pydicom/src/pydicom/data/test_files/SC_ybr_full_422_uncompressed.dcm", [], DicomRenderOptions.Default, 1),
        ["corpus palette colour"] = ("pydicom/src/pydicom/data/test_files/examples_palette.dcm", [], DicomRenderOptions.Default, 1),
        ["corpus DX MONOCHROME1"] = ("highdicom/data/test_files/dx_image.dcm", ["+Wi", "1"], DicomRenderOptions.Default, 1),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Render_MatchesDcmj2pnmWithinOne(string name)
    {
        PixelPeers.Require("dcmj2pnm");
        var (sourceId, dcmtkOptions, ours, frame) = Cases[name];
        string source = sourceId.Contains('/', StringComparison.Ordinal) ? Path.Combine(Peers.RequireCorpus(), sourceId) : PixelPeers.Source(sourceId);
        var scratch = Peers.ScratchDirectory("dcmj2pnm-" + name.Replace(' ', '-'));
        string pnm = Path.Combine(scratch, "dcmtk.pnm");
        Peers.RunOk("dcmj2pnm", ["+op", .. dcmtkOptions, source, pnm]);
        var (width, height, channels, expected) = ReadPnm(File.ReadAllBytes(pnm));

        var dicom = DicomFile.Open(source);
        var samples = DicomFrameSamples.Read(DicomPixelData.Create(dicom), frame - 1, DicomCodecRegistry.CreateDefault());
        var rendered = DicomFrameRenderer.Render(samples, DicomDisplayParameters.FromDataset(dicom.Dataset, frame - 1), ours);

        Assert.Equal((width, height, channels), (rendered.Columns, rendered.Rows, rendered.Channels));
        int off = 0;
        int worst = 0;
        int firstBad = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            int d = Math.Abs(expected[i] - rendered.Pixels[i]);
            off += d > 0 ? 1 : 0;
            worst = Math.Max(worst, d);
            if (d > 1 && firstBad < 0)
            {
                firstBad = i;
            }
        }

        // RGB is copied through: exact. Everything computed (VOI, YBR → RGB, 16-bit palette entries) is within ±1.
        int tolerance = name.StartsWith("rgb", StringComparison.Ordinal) ? 0 : 1;
        output.WriteLine($"{name}: {off} of {expected.Length} values differ from dcmj2pnm, by at most {worst}");
        Assert.True(worst <= tolerance,
            $"{name}: {off} of {expected.Length} values differ, by up to {worst}; first beyond {tolerance} at {firstBad}: DCMTK {(firstBad >= 0 ? expected[firstBad] : 0)}, ours {(firstBad >= 0 ? rendered.Pixels[firstBad] : 0)} (VOI {rendered.Voi?.Window?.Center}/{rendered.Voi?.Window?.Width})");
        Directory.Delete(scratch, recursive: true);
    }

    /// <summary>Reads a binary PGM (P5) or PPM (P6) with a maximum value of 255.</summary>
    internal static (int Width, int Height, int Channels, byte[] Pixels) ReadPnm(byte[] bytes)
    {
        int position = 0;
        string Token()
        {
            while (position < bytes.Length)
            {
                if (bytes[position] == '#')
                {
                    while (position < bytes.Length && bytes[position] != '\n')
                    {
                        position++;
                    }
                }
                else if (char.IsWhiteSpace((char)bytes[position]))
                {
                    position++;
                }
                else
                {
                    break;
                }
            }

            int start = position;
            while (position < bytes.Length && !char.IsWhiteSpace((char)bytes[position]))
            {
                position++;
            }

            return Encoding.ASCII.GetString(bytes, start, position - start);
        }

        string magic = Token();
        int width = int.Parse(Token(), CultureInfo.InvariantCulture);
        int height = int.Parse(Token(), CultureInfo.InvariantCulture);
        int max = int.Parse(Token(), CultureInfo.InvariantCulture);
        position++;
        Assert.True(magic is "P5" or "P6" && max == 255, $"unexpected PNM header {magic} {width} {height} {max}");
        int channels = magic == "P6" ? 3 : 1;
        return (width, height, channels, bytes.AsSpan(position, width * height * channels).ToArray());
    }
}
