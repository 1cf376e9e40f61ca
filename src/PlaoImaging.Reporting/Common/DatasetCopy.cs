using PlaoImaging.Dicom;

namespace PlaoImaging.Reporting.Common;

/// <summary>
/// Deep copies of data elements for carrying attributes from a source object into a derived one: value bytes are
/// copied as stored into memory (so the copy does not depend on the source file staying in place), a value given as
/// text stays text (encoded when written, in the character set in force there), and sequence items are copied one by
/// one, so the derived dataset owns its own items.
/// </summary>
public static class DatasetCopy
{
    /// <summary>A copy of an element that shares nothing with the original.</summary>
    public static DicomElement Element(DicomElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        return element switch
        {
            DicomValueElement { Text: { } text } value => new DicomValueElement(value.Tag, value.VR, text),
            DicomValueElement value => new DicomValueElement(value.Tag, value.VR, DicomBuffer.FromMemory(value.Buffer.GetMemory().ToArray())),
            DicomSequence sequence => new DicomSequence(sequence.Tag, sequence.Items.Select(Dataset)),
            DicomFragmentSequence fragments => new DicomFragmentSequence(
                fragments.Tag,
                fragments.VR,
                DicomBuffer.FromMemory(fragments.OffsetTable.GetMemory().ToArray()),
                fragments.Fragments.Select(f => DicomBuffer.FromMemory(f.GetMemory().ToArray()))),
            _ => throw new ArgumentException($"Element {element.Tag} is of an unknown kind.", nameof(element)),
        };
    }

    /// <summary>A copy of a dataset (an item) with every element copied by <see cref="Element"/>.</summary>
    public static DicomDataset Dataset(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new DicomDataset(dataset.Select(Element));
    }
}
