using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Codecs.Native;

/// <summary>
/// A native codec library (CharLS, OpenJPEG) that is not installed, cannot be loaded, or is too old for what was asked.
/// The message names the library and the Debian package that provides it.
/// </summary>
public sealed class NativeCodecUnavailableException : DicomPixelDataException
{
    public NativeCodecUnavailableException()
    {
    }

    public NativeCodecUnavailableException(string message) : base(message)
    {
    }

    public NativeCodecUnavailableException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    internal NativeCodecUnavailableException(int? frame, string library, string package, string problem, Exception? innerException = null)
        : base(frame, problem, innerException)
    {
        Library = library;
        Package = package;
    }

    /// <summary>The library that is missing, e.g. CharLS.</summary>
    public string? Library { get; }

    /// <summary>The Debian package to install, e.g. libcharls2.</summary>
    public string? Package { get; }
}
