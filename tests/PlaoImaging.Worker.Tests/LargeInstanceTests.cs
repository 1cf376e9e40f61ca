using System.Buffers.Binary;
using System.Globalization;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// A 2 GB instance routed to the worker: stored and acknowledged (streamed to disk, hashed in a stream, its header read
/// without its pixel data), the study ends in a visible state with a reason, the worker stays ready, and its memory
/// never holds the instance (peak resident size well below the instance's size).
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class LargeInstanceTests
{
    // 954 frames of 1,024 × 1,024 × 16 bits: 2,000,683,008 bytes, just over 2 GB (10^9). A single value of 2 GiB or
    // more is beyond what the library holds (Array.MaxLength) and is refused at the C-STORE with C000 naming the tag.
    private const int Frames = 954;
    private const long PixelBytes = Frames * 1024L * 1024 * 2;

    [Fact]
    public async Task A2GBInstance_IsStoredAndEndsInAVisibleState_WithoutHoldingItInMemory()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var worker = await WorkerProcess.StartAsync("worker-2gb", cancellationToken: cancellationToken);
        string source = Path.Combine(Peers.ScratchDirectory("worker-2gb-source"), "large.dcm");
        try
        {
            string studyUid = WriteLargeInstance(source);
            var client = new DicomClient("127.0.0.1", worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO", ResponseTimeout = TimeSpan.FromMinutes(10) });
            var outcome = Assert.Single(await client.StoreAsync([source], null, cancellationToken));
            Assert.True(outcome.Result == DicomStoreResult.Success, $"{outcome.Result}: {outcome.Message}\n{worker.Process!.Describe(30)}");

            var studies = await worker.WaitForStudiesAsync(
                list => list.Any(s => (string?)s!["studyInstanceUid"] == studyUid && (string?)s["state"] is "NoResult" or "Failed" or "Analysed"),
                TimeSpan.FromMinutes(5), cancellationToken);
            var study = studies.Single(s => (string?)s!["studyInstanceUid"] == studyUid)!;
            Assert.Equal("NoResult", (string?)study["state"]);
            Assert.False(string.IsNullOrWhiteSpace((string?)study["reason"]), "a study without a result says why");

            using var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{worker.HttpPort}/") };
            using var ready = await probe.GetAsync("health/ready", cancellationToken);
            Assert.True(ready.IsSuccessStatusCode, $"ready after the 2 GB instance: {(int)ready.StatusCode}");

            long? peakKb = worker.Process!.ProcStatusKb("VmHWM");
            Assert.NotNull(peakKb);
            Assert.True(peakKb < 1024 * 1024, string.Create(CultureInfo.InvariantCulture, $"the worker's peak resident size was {peakKb / 1024} MiB for a 1,908 MiB instance"));

            string stored = Directory.EnumerateFiles(Path.Combine(worker.DataFolder, "dicom"), "*.dcm", SearchOption.AllDirectories).Single();
            Assert.True(new FileInfo(stored).Length > PixelBytes, "the stored instance holds all its pixel data (its File Meta header is the SCP's own)");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(source)!, recursive: true);
            worker.Dispose();
            Directory.Delete(worker.Folder, recursive: true);
        }
    }

    /// <summary>
    /// A Secondary Capture header written by our writer, then Pixel Data (OW, explicit VR little endian) of 2 GB as a
    /// sparse tail: made in no time, read back as zeros. Not a spine image, so the analysis has nothing to measure.
    /// </summary>
    private static string WriteLargeInstance(string path)
    {
        string studyUid = DicomUidGenerator.NewUid();
        var dataset = new DicomDataset()
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7")
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, studyUid)
            .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.Modality, DicomVR.CS, "OT")
            .AddString(DicomTags.PatientID, DicomVR.LO, "LARGE-1")
            .AddString(DicomTags.PatientName, DicomVR.PN, "Large^Instance")
            .AddString(DicomTags.ConversionType, DicomVR.CS, "WSD")
            .AddValues<ushort>(DicomTags.SamplesPerPixel, DicomVR.US, 1)
            .AddString(DicomTags.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2")
            .AddString(DicomTags.NumberOfFrames, DicomVR.IS, Frames.ToString(CultureInfo.InvariantCulture))
            .AddValues<ushort>(DicomTags.Rows, DicomVR.US, 1024)
            .AddValues<ushort>(DicomTags.Columns, DicomVR.US, 1024)
            .AddValues<ushort>(DicomTags.BitsAllocated, DicomVR.US, 16)
            .AddValues<ushort>(DicomTags.BitsStored, DicomVR.US, 16)
            .AddValues<ushort>(DicomTags.HighBit, DicomVR.US, 15)
            .AddValues<ushort>(DicomTags.PixelRepresentation, DicomVR.US, 0);
        new DicomFile(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(header, 0x7FE0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], 0x0010);
        header[4] = (byte)'O';
        header[5] = (byte)'W';
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)PixelBytes);
        stream.Write(header);
        stream.SetLength(stream.Length + PixelBytes);
        return studyUid;
    }
}
