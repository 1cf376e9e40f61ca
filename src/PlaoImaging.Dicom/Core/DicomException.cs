namespace PlaoImaging.Dicom;

/// <summary>The base of every exception thrown by PlaoImaging.Dicom.</summary>
public class DicomException : Exception
{
    public DicomException()
    {
    }

    public DicomException(string message) : base(message)
    {
    }

    public DicomException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// Malformed or truncated input found while parsing: names the byte offset in the stream and, where known,
/// the tag of the element being read.
/// </summary>
public class DicomReadException : DicomException
{
    public DicomReadException()
    {
    }

    public DicomReadException(string message) : base(message)
    {
    }

    public DicomReadException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public DicomReadException(long offset, DicomTag? tag, string problem, Exception? innerException = null)
        : base(Describe(offset, tag, problem), innerException)
    {
        Offset = offset;
        Tag = tag;
        Problem = problem;
    }

    /// <summary>Byte offset from the start of the input where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>The element being read, when the problem is inside one.</summary>
    public DicomTag? Tag { get; }

    /// <summary>The problem without the position.</summary>
    public string Problem { get; } = string.Empty;

    private static string Describe(long offset, DicomTag? tag, string problem) =>
        tag is { } t ? $"At offset {offset} in element {t}: {problem}" : $"At offset {offset}: {problem}";
}

/// <summary>A value that is absent, empty where one was required, or cannot be read as the requested type.</summary>
public class DicomValueException : DicomException
{
    public DicomValueException()
    {
    }

    public DicomValueException(string message) : base(message)
    {
    }

    public DicomValueException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public DicomValueException(DicomTag tag, string problem, Exception? innerException = null)
        : base($"Element {tag}: {problem}", innerException)
    {
        Tag = tag;
    }

    public DicomTag? Tag { get; }
}

/// <summary>A dataset that cannot be written as requested (writing is strict).</summary>
public class DicomWriteException : DicomException
{
    public DicomWriteException()
    {
    }

    public DicomWriteException(string message) : base(message)
    {
    }

    public DicomWriteException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public DicomWriteException(DicomTag tag, string problem) : base($"Element {tag}: {problem}")
    {
        Tag = tag;
    }

    public DicomTag? Tag { get; }
}
