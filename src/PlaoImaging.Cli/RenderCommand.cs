using System.CommandLine;
using System.Globalization;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Imaging.Display;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace PlaoImaging.Cli;

/// <summary>
/// <c>plao render FILE --png OUT [--frame N] [--window C,W] [--voi dataset|auto|minmax]</c>: one frame through the
/// display pipeline (Modality LUT, VOI, Presentation LUT / MONOCHROME1, or the colour conversions) to an 8-bit PNG.
/// ImageSharp only encodes the finished pixel buffer; it never reads the input.
/// </summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "DICOM file (Part 10 or a bare dataset)" };
        var png = new Option<FileInfo>("--png") { Description = "PNG file to write", Required = true };
        var frame = new Option<int>("--frame") { Description = "Frame number, 1-based as in DICOM and dcmj2pnm +F", DefaultValueFactory = _ => 1 };
        var window = new Option<string?>("--window") { Description = "Window center,width (LINEAR), e.g. 40,400; replaces the dataset's VOI" };
        var voi = new Option<string>("--voi")
        {
            Description = "VOI when --window is not given: dataset (first window, else first VOI LUT, else auto), auto (0.5..99.5 % percentiles), minmax",
            DefaultValueFactory = _ => "dataset",
        };
        voi.AcceptOnlyFromAmong("dataset", "auto", "minmax");
        var command = new Command("render", "Render one frame of a DICOM image to an 8-bit PNG.") { file, png, frame, window, voi };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            return CliErrors.Guard("render", path, () =>
            {
                var options = new DicomRenderOptions
                {
                    Voi = parse.GetValue(voi) switch
                    {
                        "auto" => DicomVoiSelection.Percentile,
                        "minmax" => DicomVoiSelection.MinMax,
                        _ => DicomVoiSelection.Dataset,
                    },
                };
                if (parse.GetValue(window) is { } text)
                {
                    if (!TryParseWindow(text, out var parsed, out var problem))
                    {
                        return CliErrors.Fail("render", path, problem);
                    }

                    options = options with { Window = parsed };
                }

                var dicom = DicomFile.Open(path.FullName);
                var pixels = DicomPixelData.Create(dicom);
                int number = parse.GetValue(frame);
                if (number < 1 || number > pixels.FrameCount)
                {
                    throw new DicomPixelDataException(null, $"frame {number} does not exist: the file has {pixels.FrameCount} (1..{pixels.FrameCount})");
                }

                var samples = DicomFrameSamples.Read(pixels, number - 1, CliCodecs.Create());
                var parameters = DicomDisplayParameters.FromDataset(dicom.Dataset, number - 1);
                var rendered = DicomFrameRenderer.Render(samples, parameters, options);
                var target = parse.GetValue(png)!;
                WritePng(rendered, target.FullName);
                string voiText = rendered.Voi is { Window: { } w } ? string.Create(CultureInfo.InvariantCulture, $"window {w.Center:0.###},{w.Width:0.###} {w.Function}")
                    : rendered.Voi is { Lut: not null } ? "VOI LUT" : "colour";
                Console.Out.WriteLine($"{target.Name}: {rendered.Columns}x{rendered.Rows}, {(rendered.Channels == 1 ? "grayscale" : "RGB")}, {voiText}{(rendered.Voi?.Explanation is { } e ? $" ({e})" : "")}{(rendered.Inverted ? ", inverted" : "")}");
                return 0;
            });
        });
        return command;
    }

    internal static bool TryParseWindow(string text, out DicomWindow? window, out string problem)
    {
        window = null;
        problem = string.Empty;
        var parts = text.Split(',');
        if (parts.Length != 2 ||
            !double.TryParse(parts[0].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double center) ||
            !double.TryParse(parts[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double width))
        {
            problem = $"--window '{text}' is not CENTER,WIDTH (e.g. 40,400)";
            return false;
        }

        if (!DicomWindow.IsValid(center, width, DicomVoiFunction.Linear))
        {
            problem = $"--window width {width} is below 1 (PS3.3 C.11.2.1.2)";
            return false;
        }

        window = new DicomWindow(center, width);
        return true;
    }

    private static void WritePng(DicomDisplayFrame frame, string path)
    {
        string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                if (frame.Channels == 1)
                {
                    using var image = Image.LoadPixelData<L8>(frame.Pixels, frame.Columns, frame.Rows);
                    image.Save(stream, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
                }
                else
                {
                    using var image = Image.LoadPixelData<Rgb24>(frame.Pixels, frame.Columns, frame.Rows);
                    image.Save(stream, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
                }
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
