using System.Runtime.InteropServices;
using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Codecs.Native;

/// <summary>
/// JPEG 2000 (1.2.840.10008.1.2.4.90 lossless, .91) and High-Throughput JPEG 2000 (.201, .202, .203) through the
/// system's OpenJPEG (HTJ2K decoding needs OpenJPEG 2.5 or later). The main header is read in managed code first and
/// checked against the dataset (size, components, precision, tiles), so OpenJPEG never allocates for a frame other than
/// the one the dataset declares. A JP2 wrapper, which DICOM does not allow but some writers add, is unwrapped to its
/// codestream. Decoded frames are colour-by-pixel; YBR_ICT and YBR_RCT come out as RGB (OpenJPEG undoes the
/// multiple-component transform), as PS3.5 8.2.4 says. Encoding (.90 reversible, .91 irreversible at a compression
/// ratio) leaves the multiple-component transform off so that the Photometric Interpretation stays as it is.
/// </summary>
public sealed class Jpeg2000Codec : IDicomCodec
{
    private readonly NativeLibraryLoader library;
    private readonly bool lossless;

    /// <summary>A JPEG 2000 codec for <paramref name="syntax"/>.</summary>
    /// <param name="syntax">1.2.840.10008.1.2.4.90, .91, .201, .202 or .203.</param>
    /// <param name="compressionRatio">Target compression ratio for .91 encoding (irreversible 9/7 wavelet).</param>
    public Jpeg2000Codec(DicomTransferSyntax syntax, double compressionRatio = 10)
        : this(syntax, compressionRatio, NativeLibraries.OpenJpeg)
    {
    }

    internal Jpeg2000Codec(DicomTransferSyntax syntax, double compressionRatio, NativeLibraryLoader library)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        ArgumentNullException.ThrowIfNull(library);
        string uid = syntax.Uid;
        IsHighThroughput = uid == DicomTransferSyntax.HtJpeg2000Lossless.Uid || uid == DicomTransferSyntax.HtJpeg2000RpclLossless.Uid || uid == DicomTransferSyntax.HtJpeg2000.Uid;
        if (!IsHighThroughput && uid != DicomTransferSyntax.Jpeg2000Lossless.Uid && uid != DicomTransferSyntax.Jpeg2000.Uid)
        {
            throw new ArgumentException($"{syntax.Name} is not a JPEG 2000 transfer syntax this codec handles", nameof(syntax));
        }

        if (!(compressionRatio >= 1 && compressionRatio <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(compressionRatio), compressionRatio, "the compression ratio must be 1 to 1000");
        }

