namespace PlaoImaging.Dicom.Imaging.Display;

/// <summary>
/// PALETTE COLOR lookup (PS3.3 C.7.6.3.1.5, C.7.9): Red, Green and Blue Palette Color LUT Descriptor (0028,1101-1103)
/// with their LUT Data (0028,1201-1203) or Segmented LUT Data (0028,1221-1223).
/// </summary>
public sealed class DicomPalette
{
    private static readonly DicomTag[] Descriptors = [new(0x0028, 0x1101), new(0x0028, 0x1102), new(0x0028, 0x1103)];
    private static readonly DicomTag[] Data = [new(0x0028, 0x1201), new(0x0028, 0x1202), new(0x0028, 0x1203)];
    private static readonly DicomTag[] Segmented = [new(0x0028, 0x1221), new(0x0028, 0x1222), new(0x0028, 0x1223)];
    private static readonly string[] Names = ["Red", "Green", "Blue"];

    public DicomPalette(DicomLut red, DicomLut green, DicomLut blue)
    {
        ArgumentNullException.ThrowIfNull(red);
        ArgumentNullException.ThrowIfNull(green);
        ArgumentNullException.ThrowIfNull(blue);
        Red = red;
        Green = green;
        Blue = blue;
    }

    public DicomLut Red { get; }

    public DicomLut Green { get; }

    public DicomLut Blue { get; }

    /// <summary>Reads the three palette LUTs; throws <see cref="DicomPixelDataException"/> when one is missing or malformed.</summary>
    public static DicomPalette FromDataset(DicomDataset dataset, bool signedIndices)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var luts = new DicomLut[3];
        for (int c = 0; c < 3; c++)
        {
            string what = $"{Names[c]} Palette Color LUT";
            var descriptor = DicomDisplayParameters.RawBytes(dataset, Descriptors[c])
                ?? throw new DicomPixelDataException(null, $"PALETTE COLOR image without {what} Descriptor {Descriptors[c]}");
            if (DicomDisplayParameters.RawBytes(dataset, Data[c]) is { } data)
            {
                luts[c] = DicomLut.Parse(descriptor, data, signedIndices, what);
            }
            else if (DicomDisplayParameters.RawBytes(dataset, Segmented[c]) is { } segmented)
            {
                // Segmented data is a sequence of 16-bit words (PS3.3 C.7.9.2).
                var (count, first, bits) = DicomLut.ParseDescriptor(descriptor, signedIndices, what);
                var entries = DicomLut.ExpandSegmented(ToWords(segmented), count, what);
                int max = (1 << bits) - 1;
                for (int i = 0; i < entries.Length; i++)
                {
                    entries[i] = Math.Min(entries[i], max);
                }

                luts[c] = new DicomLut(first, entries, bits);
            }
            else
            {
                throw new DicomPixelDataException(null, $"PALETTE COLOR image without {what} Data {Data[c]} or Segmented {what} Data {Segmented[c]}");
            }
        }

        return new DicomPalette(luts[0], luts[1], luts[2]);
    }

    /// <summary>Interleaved 8-bit RGB for palette indices; each entry is scaled from its bit depth: round(e · 255 / (2^bits − 1)).</summary>
    public byte[] ToRgb8(ReadOnlySpan<int> indices)
    {
        var output = new byte[indices.Length * 3];
        var luts = new[] { Red, Green, Blue };
        for (int c = 0; c < 3; c++)
        {
            var lut = luts[c];
            double scale = 255.0 / lut.MaxEntryValue;
            for (int i = 0; i < indices.Length; i++)
            {
                output[(i * 3) + c] = (byte)Math.Floor((lut.Lookup((long)indices[i]) * scale) + 0.5);
            }
        }

        return output;
    }

    private static ushort[] ToWords(byte[] bytes)
    {
        var words = new ushort[bytes.Length / 2];
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = (ushort)(bytes[2 * i] | (bytes[(2 * i) + 1] << 8));
        }

        return words;
    }
}

/// <summary>Colour samples to 8-bit RGB for display (PS3.3 C.7.6.3.1.2 conversions).</summary>
public static class DicomColor
{
    /// <summary>
    /// Interleaved 8-bit RGB from three sample planes: RGB as is; YBR_FULL / YBR_FULL_422 by the PS3.3 C.7.6.3.1.2
    /// equations (R = Y + 1.402 (Cr − h), G = Y − 0.344136 (Cb − h) − 0.714136 (Cr − h), B = Y + 1.772 (Cb − h), h = 2^(bits−1));
    /// YBR_PARTIAL_422 / YBR_PARTIAL_420 from their 16..235 / 16..240 ranges. Samples of more than 8 bits are scaled:
    /// round(v · 255 / (2^bits − 1)).
    /// </summary>
    public static byte[] ToRgb8(DicomFrameSamples samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.SamplesPerPixel != 3 || samples.IntegerPlanes is not { } planes)
        {
            throw new DicomPixelDataException(null, $"{samples.PhotometricInterpretation} with {samples.SamplesPerPixel} samples per pixel cannot be shown as RGB");
        }

        int n = samples.PixelCount;
        double max = samples.IsSigned ? (1L << (samples.BitsStored - 1)) - 1 : (1L << samples.BitsStored) - 1;
        double half = samples.IsSigned ? 0 : 1L << (samples.BitsStored - 1);
        var output = new byte[n * 3];
        string pi = samples.PhotometricInterpretation;
        bool full = pi is "YBR_FULL" or "YBR_FULL_422";
        bool partial = pi is "YBR_PARTIAL_422" or "YBR_PARTIAL_420";
        if (!full && !partial && pi != "RGB")
        {
            throw new DicomPixelDataException(null, $"photometric interpretation {pi} cannot be converted to RGB");
        }

        double unit = 255.0 / max;
        for (int i = 0; i < n; i++)
        {
            double a = planes[0][i];
            double b = planes[1][i];
            double c = planes[2][i];
            double r, g, bl;
            if (full)
            {
                r = a + (1.402 * (c - half));
                g = a - (0.344136 * (b - half)) - (0.714136 * (c - half));
                bl = a + (1.772 * (b - half));
            }
            else if (partial)
            {
                // Y on 16..235 and Cb, Cr on 16..240 (for 8 bits; scaled with the bit depth).
                double k = (max + 1) / 256.0;
                double y = (a - (16 * k)) * 255.0 / 219.0;
                double cb = (b - (128 * k)) * 255.0 / 224.0;
                double cr = (c - (128 * k)) * 255.0 / 224.0;
                r = y + (1.402 * cr);
                g = y - (0.344136 * cb) - (0.714136 * cr);
                bl = y + (1.772 * cb);
            }
            else
            {
                r = a;
                g = b;
                bl = c;
            }

            output[i * 3] = ToByte(r * unit);
            output[(i * 3) + 1] = ToByte(g * unit);
            output[(i * 3) + 2] = ToByte(bl * unit);
        }

        return output;
    }

    private static byte ToByte(double v) => (byte)Math.Clamp(Math.Floor(v + 0.5), 0, 255);
}
