using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace PlaoImaging.Dicom.Imaging;

/// <summary>
/// The JPEG codecs (ITU-T T.81): baseline and extended sequential DCT (processes 1, 2 and 4) and lossless (process 14,
/// any selection value, and SV1) decoded by our own code to match DCMTK's libjpeg bit for bit; progressive DCT streams
/// (found inside these syntaxes) decoded by JpegLibrary; lossless encoded by our own code.
/// </summary>
internal static class JpegCodecs
{
    public static IEnumerable<IDicomCodec> All() =>
        [new JpegBaselineCodec(), new JpegExtendedCodec(), new JpegLosslessCodec(), new JpegLosslessSV1Codec()];

    /// <summary>
    /// Decodes one frame as DCMTK's dcmdjpeg does by default: the codestream's own process decides the decoder (as
    /// libjpeg does, whatever the transfer syntax says); YCbCr (Photometric Interpretation YBR_FULL, YBR_FULL_422 or
    /// YBR_PARTIAL_422) is converted to RGB, colour-by-pixel; the samples come out in the dataset's Bits Allocated.
    /// Every problem, a JpegLibrary exception included, is a <see cref="DicomPixelDataException"/> naming the frame.
    /// </summary>
    public static DicomDecodedFrame Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame)
    {
        ArgumentNullException.ThrowIfNull(info);
        try
        {
            return DecodeCore(encoded, info, frame);
        }
        catch (DicomException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DicomPixelDataException(frame, $"JPEG decoding failed: {e.Message}", e);
        }
    }

    private static DicomDecodedFrame DecodeCore(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame)
    {
        Validate(info, frame); // bounds the frame, and so every plane below, to DicomImageInfo.MaxFrameBytes
        if (info.IsFloat || info.BitsAllocated is not (8 or 16))
        {
            throw new DicomPixelDataException(frame, $"JPEG frames decode to Bits Allocated 8 or 16, not {info.BitsAllocated}");
        }

        // Everything the frame header declares is checked against the dataset before anything is allocated.
        var stream = JpegCodestream.Parse(encoded, frame);
        var header = stream.Frame;
        if (header.SamplesPerLine != info.Columns || header.Lines != info.Rows)
        {
            throw new DicomPixelDataException(frame, $"JPEG frame is {header.SamplesPerLine} × {header.Lines}; Columns × Rows is {info.Columns} × {info.Rows}");
        }

        if (header.Components.Length != info.SamplesPerPixel)
        {
            throw new DicomPixelDataException(frame, $"JPEG frame has {header.Components.Length} components; Samples per Pixel is {info.SamplesPerPixel}");
        }

        // DCMTK writes whatever precision the codestream has (adjusting Bits Allocated); Bits Stored may differ freely,
        // but the samples must fit the dataset's Bits Allocated here.
        if (header.Precision > info.BitsAllocated)
        {
            throw new DicomPixelDataException(frame, $"JPEG sample precision {header.Precision} does not fit Bits Allocated {info.BitsAllocated}");
        }

        CheckEntropyLength(stream, frame);
        bool ycc = info.PhotometricInterpretation is "YBR_FULL" or "YBR_FULL_422" or "YBR_PARTIAL_422";
        if (ycc && info.IsSigned)
        {
            throw new DicomPixelDataException(frame, $"signed {info.PhotometricInterpretation} samples cannot be converted to RGB (DCMTK refuses them too)");
        }

        if (header.Process == JpegProcess.Lossless && header.Components.Length == 1 && info.BitsAllocated == 16 && !ycc && BitConverter.IsLittleEndian)
        {
            // The radiograph case: one component of 16-bit cells, decoded straight into the frame's bytes (every sample
            // is written, or the decoder throws), with no plane to allocate and copy from.
            var bytes = GC.AllocateUninitializedArray<byte>((int)info.FrameBytes);
            JpegLossless.DecodeInto(encoded, stream, frame, MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan()));
            return new DicomDecodedFrame(bytes, info.PhotometricInterpretation, 0);
        }

        var planes = header.Process == JpegProcess.Lossless
            ? JpegLossless.Decode(encoded, stream, frame)
            : JpegDct.Decode(encoded, stream, frame);

        string photometric = info.PhotometricInterpretation;
        if (ycc)
        {
            if (planes.Length == 3)
            {
                // libjpeg converts at the sample size of the build DCMTK picks for the precision (8, 12 or 16 bits).
                JpegColor.YCbCrToRgb(planes[0], planes[1], planes[2], header.Precision <= 8 ? 8 : header.Precision <= 12 ? 12 : 16);
                photometric = "RGB";
            }
            else
            {
                photometric = "MONOCHROME2"; // libjpeg's output colour space for one component
            }
        }

        return new DicomDecodedFrame(Interleave(planes, info), photometric, 0);
    }

    /// <summary><see cref="DicomImageInfo.Validate"/>, its exception naming the frame.</summary>
    internal static void Validate(DicomImageInfo info, int frame)
    {
        try
        {
            info.Validate();
        }
        catch (DicomPixelDataException e) when (e.Frame is null)
        {
            throw new DicomPixelDataException(frame, e.Message, e);
        }
    }

    /// <summary>
    /// Every Huffman code takes at least one bit: a lossless sample at least 1, a sequential DCT block at least 2 (DC and
    /// end of block), a progressive block at least 1 over all scans. Too little entropy-coded data for the declared frame
    /// is refused before the sample planes are allocated, so a tiny truncated stream cannot claim a huge frame's memory.
    /// </summary>
    private static void CheckEntropyLength(JpegCodestream stream, int frame)
    {
        var header = stream.Frame;
        long available = stream.Segments.Where(s => s.Marker == 0xDA).Sum(s => (long)s.EntropyLength) * 8;
        long needed = 0;
        foreach (var c in header.Components)
        {
            long width = ((long)header.SamplesPerLine * c.H + header.MaxH - 1) / header.MaxH;
            long height = ((long)header.Lines * c.V + header.MaxV - 1) / header.MaxV;
            needed += header.Process switch
            {
                JpegProcess.Lossless => width * height,
                JpegProcess.Progressive => ((width + 7) / 8) * ((height + 7) / 8),
                _ => 2 * ((width + 7) / 8) * ((height + 7) / 8),
            };
        }

        if (available < needed)
        {
            throw new DicomPixelDataException(frame, $"JPEG entropy-coded data of {available / 8} bytes cannot hold a {header.SamplesPerLine} × {header.Lines} × {header.Components.Length} frame (at least {needed} bits): truncated");
        }
    }

    /// <summary>Writes the planes colour-by-pixel in the dataset's Bits Allocated, little-endian.</summary>
    private static byte[] Interleave(ushort[][] planes, DicomImageInfo info)
    {
        int n = planes.Length;
        int pixels = info.PixelCount;
        var bytes = new byte[info.FrameBytes];
        for (int s = 0; s < n; s++)
        {
            var plane = planes[s];
            if (info.BitsAllocated == 8)
            {
                for (int p = 0; p < pixels; p++)
                {
                    bytes[(p * n) + s] = (byte)plane[p];
                }
            }
            else if (n == 1 && BitConverter.IsLittleEndian)
            {
                MemoryMarshal.AsBytes(plane.AsSpan(0, pixels)).CopyTo(bytes); // one copy for the radiograph case
            }
            else
            {
                for (int p = 0; p < pixels; p++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * ((p * n) + s)), plane[p]);
                }
            }
        }

        return bytes;
    }
}

