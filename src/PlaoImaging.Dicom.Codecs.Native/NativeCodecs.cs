using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Codecs.Native;

/// <summary>Adds the CharLS and OpenJPEG codecs to a registry.</summary>
public static class NativeCodecs
{
    /// <summary>
    /// Registers JPEG-LS Lossless and Near-Lossless (CharLS), JPEG 2000 Lossless and lossy (OpenJPEG), and HTJ2K
    /// (.201, .202, .203) only when <see cref="NativeCodecOptions.AllowHtj2kDecoding"/> is set: OpenJPEG 2.5.0's HT
    /// decoder aborts the whole process on some corrupt codestreams (an assertion in its HT block decoder,
    /// uclouvain/openjpeg#1500), so by default HTJ2K frames get a <see cref="DicomPixelDataException"/> saying so
    /// instead. Nothing is loaded here: each library is loaded on first use, and a missing one gives a
    /// <see cref="NativeCodecUnavailableException"/> naming the package to install.
    /// </summary>
    public static DicomCodecRegistry AddNativeCodecs(this DicomCodecRegistry registry, NativeCodecOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        options ??= NativeCodecOptions.Default;
        foreach (var codec in All())
        {
            bool ht = codec.TransferSyntax.Uid.StartsWith("1.2.840.10008.1.2.4.20", StringComparison.Ordinal);
            registry.Register(ht && !options.AllowHtj2kDecoding ? new RefusedCodec(codec.TransferSyntax, Htj2kRefusal) : codec);
        }

        return registry;
    }

    private const string Htj2kRefusal =
        "HTJ2K decoding is off: OpenJPEG 2.5.0 can abort the process on corrupt HTJ2K codestreams (openjpeg#1500). " +
        "Enable NativeCodecOptions.AllowHtj2kDecoding only for trusted input or with a fixed OpenJPEG.";

    /// <summary>One codec per transfer syntax handled here, with default settings.</summary>
    public static IEnumerable<IDicomCodec> All()
    {
        yield return new JpegLsCodec(DicomTransferSyntax.JpegLSLossless);
        yield return new JpegLsCodec(DicomTransferSyntax.JpegLSNearLossless);
        yield return new Jpeg2000Codec(DicomTransferSyntax.Jpeg2000Lossless);
        yield return new Jpeg2000Codec(DicomTransferSyntax.Jpeg2000);
        yield return new Jpeg2000Codec(DicomTransferSyntax.HtJpeg2000Lossless);
        yield return new Jpeg2000Codec(DicomTransferSyntax.HtJpeg2000RpclLossless);
        yield return new Jpeg2000Codec(DicomTransferSyntax.HtJpeg2000);
    }

    /// <summary>Whether CharLS can be loaded (JPEG-LS).</summary>
    public static bool IsCharLsAvailable => NativeLibraries.CharLs.IsAvailable;

    /// <summary>Whether OpenJPEG can be loaded (JPEG 2000, HTJ2K).</summary>
    public static bool IsOpenJpegAvailable => NativeLibraries.OpenJpeg.IsAvailable;
}

/// <summary>Choices for <see cref="NativeCodecs.AddNativeCodecs"/>.</summary>
public sealed record NativeCodecOptions
{
    public static NativeCodecOptions Default { get; } = new();

    /// <summary>Register OpenJPEG's HTJ2K decoder (off by default: see <see cref="NativeCodecs.AddNativeCodecs"/>).</summary>
    public bool AllowHtj2kDecoding { get; init; }
}

/// <summary>A transfer syntax we know but will not decode, with the reason.</summary>
internal sealed class RefusedCodec(DicomTransferSyntax syntax, string reason) : IDicomCodec
{
    public DicomTransferSyntax TransferSyntax => syntax;

    public bool CanEncode => false;

    public DicomDecodedFrame Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame) =>
        throw new DicomPixelDataException(frame, reason);

    public byte[] Encode(ReadOnlySpan<byte> native, DicomImageInfo info, int frame) =>
        throw new NotSupportedException($"{syntax.Name} has no encoder here");
}
