namespace PlaoImaging.Dicom.Imaging;

/// <summary>What a decoder produced: the native frame bytes and the attributes that changed on the way.</summary>
public sealed record DicomDecodedFrame(byte[] Bytes, string PhotometricInterpretation, int PlanarConfiguration);

/// <summary>
/// One transfer syntax's image codec. Decoding takes one frame's encoded bytes (its fragments joined) and returns the
/// stored sample values in native layout, little-endian. Implementations validate every length they read from the
/// encoded stream and throw <see cref="DicomPixelDataException"/> on bad input.
/// </summary>
public interface IDicomCodec
{
    DicomTransferSyntax TransferSyntax { get; }

    bool CanEncode { get; }

    /// <summary>Decodes one frame. <paramref name="frame"/> is the zero-based index, for error messages.</summary>
    DicomDecodedFrame Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame);

    /// <summary>Encodes one native frame (layout as <paramref name="info"/> says); throws <see cref="NotSupportedException"/> when <see cref="CanEncode"/> is false.</summary>
    byte[] Encode(ReadOnlySpan<byte> native, DicomImageInfo info, int frame);
}

/// <summary>
/// The codecs available to a reader, by transfer syntax UID. No global instance: make one with
/// <see cref="CreateDefault"/> (managed codecs) and add adapters such as the native CharLS/OpenJPEG codecs.
/// </summary>
public sealed class DicomCodecRegistry
{
    private readonly Dictionary<string, IDicomCodec> codecs = new(StringComparer.Ordinal);

    /// <summary>A registry with the managed codecs of this library (RLE Lossless, JPEG processes 1, 2/4, 14 and SV1).</summary>
    public static DicomCodecRegistry CreateDefault()
    {
        var registry = new DicomCodecRegistry();
        registry.Register(new RleCodec());
        foreach (var codec in JpegCodecs.All())
        {
            registry.Register(codec);
        }

        return registry;
    }

    public DicomCodecRegistry Register(IDicomCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        codecs[codec.TransferSyntax.Uid] = codec;
        return this;
    }

    public bool TryGet(DicomTransferSyntax syntax, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IDicomCodec? codec)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        return codecs.TryGetValue(syntax.Uid, out codec);
    }

    public IDicomCodec Get(DicomTransferSyntax syntax) =>
        TryGet(syntax, out var codec)
            ? codec
            : throw new DicomPixelDataException(null, $"no codec for {syntax.Name} ({syntax.Uid}) is registered");

    public IEnumerable<IDicomCodec> All => codecs.Values;
}
