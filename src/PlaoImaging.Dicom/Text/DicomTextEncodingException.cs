namespace PlaoImaging.Dicom;

/// <summary>
/// Text cannot be represented in the character set that Specific Character Set (0008,0005) selects. Names the element
/// when the text is an element's value (found when the element is written).
/// </summary>
public class DicomTextEncodingException : DicomException
{
    public DicomTextEncodingException()
    {
    }

    public DicomTextEncodingException(string message)
        : base(message)
    {
    }

    public DicomTextEncodingException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public DicomTextEncodingException(DicomTag tag, string problem, Exception? innerException = null)
        : base($"Element {tag}: {problem}", innerException)
    {
        Tag = tag;
    }

    /// <summary>The element whose value could not be encoded, when known.</summary>
    public DicomTag? Tag { get; }
}
