using System.Runtime.InteropServices;

namespace PlaoImaging.Dicom.Codecs.Native;

/// <summary>
/// The OpenJPEG 2.x C API (openjpeg-2.5/openjpeg.h). Structures are declared field for field as in OpenJPEG 2.5.0 on
/// 64-bit platforms; the parameter structures, which grow between releases, are never declared: they are filled by
/// OpenJPEG itself in a zeroed block larger than any release's, and only fields whose offsets have been stable since
/// OpenJPEG 2.1 are written.
/// </summary>
internal static unsafe partial class OpenJpegInterop
{
    public const int CodecJ2k = 0;
    public const int ColorSpaceSrgb = 1;
    public const int ColorSpaceGray = 2;

    /// <summary>Bytes reserved for opj_dparameters_t / opj_cparameters_t (8252 / 18720 bytes in 2.5.0).</summary>
    public const int ParametersBlockBytes = 64 * 1024;

    // Offsets in opj_cparameters_t (2.1 to 2.5), checked against openjpeg.h with offsetof.
    public const int CparamsDistoAlloc = 20;
    public const int CparamsNumLayers = 4796;
    public const int CparamsRates = 4800;
    public const int CparamsNumResolution = 5600;
    public const int CparamsIrreversible = 5616;
    public const int CparamsMct = 18698;

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_version")]
    public static partial nint Version();

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_has_thread_support")]
    public static partial int HasThreadSupport();

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_create_decompress")]
    public static partial nint CreateDecompress(int format);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_create_compress")]
    public static partial nint CreateCompress(int format);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_destroy_codec")]
    public static partial void DestroyCodec(nint codec);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_set_info_handler")]
    public static partial int SetInfoHandler(nint codec, nint callback, nint clientData);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_set_warning_handler")]
    public static partial int SetWarningHandler(nint codec, nint callback, nint clientData);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_set_error_handler")]
    public static partial int SetErrorHandler(nint codec, nint callback, nint clientData);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_set_default_decoder_parameters")]
    public static partial void SetDefaultDecoderParameters(byte* parameters);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_setup_decoder")]
    public static partial int SetupDecoder(nint codec, byte* parameters);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_decoder_set_strict_mode")]
    public static partial int DecoderSetStrictMode(nint codec, int strict);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_codec_set_threads")]
    public static partial int CodecSetThreads(nint codec, int threads);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_read_header")]
    public static partial int ReadHeader(nint stream, nint codec, Image** image);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_decode")]
    public static partial int Decode(nint codec, nint stream, Image* image);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_end_decompress")]
    public static partial int EndDecompress(nint codec, nint stream);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_image_create")]
    public static partial Image* ImageCreate(uint componentCount, ComponentParameters* parameters, int colorSpace);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_image_destroy")]
    public static partial void ImageDestroy(Image* image);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_set_default_encoder_parameters")]
    public static partial void SetDefaultEncoderParameters(byte* parameters);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_setup_encoder")]
    public static partial int SetupEncoder(nint codec, byte* parameters, Image* image);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_start_compress")]
    public static partial int StartCompress(nint codec, Image* image, nint stream);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_encode")]
    public static partial int Encode(nint codec, nint stream);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_end_compress")]
    public static partial int EndCompress(nint codec, nint stream);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_stream_create")]
    public static partial nint StreamCreate(nuint bufferSize, int isInput);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_stream_destroy")]
    public static partial void StreamDestroy(nint stream);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_stream_set_read_function")]
    public static partial void StreamSetReadFunction(nint stream, nint function);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_stream_set_write_function")]
    public static partial void StreamSetWriteFunction(nint stream, nint function);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_stream_set_skip_function")]
    public static partial void StreamSetSkipFunction(nint stream, nint function);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_stream_set_seek_function")]
    public static partial void StreamSetSeekFunction(nint stream, nint function);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_stream_set_user_data")]
    public static partial void StreamSetUserData(nint stream, void* userData, nint freeFunction);

    [LibraryImport(NativeLibraries.OpenJpegImport, EntryPoint = "opj_stream_set_user_data_length")]
    public static partial void StreamSetUserDataLength(nint stream, ulong length);

    /// <summary>The library's version string, e.g. "2.5.0".</summary>
    public static string VersionText() => Marshal.PtrToStringUTF8(Version()) ?? "unknown";

    /// <summary>opj_image_comp_t (64 bytes on 64-bit platforms).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ImageComponent
    {
        public uint Dx;
        public uint Dy;
        public uint Width;
        public uint Height;
        public uint X0;
        public uint Y0;
        public uint Precision;
        public uint Bpp;
        public uint Signed;
        public uint ResolutionsDecoded;
        public uint Factor;
        public int* Data;
        public ushort Alpha;
    }

    /// <summary>opj_image_t (48 bytes on 64-bit platforms).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Image
    {
        public uint X0;
        public uint Y0;
        public uint X1;
        public uint Y1;
        public uint ComponentCount;
        public int ColorSpace;
        public ImageComponent* Components;
        public byte* IccProfile;
        public uint IccProfileLength;
    }

    /// <summary>opj_image_cmptparm_t (36 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ComponentParameters
    {
        public uint Dx;
        public uint Dy;
        public uint Width;
        public uint Height;
        public uint X0;
        public uint Y0;
        public uint Precision;
        public uint Bpp;
        public uint Signed;
    }
}
