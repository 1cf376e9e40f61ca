namespace PlaoImaging.Dicom;

/// <summary>One data element of a dataset: a tag, a VR and a value (bytes, items or fragments).</summary>
public abstract class DicomElement
{
    protected DicomElement(DicomTag tag, DicomVR vr)
    {
        Tag = tag;
        VR = vr;
    }

    public DicomTag Tag { get; }

    public DicomVR VR { get; }

    /// <summary>Length of the value as it would be encoded (without padding); sequences and fragments report 0.</summary>
    public abstract long Length { get; }

    public override string ToString() => $"{Tag} {VR.Code()}";
}

/// <summary>An element whose value is a byte string: text, numbers or binary data.</summary>
public sealed class DicomValueElement : DicomElement
{
    public DicomValueElement(DicomTag tag, DicomVR vr, DicomBuffer buffer) : base(tag, vr)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (vr == DicomVR.SQ)
        {
            throw new ArgumentException("An SQ element holds items: use DicomSequence.", nameof(vr));
        }

        Buffer = buffer;
    }

    /// <summary>The value bytes in little-endian order (text exactly as stored, padding included).</summary>
    public DicomBuffer Buffer { get; }

    public override long Length => Buffer.Length;
}

/// <summary>A sequence of items (VR SQ; also a UN element of undefined length, read as an implicit VR sequence).</summary>
public sealed class DicomSequence : DicomElement
{
    public DicomSequence(DicomTag tag, IEnumerable<DicomDataset>? items = null) : base(tag, DicomVR.SQ)
    {
        Items = items is null ? [] : [.. items];
    }

    /// <summary>The items in order.</summary>
    public List<DicomDataset> Items { get; }

    public override long Length => 0;
}

/// <summary>Encapsulated pixel data: a basic offset table item and the fragments exactly as stored.</summary>
public sealed class DicomFragmentSequence : DicomElement
{
    public DicomFragmentSequence(DicomTag tag, DicomVR vr, DicomBuffer offsetTable, IEnumerable<DicomBuffer> fragments)
        : base(tag, vr)
    {
        ArgumentNullException.ThrowIfNull(offsetTable);
        ArgumentNullException.ThrowIfNull(fragments);
        OffsetTable = offsetTable;
        Fragments = [.. fragments];
    }

    /// <summary>The first item's bytes (empty when there is no basic offset table), little-endian 32-bit offsets.</summary>
    public DicomBuffer OffsetTable { get; }

    /// <summary>The fragments in order, each as stored (even length).</summary>
    public List<DicomBuffer> Fragments { get; }

    public override long Length => 0;
}
