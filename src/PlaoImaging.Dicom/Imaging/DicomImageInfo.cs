using System.Globalization;

namespace PlaoImaging.Dicom.Imaging;

/// <summary>
/// The Image Pixel module attributes (PS3.3 C.7.6.3) that decide how frames are laid out, read from a dataset and checked.
/// </summary>
public sealed record DicomImageInfo
{
    /// <summary>Largest frame accepted (1 GiB): larger declared dimensions are refused before anything is allocated.</summary>
    public const long MaxFrameBytes = 1L << 30;

    public required int Rows { get; init; }

    public required int Columns { get; init; }

    public required int SamplesPerPixel { get; init; }

    /// <summary>1, 8, 16, 32 (or 64 for Double Float Pixel Data).</summary>
    public required int BitsAllocated { get; init; }

    public required int BitsStored { get; init; }

    public required int HighBit { get; init; }

    /// <summary>True for two's complement samples (Pixel Representation 1).</summary>
    public required bool IsSigned { get; init; }

    /// <summary>0: colour-by-pixel (R1G1B1R2...), 1: colour-by-plane (R1R2...G1G2...B1B2...).</summary>
    public required int PlanarConfiguration { get; init; }

    public required string PhotometricInterpretation { get; init; }

    public required int NumberOfFrames { get; init; }

    /// <summary>Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009) instead of Pixel Data.</summary>
    public bool IsFloat { get; init; }

    /// <summary>The tag holding the pixels.</summary>
    public DicomTag PixelDataTag { get; init; } = DicomTag.PixelData;

    public int PixelCount => Rows * Columns;

    /// <summary>Bytes of one native frame; for 1-bit data the bits of one frame rounded up to whole bytes.</summary>
    public long FrameBytes => BitsAllocated == 1
        ? ((long)PixelCount * SamplesPerPixel + 7) / 8
        : (long)PixelCount * SamplesPerPixel * (BitsAllocated / 8);

    /// <summary>
    /// True when native frames are horizontally subsampled: YBR_FULL_422 or YBR_PARTIAL_422 with three samples, stored
    /// as Y1 Y2 Cb Cr for each pair of pixels of a row (PS3.3 C.7.6.3.1.2). Decoders of compressed syntaxes return
    /// full-resolution samples instead (and say so through <see cref="DicomDecodedFrame.PhotometricInterpretation"/>).
    /// </summary>
    public bool IsNativeSubsampled => SamplesPerPixel == 3 && BitsAllocated >= 8 &&
        PhotometricInterpretation is "YBR_FULL_422" or "YBR_PARTIAL_422";

    /// <summary>
    /// Bytes of one frame as native Pixel Data holds it: <see cref="FrameBytes"/>, except for subsampled 4:2:2 frames,
    /// which take four samples per pair of pixels of a row (an odd last column takes a whole pair).
    /// </summary>
    public long NativeFrameBytes => IsNativeSubsampled
        ? (long)Rows * ((Columns + 1) / 2) * 4 * (BitsAllocated / 8)
        : FrameBytes;

    /// <summary>Bytes of the native pixel data of all frames (1-bit frames are packed without padding between them).</summary>
    public long TotalNativeBytes => BitsAllocated == 1
        ? ((long)PixelCount * SamplesPerPixel * NumberOfFrames + 7) / 8
        : NativeFrameBytes * NumberOfFrames;

    public bool IsColor => SamplesPerPixel > 1 || PhotometricInterpretation == "PALETTE COLOR";

