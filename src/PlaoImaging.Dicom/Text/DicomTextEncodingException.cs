namespace PlaoImaging.Dicom;

/// <summary>Text cannot be represented in the character set that Specific Character Set (0008,0005) selects.</summary>
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
}
