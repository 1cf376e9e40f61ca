using PlaoImaging.Dicom.PresentationState;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Tests.PresentationState;

/// <summary>The written presentation state judged by dicom3tools' dciodvfy (the GSPS IOD) and read by DCMTK's dcmdump.</summary>
[Trait("Category", "peer")]
public sealed class GrayscaleSoftcopyPresentationStatePeerTests
{
    [Fact]
    public void Save_Sample_DciodvfyFindsNoErrorAndDcmdumpReadsIt()
    {
        var dataset = PresentationStateSamples.PatientAndStudy();
        PresentationStateSamples.Build(images: [PresentationStateSamples.Image, PresentationStateSamples.MultiFrame]).AddTo(dataset);
        var scratch = Peers.ScratchDirectory("gsps-builder");
        var path = Path.Combine(scratch, "gsps.dcm");
        new DicomFile(dataset).Save(path);

        var (_, stdout, stderr) = Peers.Run("dciodvfy", [path]);
        var report = stdout + stderr;
        Assert.Contains("GrayscaleSoftcopyPresentationState", report, StringComparison.Ordinal);
        Assert.DoesNotContain("Error", report, StringComparison.Ordinal);

        var dump = Peers.RunOk("dcmdump", ["-q", path]);
        Assert.Contains("(0070,0022) FL 10.5\\20.5\\40.5\\20.5", dump, StringComparison.Ordinal);
        Assert.Contains("(0070,0080) CS [TEST OVERLAY]", dump, StringComparison.Ordinal);
        Directory.Delete(scratch, recursive: true);
    }
}
