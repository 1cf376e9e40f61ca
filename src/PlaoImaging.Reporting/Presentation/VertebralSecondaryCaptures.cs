using System.Globalization;
using System.Runtime.InteropServices;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Imaging.Display;
using PlaoImaging.Dicom.PresentationState;
using PlaoImaging.Reporting.Common;
using SkiaSharp;

namespace PlaoImaging.Reporting.Presentation;

/// <summary>
/// The secondary capture of one analysed image: the RGB pixels (the windowed image below a banner, the overlay burned
/// in) and the dataset to store. <see cref="BannerRows"/> rows of banner lie above the image: image pixel (c, r) is
/// capture pixel (c, r + BannerRows).
/// </summary>
public sealed record VertebralSecondaryCapture(ImageResult Image, DicomDataset Dataset, int Rows, int Columns, int BannerRows, byte[] Rgb);

/// <summary>
/// For viewers that cannot show presentation states: each analysed image windowed as its first window says (the
/// same rendering as <c>plao render</c>), the overlay of <see cref="OverlayLayout"/> drawn over it with Skia, and a
/// banner above it naming the model and its version and saying that it is not a diagnosis; stored as a Secondary
/// Capture Image (RGB, 8 bits, Conversion Type WSD) in the patient's study. Only our own decoded pixels reach Skia:
/// no file is decoded by an image library.
/// </summary>
public static class VertebralSecondaryCaptures
{
    /// <summary>
    /// One capture per image of the result that was measured and has vertebrae. <paramref name="files"/> are the study's
    /// files (with pixel data); <paramref name="codecs"/> decodes compressed pixel data.
    /// </summary>
    /// <exception cref="ArgumentException">An analysed image has no file among <paramref name="files"/>.</exception>
    public static IReadOnlyList<VertebralSecondaryCapture> Create(
        StudyResult result, IEnumerable<DicomFile> files, DicomCodecRegistry codecs, PresentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(codecs);
        var byInstance = new Dictionary<string, DicomFile>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (file.Dataset.GetStringOrDefault(DicomTags.SOPInstanceUID) is { Length: > 0 } uid)
            {
                byInstance.TryAdd(uid, file);
            }
        }

        var images = VertebralPresentationStates.AnalysedImages(result);
        var captures = new List<VertebralSecondaryCapture>();
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            if (!byInstance.TryGetValue(image.Source.SopInstanceUid, out var file))
            {
                throw new ArgumentException($"No file was given for analysed image {image.Source.SopInstanceUid}.", nameof(files));
            }

