using System.Buffers.Binary;
using PlaoImaging.Dicom;

namespace PlaoImaging.Analysis.Tests.ImagingReader;

/// <summary>Small images built in memory with the library's dataset API.</summary>
internal static class SyntheticImages
{
    /// <summary>A 16-bit grayscale dataset whose stored value at (row, column) is <paramref name="value"/>(row, column).</summary>
    public static DicomDataset Gray(
        int rows,
        int columns,
        Func<int, int, int>? value = null,
        string photometric = "MONOCHROME2",
        bool signed = false,
        int bitsStored = 12,
        string modality = "DX",
        int frames = 1)
    {
        value ??= (r, c) => (r * 7) + c;
        var bytes = new byte[rows * columns * 2 * frames];
        for (int f = 0; f < frames; f++)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    int v = value(r, c) + (f * 1000);
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(((f * rows * columns) + (r * columns) + c) * 2), (ushort)(short)v);
                }
            }
        }

        var ds = Header(modality);
        ds.AddValues(DicomTags.SamplesPerPixel, DicomVR.US, (ushort)1);
        ds.AddString(DicomTags.PhotometricInterpretation, DicomVR.CS, photometric);
        ds.AddValues(DicomTags.Rows, DicomVR.US, (ushort)rows);
        ds.AddValues(DicomTags.Columns, DicomVR.US, (ushort)columns);
        ds.AddValues(DicomTags.BitsAllocated, DicomVR.US, (ushort)16);
        ds.AddValues(DicomTags.BitsStored, DicomVR.US, (ushort)bitsStored);
        ds.AddValues(DicomTags.HighBit, DicomVR.US, (ushort)(bitsStored - 1));
        ds.AddValues(DicomTags.PixelRepresentation, DicomVR.US, (ushort)(signed ? 1 : 0));
        if (frames > 1)
        {
            ds.AddString(DicomTags.NumberOfFrames, DicomVR.IS, frames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        ds.AddBytes(DicomTags.PixelData, DicomVR.OW, bytes);
        return ds;
    }

    /// <summary>The identifying attributes every image has.</summary>
    public static DicomDataset Header(string modality = "DX")
    {
        var ds = new DicomDataset();
        ds.AddString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.1.1");
        ds.AddString(DicomTags.SOPInstanceUID, DicomVR.UI, "1.2.826.0.1.3680043.10.1234.9.1");
        ds.AddString(DicomTags.StudyInstanceUID, DicomVR.UI, "1.2.826.0.1.3680043.10.1234.9");
        ds.AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, "1.2.826.0.1.3680043.10.1234.9.2");
        ds.AddString(DicomTags.Modality, DicomVR.CS, modality);
        return ds;
    }

    /// <summary>Writes the dataset with the library's writer and reads it back (a Part 10 round trip).</summary>
    public static DicomFile RoundTrip(DicomDataset dataset)
    {
        using var stream = new MemoryStream();
        new DicomFile(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Write(stream);
        stream.Position = 0;
        return DicomFile.Read(stream);
    }
}
