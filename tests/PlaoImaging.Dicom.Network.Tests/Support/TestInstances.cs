using System.Buffers.Binary;
using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.Support;

/// <summary>Small image instances made with the <see cref="DicomFile"/> API, and reads of what the SCP stored.</summary>
internal static class TestInstances
{
    /// <summary>A 16-bit MONOCHROME2 image of <paramref name="rows"/> × <paramref name="columns"/> with a gradient that RLE compresses but does not make trivial.</summary>
    public static DicomDataset Image(string sopClassUid, string studyUid, string seriesUid, string sopInstanceUid, int rows = 16, int columns = 16, string patientId = "PAT-1", string modality = "OT")
    {
        var pixels = new byte[rows * columns * 2];
        for (int i = 0; i < rows * columns; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(2 * i), (ushort)((i * 37) % 4096));
        }

        return new DicomDataset()
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, sopClassUid)
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, sopInstanceUid)
            .AddString(DicomTags.Modality, DicomVR.CS, modality)
            .AddString(DicomTags.PatientName, DicomVR.PN, "Test^Patient")
            .AddString(DicomTags.PatientID, DicomVR.LO, patientId)
            .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, studyUid)
            .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, seriesUid)
            .AddValues(new DicomTag(0x0028, 0x0002), DicomVR.US, (ushort)1)
            .AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2")
            .AddValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)rows)
            .AddValues(new DicomTag(0x0028, 0x0011), DicomVR.US, (ushort)columns)
            .AddValues(new DicomTag(0x0028, 0x0100), DicomVR.US, (ushort)16)
            .AddValues(new DicomTag(0x0028, 0x0101), DicomVR.US, (ushort)12)
            .AddValues(new DicomTag(0x0028, 0x0102), DicomVR.US, (ushort)11)
            .AddValues(new DicomTag(0x0028, 0x0103), DicomVR.US, (ushort)0)
            .AddBytes(DicomTag.PixelData, DicomVR.OW, pixels);
    }

    /// <summary>A new image with fresh UIDs.</summary>
    public static DicomDataset NewImage(string sopClassUid = SamplePdus.SecondaryCaptureImageStorage, int rows = 16, int columns = 16) =>
        Image(sopClassUid, DicomUidGenerator.NewUid(), DicomUidGenerator.NewUid(), DicomUidGenerator.NewUid(), rows, columns);

    /// <summary>Writes the dataset as a Part 10 file in <paramref name="syntax"/> (RLE: encoded with the default codecs first).</summary>
    public static string Write(DicomDataset dataset, string path, DicomTransferSyntax syntax)
    {
        var file = new DicomFile(dataset, DicomTransferSyntax.ExplicitVRLittleEndian);
        if (syntax.IsEncapsulated)
        {
            file = DicomTranscoder.Transcode(file, syntax, DicomCodecRegistry.CreateDefault());
        }

        file.Save(path, new DicomWriteOptions { TransferSyntax = syntax });
        Assert.Equal(syntax.Uid, DicomFile.Open(path).TransferSyntax.Uid);
        return path;
    }

    /// <summary>The data set bytes of a Part 10 file (after the File Meta Information, found from its group length).</summary>
    public static byte[] DataSetBytes(string path) => DataSetBytes(File.ReadAllBytes(path));

    public static byte[] DataSetBytes(byte[] file)
    {
        Assert.True(file.Length >= 144 && file.AsSpan(128, 4).SequenceEqual("DICM"u8), "not a Part 10 file");
        Assert.Equal(0x00000002u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(132)));
        int start = 144 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(140));
        return file.AsSpan(start).ToArray();
    }

    /// <summary>The bytes of an element's value (read fully into memory).</summary>
    public static byte[] ValueBytes(DicomDataset dataset, DicomTag tag) => ((DicomValueElement)dataset[tag]).Buffer.GetMemory().ToArray();

    /// <summary>Where the SCP stores an instance by default: Study/Series/SOP.dcm under the storage folder.</summary>
    public static string StoredPath(string storage, DicomDataset dataset) => Path.Combine(
        storage,
        dataset.GetString(DicomTags.StudyInstanceUID),
        dataset.GetString(DicomTags.SeriesInstanceUID),
        dataset.GetString(DicomTags.SOPInstanceUID) + ".dcm");
}