/// <summary>JPEG Baseline (Process 1), 1.2.840.10008.1.2.4.50: decoding only.</summary>
public sealed class JpegBaselineCodec : IDicomCodec
{
    public DicomTransferSyntax TransferSyntax => DicomTransferSyntax.JpegBaseline8Bit;

    public bool CanEncode => false;

    public DicomDecodedFrame Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame) => JpegCodecs.Decode(encoded, info, frame);

    public byte[] Encode(ReadOnlySpan<byte> native, DicomImageInfo info, int frame) =>
        throw new NotSupportedException("JPEG Baseline encoding is not supported");
}

/// <summary>JPEG Extended (Process 2 &amp; 4, 8 or 12 bits), 1.2.840.10008.1.2.4.51: decoding only.</summary>
public sealed class JpegExtendedCodec : IDicomCodec
{
    public DicomTransferSyntax TransferSyntax => DicomTransferSyntax.JpegExtended12Bit;

    public bool CanEncode => false;

    public DicomDecodedFrame Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame) => JpegCodecs.Decode(encoded, info, frame);

    public byte[] Encode(ReadOnlySpan<byte> native, DicomImageInfo info, int frame) =>
        throw new NotSupportedException("JPEG Extended encoding is not supported");
}

/// <summary>JPEG Lossless, Non-Hierarchical (Process 14), 1.2.840.10008.1.2.4.57; encodes with the given selection value (predictor).</summary>
public sealed class JpegLosslessCodec : IDicomCodec
{
    public JpegLosslessCodec(int selectionValue = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(selectionValue, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(selectionValue, 7);
        SelectionValue = selectionValue;
    }

    /// <summary>The predictor (1 to 7, ITU-T T.81 Table H.1) used when encoding.</summary>
    public int SelectionValue { get; }

    public DicomTransferSyntax TransferSyntax => DicomTransferSyntax.JpegLossless;

    public bool CanEncode => true;

    public DicomDecodedFrame Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame) => JpegCodecs.Decode(encoded, info, frame);

    public byte[] Encode(ReadOnlySpan<byte> native, DicomImageInfo info, int frame) => JpegLossless.Encode(native, info, SelectionValue, frame);
}

/// <summary>JPEG Lossless, First-Order Prediction (Process 14, Selection Value 1), 1.2.840.10008.1.2.4.70.</summary>
public sealed class JpegLosslessSV1Codec : IDicomCodec
{
    public DicomTransferSyntax TransferSyntax => DicomTransferSyntax.JpegLosslessSV1;

    public bool CanEncode => true;

    public DicomDecodedFrame Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame) => JpegCodecs.Decode(encoded, info, frame);

    public byte[] Encode(ReadOnlySpan<byte> native, DicomImageInfo info, int frame) => JpegLossless.Encode(native, info, 1, frame);
}
