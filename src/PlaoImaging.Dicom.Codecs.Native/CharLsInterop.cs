using System.Runtime.InteropServices;

namespace PlaoImaging.Dicom.Codecs.Native;

/// <summary>The CharLS 2.x C API (charls/charls_jpegls_decoder.h, charls_jpegls_encoder.h, jpegls_error.h).</summary>
internal static unsafe partial class CharLsInterop
{
    public const int InterleaveNone = 0;
    public const int InterleaveLine = 1;
    public const int InterleaveSample = 2;

    /// <summary>charls_encoding_options: pad the output to an even size with an extra 0xFF before EOI (ISO 14495-1 allows it).</summary>
    public const int EncodingOptionEvenDestinationSize = 1;

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_get_version_string")]
    public static partial nint GetVersionString();

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_get_error_message")]
    public static partial nint GetErrorMessage(int error);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_decoder_create")]
    public static partial nint DecoderCreate();

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_decoder_destroy")]
    public static partial void DecoderDestroy(nint decoder);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_decoder_set_source_buffer")]
    public static partial int DecoderSetSourceBuffer(nint decoder, byte* source, nuint sourceSize);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_decoder_read_header")]
    public static partial int DecoderReadHeader(nint decoder);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_decoder_get_frame_info")]
    public static partial int DecoderGetFrameInfo(nint decoder, FrameInfo* frameInfo);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_decoder_get_near_lossless")]
    public static partial int DecoderGetNearLossless(nint decoder, int component, int* nearLossless);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_decoder_get_interleave_mode")]
    public static partial int DecoderGetInterleaveMode(nint decoder, int* interleaveMode);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_decoder_get_destination_size")]
    public static partial int DecoderGetDestinationSize(nint decoder, uint stride, nuint* destinationSize);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_decoder_decode_to_buffer")]
    public static partial int DecoderDecodeToBuffer(nint decoder, byte* destination, nuint destinationSize, uint stride);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_encoder_create")]
    public static partial nint EncoderCreate();

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_encoder_destroy")]
    public static partial void EncoderDestroy(nint encoder);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_encoder_set_frame_info")]
    public static partial int EncoderSetFrameInfo(nint encoder, FrameInfo* frameInfo);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_encoder_set_near_lossless")]
    public static partial int EncoderSetNearLossless(nint encoder, int nearLossless);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_encoder_set_interleave_mode")]
    public static partial int EncoderSetInterleaveMode(nint encoder, int interleaveMode);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_encoder_set_encoding_options")]
    public static partial int EncoderSetEncodingOptions(nint encoder, int encodingOptions);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_encoder_get_estimated_destination_size")]
    public static partial int EncoderGetEstimatedDestinationSize(nint encoder, nuint* size);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_encoder_set_destination_buffer")]
    public static partial int EncoderSetDestinationBuffer(nint encoder, byte* destination, nuint destinationSize);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_encoder_encode_from_buffer")]
    public static partial int EncoderEncodeFromBuffer(nint encoder, byte* source, nuint sourceSize, uint stride);

    [LibraryImport(NativeLibraries.CharLsImport, EntryPoint = "charls_jpegls_encoder_get_bytes_written")]
    public static partial int EncoderGetBytesWritten(nint encoder, nuint* bytesWritten);

    /// <summary>The text CharLS gives for an error code.</summary>
    public static string ErrorText(int error)
    {
        nint text = GetErrorMessage(error);
        return (text == 0 ? null : Marshal.PtrToStringUTF8(text)) ?? $"error {error}";
    }

    /// <summary>charls_frame_info: four 32-bit fields.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FrameInfo
    {
        public uint Width;
        public uint Height;
        public int BitsPerSample;
        public int ComponentCount;
    }
}
