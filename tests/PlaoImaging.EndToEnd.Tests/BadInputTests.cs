using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests;

/// <summary>
/// Bad input in one batch: each case gets a clear outcome (a reason in the result, never an exception out of the
/// analysis) and the studies after it are still analysed.
/// </summary>
[Trait("Category", "unit")]
public sealed class BadInputTests(Engine engine) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("plao-bad-input-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>A copy of the uncompressed normal sample radiograph as a new study, changed by <paramref name="change"/>.</summary>
    private string Variant(string name, Action<DicomDataset> change)
    {
        var file = DicomFile.Open(Path.Combine(Engine.SampleData, "04-cr-normal-implicit", "lateral.dcm"));
        var dataset = file.Dataset;
        dataset.AddString(DicomTags.StudyInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid());
        dataset.AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid());
        dataset.AddString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid());
        dataset.AddString(DicomTags.PatientID, DicomVR.LO, name);
        change(dataset);
        string path = Path.Combine(folder, name + ".dcm");
        new DicomFile(dataset).Save(path);
        return path;
    }

    private static StudyResult ByPatient(IReadOnlyList<StudyResult> results, string patient) => Assert.Single(results, r => r.PatientId == patient);

    [Fact]
    public void Batch_WithEveryKindOfBadInput_GivesEachAClearOutcomeAndGoesOn()
    {
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not a DICOM file");
        byte[] sample = File.ReadAllBytes(Path.Combine(Engine.SampleData, "02-dx-thoracolumbar-explicit", "lateral.dcm"));
        File.WriteAllBytes(Path.Combine(folder, "truncated.dcm"), sample[..700]);
        Variant("signed", ds =>
        {
            // Same image as signed 16-bit values shifted down by 2048: the model must see the same picture.
            var info = PlaoImaging.Dicom.Imaging.DicomImageInfo.FromDataset(ds);
            var pixels = PlaoImaging.Dicom.Imaging.DicomPixelData.Create(ds, DicomTransferSyntax.ExplicitVRLittleEndian).GetNativeFrame(0);
            var shifted = new byte[pixels.Length];
            for (int i = 0; i < pixels.Length; i += 2)
            {
                short v = (short)(BitConverter.ToUInt16(pixels, i) - 2048);
                BitConverter.TryWriteBytes(shifted.AsSpan(i), v);
            }

            ds.AddValues<ushort>(DicomTags.PixelRepresentation, DicomVR.US, 1);
            ds.AddValues<ushort>(DicomTags.BitsStored, DicomVR.US, 16);
            ds.AddValues<ushort>(DicomTags.HighBit, DicomVR.US, 15);
            ds.AddBytes(DicomTags.PixelData, DicomVR.OW, shifted);
            ds.Remove(DicomTags.WindowCenter);
            ds.Remove(DicomTags.WindowWidth);
            _ = info;
        });
        Variant("one-pixel", ds =>
        {
            ds.AddValues<ushort>(DicomTags.Rows, DicomVR.US, 1);
            ds.AddValues<ushort>(DicomTags.Columns, DicomVR.US, 1);
            ds.AddBytes(DicomTags.PixelData, DicomVR.OW, new byte[2]);
        });
        Variant("huge", ds =>
        {
            // 20,000 x 20,000 declared; refused from the header, before any pixel is decoded.
            ds.AddValues<ushort>(DicomTags.Rows, DicomVR.US, 20000);
            ds.AddValues<ushort>(DicomTags.Columns, DicomVR.US, 20000);
        });
        Variant("short-pixels", ds => ds.AddBytes(DicomTags.PixelData, DicomVR.OW, new byte[1000]));
        Variant("colour", ds =>
        {
            ds.AddString(DicomTags.PhotometricInterpretation, DicomVR.CS, "RGB");
            ds.AddValues<ushort>(DicomTags.SamplesPerPixel, DicomVR.US, 3);
        });
        string good = Variant("good", _ => { });

        var (studies, unreadable) = StudyGrouper.Group([folder], TestContext.Current.CancellationToken);
        Assert.Contains(unreadable, u => u.Path.EndsWith("notes.txt", StringComparison.Ordinal) && u.Reason.Length > 0);
        Assert.Contains(unreadable, u => u.Path.EndsWith("truncated.dcm", StringComparison.Ordinal) && u.Reason.Length > 0);
        var results = studies.Select(s => engine.Analyzer.Analyze(s, TestContext.Current.CancellationToken)).ToList();
        foreach (var result in results)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{result.PatientId}: {result.Status}; {string.Join(" | ", result.Images.Select(i => i.Error ?? $"{i.Vertebrae.Count} vertebrae"))}");
            StudyResultJson.Serialize(result);
        }

        Assert.Equal(StudyStatus.Graded, ByPatient(results, "good").Status);
        var signed = ByPatient(results, "signed");
        Assert.Equal(StudyStatus.Graded, signed.Status);
        Assert.True(signed.Images[0].Vertebrae.Count >= ByPatient(results, "good").Images[0].Vertebrae.Count - 1);
        foreach (var (patient, words) in new[] { ("one-pixel", "small"), ("huge", "20000"), ("short-pixels", "pixel"), ("colour", "colour") })
        {
            var result = ByPatient(results, patient);
            Assert.Equal(StudyStatus.Failed, result.Status);
            var image = Assert.Single(result.Images);
            Assert.NotNull(image.Error);
            Assert.Contains(words, image.Error, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(result.ReviewFlags, f => f.Code == "image-failed");
        }

        Assert.True(File.Exists(good));
    }

    [Fact]
    public void FileReplacedAfterTheStudyWasAssembled_IsReportedNotMeasured()
    {
        string path = Variant("replaced", _ => { });
        var (studies, _) = StudyGrouper.Group([path], TestContext.Current.CancellationToken);
        // A resend of another instance lands at the same path between assembly and analysis.
        string other = Path.Combine(folder, "other.tmp");
        File.Copy(Path.Combine(Engine.SampleData, "02-dx-thoracolumbar-explicit", "lateral.dcm"), other);
        File.Move(other, path, overwrite: true);

        var result = engine.Analyzer.Analyze(Assert.Single(studies), TestContext.Current.CancellationToken);
        Assert.Equal(StudyStatus.Failed, result.Status);
        Assert.Contains("replaced", Assert.Single(result.Images).Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void CorruptCompressedFrame_NeverEscapesAsAnException_AndACutFrameIsReported()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Engine.SampleData, "01-cr-lumbar-mono1-jpegll", "lateral.dcm"));
        int sos = IndexOf(bytes, [0xFF, 0xDA]);
        Assert.True(sos > 0);

        // Noise over the JPEG scan data: the decoder may refuse it or decode noise, but the analysis returns a result.
        byte[] noisy = (byte[])bytes.Clone();
        var random = new Random(7);
        for (int i = sos + 40; i < noisy.Length - 8 && i < sos + 40 + 4000; i++)
        {
            noisy[i] = (byte)random.Next(256);
        }

        // The frame cut in the middle of its scan data (a transfer that stopped): the image is reported with its error.
        byte[] cut = bytes[..(sos + ((bytes.Length - sos) / 2))];
        foreach (var (name, content, mustFail) in new[] { ("noisy", noisy, false), ("cut", cut, true) })
        {
            string path = Path.Combine(folder, name + ".dcm");
            File.WriteAllBytes(path, content);
            var (studies, unreadable) = StudyGrouper.Group([path], TestContext.Current.CancellationToken);
            if (unreadable.Count == 1)
            {
                Assert.True(mustFail, unreadable[0].Reason);
                TestContext.Current.TestOutputHelper?.WriteLine($"{name}: not read: {unreadable[0].Reason}");
                continue;
            }

            var result = engine.Analyzer.Analyze(Assert.Single(studies), TestContext.Current.CancellationToken);
            var image = Assert.Single(result.Images);
            TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {image.Error ?? $"decoded, {image.Vertebrae.Count} vertebrae"}");
            if (mustFail)
            {
                Assert.NotNull(image.Error);
                Assert.Equal(StudyStatus.Failed, result.Status);
            }
        }
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        return -1;
    }
}
