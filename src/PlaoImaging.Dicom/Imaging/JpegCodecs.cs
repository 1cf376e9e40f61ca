namespace PlaoImaging.Dicom.Imaging;

/// <summary>The JPEG codecs (JpegLibrary); filled in by the JPEG work.</summary>
internal static class JpegCodecs
{
    public static IEnumerable<IDicomCodec> All() => [];
}
