using System.Globalization;
using System.Text.RegularExpressions;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.PresentationState;
using PlaoImaging.Reporting.Presentation;
using PlaoImaging.Reporting.Tests.Sr;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Presentation;

/// <summary>
/// The overlays of every sample study judged by peers: dicom3tools' dciodvfy (the GSPS IOD), DCMTK's dcmdump, and
/// DCMTK's dcmp2pgm, which reads the presentation state, applies it (window, presentation LUT, displayed area) to its
/// image and lists the graphic objects it found. The test draws those objects onto dcmp2pgm's rendering and checks
/// that the middle of each height line falls on the pixel of the engine's landmark midpoint.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed partial class VertebralPresentationStatesPeerTests
{
    [Theory]
    [MemberData(nameof(SampleReports.Reported), MemberType = typeof(SampleReports))]
    public void Save_SampleStudy_DciodvfyWithoutErrorsOrWarningsAndDcmdumpReadsIt(string folder)
    {
        var (_, states) = SamplePresentationStates.Create(folder);
        var scratch = Peers.ScratchDirectory("gsps-" + folder[..2]);
        Assert.NotEmpty(states);
        foreach (var state in states)
        {
            var path = SamplePresentationStates.Save(state, scratch);
            var (_, stdout, stderr) = Peers.Run("dciodvfy", [path]);
            var findings = (stdout + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l != "GrayscaleSoftcopyPresentationState").ToList();
            Assert.True(findings.Count == 0, $"dciodvfy on {folder} {state.Image.Source.SopInstanceUid}:\n" + string.Join('\n', findings));

            var dump = Peers.RunOk("dcmdump", ["-q", path]);
            Assert.Contains("[PLAO OVERLAY]", dump, StringComparison.Ordinal);
            Assert.Contains("[" + state.Image.Source.SopInstanceUid + "]", dump, StringComparison.Ordinal);
        }

        Directory.Delete(scratch, recursive: true);
    }

    [Theory]
    [MemberData(nameof(SampleReports.Reported), MemberType = typeof(SampleReports))]
    public void Dcmp2pgm_SampleStudy_HeightLinesLieOnTheLandmarks(string folder)
    {
        var (_, states) = SamplePresentationStates.Create(folder);
        var scratch = Peers.ScratchDirectory("gsps-render-" + folder[..2]);
        foreach (var state in states)
        {
            var (rendered, plain, dcmtkLines) = Render(state, scratch);

            // The window and presentation LUT we wrote show the image as its own first window does.
            Assert.Equal(plain.Pixels, rendered.Pixels);

            // DCMTK reads the height lines we wrote: the engine's points moved by half a pixel.
            var expected = state.Image.Vertebrae.SelectMany(v => new[] { ("sa", "ia"), ("sm", "im"), ("sp", "ip") }
                .Select(pair => (From: v.Points[pair.Item1], To: v.Points[pair.Item2]))).ToList();
            Assert.Equal(expected.Count, dcmtkLines.Count);
            var unmatched = expected.Where(e => !dcmtkLines.Any(d =>
                Near(d.From, e.From[0] + 0.5, e.From[1] + 0.5) && Near(d.To, e.To[0] + 0.5, e.To[1] + 0.5))).ToList();
            Assert.Empty(unmatched);

            // Drawn onto DCMTK's rendering, each line's middle lands on the pixel holding the engine's midpoint.
            var raster = new OverlayRaster(rendered.Pixels, rendered.Width, rendered.Height);
            foreach (var line in dcmtkLines)
            {
                raster.Line(line.From, line.To, (255, 0, 255));
            }

            int drawn = 0;
            foreach (var (from, to) in expected)
            {
                double mx = (from[0] + to[0]) / 2, my = (from[1] + to[1]) / 2;
                if (OnPixelBorder(mx) || OnPixelBorder(my))
                {
                    continue; // DCMTK prints six digits: too few to say which pixel a point on the border falls in
                }

                int column = (int)Math.Round(mx, MidpointRounding.AwayFromZero), row = (int)Math.Round(my, MidpointRounding.AwayFromZero);
                Assert.Equal(((byte)255, (byte)0, (byte)255), raster.At(column, row));
                drawn++;
            }

            Assert.True(drawn > expected.Count / 2, $"only {drawn} of {expected.Count} midpoints were away from a pixel border");
        }

        Directory.Delete(scratch, recursive: true);
    }

    [Theory]
    [InlineData("01-cr-lumbar-mono1-jpegll")]
    [InlineData("02-dx-thoracolumbar-explicit")]
    [InlineData("08-cr-no-pixel-spacing")]
    public void FromDataset_DcmtkMadePresentationState_ReadAndAgreesWithOurs(string folder)
    {
        // DCMTK's dcmpsmk makes a presentation state from an image by its own rules; ours must agree on how to show it.
        var state = Assert.Single(SamplePresentationStates.Create(folder).States);
        var scratch = Peers.ScratchDirectory("gsps-dcmpsmk");
        var source = Uncompressed(state.Image.Source.Path!, Path.Combine(scratch, "source"));
        Peers.RunOk("dcmpsmk", [source, Path.Combine(scratch, "dcmtk.dcm")]);

        var dcmtk = GrayscaleSoftcopyPresentationState.FromDataset(DicomFile.Open(Path.Combine(scratch, "dcmtk.dcm")).Dataset);

        Assert.Equal(state.State.PresentationLut, dcmtk.PresentationLut);
        Assert.Equal(state.State.Images.Select(i => (i.SeriesInstanceUid, i.SopClassUid, i.SopInstanceUid)), dcmtk.Images.Select(i => (i.SeriesInstanceUid, i.SopClassUid, i.SopInstanceUid)));
        Assert.Equal(state.State.Windows.Select(w => (w.Center, w.Width)), dcmtk.Windows.Select(w => (w.Center, w.Width)));
        Assert.Equal(state.State.Rescale is null, dcmtk.Rescale is null);
        var (ours, theirs) = (state.State.DisplayedAreas[0], dcmtk.DisplayedAreas[0]);
        Assert.Equal((ours.TopLeftColumn, ours.TopLeftRow, ours.BottomRightColumn, ours.BottomRightRow, ours.SizeMode), (theirs.TopLeftColumn, theirs.TopLeftRow, theirs.BottomRightColumn, theirs.BottomRightRow, theirs.SizeMode));
        Assert.Empty(dcmtk.Annotations);
        Directory.Delete(scratch, recursive: true);
    }

    [Theory]
    [InlineData("chrH31.dcm")]
    [InlineData("chrKoreanMulti.dcm")]
    [InlineData("chrRuss.dcm")]
    [InlineData("chrX2.dcm")]
    public void Create_CharsetFileName_WrittenByteForByteAndDciodvfyClean(string file)
    {
        // The sample image's header with the patient name and character set of a dclunie charset file, as read (bytes).
        const string folder = "04-cr-normal-implicit";
        var charset = DicomFile.Open(Path.Combine(Peers.RequireCorpus(), "pydicom", "src", "pydicom", "data", "charset_files", file)).Dataset;
        var (result, _) = SampleReports.Analyse(folder);
        var header = PlaoImaging.Reporting.Common.DatasetCopy.Dataset(SamplePresentationStates.Headers(folder)[0]);
        header.AddOrUpdate(PlaoImaging.Reporting.Common.DatasetCopy.Element(charset[DicomTags.SpecificCharacterSet]));
        header.AddOrUpdate(PlaoImaging.Reporting.Common.DatasetCopy.Element(charset[DicomTags.PatientName]));

        var state = Assert.Single(VertebralPresentationStates.Create(result, [header]));
        var scratch = Peers.ScratchDirectory("gsps-charset");
        var path = SamplePresentationStates.Save(state, scratch);
        var back = DicomFile.Open(path).Dataset;

        Assert.Equal(Bytes(charset, DicomTags.PatientName), Bytes(back, DicomTags.PatientName));
        Assert.Equal(charset.GetString(DicomTags.PatientName), back.GetString(DicomTags.PatientName));
        var (_, stdout, stderr) = Peers.Run("dciodvfy", [path]);
        Assert.DoesNotContain("Error", stdout + stderr, StringComparison.Ordinal);
        Directory.Delete(scratch, recursive: true);
    }

    private static byte[] Bytes(DicomDataset dataset, DicomTag tag) => ((DicomValueElement)dataset[tag]).Buffer.GetMemory().ToArray();

    private static bool OnPixelBorder(double centreCoordinate) =>
        Math.Abs(centreCoordinate - Math.Floor(centreCoordinate) - 0.5) < 0.002;

    private static bool Near(GraphicPoint p, double column, double row) =>
        Math.Abs(p.Column - column) < 0.01 && Math.Abs(p.Row - row) < 0.01;

    /// <summary>Renders the image with and without the presentation state; returns both and the height lines DCMTK listed.</summary>
    internal static ((byte[] Pixels, int Width, int Height) Rendered, (byte[] Pixels, int Width, int Height) Plain, List<(GraphicPoint From, GraphicPoint To)> Lines)
        Render(VertebralPresentationState state, string scratch)
    {
        var stem = Path.Combine(scratch, state.State.Identity.InstanceNumber.ToString(CultureInfo.InvariantCulture));
        var pr = SamplePresentationStates.Save(state, scratch);
        var source = Uncompressed(state.Image.Source.Path!, stem);

        var (code, stdout, stderr) = Peers.Run("dcmp2pgm", ["-v", "--pstate", pr, source, stem + "-gsps.pgm"]);
        Assert.True(code == 0, $"dcmp2pgm failed: {stderr}");
        Peers.RunOk("dcmp2pgm", [source, stem + "-plain.pgm"]);
        return (OverlayRaster.ReadPgm(stem + "-gsps.pgm"), OverlayRaster.ReadPgm(stem + "-plain.pgm"), HeightLines(stdout + stderr));
    }

    /// <summary>The image as dcmp2pgm can read it: JPEG sources are decompressed with dcmdjpeg first.</summary>
    internal static string Uncompressed(string source, string stem)
    {
        if (!DicomFile.Open(source, new DicomReadOptions { StopBeforePixelData = true }).TransferSyntax.IsEncapsulated)
        {
            return source;
        }

        Peers.RunOk("dcmdjpeg", [source, stem + "-image.dcm"]);
        return stem + "-image.dcm";
    }

    /// <summary>The polylines dcmp2pgm lists in the PLAO HEIGHTS layers of its verbose dump.</summary>
    private static List<(GraphicPoint From, GraphicPoint To)> HeightLines(string log)
    {
        var lines = new List<(GraphicPoint, GraphicPoint)>();
        bool inHeights = false;
        foreach (var raw in log.Split('\n'))
        {
            var line = raw.Trim();
            if (LayerLine().Match(line) is { Success: true } layer)
            {
                inHeights = layer.Groups[1].Value.StartsWith("PLAO HEIGHTS", StringComparison.Ordinal);
            }
            else if (inHeights && CoordinatesLine().Match(line) is { Success: true } coordinates)
            {
                var values = coordinates.Groups[1].Value.Split([',', '\\'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                Assert.Equal(4, values.Length);
                lines.Add((new GraphicPoint(values[0], values[1]), new GraphicPoint(values[2], values[3])));
            }
        }

        return lines;
    }

    [GeneratedRegex(@"Graphic Layer #\d+ \[(.*)\]")]
    private static partial Regex LayerLine();

    [GeneratedRegex(@"coordinates: (.*)$")]
    private static partial Regex CoordinatesLine();
}
