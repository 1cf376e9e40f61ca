using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Reporting.Presentation;
using PlaoImaging.Reporting.Tests.Sr;
using SkiaSharp;

namespace PlaoImaging.Reporting.Tests.Presentation;

/// <summary>The secondary captures of the sample studies, and PNG output for people to look at.</summary>
internal static class SampleCaptures
{
    public static (StudyResult Result, IReadOnlyList<VertebralSecondaryCapture> Captures) Create(string folder)
    {
        var (result, _) = SampleReports.Analyse(folder);
        var files = Directory.EnumerateFiles(Path.Combine(SampleReports.SampleData, folder), "*.dcm", SearchOption.AllDirectories)
            .Select(p => DicomFile.Open(p)).ToList();
        return (result, VertebralSecondaryCaptures.Create(result, files, DicomCodecRegistry.CreateDefault()));
    }

    /// <summary>Writes RGB pixels as a PNG, scaled to at most <paramref name="maxWidth"/> columns.</summary>
    public static void SavePng(byte[] rgb, int width, int height, string path, int maxWidth = 480)
    {
        var rgba = new byte[width * height * 4];
        for (int i = 0; i < width * height; i++)
        {
            rgba[4 * i] = rgb[3 * i];
            rgba[(4 * i) + 1] = rgb[(3 * i) + 1];
            rgba[(4 * i) + 2] = rgb[(3 * i) + 2];
            rgba[(4 * i) + 3] = 255;
        }

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        double scale = Math.Min(1.0, (double)maxWidth / width);
        using var scaled = bitmap.Resize(new SKImageInfo((int)(width * scale), (int)(height * scale), SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKCubicResampler.Mitchell));
        using var image = SKImage.FromBitmap(scaled);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var stream = File.Create(path);
        data.SaveTo(stream);
    }
}