        TransferSyntax = syntax;
        lossless = uid == DicomTransferSyntax.Jpeg2000Lossless.Uid;
        CompressionRatio = compressionRatio;
        this.library = library;
        NativeLibraries.EnsureResolver();
    }

    public DicomTransferSyntax TransferSyntax { get; }

    /// <summary>OpenJPEG 2.5 encodes only classic JPEG 2000: .90 and .91.</summary>
    public bool CanEncode => !IsHighThroughput;

    public bool IsHighThroughput { get; }

    /// <summary>Target ratio when encoding .91.</summary>
    public double CompressionRatio { get; }

    private string Name => IsHighThroughput ? "HTJ2K" : "JPEG 2000";

    public DicomDecodedFrame Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame)
    {
        ArgumentNullException.ThrowIfNull(info);
        CheckLayout(info, frame);
        library.EnsureAvailable($"{Name} decoding", frame);
        var header = J2kCodestream.Parse(encoded, frame);
        CheckHeader(header, info, frame);
        if (header.HighThroughput && !SupportsHighThroughput(out var version))
        {
            throw library.Unavailable("HTJ2K decoding", frame, $"HTJ2K needs OpenJPEG 2.5 or later; version {version} is installed");
        }

        try
        {
            return DecodeCore(encoded.Slice(header.Offset, header.Length), header, info, frame);
        }
        catch (EntryPointNotFoundException e)
        {
            throw library.Unavailable($"{Name} decoding", frame, "the installed OpenJPEG lacks a function of the OpenJPEG 2 API", e);
        }
    }

    public byte[] Encode(ReadOnlySpan<byte> native, DicomImageInfo info, int frame)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (!CanEncode)
        {
            throw new NotSupportedException($"{TransferSyntax.Name} encoding is not available (OpenJPEG 2.5 has no HTJ2K encoder)");
        }

        CheckLayout(info, frame);
        if (info.BitsAllocated == 1 || info.BitsStored > 24)
        {
            throw new DicomPixelDataException(frame, $"JPEG 2000 encoding of Bits Allocated {info.BitsAllocated} / Bits Stored {info.BitsStored} is not supported");
        }

        if (native.Length < info.FrameBytes)
        {
            throw new DicomPixelDataException(frame, $"native frame of {native.Length} bytes; {info.FrameBytes} expected");
        }

        library.EnsureAvailable("JPEG 2000 encoding", frame);
        try
        {
            return EncodeCore(native, info, frame);
        }
        catch (EntryPointNotFoundException e)
        {
            throw library.Unavailable("JPEG 2000 encoding", frame, "the installed OpenJPEG lacks a function of the OpenJPEG 2 API", e);
        }
    }

    /// <summary>Whether the loaded OpenJPEG decodes HTJ2K (2.5.0 and later).</summary>
    internal bool SupportsHighThroughput(out string version)
    {
        version = OpenJpegInterop.VersionText();
        var parts = version.Split('.');
        return parts.Length >= 2 && int.TryParse(parts[0], out int major) && int.TryParse(parts[1], out int minor)
            && (major > 2 || (major == 2 && minor >= 5));
    }

    private static void CheckLayout(DicomImageInfo info, int frame)
    {
        if (info.IsFloat || info.BitsAllocated is not (1 or 8 or 16 or 32))
        {
            throw new DicomPixelDataException(frame, $"JPEG 2000 with Bits Allocated {info.BitsAllocated}{(info.IsFloat ? " (float)" : string.Empty)} is not supported");
        }

        if (info.BitsAllocated == 1 && info.SamplesPerPixel != 1)
        {
            throw new DicomPixelDataException(frame, "1-bit JPEG 2000 frames must have one sample per pixel");
        }

        if (info.FrameBytes > DicomImageInfo.MaxFrameBytes)
        {
            throw new DicomPixelDataException(frame, $"a frame of {info.FrameBytes} bytes is over the {DicomImageInfo.MaxFrameBytes}-byte limit");
        }
    }

    private void CheckHeader(J2kHeader header, DicomImageInfo info, int frame)
    {
        if (header.Tiles > 65535)
        {
            throw new DicomPixelDataException(frame, $"the {Name} codestream declares {header.Tiles} tiles; at most 65535 are allowed");
        }

        if (header.Width != info.Columns || header.Height != info.Rows)
        {
            throw new DicomPixelDataException(frame, $"the {Name} codestream is {header.Width} × {header.Height}; the dataset says {info.Columns} × {info.Rows} (Columns × Rows)");
        }

        if (header.Components != info.SamplesPerPixel)
        {
            throw new DicomPixelDataException(frame, $"the {Name} codestream has {header.Components} components; the dataset says {info.SamplesPerPixel} samples per pixel");
        }

        if (header.Subsampled)
        {
            throw new DicomPixelDataException(frame, $"the {Name} codestream has subsampled components, which a DICOM frame cannot hold");
        }

        for (int c = 0; c < header.Components; c++)
        {
            int precision = header.Precision[c];
            if (precision > Math.Min(info.BitsAllocated, 31))
            {
                throw new DicomPixelDataException(frame, $"component {c} of the {Name} codestream has {precision}-bit samples, which do not fit Bits Allocated {info.BitsAllocated}");
            }
        }
    }

    private unsafe DicomDecodedFrame DecodeCore(ReadOnlySpan<byte> codestream, J2kHeader header, DicomImageInfo info, int frame)
    {
        var log = new OpenJpegCallbacks.MessageLog();
        var logHandle = GCHandle.Alloc(log);
        byte* parameters = (byte*)NativeMemory.AllocZeroed(OpenJpegInterop.ParametersBlockBytes);
        nint codec = 0;
        nint stream = 0;
        OpenJpegInterop.Image* image = null;
        try
        {
            fixed (byte* data = codestream)
            {
                var state = new OpenJpegCallbacks.ReadState { Data = data, Length = codestream.Length, Position = 0 };
                codec = OpenJpegInterop.CreateDecompress(OpenJpegInterop.CodecJ2k);
                if (codec == 0)
                {
                    throw new DicomPixelDataException(frame, "OpenJPEG could not create a decoder");
                }

                SetHandlers(codec, logHandle);
                OpenJpegInterop.SetDefaultDecoderParameters(parameters);
                Check(OpenJpegInterop.SetupDecoder(codec, parameters), "setting up the decoder", log, frame);
                if (library.GetExport("opj_decoder_set_strict_mode") != 0)
                {
                    // Strict: a truncated codestream is an error, not a partly decoded image.
                    Check(OpenJpegInterop.DecoderSetStrictMode(codec, 1), "setting strict mode", log, frame);
                }

                if ((long)info.PixelCount * info.SamplesPerPixel >= 1 << 20 && OpenJpegInterop.HasThreadSupport() != 0)
                {
                    OpenJpegInterop.CodecSetThreads(codec, Math.Min(Environment.ProcessorCount, 8));
                }

                stream = OpenJpegInterop.StreamCreate((nuint)Math.Clamp(codestream.Length, 4096, 1 << 20), 1);
                if (stream == 0)
                {
                    throw new DicomPixelDataException(frame, "OpenJPEG could not create a stream");
                }

                OpenJpegInterop.StreamSetReadFunction(stream, OpenJpegCallbacks.ReadFunction);
                OpenJpegInterop.StreamSetSkipFunction(stream, OpenJpegCallbacks.SkipFunction);
                OpenJpegInterop.StreamSetSeekFunction(stream, OpenJpegCallbacks.SeekFunction);
                OpenJpegInterop.StreamSetUserData(stream, &state, 0);
                OpenJpegInterop.StreamSetUserDataLength(stream, (ulong)codestream.Length);

                Check(OpenJpegInterop.ReadHeader(stream, codec, &image), "reading the header", log, frame);
                CheckImage(image, info, frame, decoded: false);
                Check(OpenJpegInterop.Decode(codec, stream, image), "decoding", log, frame);
                Check(OpenJpegInterop.EndDecompress(codec, stream), "finishing", log, frame);
                CheckImage(image, info, frame, decoded: true);
                var output = ToNativeFrame(image, info);
                string photometric = info.PhotometricInterpretation is "YBR_ICT" or "YBR_RCT" ? "RGB" : info.PhotometricInterpretation;
                return new DicomDecodedFrame(output, photometric, 0);
            }
        }
        finally
        {
            if (image is not null)
            {
                OpenJpegInterop.ImageDestroy(image);
            }

            if (stream != 0)
            {
                OpenJpegInterop.StreamDestroy(stream);
            }

            if (codec != 0)
            {
                OpenJpegInterop.DestroyCodec(codec);
            }

            NativeMemory.Free(parameters);
            logHandle.Free();
        }
    }

    private unsafe void CheckImage(OpenJpegInterop.Image* image, DicomImageInfo info, int frame, bool decoded)
    {
        if (image is null || image->Components is null)
        {
            throw new DicomPixelDataException(frame, $"OpenJPEG returned no image for the {Name} codestream");
        }

        if (image->X1 - image->X0 != (uint)info.Columns || image->Y1 - image->Y0 != (uint)info.Rows || image->ComponentCount != (uint)info.SamplesPerPixel)
        {
            throw new DicomPixelDataException(frame, $"OpenJPEG reports a {image->X1 - image->X0} × {image->Y1 - image->Y0} image of {image->ComponentCount} components; the dataset says {info.Columns} × {info.Rows} × {info.SamplesPerPixel}");
        }

        for (int c = 0; c < info.SamplesPerPixel; c++)
        {
            var component = image->Components[c];
            if (component.Width != (uint)info.Columns || component.Height != (uint)info.Rows || component.Dx != 1 || component.Dy != 1 || component.Factor != 0)
            {
                throw new DicomPixelDataException(frame, $"OpenJPEG reports component {c} as {component.Width} × {component.Height} (sampling {component.Dx} × {component.Dy}, reduction {component.Factor}); {info.Columns} × {info.Rows} is needed");
            }

            if (component.Precision < 1 || component.Precision > Math.Min(info.BitsAllocated, 31))
            {
                throw new DicomPixelDataException(frame, $"OpenJPEG reports {component.Precision}-bit samples for component {c}, which do not fit Bits Allocated {info.BitsAllocated}");
            }

            if (decoded && component.Data is null)
            {
                throw new DicomPixelDataException(frame, $"OpenJPEG decoded no samples for component {c}");
            }
        }
    }

    /// <summary>OpenJPEG's 32-bit samples (one array per component) as a DICOM native frame.</summary>
    private static unsafe byte[] ToNativeFrame(OpenJpegInterop.Image* image, DicomImageInfo info)
    {
        int pixels = info.PixelCount;
        int components = info.SamplesPerPixel;
        var output = new byte[info.FrameBytes];
        for (int c = 0; c < components; c++)
        {
            var component = image->Components[c];
            var samples = new ReadOnlySpan<int>(component.Data, pixels);

            // Values as OpenJPEG gives them: signed components in two's complement across the whole cell; an unsigned
            // codestream for signed data (seen in the wild) is left as it is, as GDCM leaves it.
            switch (info.BitsAllocated)
            {
                case 1:
                    for (int p = 0; p < pixels; p++)
                    {
                        if ((samples[p] & 1) != 0)
                        {
                            output[p >> 3] |= (byte)(1 << (p & 7));
                        }
                    }

                    break;
                case 8:
                    for (int p = 0, o = c; p < pixels; p++, o += components)
                    {
                        int v = samples[p];
                        output[o] = (byte)v;
                    }

                    break;
                case 16:
                    for (int p = 0, o = 2 * c; p < pixels; p++, o += 2 * components)
                    {
                        int v = samples[p];
                        output[o] = (byte)v;
                        output[o + 1] = (byte)(v >> 8);
                    }

                    break;
                default:
                    for (int p = 0, o = 4 * c; p < pixels; p++, o += 4 * components)
                    {
                        int v = samples[p];
                        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(o), v);
                    }

                    break;
            }
        }

        return output;
    }

    private unsafe byte[] EncodeCore(ReadOnlySpan<byte> native, DicomImageInfo info, int frame)
    {
        int components = info.SamplesPerPixel;
        var parms = stackalloc OpenJpegInterop.ComponentParameters[components];
        for (int c = 0; c < components; c++)
        {
            parms[c] = new OpenJpegInterop.ComponentParameters
            {
                Dx = 1,
                Dy = 1,
                Width = (uint)info.Columns,
                Height = (uint)info.Rows,
                Precision = (uint)info.BitsStored,
                Bpp = (uint)info.BitsStored,
                Signed = info.IsSigned ? 1u : 0u,
            };
        }

        var log = new OpenJpegCallbacks.MessageLog();
        var logHandle = GCHandle.Alloc(log);
        var output = new OpenJpegCallbacks.OutputBuffer();
        var outputHandle = GCHandle.Alloc(output);
        byte* parameters = (byte*)NativeMemory.AllocZeroed(OpenJpegInterop.ParametersBlockBytes);
        nint codec = 0;
        nint stream = 0;
        OpenJpegInterop.Image* image = null;
        try
        {
            image = OpenJpegInterop.ImageCreate((uint)components, parms, components == 1 ? OpenJpegInterop.ColorSpaceGray : OpenJpegInterop.ColorSpaceSrgb);
            if (image is null)
            {
                throw new DicomPixelDataException(frame, "OpenJPEG could not create an image (out of memory)");
            }

            image->X0 = 0;
            image->Y0 = 0;
            image->X1 = (uint)info.Columns;
            image->Y1 = (uint)info.Rows;
            FillImage(image, native, info);

            OpenJpegInterop.SetDefaultEncoderParameters(parameters);
            *(int*)(parameters + OpenJpegInterop.CparamsNumLayers) = 1;
            *(float*)(parameters + OpenJpegInterop.CparamsRates) = lossless ? 0f : (float)CompressionRatio;
            *(int*)(parameters + OpenJpegInterop.CparamsDistoAlloc) = 1;
            *(int*)(parameters + OpenJpegInterop.CparamsIrreversible) = lossless ? 0 : 1;
            *(int*)(parameters + OpenJpegInterop.CparamsNumResolution) = Resolutions(info);
            parameters[OpenJpegInterop.CparamsMct] = 0;

            codec = OpenJpegInterop.CreateCompress(OpenJpegInterop.CodecJ2k);
            if (codec == 0)
            {
                throw new DicomPixelDataException(frame, "OpenJPEG could not create an encoder");
            }

            SetHandlers(codec, logHandle);
            Check(OpenJpegInterop.SetupEncoder(codec, parameters, image), "setting up the encoder", log, frame);
            stream = OpenJpegInterop.StreamCreate(1 << 20, 0);
            if (stream == 0)
            {
                throw new DicomPixelDataException(frame, "OpenJPEG could not create a stream");
            }

            OpenJpegInterop.StreamSetWriteFunction(stream, OpenJpegCallbacks.WriteFunction);
            OpenJpegInterop.StreamSetSkipFunction(stream, OpenJpegCallbacks.WriteSkipFunction);
            OpenJpegInterop.StreamSetSeekFunction(stream, OpenJpegCallbacks.WriteSeekFunction);
            OpenJpegInterop.StreamSetUserData(stream, (void*)GCHandle.ToIntPtr(outputHandle), 0);
            Check(OpenJpegInterop.StartCompress(codec, image, stream), "starting", log, frame);
            Check(OpenJpegInterop.Encode(codec, stream), "encoding", log, frame);
            Check(OpenJpegInterop.EndCompress(codec, stream), "finishing", log, frame);
        }
        finally
        {
            if (stream != 0)
            {
                OpenJpegInterop.StreamDestroy(stream);
            }

            if (codec != 0)
            {
                OpenJpegInterop.DestroyCodec(codec);
            }

            if (image is not null)
            {
                OpenJpegInterop.ImageDestroy(image);
            }

            NativeMemory.Free(parameters);
            outputHandle.Free();
            logHandle.Free();
        }

        return output.ToArray();
    }

    /// <summary>Copies the native samples into OpenJPEG's component arrays: stored bits only, sign-extended when signed.</summary>
    private static unsafe void FillImage(OpenJpegInterop.Image* image, ReadOnlySpan<byte> native, DicomImageInfo info)
    {
        int pixels = info.PixelCount;
        int components = info.SamplesPerPixel;
        int bytes = info.BitsAllocated / 8;
        int shift = 32 - info.BitsStored;
        bool planar = components > 1 && info.PlanarConfiguration == 1;
        for (int c = 0; c < components; c++)
        {
            var target = new Span<int>(image->Components[c].Data, pixels);
            for (int p = 0; p < pixels; p++)
            {
                int index = (planar ? (c * pixels) + p : (p * components) + c) * bytes;
                int v = bytes switch
                {
                    1 => native[index],
                    2 => native[index] | (native[index + 1] << 8),
                    _ => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(native[index..]),
                };
                target[p] = info.IsSigned ? (v << shift) >> shift : (int)((uint)(v << shift) >> shift);
            }
        }
    }

    /// <summary>Wavelet levels + 1: as many as the smaller side allows, at most 6 (OpenJPEG's default).</summary>
    private static int Resolutions(DicomImageInfo info)
    {
        int side = Math.Min(info.Rows, info.Columns);
        int resolutions = 1;
        while (resolutions < 6 && side >> resolutions >= 1)
        {
            resolutions++;
        }

        return resolutions;
    }

    private static unsafe void SetHandlers(nint codec, GCHandle log)
    {
        nint client = GCHandle.ToIntPtr(log);
        OpenJpegInterop.SetErrorHandler(codec, OpenJpegCallbacks.ErrorFunction, client);
        OpenJpegInterop.SetWarningHandler(codec, OpenJpegCallbacks.WarningFunction, client);
        OpenJpegInterop.SetInfoHandler(codec, OpenJpegCallbacks.IgnoreFunction, 0);
    }

    private void Check(int ok, string step, OpenJpegCallbacks.MessageLog log, int frame)
    {
        if (ok == 0)
        {
            throw new DicomPixelDataException(frame, $"{Name} {step} failed{Messages(log)}");
        }
    }

    private static string Messages(OpenJpegCallbacks.MessageLog log)
    {
        var messages = log.Errors.Concat(log.Warnings).ToList();
        return messages.Count == 0 ? string.Empty : ": " + string.Join("; ", messages);
    }
}
