using System.Globalization;
using PlaoImaging.Analysis;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace PlaoImaging.Worker.Dashboard;

/// <summary>A frame rendered for the study page: the PNG, its size, the scale to the image's own pixels and the window used.</summary>
internal sealed record StudyImagePng(byte[] Png, int Width, int Height, double Scale, double WindowCenter, double WindowWidth, string Preset);

/// <summary>
/// Renders one frame for the browser from the engine's own pixel pipeline (<see cref="SpineImageReader"/>: the frame's
/// values after the Modality LUT): a window preset applied here, a box-filter downscale of very large frames, and only
/// the finished 8-bit buffer handed to ImageSharp's PNG encoder. No image library ever reads the DICOM file.
/// </summary>
internal static class StudyImage
{
    /// <summary>The long side of the PNG at most; the overlay is told the scale.</summary>
    public const int MaxSide = 2048;

    /// <summary>The window presets, by key: 1, 2, 3 on the page.</summary>
    public static readonly IReadOnlyList<(string Name, string Label)> Presets =
    [
        ("default", "Default (the file's window, else 0.5–99.5 %)"),
        ("bone", "Bone (brightest 60 %)"),
        ("soft", "Soft tissue (darker 70 %)"),
    ];

    public static bool IsPreset(string? name) => name is not null && Presets.Any(p => p.Name == name);

    /// <summary>Windows, downscales and encodes a frame. MONOCHROME1 is shown inverted (low values bright), as it is meant to be.</summary>
    public static StudyImagePng Render(SpineImage image, string preset)
    {
        ArgumentNullException.ThrowIfNull(image);
        bool invert = image.PhotometricInterpretation == "MONOCHROME1";
        int rows = image.Rows, columns = image.Columns;
        double scale = Math.Min(1.0, (double)MaxSide / Math.Max(rows, columns));
        int width = Math.Max(1, (int)Math.Round(columns * scale));
        int height = Math.Max(1, (int)Math.Round(rows * scale));
        float[] values = scale < 1.0 ? Downscale(image.Values, columns, rows, width, height) : image.Values;

        // Work in display polarity: brighter is larger. A MONOCHROME1 window is mirrored with its values.
        var (center, windowWidth) = Window(image, values, invert, preset);
        double low = center - (windowWidth / 2), span = Math.Max(windowWidth, 1e-6);
        var pixels = new byte[width * height];
        for (int i = 0; i < pixels.Length; i++)
        {
            double v = invert ? -values[i] : values[i];
            double y = (v - low) / span * 255.0;
            pixels[i] = (byte)(y <= 0 ? 0 : y >= 255 ? 255 : (int)(y + 0.5));
        }

        using var png = Image.LoadPixelData<L8>(pixels, width, height);
        using var stream = new MemoryStream();
        png.Save(stream, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8, CompressionLevel = PngCompressionLevel.BestSpeed });
        return new StudyImagePng(stream.ToArray(), width, height, scale, invert ? -center : center, windowWidth, preset);
    }

    /// <summary>The response header that carries the scale from image pixels to PNG pixels.</summary>
    public static string ScaleHeader(StudyImagePng png) => png.Scale.ToString("0.######", CultureInfo.InvariantCulture);

    private static (double Center, double Width) Window(SpineImage image, float[] values, bool invert, string preset)
    {
        if (preset == "default" && image.Window is { Width: >= 1 } w)
        {
            return (invert ? -w.Center : w.Center, w.Width);
        }

        var (lowPercent, highPercent) = preset switch
        {
            "bone" => (40.0, 99.8),
            "soft" => (1.0, 70.0),
            _ => (0.5, 99.5),
        };
        var (low, high) = Percentiles(values, invert, lowPercent, highPercent);
        if (high - low < 1)
        {
            high = low + 1;
        }

        return ((low + high) / 2, high - low);
    }

    /// <summary>Two percentiles of the display values, from an evenly strided sample of at most 262,144 pixels.</summary>
    private static (double Low, double High) Percentiles(float[] values, bool invert, double lowPercent, double highPercent)
    {
        int stride = Math.Max(1, values.Length / 262_144);
        var sample = new float[(values.Length + stride - 1) / stride];
        for (int i = 0, j = 0; i < values.Length && j < sample.Length; i += stride, j++)
        {
            sample[j] = invert ? -values[i] : values[i];
        }

        Array.Sort(sample);
        float At(double percent) => sample[Math.Clamp((int)Math.Round(percent / 100.0 * (sample.Length - 1)), 0, sample.Length - 1)];
        return (At(lowPercent), At(highPercent));
    }

    /// <summary>Each output pixel is the mean of the source pixels under it (a box filter: no aliasing of fine trabecular noise).</summary>
    private static float[] Downscale(float[] source, int columns, int rows, int width, int height)
    {
        var result = new float[width * height];
        double sx = (double)columns / width, sy = (double)rows / height;
        for (int oy = 0; oy < height; oy++)
        {
            int y0 = (int)(oy * sy), y1 = Math.Min(rows, Math.Max(y0 + 1, (int)((oy + 1) * sy)));
            for (int ox = 0; ox < width; ox++)
            {
                int x0 = (int)(ox * sx), x1 = Math.Min(columns, Math.Max(x0 + 1, (int)((ox + 1) * sx)));
                double sum = 0;
                for (int y = y0; y < y1; y++)
                {
                    int row = y * columns;
                    for (int x = x0; x < x1; x++)
                    {
                        sum += source[row + x];
                    }
                }

                result[(oy * width) + ox] = (float)(sum / ((y1 - y0) * (x1 - x0)));
            }
        }

        return result;
    }
}
