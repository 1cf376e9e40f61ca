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

/// <summary>
/// An element whose value is a byte string: text, numbers or binary data. It holds either bytes (every value read from
/// a file or a network, kept exactly as stored) or, for the VRs that use the Specific Character Set (LO, LT, PN, SH,
/// ST, UC, UT), text: a value given as text has no bytes of its own until it is written, because its bytes depend on
/// the character set in force where it ends up (an item built before it is placed in a dataset, or a Specific
/// Character Set changed after the value was added). The writers encode such text with the character set of the
/// dataset or item that holds the element at the moment it is written.
/// </summary>
public sealed class DicomValueElement : DicomElement
{
    private readonly DicomTextEncoding? madeWith;
    private DicomBuffer? buffer;

    public DicomValueElement(DicomTag tag, DicomVR vr, DicomBuffer buffer) : base(tag, vr)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (vr == DicomVR.SQ)
        {
            throw new ArgumentException("An SQ element holds items: use DicomSequence.", nameof(vr));
        }

        this.buffer = buffer;
    }

    /// <summary>
    /// An element holding text (the whole value, values joined with backslashes, no padding) of a VR that uses the
    /// Specific Character Set. <paramref name="encoding"/> is only what <see cref="Buffer"/> reports; writing encodes
    /// the text with the character set in force where the element is written.
    /// </summary>
    public DicomValueElement(DicomTag tag, DicomVR vr, string text, DicomTextEncoding? encoding = null) : base(tag, vr)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!vr.UsesSpecificCharacterSet())
        {
            throw new ArgumentException($"VR {vr.Code()} does not use the Specific Character Set: give its value as bytes.", nameof(vr));
        }

        Text = text;
        madeWith = encoding ?? DicomTextEncoding.Default;
        if (text.Length == 0)
        {
            buffer = DicomBuffer.Empty;
        }
    }

    /// <summary>The value as text when the element was made from text; null when it holds bytes.</summary>
    public string? Text { get; }

    /// <summary>
    /// The value bytes in little-endian order (text exactly as stored, padding included). For an element made from
    /// text: the text encoded with the character set given when it was made, or in UTF-8 where that set cannot
    /// represent it; these bytes are not what the writers write (see <see cref="GetBytes"/>).
    /// </summary>
    public DicomBuffer Buffer => buffer ??= DicomBuffer.FromMemory(EncodeForBuffer());

    public override long Length => Buffer.Length;

    /// <summary>
    /// The bytes to write where <paramref name="encoding"/> is the character set in force: the text encoded with it, or
    /// the stored bytes unchanged. Throws <see cref="DicomTextEncodingException"/> naming the tag when the text cannot
    /// be represented.
    /// </summary>
    public ReadOnlyMemory<byte> GetBytes(DicomTextEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        if (Text is null)
        {
            return Buffer.GetMemory();
        }

        try
        {
            return encoding.Encode(Text, VR);
        }
        catch (DicomTextEncodingException e)
        {
            throw new DicomTextEncodingException(Tag, e.Message, e);
        }
    }

    private byte[] EncodeForBuffer()
    {
        try
        {
            return madeWith!.Encode(Text!, VR);
        }
        catch (DicomTextEncodingException)
        {
            return System.Text.Encoding.UTF8.GetBytes(Text!);
        }
    }
}

/// <summary>
/// A sequence of items (VR SQ; also a UN element of undefined length, read as an implicit VR sequence). The sequence
/// owns its items: an item belongs to one sequence at a time, and its <see cref="DicomDataset.Parent"/> is the dataset
/// that holds the sequence (set when the item is added, or when the sequence is put into a dataset later). A sequence
/// likewise belongs to one dataset at a time.
/// </summary>
public sealed class DicomSequence : DicomElement
{
    private readonly List<DicomDataset> items = [];
    private readonly System.Collections.ObjectModel.ReadOnlyCollection<DicomDataset> view;

    /// <summary>A sequence with the given items in order; throws when one of them already belongs to a sequence.</summary>
    public DicomSequence(DicomTag tag, IEnumerable<DicomDataset>? items = null) : base(tag, DicomVR.SQ)
    {
        view = this.items.AsReadOnly();
        if (items is not null)
        {
            foreach (var item in items)
            {
                Add(item);
            }
        }
    }

    /// <summary>The items in order.</summary>
    public IReadOnlyList<DicomDataset> Items => view;

    public override long Length => 0;

    /// <summary>The dataset this sequence is an element of; null while it is in none.</summary>
    internal DicomDataset? Holder { get; private set; }

    /// <summary>Appends an item; throws when it already belongs to a sequence (this one included) or would contain itself.</summary>
    public DicomSequence Add(DicomDataset item)
    {
        Insert(items.Count, item);
        return this;
    }

    /// <summary>Inserts an item at <paramref name="index"/>; the same refusals as <see cref="Add"/>.</summary>
    public void Insert(int index, DicomDataset item)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, items.Count);
        if (item.OwningSequence is { } owner)
        {
            throw new ArgumentException(
                ReferenceEquals(owner, this)
                    ? $"The item is already in sequence {Tag}."
                    : $"The item already belongs to sequence {owner.Tag}; remove it there first or add a copy (DicomDataset.Clone).",
                nameof(item));
        }

        for (var ancestor = Holder; ancestor is not null; ancestor = ancestor.Parent)
        {
            if (ReferenceEquals(ancestor, item))
            {
                throw new ArgumentException($"The item holds sequence {Tag} itself (directly or further down): a dataset cannot contain itself.", nameof(item));
            }
        }

        items.Insert(index, item);
        item.OwningSequence = this;
        item.Parent = Holder;
    }

    /// <summary>Removes the item at <paramref name="index"/>; it no longer belongs to this sequence and has no parent.</summary>
    public void RemoveAt(int index)
    {
        var item = items[index];
        items.RemoveAt(index);
        Release(item);
    }

    /// <summary>Removes an item; false when it is not in this sequence.</summary>
    public bool Remove(DicomDataset item)
    {
        ArgumentNullException.ThrowIfNull(item);
        int index = items.FindIndex(x => ReferenceEquals(x, item));
        if (index < 0)
        {
            return false;
        }

        RemoveAt(index);
        return true;
    }

    /// <summary>Removes every item.</summary>
    public void Clear()
    {
        foreach (var item in items)
        {
            Release(item);
        }

        items.Clear();
    }

    /// <summary>Sets the dataset holding this sequence (null: none) and makes it the parent of every item.</summary>
    internal void SetHolder(DicomDataset? holder)
    {
        Holder = holder;
        foreach (var item in items)
        {
            item.Parent = holder;
        }
    }

    private static void Release(DicomDataset item)
    {
        item.OwningSequence = null;
        item.Parent = null;
    }
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
