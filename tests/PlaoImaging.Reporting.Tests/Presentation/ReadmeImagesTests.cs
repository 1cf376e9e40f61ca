using PlaoImaging.Dicom;
using PlaoImaging.Dicom.PresentationState;
using PlaoImaging.Reporting.Presentation;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Presentation;

/// <summary>
/// Writes the pictures the Reporting README shows (to artifacts/scratch/readme-images): the presentation state of the
/// PLAO-run sample as DCMTK's dcmp2pgm renders it with the graphics read back from the written file drawn over it,
/// and the secondary capture of the same image.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class ReadmeImagesTests
{
    private const string Folder = "03-dx-thoracic-plao-run";

    [Fact]
    public void Render_PlaoRunSample_PngsForTheReadme()
    {
        var output = Path.Combine(Peers.RepositoryRoot, "artifacts", "scratch", "readme-images");
        Directory.CreateDirectory(output);
        var scratch = Peers.ScratchDirectory("readme-gsps");
        var (_, states) = SamplePresentationStates.Create(Folder);
        var state = Assert.Single(states);
        var (rendered, _, _) = VertebralPresentationStatesPeerTests.Render(state, scratch);

        var written = GrayscaleSoftcopyPresentationState.FromDataset(DicomFile.Open(SamplePresentationStates.Save(state, scratch)).Dataset);
        var raster = new OverlayRaster(rendered.Pixels, rendered.Width, rendered.Height);
        foreach (var annotation in written.Annotations)
        {
            var layer = written.Layers.Single(l => l.Name == annotation.Layer);
            var colour = Colour(layer.Name);
            foreach (var graphic in annotation.Graphics)
            {
                if (graphic.Type == GraphicType.Point)
                {
                    raster.Point(graphic.Points[0], colour);
                }
                else
                {
                    for (int i = 1; i < graphic.Points.Count; i++)
                    {
                        raster.Line(graphic.Points[i - 1], graphic.Points[i], colour);
                    }
                }
            }
        }

        var gspsPng = Path.Combine(output, "gsps-03-dcmp2pgm.png");
        SampleCaptures.SavePng(raster.Rgb, raster.Width, raster.Height, gspsPng);
        var capture = Assert.Single(SampleCaptures.Create(Folder).Captures);
        var scPng = Path.Combine(output, "sc-03.png");
        SampleCaptures.SavePng(capture.Rgb, capture.Columns, capture.Rows, scPng);

        Assert.InRange(new FileInfo(gspsPng).Length, 1, 300 * 1024);
        Assert.InRange(new FileInfo(scPng).Length, 1, 300 * 1024);
        Directory.Delete(scratch, recursive: true);
    }

    private static (byte R, byte G, byte B) Colour(string layer) => layer switch
    {
        VertebralPresentationStates.LandmarksLayer => GradeColors.Landmarks,
        "PLAO HEIGHTS NG" => GradeColors.ForGrade(0, graded: false),
        _ when layer.StartsWith("PLAO HEIGHTS G", StringComparison.Ordinal) => GradeColors.ForGrade(layer[^1] - '0', graded: true),
        _ => GradeColors.Labels,
    };
}
