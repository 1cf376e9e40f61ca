namespace PlaoImaging.Dicom.PresentationState;

/// <summary>
/// A presentation state that cannot be built as given: names the part of it (<see cref="Field"/>, e.g.
/// "GraphicAnnotations[2].Graphics[0]") and, where there is one, the attribute it would have been written to.
/// </summary>
public class PresentationStateException : DicomException
{
    public PresentationStateException()
    {
    }

    public PresentationStateException(string message) : base(message)
    {
    }

    public PresentationStateException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public PresentationStateException(string field, DicomTag? tag, string problem)
        : base(tag is { } t ? $"{field} {t}: {problem}" : $"{field}: {problem}")
    {
        Field = field;
        Tag = tag;
        Problem = problem;
    }

    /// <summary>The part of the presentation state at fault.</summary>
    public string Field { get; } = string.Empty;

    /// <summary>The attribute the value belongs in, when there is one.</summary>
    public DicomTag? Tag { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; } = string.Empty;
}
