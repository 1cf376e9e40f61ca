using System.Buffers.Binary;
using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>Small image datasets and Image Pixel descriptions for the pixel tests.</summary>
internal static class ImageBuilder
{
    public static DicomImageInfo Info(int rows, int columns, int bitsAllocated, int bitsStored, int highBit, bool signed,
        string photometric = "MONOCHROME2", int samples = 1, int planar = 0, int frames = 1, bool isFloat = false) => new()
        {
            Rows = rows,
            Columns = columns,
            SamplesPerPixel = samples,
            BitsAllocated = bitsAllocated,
            BitsStored = bitsStored,
            HighBit = highBit,
            IsSigned = signed,
            PlanarConfiguration = planar,
            PhotometricInterpretation = photometric,
            NumberOfFrames = frames,
            IsFloat = isFloat,
            PixelDataTag = isFloat ? (bitsAllocated == 64 ? DicomTag.DoubleFloatPixelData : DicomTag.FloatPixelData) : DicomTag.PixelData,
        };

    /// <summary>A dataset with the Image Pixel module of <paramref name="info"/> and native pixel data.</summary>
    public static DicomDataset Dataset(DicomImageInfo info, byte[] pixelData)
    {
        var ds = new DicomDataset();
        ds.AddValues(new DicomTag(0x0028, 0x0002), DicomVR.US, (ushort)info.SamplesPerPixel);
        ds.AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, info.PhotometricInterpretation);
        if (info.SamplesPerPixel > 1)
        {
            ds.AddValues(new DicomTag(0x0028, 0x0006), DicomVR.US, (ushort)info.PlanarConfiguration);
        }

        if (info.NumberOfFrames > 1)
        {
            ds.AddString(new DicomTag(0x0028, 0x0008), DicomVR.IS, info.NumberOfFrames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        ds.AddValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)info.Rows);
        ds.AddValues(new DicomTag(0x0028, 0x0011), DicomVR.US, (ushort)info.Columns);
        ds.AddValues(new DicomTag(0x0028, 0x0100), DicomVR.US, (ushort)info.BitsAllocated);
        if (!info.IsFloat)
        {
            ds.AddValues(new DicomTag(0x0028, 0x0101), DicomVR.US, (ushort)info.BitsStored);
            ds.AddValues(new DicomTag(0x0028, 0x0102), DicomVR.US, (ushort)info.HighBit);
            ds.AddValues(new DicomTag(0x0028, 0x0103), DicomVR.US, (ushort)(info.IsSigned ? 1 : 0));
        }

        var vr = info.IsFloat ? (info.BitsAllocated == 64 ? DicomVR.OD : DicomVR.OF) : info.BitsAllocated <= 8 ? DicomVR.OB : DicomVR.OW;
        ds.AddBytes(info.PixelDataTag, vr, pixelData);
        return ds;
    }

    public static byte[] Words(params int[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), unchecked((ushort)values[i]));
        }

        return bytes;
    }

    public static byte[] Longs(params uint[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }
}