    /// <summary>Reads and validates the Image Pixel attributes; throws <see cref="DicomPixelDataException"/> naming what is wrong.</summary>
    public static DicomImageInfo FromDataset(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var pixelTag = dataset.Contains(DicomTag.PixelData) ? DicomTag.PixelData
            : dataset.Contains(DicomTag.FloatPixelData) ? DicomTag.FloatPixelData
            : dataset.Contains(DicomTag.DoubleFloatPixelData) ? DicomTag.DoubleFloatPixelData
            : throw new DicomPixelDataException(null, "the dataset has no Pixel Data, Float Pixel Data or Double Float Pixel Data");

        int Required(ushort element, string name)
        {
            var tag = new DicomTag(0x0028, element);
            try
            {
                return dataset.GetSingleValue<int>(tag);
            }
            catch (DicomValueException e)
            {
                throw new DicomPixelDataException(null, $"{name} {tag}: {e.Message}", e);
            }
        }

        bool isFloat = pixelTag != DicomTag.PixelData;
        int rows = Required(0x0010, "Rows");
        int columns = Required(0x0011, "Columns");
        int samples = dataset.GetSingleValueOrDefault(new DicomTag(0x0028, 0x0002), 1);
        int bitsAllocated = Required(0x0100, "Bits Allocated");
        int bitsStored = isFloat ? bitsAllocated : dataset.GetSingleValueOrDefault(new DicomTag(0x0028, 0x0101), bitsAllocated);
        int highBit = isFloat ? bitsAllocated - 1 : dataset.GetSingleValueOrDefault(new DicomTag(0x0028, 0x0102), bitsStored - 1);
        int representation = isFloat ? 1 : dataset.GetSingleValueOrDefault(new DicomTag(0x0028, 0x0103), 0);
        int planar = samples > 1 ? dataset.GetSingleValueOrDefault(new DicomTag(0x0028, 0x0006), 0) : 0;
        string photometric = (dataset.GetStringOrDefault(new DicomTag(0x0028, 0x0004)) ?? (samples == 1 ? "MONOCHROME2" : "RGB")).Trim().ToUpperInvariant();
        int frames = 1;
        var framesText = dataset.GetStringOrDefault(new DicomTag(0x0028, 0x0008));
        if (!string.IsNullOrWhiteSpace(framesText) &&
            !int.TryParse(framesText.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out frames))
        {
            throw new DicomPixelDataException(null, $"Number of Frames (0028,0008) '{framesText}' is not an integer");
        }

        var info = new DicomImageInfo
        {
            Rows = rows,
            Columns = columns,
            SamplesPerPixel = samples,
            BitsAllocated = bitsAllocated,
            BitsStored = bitsStored,
            HighBit = highBit,
            IsSigned = representation == 1,
            PlanarConfiguration = planar,
            PhotometricInterpretation = photometric,
            NumberOfFrames = frames,
            IsFloat = isFloat,
            PixelDataTag = pixelTag,
        };
        info.Validate();
        return info;
    }

    /// <summary>Checks that the attributes describe a frame layout that can exist.</summary>
    public void Validate()
    {
        if (Rows <= 0 || Columns <= 0 || Rows > 65535 || Columns > 65535)
        {
            throw new DicomPixelDataException(null, $"Rows × Columns {Rows} × {Columns} is not a valid image size");
        }

        if (SamplesPerPixel is not (1 or 3 or 4))
        {
            throw new DicomPixelDataException(null, $"Samples per Pixel {SamplesPerPixel} is not supported (1 or 3)");
        }

        if (IsFloat ? BitsAllocated is not (32 or 64) : BitsAllocated is not (1 or 8 or 16 or 32))
        {
            throw new DicomPixelDataException(null, $"Bits Allocated {BitsAllocated} is not supported");
        }

        if (BitsStored < 1 || BitsStored > BitsAllocated || HighBit < BitsStored - 1 || HighBit >= BitsAllocated)
        {
            throw new DicomPixelDataException(null, $"Bits Stored {BitsStored} / High Bit {HighBit} do not fit Bits Allocated {BitsAllocated}");
        }

        if (PlanarConfiguration is not (0 or 1))
        {
            throw new DicomPixelDataException(null, $"Planar Configuration {PlanarConfiguration} is not 0 or 1");
        }

        if (NumberOfFrames < 1)
        {
            throw new DicomPixelDataException(null, $"Number of Frames {NumberOfFrames} is not positive");
        }

        // Computed in 64 bits here: PixelCount (Rows × Columns in 32 bits) overflows for 65535 × 65535, which made
        // FrameBytes negative and let the size through.
        long bits = (long)Rows * Columns * SamplesPerPixel * BitsAllocated;
        long frameBytes = (bits + 7) / 8;
        if (frameBytes > MaxFrameBytes)
        {
            throw new DicomPixelDataException(null, $"one frame would take {frameBytes} bytes ({Rows} × {Columns} × {SamplesPerPixel} × {BitsAllocated} bits), over the {MaxFrameBytes}-byte limit");
        }
    }
}

/// <summary>
/// Pixel data that cannot be laid out or decoded; names the frame when one is concerned. The message numbers frames from
/// 1 as DICOM does (Referenced Frame Number, <c>dcmj2pnm +F</c>, <c>plao decode --frame</c>): "Frame 5: ..." is the
/// fifth frame, whose zero-based <see cref="Frame"/> is 4.
/// </summary>
public class DicomPixelDataException : DicomException
{
    public DicomPixelDataException()
    {
    }

    public DicomPixelDataException(string message) : base(message)
    {
    }

    public DicomPixelDataException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public DicomPixelDataException(int? frame, string problem, Exception? innerException = null)
        : base(frame is { } f ? $"Frame {f + 1}: {problem}" : problem, innerException)
    {
        Frame = frame;
    }

    /// <summary>The zero-based frame concerned, when there is one.</summary>
    public int? Frame { get; }

    /// <summary>The frame concerned numbered from 1 as in DICOM (and in the message), when there is one.</summary>
    public int? FrameNumber => Frame + 1;
}
