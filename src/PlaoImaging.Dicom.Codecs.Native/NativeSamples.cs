using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Codecs.Native;

/// <summary>Moving samples between a native library's layout and DICOM's native frame layout.</summary>
internal static class NativeSamples
{
    /// <summary>
    /// Rewrites library output (1 or 2 bytes per sample, little-endian; planar or pixel-interleaved) as a DICOM native
    /// frame: pixel-interleaved, <see cref="DicomImageInfo.BitsAllocated"/> wide. Samples are copied as decoded: like
    /// DCMTK and GDCM, bits above the codestream's precision are left zero, not sign-extended (readers take the stored
    /// bits by Bits Stored and High Bit).
    /// </summary>
    public static byte[] ToNativeFrame(ReadOnlySpan<byte> source, int sourceBytes, bool sourcePlanar, DicomImageInfo info)
    {
        int pixels = info.PixelCount;
        int components = info.SamplesPerPixel;
        int outBytes = info.BitsAllocated / 8;
        if ((long)pixels * components * sourceBytes > source.Length)
        {
            throw new ArgumentException("decoded buffer is shorter than the frame", nameof(source));
        }

        var output = new byte[info.FrameBytes];
        for (int c = 0; c < components; c++)
        {
            for (int p = 0; p < pixels; p++)
            {
                int s = sourcePlanar ? (c * pixels) + p : (p * components) + c;
                int v = sourceBytes == 1 ? source[s] : source[2 * s] | (source[(2 * s) + 1] << 8);

                int o = ((p * components) + c) * outBytes;
                output[o] = (byte)v;
                if (outBytes == 2)
                {
                    output[o + 1] = (byte)(v >> 8);
                }
            }
        }

        return output;
    }

    /// <summary>Swaps 16-bit samples in place on big-endian hosts (the libraries read and write host order; DICOM native is little-endian).</summary>
    public static void SwapOnBigEndianHost16(Span<byte> bytes)
    {
        if (BitConverter.IsLittleEndian)
        {
            return;
        }

        for (int i = 0; i + 1 < bytes.Length; i += 2)
        {
            (bytes[i], bytes[i + 1]) = (bytes[i + 1], bytes[i]);
        }
    }
}