            captures.Add(ForImage(result, image, file, codecs, i + 1, options));
        }

        return captures;
    }

    /// <summary>The capture of one image from its file.</summary>
    public static VertebralSecondaryCapture ForImage(
        StudyResult result, ImageResult image, DicomFile source, DicomCodecRegistry codecs, int instanceNumber, PresentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(codecs);
        options ??= new PresentationOptions();
        int frame = image.Source.Frame;
        var pixels = DicomPixelData.Create(source);
        var samples = DicomFrameSamples.Read(pixels, frame, codecs);
        var display = DicomFrameRenderer.Render(samples, DicomDisplayParameters.FromDataset(source.Dataset, frame));
        if (display.Rows != image.Rows || display.Columns != image.Columns)
        {
            throw new ArgumentException($"Image {image.Source.SopInstanceUid} is {display.Columns} x {display.Rows}; the result says {image.Columns} x {image.Rows}.", nameof(source));
        }

        var overlay = OverlayLayout.For(result, image, options);
        int banner = (int)Math.Ceiling(overlay.Banner.Max(b => b.BottomRight.Row) + overlay.Banner[0].TopLeft.Row);
        var rgb = Draw(display, overlay, banner);

        string series = ReportUids.Series(result.StudyInstanceUid, result.Model.Id, result.Model.Version, ReportObjectKind.SecondaryCapture);
        var dataset = Dataset(result, image, source.Dataset, series, instanceNumber, options);
        int rows = display.Rows + banner;
        dataset.AddValues(DicomTags.SamplesPerPixel, DicomVR.US, (ushort)3);
        dataset.AddString(DicomTags.PhotometricInterpretation, DicomVR.CS, "RGB");
        dataset.AddValues(DicomTags.PlanarConfiguration, DicomVR.US, (ushort)0);
        dataset.AddValues(DicomTags.Rows, DicomVR.US, (ushort)rows);
        dataset.AddValues(DicomTags.Columns, DicomVR.US, (ushort)display.Columns);
        dataset.AddValues(DicomTags.BitsAllocated, DicomVR.US, (ushort)8);
        dataset.AddValues(DicomTags.BitsStored, DicomVR.US, (ushort)8);
        dataset.AddValues(DicomTags.HighBit, DicomVR.US, (ushort)7);
        dataset.AddValues(DicomTags.PixelRepresentation, DicomVR.US, (ushort)0);
        dataset.AddBytes(DicomTag.PixelData, DicomVR.OB, rgb.Length % 2 == 0 ? rgb : [.. rgb, 0]);
        return new VertebralSecondaryCapture(image, dataset, rows, display.Columns, banner, rgb);
    }

    private static DicomDataset Dataset(StudyResult result, ImageResult image, DicomDataset header, string series, int instanceNumber, PresentationOptions options)
    {
        var dataset = PatientStudyAttributes.Copy(header);
        string frameNumber = (image.Source.Frame + 1).ToString(CultureInfo.InvariantCulture);
        string date = result.AnalysedAt.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        string time = result.AnalysedAt.ToString("HHmmss", CultureInfo.InvariantCulture);
        dataset.AddString(DicomTags.SOPClassUID, DicomVR.UI, DicomUids.SecondaryCaptureImageStorage);
        dataset.AddString(DicomTags.SOPInstanceUID, DicomVR.UI, ReportUids.Instance(series, image.Source.SopInstanceUid, frameNumber, result.AnalysedAt.ToString("o", CultureInfo.InvariantCulture)));
        dataset.AddString(DicomTags.ImageType, DicomVR.CS, "DERIVED", "SECONDARY");
        dataset.AddString(DicomTags.ContentDate, DicomVR.DA, date);
        dataset.AddString(DicomTags.ContentTime, DicomVR.TM, time);
        dataset.AddString(DicomTags.Modality, DicomVR.CS, "OT");
        dataset.AddString(DicomTags.ConversionType, DicomVR.CS, "WSD");
        dataset.AddString(DicomTags.Manufacturer, DicomVR.LO, options.Manufacturer);
        dataset.AddString(DicomTags.SeriesDescription, DicomVR.LO, Truncate($"Vertebral overlay capture {result.Model.Id} {result.Model.Version}", 64));
        dataset.AddString(DicomTags.DerivationDescription, DicomVR.ST, $"Vertebral landmarks, heights and grades by {result.Model.Id} {result.Model.Version} burned in. {options.Disclaimer}.");
        dataset.AddSequence(DicomTags.SourceImageSequence, SourceItem(image, header));
        dataset.AddString(DicomTags.BodyPartExamined, DicomVR.CS, header.GetStringOrDefault(DicomTags.BodyPartExamined) is { Length: > 0 and <= 16 } part && part.All(c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or ' ') ? part : "SPINE");
        dataset.AddString(DicomTags.DateOfSecondaryCapture, DicomVR.DA, date);
        dataset.AddString(DicomTags.TimeOfSecondaryCapture, DicomVR.TM, time);
        dataset.AddString(DicomTags.SecondaryCaptureDeviceManufacturer, DicomVR.LO, options.Manufacturer);
        dataset.AddString(DicomTags.SecondaryCaptureDeviceManufacturerModelName, DicomVR.LO, Truncate(result.Model.Id, 64));
        dataset.AddString(DicomTags.SecondaryCaptureDeviceSoftwareVersions, DicomVR.LO, ReportingAssembly.Version);
        dataset.AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, series);
        dataset.AddString(DicomTags.SeriesNumber, DicomVR.IS, options.SecondaryCaptureSeriesNumber.ToString(CultureInfo.InvariantCulture));
        dataset.AddString(DicomTags.InstanceNumber, DicomVR.IS, instanceNumber.ToString(CultureInfo.InvariantCulture));
        if (header.TryGetElement(DicomTags.PatientOrientation, out var orientation))
        {
            dataset.AddOrUpdate(DatasetCopy.Element(orientation));
        }
        else
        {
            dataset.AddString(DicomTags.PatientOrientation, DicomVR.CS);
        }

        dataset.AddString(DicomTags.BurnedInAnnotation, DicomVR.CS, "YES");
        return dataset;
    }

    private static DicomDataset SourceItem(ImageResult image, DicomDataset header)
    {
        var item = new DicomDataset()
            .AddString(DicomTags.ReferencedSOPClassUID, DicomVR.UI, image.Source.SopClassUid is { Length: > 0 } c ? c : header.GetString(DicomTags.SOPClassUID))
            .AddString(DicomTags.ReferencedSOPInstanceUID, DicomVR.UI, image.Source.SopInstanceUid);
        if (header.GetSingleValueOrDefault(DicomTags.NumberOfFrames, 1) > 1)
        {
            item.AddString(DicomTags.ReferencedFrameNumber, DicomVR.IS, (image.Source.Frame + 1).ToString(CultureInfo.InvariantCulture));
        }

        return item;
    }

    /// <summary>The windowed image under a black banner, with the overlay drawn; RGB, 8 bits, rows then columns.</summary>
    private static byte[] Draw(DicomDisplayFrame display, ImageOverlay overlay, int banner)
    {
        int width = display.Columns, height = display.Rows + banner;
        var rgba = new byte[width * height * 4];
        for (int r = 0; r < display.Rows; r++)
        {
            for (int c = 0; c < width; c++)
            {
                int src = ((r * width) + c) * display.Channels;
                int dst = (((r + banner) * width) + c) * 4;
                rgba[dst] = display.Pixels[src];
                rgba[dst + 1] = display.Pixels[src + (display.Channels == 3 ? 1 : 0)];
                rgba[dst + 2] = display.Pixels[src + (display.Channels == 3 ? 2 : 0)];
                rgba[dst + 3] = 255;
            }
        }

        for (int i = 0; i < banner * width; i++)
        {
            rgba[(4 * i) + 3] = 255;
        }

        using (var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque)))
        {
            Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
            using (var canvas = new SKCanvas(bitmap))
            {
                DrawOverlay(canvas, overlay, banner);
            }

            Marshal.Copy(bitmap.GetPixels(), rgba, 0, rgba.Length);
        }

        var rgb = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++)
        {
            rgb[3 * i] = rgba[4 * i];
            rgb[(3 * i) + 1] = rgba[(4 * i) + 1];
            rgb[(3 * i) + 2] = rgba[(4 * i) + 2];
        }

        return rgb;
    }

    private static void DrawOverlay(SKCanvas canvas, ImageOverlay overlay, int banner)
    {
        float stroke = (float)Math.Max(1, Math.Round(overlay.Image.Rows / 320.0));
        using var typeface = Typeface();
        using var font = new SKFont(typeface, (float)overlay.TextHeight);

        // Image space to capture space: the same pixel grid, moved down by the banner.
        canvas.Save();
        canvas.Translate(0, banner);
        foreach (var vertebra in overlay.Vertebrae)
        {
            using var line = Paint(GradeColors.ForGrade(vertebra.Grade, vertebra.Graded), stroke, antialias: false);
            foreach (var l in vertebra.HeightLines)
            {
                canvas.DrawLine(Point(l.From), Point(l.To), line);
            }

            using var dot = Paint(GradeColors.Landmarks, stroke, antialias: true);
            dot.Style = SKPaintStyle.Fill;
            foreach (var p in vertebra.Landmarks)
            {
                canvas.DrawCircle(Point(p), stroke * 1.5f, dot);
            }

            foreach (var label in vertebra.Labels)
            {
                Text(canvas, label, font, GradeColors.Labels);
            }
        }

        canvas.Restore();
        foreach (var line in overlay.Banner)
        {
            Text(canvas, line, font, GradeColors.Model);
        }
    }

    private static void Text(SKCanvas canvas, OverlayText text, SKFont font, (byte R, byte G, byte B) colour)
    {
        float baseline = (float)text.BottomRight.Row - font.Metrics.Descent;
        float x = (float)text.TopLeft.Column;
        using var shadow = Paint((0, 0, 0), 1, antialias: true);
        shadow.Style = SKPaintStyle.Fill;
        canvas.DrawText(text.Text, x + 1, baseline + 1, SKTextAlign.Left, font, shadow);
        using var paint = Paint(colour, 1, antialias: true);
        paint.Style = SKPaintStyle.Fill;
        canvas.DrawText(text.Text, x, baseline, SKTextAlign.Left, font, paint);
    }

    private static SKPaint Paint((byte R, byte G, byte B) colour, float stroke, bool antialias) => new()
    {
        Color = new SKColor(colour.R, colour.G, colour.B),
        StrokeWidth = stroke,
        IsAntialias = antialias,
        Style = SKPaintStyle.Stroke,
        StrokeCap = SKStrokeCap.Butt,
    };

    private static SKPoint Point(GraphicPoint p) => new((float)p.Column, (float)p.Row);

    /// <summary>A sans-serif face with glyphs: DejaVu Sans or Liberation Sans when the platform has one, else its default.</summary>
    private static SKTypeface Typeface()
    {
        foreach (var family in new[] { "DejaVu Sans", "Liberation Sans", "Arial" })
        {
            var face = SKTypeface.FromFamilyName(family);
            if (face is not null && face.GlyphCount > 0)
            {
                return face;
            }

            face?.Dispose();
        }

        return SKTypeface.Default;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
