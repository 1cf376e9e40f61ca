namespace PlaoImaging.Dicom;

/// <summary>
/// The file a dataset was read from is no longer the one that was read: it was replaced, rewritten, shortened or
/// removed (see <see cref="DicomFileStamp"/>). Thrown when a value left in the file is read, or by
/// <see cref="DicomFile.Open"/> when the file changed while it was being parsed. The values already in memory are
/// still those of the version read; the values left in the file cannot be had any more: read the file again.
/// </summary>
public class DicomSourceChangedException : DicomException
{
    public DicomSourceChangedException()
    {
    }

    public DicomSourceChangedException(string message) : base(message)
    {
    }

    public DicomSourceChangedException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public DicomSourceChangedException(string path, string change, Exception? innerException)
        : base($"The file {path} changed after it was read ({change}): its values left in the file can no longer be read; read it again", innerException)
    {
        Path = path;
        Change = change;
    }

    /// <summary>The full path of the file.</summary>
    public string? Path { get; }

    /// <summary>What changed, e.g. its length or last write time, or that it is gone.</summary>
    public string? Change { get; }
}
