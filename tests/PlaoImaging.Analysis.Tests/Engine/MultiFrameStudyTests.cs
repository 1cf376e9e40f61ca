using System.Buffers.Binary;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Analysis.Tests.Selection;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Engine;

/// <summary>
/// A multi-frame lateral radiograph (the sample DX made three frames of JPEG Lossless, one fragment each) with one
/// damaged frame. The engine measures frame 1 of a multi-frame radiograph: a damaged other frame, or an offset table
/// entry that points wrong, must not fail it; a damaged frame 1 is that image's error, naming the frame and the cause,
/// and the study still completes.
/// </summary>
[Trait("Category", "unit")]
public sealed class MultiFrameStudyTests : IDisposable
{
    private static readonly ModelManifest Manifest = ModelManifestReader.Read(SampleStudies.PathOf("../models/plao-vertebra-landmarks-v1.json"));

    private readonly string folder = Directory.CreateTempSubdirectory("plao-multiframe-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void DamagedSecondFrameAndWrongOffsetEntry_FrameOneIsMeasuredAsTheSingleFrameFileIs()
    {
        var single = Analyse(SampleStudies.PathOf("03-dx-thoracic-plao-run/lateral.dcm"));
        var multi = Analyse(MultiFrame(damaged: 1));

        Assert.Equal(StudyStatus.Graded, multi.Status);
        var image = Assert.Single(multi.Images);
        Assert.Null(image.Error);
        Assert.Equal(0, image.Source.Frame);
        Assert.Equal(
            single.Levels.Select(l => (l.Level, l.GenantGrade)),
            multi.Levels.Select(l => (l.Level, l.GenantGrade)));
        Assert.Equal(single.Summary.FracturedVertebrae, multi.Summary.FracturedVertebrae);
    }

    [Fact]
    public void DamagedFirstFrame_IsTheImagesErrorNamingFrameOne_AndTheStudyCompletes()
    {
        var result = Analyse(MultiFrame(damaged: 0));

        var image = Assert.Single(result.Images);
        Assert.NotNull(image.Error);
        Assert.Contains("frame 1 cannot be decoded: JPEG codestream", image.Error, StringComparison.Ordinal);
        Assert.Contains("truncated", image.Error, StringComparison.Ordinal);
        Assert.Equal(StudyStatus.Failed, result.Status);
        Assert.Contains(result.ReviewFlags, f => f.Code == "image-failed");
    }

    private static StudyResult Analyse(string path)
    {
        var analyzer = new StudyAnalyzer(new TruthModel(), Manifest, DicomCodecRegistry.CreateDefault());
        var (studies, unreadable) = StudyGrouper.Group([path]);
        Assert.Empty(unreadable);
        return analyzer.Analyze(Assert.Single(studies), TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// The sample's codestream as frames 1-3, frame <paramref name="damaged"/> cut to half its length, and the Basic
    /// Offset Table's entry for frame 3 pointing inside frame 2's item. The truth beside it, for the truth model.
    /// </summary>
    private string MultiFrame(int damaged)
    {
        var source = DicomFile.Open(SampleStudies.PathOf("03-dx-thoracic-plao-run/lateral.dcm"));
        var dataset = source.Dataset.Clone();
        var codestream = DicomPixelData.Create(source).GetEncodedFrame(0);
        byte[][] frames = [codestream, codestream, codestream];
        frames[damaged] = codestream[..(codestream.Length / 4 * 2)];
        var table = new byte[12];
        long position = 0;
        for (int f = 0; f < 3; f++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(4 * f), (uint)(f == 2 ? position - 6 : position));
            position += 8 + frames[f].Length;
        }

        dataset.AddString(DicomTags.NumberOfFrames, DicomVR.IS, "3");
        dataset.AddOrUpdate(new DicomFragmentSequence(DicomTags.PixelData, DicomVR.OB, DicomBuffer.FromMemory(table), [.. frames.Select(f => DicomBuffer.FromMemory(f))]));
        string path = Path.Combine(folder, "lateral.dcm");
        new DicomFile(dataset, source.TransferSyntax).Save(path);
        File.Copy(SampleStudies.PathOf("03-dx-thoracic-plao-run/lateral.json"), Path.Combine(folder, "lateral.json"), overwrite: true);
        return path;
    }
}
