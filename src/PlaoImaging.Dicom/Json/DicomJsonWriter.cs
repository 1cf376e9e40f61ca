using System.Globalization;
using System.Text.Json;

namespace PlaoImaging.Dicom.Json;

/// <summary>
/// Writes a dataset in the DICOM JSON model (PS3.18 F.2): attribute names as eight upper-case hex digits, "vr",
/// then "Value" (strings, numbers, person-name objects or items), "InlineBinary" (base64) for binary VRs.
/// </summary>
public static class DicomJsonWriter
{
    /// <summary>The largest integer a JSON reader holding numbers as doubles keeps exactly, 2^53 - 1 (PS3.18 F.2.3.1).</summary>
    private const ulong MaxExactInteger = (1UL << 53) - 1;

    public static string Write(DicomDataset dataset, DicomJsonWriteOptions? options = null)
    {
        using var stream = new MemoryStream();
        Write(stream, dataset, options);
        return System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    public static void Write(Stream destination, DicomDataset dataset, DicomJsonWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= DicomJsonWriteOptions.Default;
        using var writer = new Utf8JsonWriter(destination, new JsonWriterOptions
        {
            Indented = options.Indented,
            SkipValidation = false,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        WriteDataset(writer, dataset, options);
        writer.Flush();
    }

    private static void WriteDataset(Utf8JsonWriter writer, DicomDataset dataset, DicomJsonWriteOptions options)
    {
        writer.WriteStartObject();
        foreach (var element in dataset)
        {
            if (element.Tag.IsGroupLength)
            {
                // Group lengths describe an encoding, not the dataset: the JSON model has no place for them
                // (DCMTK's dcm2json leaves them out too).
                continue;
            }

            writer.WritePropertyName(element.Tag.ToJsonKey());
            writer.WriteStartObject();
            writer.WriteString("vr", element.VR == DicomVR.None ? "UN" : element.VR.Code());
            switch (element)
            {
                case DicomSequence sequence:
                    if (sequence.Items.Count > 0)
                    {
                        writer.WriteStartArray("Value");
                        foreach (var item in sequence.Items)
                        {
                            WriteDataset(writer, item, options);
                        }

                        writer.WriteEndArray();
                    }

                    break;
                case DicomFragmentSequence fragments:
                    if (!options.OmitBulkData)
                    {
                        writer.WriteBase64String("InlineBinary", EncapsulatedBytes(fragments));
                    }

                    break;
                case DicomValueElement value:
                    WriteValue(writer, dataset, value, options);
                    break;
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, DicomDataset dataset, DicomValueElement element, DicomJsonWriteOptions options)
    {
        if (options.DeclareUtf8CharacterSet && element.Tag == DicomTag.SpecificCharacterSet && element.VR == DicomVR.CS && dataset.Parent is null)
        {
            // The dataset's own declaration, present even if empty (the default repertoire): the JSON text is Unicode.
            // An item's empty (0008,0005) stays empty: it only says the item uses the default repertoire.
            writer.WriteStartArray("Value");
            writer.WriteStringValue("ISO_IR 192");
            writer.WriteEndArray();
            return;
        }

        if (element.Length == 0)
        {
            return;
        }

        var vr = element.VR;
        if (vr.IsString())
        {
            string text = DicomValueCodec.DecodeText(element, dataset.TextEncoding);
            if (vr == DicomVR.PN)
            {
                WritePersonNames(writer, text);
                return;
            }

            var values = JsonStringValues(text, vr);
            if (values.All(v => v.Length == 0) && vr is not (DicomVR.AS or DicomVR.LT or DicomVR.ST or DicomVR.UT or DicomVR.UR))
            {
                // Nothing but padding and separators: no value (PS3.18 F.2.5), as dcm2json has it. For these five
                // VRs dcm2json writes [null] instead, and so do we: a value of spaces is a value, just empty.
                return;
            }

            writer.WriteStartArray("Value");
            if (options.DeclareUtf8CharacterSet && element.Tag == DicomTag.SpecificCharacterSet)
            {
                writer.WriteStringValue("ISO_IR 192");
                writer.WriteEndArray();
                return;
            }

            foreach (var one in values)
            {
                if (one.Length == 0)
                {
                    writer.WriteNullValue();
                }
                else if (vr is DicomVR.DS or DicomVR.IS)
                {
                    WriteNumberText(writer, vr, one);
                }
                else
                {
                    writer.WriteStringValue(one);
                }
            }

            writer.WriteEndArray();
            return;
        }

        switch (vr)
        {
            case DicomVR.OB or DicomVR.OD or DicomVR.OF or DicomVR.OL or DicomVR.OV or DicomVR.OW or DicomVR.UN:
                if (!options.OmitBulkData)
                {
                    writer.WriteBase64String("InlineBinary", element.Buffer.GetMemory().Span);
                }

                return;
            case DicomVR.AT:
                writer.WriteStartArray("Value");
                foreach (var tag in DicomValueCodec.GetValues<DicomTag>(element, dataset.TextEncoding))
                {
                    writer.WriteStringValue(tag.ToJsonKey());
                }

                writer.WriteEndArray();
                return;
            case DicomVR.FL or DicomVR.FD:
                writer.WriteStartArray("Value");
                foreach (var d in DicomValueCodec.GetValues<double>(element, dataset.TextEncoding))
                {
                    if (double.IsFinite(d))
                    {
                        if (vr == DicomVR.FL)
                        {
                            writer.WriteNumberValue((float)d);
                        }
                        else
                        {
                            writer.WriteNumberValue(d);
                        }
                    }
                    else
                    {
                        writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                    }
                }

                writer.WriteEndArray();
                return;
            case DicomVR.UV:
                writer.WriteStartArray("Value");
                foreach (var u in DicomValueCodec.GetValues<ulong>(element, dataset.TextEncoding))
                {
                    // PS3.18 F.2.3.1: an SV or UV value beyond what a double holds exactly (2^53 - 1) is a string.
                    if (u > MaxExactInteger)
                    {
                        writer.WriteStringValue(u.ToString(CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        writer.WriteNumberValue(u);
                    }
                }

                writer.WriteEndArray();
                return;
            default:
                writer.WriteStartArray("Value");
                foreach (var l in DicomValueCodec.GetValues<long>(element, dataset.TextEncoding))
                {
                    if (l is > (long)MaxExactInteger or < -(long)MaxExactInteger)
                    {
                        writer.WriteStringValue(l.ToString(CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        writer.WriteNumberValue(l);
                    }
                }

                writer.WriteEndArray();
                return;
        }
    }

    /// <summary>The values of a string VR as DICOM JSON shows them (padding removed per PS3.5 6.2, see the interop NORMALISATION.md).</summary>
    internal static string[] JsonStringValues(string text, DicomVR vr) =>
        text.Length == 0 ? [string.Empty] : DicomDataset.SplitValues(text, vr);

    /// <summary>
    /// PN values (PS3.18 F.2.2): one object per value with the non-empty component groups among Alphabetic,
    /// Ideographic and Phonetic; each component trimmed of spaces and trailing empty components dropped, so a group
    /// of nothing but '^' and spaces is left out and a value with no group left is null. No Value at all when the
    /// element holds nothing but padding and delimiters in a single value. This is also what dcm2json writes.
    /// </summary>
    private static void WritePersonNames(Utf8JsonWriter writer, string text)
    {
        var values = text.Split('\\');
        var parsed = new string?[values.Length][];
        bool any = values.Length > 1;
        for (int v = 0; v < values.Length; v++)
        {
            var groups = values[v].TrimEnd('\0', ' ').Split('=');
            var kept = new string?[3];
            for (int g = 0; g < Math.Min(3, groups.Length); g++)
            {
                var components = groups[g].Split('^').Select(c => c.Trim(' ')).ToList();
                while (components.Count > 0 && components[^1].Length == 0)
                {
                    components.RemoveAt(components.Count - 1);
                }

                kept[g] = components.Count > 0 ? string.Join('^', components) : null;
                any |= kept[g] is not null;
            }

            parsed[v] = kept;
        }

        if (!any)
        {
            return;
        }

        writer.WriteStartArray("Value");
        foreach (var groups in parsed)
        {
            if (groups.All(g => g is null))
            {
                writer.WriteNullValue();
                continue;
            }

            writer.WriteStartObject();
            if (groups[0] is { } alphabetic)
            {
                writer.WriteString("Alphabetic", alphabetic);
            }

            if (groups[1] is { } ideographic)
            {
                writer.WriteString("Ideographic", ideographic);
            }

            if (groups[2] is { } phonetic)
            {
                writer.WriteString("Phonetic", phonetic);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// IS and DS values are JSON numbers when the text is a valid IS (PS3.5: optional sign, digits) or DS (fixed or
    /// floating point) value, written from the text itself so that no digit is lost: a '+' dropped, leading zeros
    /// removed, "1." and ".5" completed. Any other text (not a number in DICOM's grammar) stays a string, unchanged.
    /// </summary>
    private static void WriteNumberText(Utf8JsonWriter writer, DicomVR vr, string text)
    {
        if (NormaliseNumberText(text, integer: vr == DicomVR.IS) is { } number)
        {
            writer.WriteRawValue(number, skipInputValidation: true);
        }
        else
        {
            writer.WriteStringValue(text);
        }
    }

    /// <summary>A DS (or, with <paramref name="integer"/>, IS) text as a JSON number; null when it is not one.</summary>
    internal static string? NormaliseNumberText(string text, bool integer)
    {
        int i = 0;
        bool negative = false;
        if (i < text.Length && text[i] is '+' or '-')
        {
            negative = text[i] == '-';
            i++;
        }

        int intStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        string intPart = text[intStart..i];
        string fraction = string.Empty;
        string exponent = string.Empty;
        if (!integer && i < text.Length && text[i] == '.')
        {
            int fracStart = ++i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            fraction = text[fracStart..i];
        }

        if (intPart.Length == 0 && fraction.Length == 0)
        {
            return null;
        }

        if (!integer && i < text.Length && text[i] is 'e' or 'E')
        {
            int expStart = i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            int digits = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == digits)
            {
                return null;
            }

            exponent = text[expStart..i];
        }

        if (i != text.Length)
        {
            return null;
        }

        intPart = intPart.TrimStart('0');
        var result = new System.Text.StringBuilder(text.Length + 2);
        result.Append(negative ? "-" : string.Empty).Append(intPart.Length == 0 ? "0" : intPart);
        if (fraction.Length > 0)
        {
            result.Append('.').Append(fraction);
        }

        return result.Append(exponent).ToString();
    }

    /// <summary>Encapsulated pixel data as its encoded item stream (offset table item, fragment items, sequence delimiter).</summary>
    private static byte[] EncapsulatedBytes(DicomFragmentSequence fragments)
    {
        using var stream = new MemoryStream();
        var header = new byte[8];
        void Item(DicomBuffer buffer, uint tagLo)
        {
            long length = buffer.Length + (buffer.Length & 1);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(header, 0xFFFE);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(header[2..], (ushort)tagLo);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)length);
            stream.Write(header);
            buffer.CopyTo(stream);
            if ((buffer.Length & 1) != 0)
            {
                stream.WriteByte(0);
            }
        }

        Item(fragments.OffsetTable, 0xE000);
        foreach (var fragment in fragments.Fragments)
        {
            Item(fragment, 0xE000);
        }

        Item(DicomBuffer.Empty, 0xE0DD);
        return stream.ToArray();
    }
}
