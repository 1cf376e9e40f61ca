using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace PlaoImaging.Dicom;

/// <summary>
/// A dataset or sequence item: data elements kept in ascending tag order. It is only a model: the transfer syntax
/// belongs to the reader and writer. Typed accessors state their multiplicity and failure mode:
/// <c>GetSingleValue</c> throws when absent, empty or unreadable; <c>TryGetSingleValue</c> returns false instead;
/// <c>GetSingleValueOrDefault</c> returns the default when absent or empty and throws when unreadable;
/// <c>GetValues</c> returns every value (empty when absent).
/// </summary>
public sealed partial class DicomDataset : IEnumerable<DicomElement>
{
    private readonly List<DicomElement> elements = [];
    private DicomTextEncoding? ownEncoding;

    public DicomDataset()
    {
    }

    public DicomDataset(IEnumerable<DicomElement> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        foreach (var element in elements)
        {
            AddOrUpdate(element);
        }
    }

    /// <summary>
    /// The dataset holding the sequence this item belongs to; null for a top-level dataset, and for an item whose
    /// sequence is not (yet) in a dataset.
    /// </summary>
    public DicomDataset? Parent { get; internal set; }

    /// <summary>The sequence this dataset is an item of; null when it is in none.</summary>
    internal DicomSequence? OwningSequence { get; set; }

    public int Count => elements.Count;

    /// <summary>The highest tag present (the last in order); undefined when empty.</summary>
    internal DicomTag LastTag => elements[^1].Tag;

    /// <summary>
    /// The character set used for text values here: this dataset's own Specific Character Set (0008,0005), or the
    /// one inherited from the enclosing dataset (PS3.5 7.5.3), or the default repertoire.
    /// </summary>
    public DicomTextEncoding TextEncoding
    {
        get => OwnTextEncoding ?? Parent?.TextEncoding ?? DicomTextEncoding.Default;
    }

    /// <summary>The character set this dataset's own Specific Character Set (0008,0005) selects; null when it has none.</summary>
    internal DicomTextEncoding? OwnTextEncoding
    {
        get
        {
            if (ownEncoding is { } own)
            {
                return own;
            }

            if (TryGetElement(DicomTag.SpecificCharacterSet, out var element) && element is DicomValueElement value)
            {
                var terms = SplitValues(System.Text.Encoding.ASCII.GetString(value.Buffer.GetMemory().Span), DicomVR.CS);
                ownEncoding = DicomTextEncoding.FromSpecificCharacterSet(terms);
                return ownEncoding;
            }

            return null;
        }
    }

    public DicomElement this[DicomTag tag] =>
        TryGetElement(tag, out var element) ? element : throw new DicomValueException(tag, "not present");

    public bool Contains(DicomTag tag) => IndexOf(tag) >= 0;

    public bool TryGetElement(DicomTag tag, [NotNullWhen(true)] out DicomElement? element)
    {
        int i = IndexOf(tag);
        element = i >= 0 ? elements[i] : null;
        return element is not null;
    }

    /// <summary>Adds an element; throws when the tag is already present.</summary>
    public DicomDataset Add(DicomElement element)
    {
        if (!TryAdd(element))
        {
            throw new ArgumentException($"Element {element.Tag} is already present.", nameof(element));
        }

        return this;
    }

    /// <summary>Adds an element unless the tag is already present (the existing one is kept).</summary>
    public bool TryAdd(DicomElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        CheckAdoptable(element);
        int count = elements.Count;
        if (count == 0 || elements[count - 1].Tag < element.Tag)
        {
            elements.Add(element);
        }
        else
        {
            int i = IndexOf(element.Tag);
            if (i >= 0)
            {
                return false;
            }

            elements.Insert(~i, element);
        }

        Adopt(element);
        return true;
    }

    /// <summary>Adds an element, replacing any with the same tag.</summary>
    public DicomDataset AddOrUpdate(DicomElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        CheckAdoptable(element);
        int i = IndexOf(element.Tag);
        if (i >= 0)
        {
            Release(elements[i], element);
            elements[i] = element;
        }
        else
        {
            elements.Insert(~i, element);
        }

        Adopt(element);
        return this;
    }

    public bool Remove(DicomTag tag)
    {
        int i = IndexOf(tag);
        if (i < 0)
        {
            return false;
        }

        Release(elements[i], null);
        elements.RemoveAt(i);
        if (tag == DicomTag.SpecificCharacterSet)
        {
            ownEncoding = null;
        }

        return true;
    }

    /// <summary>Removes every element the predicate selects.</summary>
    public int RemoveAll(Predicate<DicomElement> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        int removed = elements.RemoveAll(e =>
        {
            if (!match(e))
            {
                return false;
            }

            Release(e, null);
            return true;
        });
        ownEncoding = null;
        return removed;
    }

    public IEnumerator<DicomElement> GetEnumerator() => elements.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// The private creator string that reserves the block of a private element (PS3.5 7.8.1), or null when the
    /// element is not private or its block has no creator.
    /// </summary>
    public string? GetPrivateCreator(DicomTag tag)
    {
        if (tag.PrivateCreatorTag is not { } creatorTag || !TryGetElement(creatorTag, out var element) ||
            element is not DicomValueElement value)
        {
            return null;
        }

        return DicomValueCodec.TrimText(DicomValueCodec.DecodeText(value, DicomTextEncoding.Default), DicomVR.LO);
    }

