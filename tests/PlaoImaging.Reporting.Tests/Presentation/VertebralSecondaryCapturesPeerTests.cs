using PlaoImaging.Dicom;
using PlaoImaging.Reporting.Tests.Sr;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Presentation;

/// <summary>The secondary captures of every sample study judged by dciodvfy (no error, no warning) and read by dcmdump; their image part compared with DCMTK's dcmp2pgm rendering.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class VertebralSecondaryCapturesPeerTests
{
    [Theory]
    [MemberData(nameof(SampleReports.Reported), MemberType = typeof(SampleReports))]
    public void Save_SampleStudy_DciodvfyWithoutErrorsAndDcmdumpReadsIt(string folder)
    {
        var (_, captures) = SampleCaptures.Create(folder);
        var scratch = Peers.ScratchDirectory("sc-" + folder[..2]);
        Assert.NotEmpty(captures);
        foreach (var capture in captures)
        {
            var path = Path.Combine(scratch, "SC-" + capture.Dataset.GetString(DicomTags.InstanceNumber) + ".dcm");
            new DicomFile(capture.Dataset).Save(path);
            var (_, stdout, stderr) = Peers.Run("dciodvfy", [path]);
            var findings = (stdout + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l != "SCImage").ToList();
            Assert.True(findings.Count == 0, $"dciodvfy on {folder}:\n" + string.Join('\n', findings));
            Peers.RunOk("dcmdump", ["-q", path]);

            // Below the banner, where nothing is drawn, the capture is the image as DCMTK windows it (within 1 level).
            var stem = Path.Combine(scratch, "plain-" + capture.Dataset.GetString(DicomTags.InstanceNumber));
            Peers.RunOk("dcmp2pgm", [VertebralPresentationStatesPeerTests.Uncompressed(capture.Image.Source.Path!, stem), stem + ".pgm"]);
            var (plain, width, height) = OverlayRaster.ReadPgm(stem + ".pgm");
            Assert.Equal((capture.Columns, capture.Rows - capture.BannerRows), (width, height));
            int grey = 0, same = 0;
            for (int i = 0; i < width * height; i++)
            {
                int j = 3 * (i + (capture.BannerRows * width));
                if (capture.Rgb[j] == capture.Rgb[j + 1] && capture.Rgb[j] == capture.Rgb[j + 2])
                {
                    grey++;
                    same += Math.Abs(capture.Rgb[j] - plain[i]) <= 1 ? 1 : 0;
                }
            }

            Assert.True(grey > width * height * 0.8, $"only {grey} of {width * height} pixels are undrawn grey");
            // Antialiased text and its black shadow leave grey pixels that differ: a few percent on the 256 x 256 MR slices.
            Assert.True(same > grey * 0.95, $"{same} of {grey} undrawn pixels match DCMTK's rendering within 1");
        }

        Directory.Delete(scratch, recursive: true);
    }
}
