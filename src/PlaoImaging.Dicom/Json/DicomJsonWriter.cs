using System.Globalization;
using System.Text.Json;

namespace PlaoImaging.Dicom.Json;

/// <summary>
/// Writes a dataset in the DICOM JSON model (PS3.18 F.2): attribute names as eight upper-case hex digits, "vr",
/// then "Value" (strings, numbers, person-name objects or items), "InlineBinary" (base64) for binary VRs.
/// </summary>
public static class DicomJsonWriter
{
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
        if (element.Length == 0)
        {
            return;
        }

        var vr = element.VR;
        if (vr.IsString())
        {
            if (options.DeclareUtf8CharacterSet && element.Tag == DicomTag.SpecificCharacterSet)
            {
                writer.WriteStartArray("Value");
                writer.WriteStringValue("ISO_IR 192");
                writer.WriteEndArray();
                return;
            }

            string text = DicomValueCodec.DecodeText(element, dataset.TextEncoding);
            var values = DicomDataset.SplitValues(text, vr);
            if (values.Length == 1 && values[0].Length == 0 && text.Trim(' ', '\0').Length == 0)
            {
                return;
            }

            writer.WriteStartArray("Value");
            foreach (var one in values)
            {
                if (one.Length == 0)
                {
                    writer.WriteNullValue();
                }
                else if (vr == DicomVR.PN)
                {
                    WritePersonName(writer, one);
                }
                else if (vr is DicomVR.DS or DicomVR.IS)
                {
                    WriteNumberText(writer, element.Tag, one);
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
                    writer.WriteNumberValue(u);
                }

                writer.WriteEndArray();
                return;
            default:
                writer.WriteStartArray("Value");
                foreach (var l in DicomValueCodec.GetValues<long>(element, dataset.TextEncoding))
                {
                    writer.WriteNumberValue(l);
                }

                writer.WriteEndArray();
                return;
        }
    }

    private static void WritePersonName(Utf8JsonWriter writer, string value)
    {
        var name = DicomPersonName.Parse(value);
        writer.WriteStartObject();
        if (name.Alphabetic.Length > 0)
        {
            writer.WriteString("Alphabetic", name.Alphabetic);
        }

        if (name.Ideographic.Length > 0)
        {
            writer.WriteString("Ideographic", name.Ideographic);
        }

        if (name.Phonetic.Length > 0)
        {
            writer.WriteString("Phonetic", name.Phonetic);
        }

        writer.WriteEndObject();
    }

    /// <summary>IS and DS are JSON numbers: the stored text when it already is a valid JSON number, else its value.</summary>
    private static void WriteNumberText(Utf8JsonWriter writer, DicomTag tag, string text)
    {
        text = text.Trim();
        if (IsJsonNumber(text))
        {
            writer.WriteRawValue(text, skipInputValidation: true);
            return;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d))
        {
            writer.WriteNumberValue(d);
            return;
        }

        // Not a number at all: PS3.18 has no place for it; keep the text so nothing is lost.
        writer.WriteStringValue(text);
        _ = tag;
    }

    internal static bool IsJsonNumber(ReadOnlySpan<char> s)
    {
        int i = 0;
        if (i < s.Length && s[i] == '-')
        {
            i++;
        }

        if (i >= s.Length)
        {
            return false;
        }

        if (s[i] == '0')
        {
            i++;
        }
        else if (s[i] is >= '1' and <= '9')
        {
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
        }
        else
        {
            return false;
        }

        if (i < s.Length && s[i] == '.')
        {
            i++;
            int start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }
        }

        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-')
            {
                i++;
            }

            int start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }
        }

        return i == s.Length;
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
