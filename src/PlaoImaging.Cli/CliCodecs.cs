using PlaoImaging.Dicom.Codecs.Native;
using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Cli;

/// <summary>The codecs the CLI decodes with.</summary>
internal static class CliCodecs
{
    /// <summary>
    /// The managed codecs (RLE, JPEG) and the native ones (CharLS JPEG-LS, OpenJPEG JPEG 2000 / HTJ2K). The native
    /// libraries load on first use; a missing one is a typed error (exit code 2) naming the package to install.
    /// </summary>
    public static DicomCodecRegistry Create() => DicomCodecRegistry.CreateDefault().AddNativeCodecs();
}
