using System.Diagnostics.CodeAnalysis;

namespace PlaoImaging.Dicom;

public sealed partial class DicomDataset
{
    /// <summary>
    /// The whole value as text, decoded with the dataset's character set, backslashes kept, trailing padding removed.
    /// Throws when absent or not a string VR.
    /// </summary>
    public string GetString(DicomTag tag)
    {
        var element = GetValueElement(tag);
        if (!element.VR.IsString())
        {
            throw new DicomValueException(tag, $"VR {element.VR.Code()} is not a string VR");
        }

        return DicomValueCodec.TrimText(DicomValueCodec.DecodeText(element, TextEncoding), element.VR);
    }

    /// <summary>The whole value as text, or the default when absent.</summary>
    public string? GetStringOrDefault(DicomTag tag, string? defaultValue = null) =>
        TryGetElement(tag, out var e) && e is DicomValueElement ? GetString(tag) : defaultValue;

    /// <summary>The number of values (VM) of an element: backslash-separated strings, binary values, or items.</summary>
    public int GetValueCount(DicomTag tag)
    {
        if (!TryGetElement(tag, out var element))
        {
            return 0;
        }

        return element switch
        {
            DicomValueElement v => DicomValueCodec.Multiplicity(v, TextEncoding),
            DicomSequence s => s.Items.Count,
            DicomFragmentSequence f => f.Fragments.Count,
            _ => 0,
        };
    }

    /// <summary>Every value converted to <typeparamref name="T"/>; empty when absent or empty. Throws when a value cannot be converted.</summary>
    public T[] GetValues<T>(DicomTag tag)
    {
        if (!TryGetElement(tag, out var element))
        {
            return [];
        }

        return element is DicomValueElement value
            ? DicomValueCodec.GetValues<T>(value, TextEncoding)
            : throw new DicomValueException(tag, $"a {element.VR.Code()} element has no plain values");
    }

    /// <summary>The value at <paramref name="index"/>; throws when absent, too few values, or unreadable.</summary>
    public T GetValue<T>(DicomTag tag, int index)
    {
        var values = GetValues<T>(tag);
        if (values.Length == 0 && !Contains(tag))
        {
            throw new DicomValueException(tag, "not present");
        }

        return index >= 0 && index < values.Length
            ? values[index]
            : throw new DicomValueException(tag, $"has {values.Length} values; value {index + 1} was asked for");
    }

    /// <summary>The one value of a VM 1 element; throws when absent, empty, multi-valued or unreadable.</summary>
    public T GetSingleValue<T>(DicomTag tag)
    {
        var values = GetValues<T>(tag);
        return values.Length switch
        {
            1 => values[0],
            0 => throw new DicomValueException(tag, Contains(tag) ? "is empty" : "not present"),
            _ => throw new DicomValueException(tag, $"has {values.Length} values where one was expected"),
        };
    }

    /// <summary>The first value, or false when absent, empty or unreadable.</summary>
    public bool TryGetSingleValue<T>(DicomTag tag, [MaybeNullWhen(false)] out T value)
    {
        value = default;
        try
        {
            var values = GetValues<T>(tag);
            if (values.Length == 0)
            {
                return false;
            }

            value = values[0];
            return true;
        }
        catch (DicomValueException)
        {
            return false;
        }
    }

    /// <summary>The first value, or the default when absent or empty; throws when present but unreadable.</summary>
    public T GetSingleValueOrDefault<T>(DicomTag tag, T defaultValue)
    {
        var values = GetValues<T>(tag);
        return values.Length == 0 ? defaultValue : values[0];
    }

    /// <summary>The sequence element; throws when absent or not a sequence.</summary>
    public DicomSequence GetSequence(DicomTag tag) =>
        TryGetElement(tag, out var e) && e is DicomSequence s
            ? s
            : throw new DicomValueException(tag, e is null ? "not present" : "is not a sequence");

    public bool TryGetSequence(DicomTag tag, [NotNullWhen(true)] out DicomSequence? sequence)
    {
        sequence = TryGetElement(tag, out var e) ? e as DicomSequence : null;
        return sequence is not null;
    }

