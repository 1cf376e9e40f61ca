namespace PlaoImaging.Dicom.StructuredReport;

/// <summary>
/// An SR content tree that cannot be read (a missing value type, relationship or value the item needs) or written.
/// Names the item by its position in the tree (e.g. "1.4.2", the root being "1") and, where known, the element.
/// </summary>
public class SrContentException : DicomException
{
    public SrContentException()
    {
    }

    public SrContentException(string message) : base(message)
    {
    }

    public SrContentException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    public SrContentException(string itemPath, DicomTag? tag, string problem, Exception? innerException = null)
        : base(tag is { } t ? $"SR content item {itemPath}, element {t}: {problem}" : $"SR content item {itemPath}: {problem}", innerException)
    {
        ItemPath = itemPath;
        Tag = tag;
    }

    /// <summary>Where in the tree: the 1-based position of each item from the root down, joined with dots.</summary>
    public string ItemPath { get; } = string.Empty;

    public DicomTag? Tag { get; }
}