    /// <summary>Finds or reserves the private block of the given creator in a group (PS3.5 7.8.1) and returns the tag (gggg,xxEE).</summary>
    public DicomTag GetOrReservePrivateTag(ushort group, string creator, byte elementOffset)
    {
        ArgumentNullException.ThrowIfNull(creator);
        if ((group & 1) == 0 || group <= 0x0008)
        {
            throw new ArgumentOutOfRangeException(nameof(group), group, "Private elements live in odd groups above 0008.");
        }

        ushort free = 0;
        for (ushort block = 0x10; block <= 0xFF; block++)
        {
            var creatorTag = new DicomTag(group, block);
            if (TryGetElement(creatorTag, out var element) && element is DicomValueElement value)
            {
                var existing = DicomValueCodec.TrimText(DicomValueCodec.DecodeText(value, DicomTextEncoding.Default), DicomVR.LO);
                if (existing == creator)
                {
                    return new DicomTag(group, (ushort)((block << 8) | elementOffset));
                }
            }
            else if (free == 0)
            {
                free = block;
            }
        }

        if (free == 0)
        {
            throw new DicomValueException(new DicomTag(group, 0x0010), "all 240 private blocks of the group are taken");
        }

        this.AddString(new DicomTag(group, free), DicomVR.LO, creator);
        return new DicomTag(group, (ushort)((free << 8) | elementOffset));
    }

    /// <summary>
    /// A copy that can be changed without changing this dataset: the same value elements (they are immutable), new
    /// sequences with copies of their items, new fragment lists (the fragments' bytes are shared). The copy is a
    /// top-level dataset (no parent): an item copied out of its sequence inherits no character set until the copy is
    /// put into a sequence, so bytes read from a file decode by the default repertoire meanwhile.
    /// </summary>
    public DicomDataset Clone()
    {
        var copy = new DicomDataset();
        foreach (var element in elements)
        {
            copy.elements.Add(element switch
            {
                DicomSequence sequence => new DicomSequence(sequence.Tag, sequence.Items.Select(i => i.Clone())),
                DicomFragmentSequence fragments => new DicomFragmentSequence(fragments.Tag, fragments.VR, fragments.OffsetTable, fragments.Fragments),
                _ => element,
            });
        }

        foreach (var element in copy.elements)
        {
            if (element is DicomSequence sequence)
            {
                sequence.SetHolder(copy);
            }
        }

        return copy;
    }

    /// <summary>Refuses a sequence that is in another dataset, or one that holds this dataset (a cycle).</summary>
    private void CheckAdoptable(DicomElement element)
    {
        if (element is not DicomSequence sequence)
        {
            return;
        }

        if (sequence.Holder is { } holder && !ReferenceEquals(holder, this))
        {
            throw new ArgumentException(
                $"Sequence {sequence.Tag} is already an element of another dataset; remove it there first or add a copy (DicomDataset.Clone).",
                nameof(element));
        }

        for (var ancestor = this; ancestor is not null; ancestor = ancestor.Parent)
        {
            if (ReferenceEquals(ancestor.OwningSequence, sequence))
            {
                throw new ArgumentException($"Sequence {sequence.Tag} holds this dataset: a dataset cannot contain itself.", nameof(element));
            }
        }
    }

    private void Adopt(DicomElement element)
    {
        if (element.Tag == DicomTag.SpecificCharacterSet)
        {
            ownEncoding = null;
        }

        if (element is DicomSequence sequence)
        {
            sequence.SetHolder(this);
        }
    }

    /// <summary>A sequence leaving this dataset no longer has a holder, nor its items a parent.</summary>
    private void Release(DicomElement leaving, DicomElement? replacement)
    {
        if (leaving is DicomSequence sequence && !ReferenceEquals(leaving, replacement) && ReferenceEquals(sequence.Holder, this))
        {
            sequence.SetHolder(null);
        }
    }

    private int IndexOf(DicomTag tag)
    {
        // Binary search over the sorted list; ~index is the insertion point when absent.
        int lo = 0;
        int hi = elements.Count - 1;
        uint key = tag.Value;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            uint v = elements[mid].Tag.Value;
            if (v == key)
            {
                return mid;
            }

            if (v < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    /// <summary>
    /// The values of a string VR: split at backslashes (not LT, ST, UT, UR), each with its insignificant padding removed
    /// (<see cref="DicomValueCodec.TrimText"/>); AS is trimmed only at the end of the whole value.
    /// </summary>
    internal static string[] SplitValues(string text, DicomVR vr)
    {
        if (text.Length == 0)
        {
            return [];
        }

        if (vr.IsSingleValuedText())
        {
            return [DicomValueCodec.TrimText(text, vr)];
        }

        if (vr == DicomVR.AS)
        {
            return text.TrimEnd(' ', '\0').Split('\\');
        }

        var parts = text.Split('\\');
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = DicomValueCodec.TrimText(parts[i], vr);
        }

        return parts;
    }
}