    private DicomValueElement GetValueElement(DicomTag tag) =>
        TryGetElement(tag, out var e)
            ? e as DicomValueElement ?? throw new DicomValueException(tag, $"a {e.VR.Code()} element has no plain value")
            : throw new DicomValueException(tag, "not present");
}

/// <summary>Writing values into a dataset (strict: values are checked against their VR as they are added).</summary>
public static class DicomDatasetBuilder
{
    /// <summary>
    /// Sets a string-VR element from one or more values (joined with backslashes). A value of a VR that uses the Specific
    /// Character Set (LO, LT, PN, SH, ST, UC, UT) is kept as text and encoded when written, with the character set in
    /// force then (so an item may be filled before it is placed in a dataset); a character no set can hold, such as a
    /// lone surrogate, is refused here, one the set in force cannot hold when written.
    /// </summary>
    public static DicomDataset AddString(this DicomDataset dataset, DicomTag tag, DicomVR vr, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(values);
        if (!vr.IsString())
        {
            throw new DicomValueException(tag, $"VR {vr.Code()} is not a string VR");
        }

        if (vr.IsSingleValuedText() && values.Length > 1)
        {
            throw new DicomValueException(tag, $"VR {vr.Code()} holds a single value");
        }

        foreach (var v in values)
        {
            if (!vr.IsSingleValuedText() && v.Contains('\\', StringComparison.Ordinal))
            {
                throw new DicomValueException(tag, $"a {vr.Code()} value may not contain a backslash: '{v}'");
            }

            if (vr.MaxLength() is { } max && vr != DicomVR.PN && v.Length > max)
            {
                throw new DicomValueException(tag, $"'{v}' is longer than the {max} characters {vr.Code()} allows");
            }
        }

        string text = string.Join('\\', values);
        if (vr.UsesSpecificCharacterSet())
        {
            // Kept as text: encoded when written, with the character set in force where the element is then.
            CheckEncodable(tag, text);
            dataset.AddOrUpdate(new DicomValueElement(tag, vr, text, dataset.TextEncoding));
            return dataset;
        }

        dataset.AddOrUpdate(new DicomValueElement(tag, vr, DicomBuffer.FromMemory(EncodeDefault(tag, text))));
        return dataset;
    }

    /// <summary>Sets an element from typed values: numbers go to binary VRs or to IS/DS text, dates and times to DA/TM/DT.</summary>
    public static DicomDataset AddValues<T>(this DicomDataset dataset, DicomTag tag, DicomVR vr, params T[] values)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(values);
        if (vr.IsString())
        {
            var texts = new string[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                texts[i] = DicomValueCodec.FormatString(values[i], vr);
            }

            return dataset.AddString(tag, vr, texts);
        }

        byte[] bytes = typeof(T) == typeof(byte) && vr is DicomVR.OB or DicomVR.UN
            ? [.. (byte[])(object)values]
            : DicomValueCodec.EncodeBinary<T>(tag, vr, values);
        dataset.AddOrUpdate(new DicomValueElement(tag, vr, DicomBuffer.FromMemory(bytes)));
        return dataset;
    }

    /// <summary>Sets a binary element (OB, OW, UN...) from bytes already in little-endian order.</summary>
    public static DicomDataset AddBytes(this DicomDataset dataset, DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        dataset.AddOrUpdate(new DicomValueElement(tag, vr, DicomBuffer.FromMemory(bytes)));
        return dataset;
    }

    /// <summary>Sets a sequence element with the given items.</summary>
    public static DicomDataset AddSequence(this DicomDataset dataset, DicomTag tag, params DicomDataset[] items)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        dataset.AddOrUpdate(new DicomSequence(tag, items));
        return dataset;
    }

    private static void CheckEncodable(DicomTag tag, string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new DicomValueException(tag, $"U+{(int)c:X4} at character {i} is half of a surrogate pair: not text any character set can hold");
            }
        }
    }

    private static byte[] EncodeDefault(DicomTag tag, string text)
    {
        foreach (char c in text)
        {
            if (c > 0x7E || (c < 0x20 && c is not ('\r' or '\n' or '\t' or '\f' or '\u001b')))
            {
                throw new DicomValueException(tag, $"character U+{(int)c:X4} is outside the default repertoire this VR requires");
            }
        }

        return DicomValueCodec.Ascii(text);
    }
}
