using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PlaoImaging.Dicom;

/// <summary>Turns value bytes into typed values and back, following the encoding rules of each VR (PS3.5 6.2).</summary>
internal static class DicomValueCodec
{
    /// <summary>
    /// Removes the padding PS3.5 6.2 makes insignificant from one string value: leading and trailing spaces for AE, CS,
    /// DS, IS, LO, SH and UI (UI also NULs and other white space), trailing only for the others. A trailing NUL is
    /// treated as padding everywhere (DCMTK and real files use it).
    /// </summary>
    public static string TrimText(string value, DicomVR vr) => vr switch
    {
        DicomVR.UI => value.Trim(' ', '\0', '\t', '\r', '\n', '\f', '\v'),
        DicomVR.AE or DicomVR.CS or DicomVR.DS or DicomVR.IS or DicomVR.LO or DicomVR.SH => value.TrimEnd(' ', '\0').TrimStart(' '),
        _ => value.TrimEnd(' ', '\0'),
    };

    /// <summary>Number of values in a binary value, or of backslash-separated values in a string value.</summary>
    public static int Multiplicity(DicomValueElement element, DicomTextEncoding encoding)
    {
        var vr = element.VR;
        if (element.Text is { Length: 0 } || (element.Text is null && element.Length == 0))
        {
            return 0;
        }

        if (vr.IsString())
        {
            if (vr.IsSingleValuedText())
            {
                return 1;
            }

            return DicomDataset.SplitValues(DecodeText(element, encoding), vr).Length;
        }

        int size = vr.ValueSize();
        return size == 0 ? 1 : (int)(element.Length / size);
    }

    /// <summary>The whole value as text: an element made from text gives its text, one holding bytes decodes them.</summary>
    public static string DecodeText(DicomValueElement element, DicomTextEncoding encoding)
    {
        if (element.Text is { } text)
        {
            return text;
        }

        var bytes = element.Buffer.GetMemory().Span;
        return element.VR.UsesSpecificCharacterSet()
            ? encoding.Decode(bytes, element.VR)
            : DicomTextEncoding.Default.Decode(bytes, element.VR);
    }

    public static T[] GetValues<T>(DicomValueElement element, DicomTextEncoding encoding)
    {
        var vr = element.VR;
        var tag = element.Tag;
        if (vr.IsString())
        {
            string text = DecodeText(element, encoding);
            var parts = DicomDataset.SplitValues(text, vr);
            var result = new T[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                result[i] = ParseString<T>(tag, vr, parts[i]);
            }

            return result;
        }

        if (typeof(T) == typeof(byte[]))
        {
            return [(T)(object)element.Buffer.GetMemory().ToArray()];
        }

        int size = vr.ValueSize();
        if (size == 0)
        {
            throw new DicomValueException(tag, $"a {vr.Code()} value cannot be read as {typeof(T).Name}");
        }

        var memory = element.Buffer.GetMemory().Span;
        if (memory.Length % size != 0)
        {
            throw new DicomValueException(tag, $"value length {memory.Length} is not a multiple of {size} for VR {vr.Code()}");
        }

        var values = new T[memory.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ConvertBinary<T>(tag, vr, memory.Slice(i * size, size));
        }

        return values;
    }

    private static T ConvertBinary<T>(DicomTag tag, DicomVR vr, ReadOnlySpan<byte> bytes)
    {
        if (vr == DicomVR.AT)
        {
            var at = new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(bytes), BinaryPrimitives.ReadUInt16LittleEndian(bytes[2..]));
            return typeof(T) == typeof(DicomTag) ? (T)(object)at
                : typeof(T) == typeof(string) ? (T)(object)at.ToJsonKey()
                : throw new DicomValueException(tag, $"an AT value cannot be read as {typeof(T).Name}");
        }

        if (vr is DicomVR.FL or DicomVR.OF)
        {
            return ConvertNumber<T>(tag, BinaryPrimitives.ReadSingleLittleEndian(bytes));
        }

        if (vr is DicomVR.FD or DicomVR.OD)
        {
            return ConvertNumber<T>(tag, BinaryPrimitives.ReadDoubleLittleEndian(bytes));
        }

        if (vr is DicomVR.SV)
        {
            return ConvertInteger<T>(tag, BinaryPrimitives.ReadInt64LittleEndian(bytes));
        }

        if (vr is DicomVR.UV or DicomVR.OV)
        {
            ulong u = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            if (typeof(T) == typeof(ulong))
            {
                return (T)(object)u;
            }

            if (typeof(T) == typeof(string))
            {
                return (T)(object)u.ToString(CultureInfo.InvariantCulture);
            }

            if (u > long.MaxValue)
            {
                throw new DicomValueException(tag, $"{u} does not fit {typeof(T).Name}");
            }

            return ConvertInteger<T>(tag, (long)u);
        }

        long value = vr switch
        {
            DicomVR.US or DicomVR.OW => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
            DicomVR.SS => BinaryPrimitives.ReadInt16LittleEndian(bytes),
            DicomVR.UL or DicomVR.OL => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            DicomVR.SL => BinaryPrimitives.ReadInt32LittleEndian(bytes),
            DicomVR.OB => bytes[0],
            _ => throw new DicomValueException(tag, $"VR {vr.Code()} has no numeric reading"),
        };
        return ConvertInteger<T>(tag, value);
    }

    private static T ConvertInteger<T>(DicomTag tag, long value)
    {
        try
        {
            object boxed = Type.GetTypeCode(typeof(T)) switch
            {
                TypeCode.Byte => checked((byte)value),
                TypeCode.SByte => checked((sbyte)value),
                TypeCode.Int16 => checked((short)value),
                TypeCode.UInt16 => checked((ushort)value),
                TypeCode.Int32 => checked((int)value),
                TypeCode.UInt32 => checked((uint)value),
                TypeCode.Int64 => value,
                TypeCode.UInt64 => checked((ulong)value),
                TypeCode.Single => (float)value,
                TypeCode.Double => (double)value,
                TypeCode.Decimal => (decimal)value,
                TypeCode.String => value.ToString(CultureInfo.InvariantCulture),
                _ => throw new DicomValueException(tag, $"an integer cannot be read as {typeof(T).Name}"),
            };
            return (T)boxed;
        }
        catch (OverflowException e)
        {
            throw new DicomValueException(tag, $"{value} does not fit {typeof(T).Name}", e);
        }
    }

    private static T ConvertNumber<T>(DicomTag tag, double value)
    {
        object boxed = Type.GetTypeCode(typeof(T)) switch
        {
            TypeCode.Single => (float)value,
            TypeCode.Double => value,
            TypeCode.Decimal => double.IsFinite(value) ? (decimal)value : throw new DicomValueException(tag, $"{value} is not finite"),
            TypeCode.String => value.ToString("R", CultureInfo.InvariantCulture),
            _ when value == Math.Floor(value) && double.IsFinite(value) => ConvertInteger<T>(tag, checked((long)value))!,
            _ => throw new DicomValueException(tag, $"{value} is not an integer"),
        };
        return (T)boxed;
    }

    private static T ParseString<T>(DicomTag tag, DicomVR vr, string text)
    {
        if (typeof(T) == typeof(string))
        {
            return (T)(object)text;
        }

        if (typeof(T) == typeof(DicomPersonName))
        {
            return (T)(object)DicomPersonName.Parse(text);
        }

        if (typeof(T) == typeof(DateOnly))
        {
            return TryParseDate(text, out var date) ? (T)(object)date
                : throw new DicomValueException(tag, $"'{text}' is not a DA value (YYYYMMDD)");
        }

        if (typeof(T) == typeof(TimeOnly))
        {
            return TryParseTime(text, out var time) ? (T)(object)time
                : throw new DicomValueException(tag, $"'{text}' is not a TM value (HH[MM[SS[.F{{1-6}}]]])");
        }

        if (typeof(T) == typeof(DicomDateTime))
        {
            return DicomDateTime.TryParse(text, out var dt) ? (T)(object)dt
                : throw new DicomValueException(tag, $"'{text}' is not a DT value");
        }

        if (typeof(T) == typeof(DicomTag))
        {
            return DicomTag.TryParse(text, out var parsed) ? (T)(object)parsed
                : throw new DicomValueException(tag, $"'{text}' is not a tag");
        }

        var trimmed = text.AsSpan().Trim();
        switch (Type.GetTypeCode(typeof(T)))
        {
            case TypeCode.Double:
            case TypeCode.Single:
            case TypeCode.Decimal:
                if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
                {
                    throw new DicomValueException(tag, $"'{text}' is not a number ({vr.Code()})");
                }

                return ConvertNumber<T>(tag, d);
            case TypeCode.Byte:
            case TypeCode.SByte:
            case TypeCode.Int16:
            case TypeCode.UInt16:
            case TypeCode.Int32:
            case TypeCode.UInt32:
            case TypeCode.Int64:
            case TypeCode.UInt64:
                if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
                {
                    return ConvertInteger<T>(tag, l);
                }

                if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double whole) && whole == Math.Floor(whole))
                {
                    return ConvertNumber<T>(tag, whole);
                }

                throw new DicomValueException(tag, $"'{text}' is not an integer ({vr.Code()})");
            default:
                throw new DicomValueException(tag, $"a {vr.Code()} value cannot be read as {typeof(T).Name}");
        }
    }

    /// <summary>YYYYMMDD; the ACR-NEMA form YYYY.MM.DD is tolerated on reading.</summary>
    public static bool TryParseDate(ReadOnlySpan<char> text, out DateOnly date)
    {
        date = default;
        text = text.Trim();
        if (text.Length == 10 && text[4] == '.' && text[7] == '.')
        {
            Span<char> digits = stackalloc char[8];
            text[..4].CopyTo(digits);
            text.Slice(5, 2).CopyTo(digits[4..]);
            text.Slice(8, 2).CopyTo(digits[6..]);
            return DicomDateTime.AllDigits(digits) &&
                   DateOnly.TryParseExact(digits, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
        }

        return text.Length == 8 && DicomDateTime.AllDigits(text) &&
               DateOnly.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    /// <summary>HH[MM[SS[.F{1-6}]]]; the ACR-NEMA form HH:MM:SS is tolerated on reading.</summary>
    public static bool TryParseTime(ReadOnlySpan<char> text, out TimeOnly time)
    {
        time = default;
        text = text.Trim();
        if (text.Contains(':'))
        {
            return TryParseTime(text.ToString().Replace(":", string.Empty, StringComparison.Ordinal), out time);
        }

        int dot = text.IndexOf('.');
        var main = dot >= 0 ? text[..dot] : text;
        if (main.Length is not (2 or 4 or 6) || !DicomDateTime.AllDigits(main))
        {
            return false;
        }

        int hour = int.Parse(main[..2], NumberStyles.None, CultureInfo.InvariantCulture);
        int minute = main.Length >= 4 ? int.Parse(main.Slice(2, 2), NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        int second = main.Length >= 6 ? int.Parse(main.Slice(4, 2), NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        long ticks = 0;
        if (dot >= 0)
        {
            var fraction = text[(dot + 1)..];
            if (main.Length != 6 || fraction.Length is < 1 or > 6 || !DicomDateTime.AllDigits(fraction))
            {
                return false;
            }

            ticks = int.Parse(fraction, NumberStyles.None, CultureInfo.InvariantCulture) * DicomDateTime.Pow10(7 - fraction.Length);
        }

        if (hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        time = new TimeOnly(hour, minute, Math.Min(second, 59)).Add(TimeSpan.FromTicks(ticks));
        return true;
    }

    /// <summary>Formats one value for a string VR.</summary>
    public static string FormatString<T>(T value, DicomVR vr)
    {
        return value switch
        {
            string s => s,
            DicomPersonName pn => pn.ToString(),
            DateOnly d => d.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
            TimeOnly t => t.Ticks % TimeSpan.TicksPerSecond == 0
                ? t.ToString("HHmmss", CultureInfo.InvariantCulture)
                : t.ToString("HHmmss.ffffff", CultureInfo.InvariantCulture),
            DicomTag tag => tag.ToJsonKey(),
            double d when vr == DicomVR.DS => FormatDecimalString(d),
            float f when vr == DicomVR.DS => FormatDecimalString(f),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            null => string.Empty,
            _ => value.ToString() ?? string.Empty,
        };
    }

    /// <summary>The shortest round-tripping form that fits DS's 16 characters, losing precision only when it must.</summary>
    public static string FormatDecimalString(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "DS cannot hold NaN or infinity.");
        }

        string r = value.ToString("R", CultureInfo.InvariantCulture);
        if (r.Length <= 16)
        {
            return r;
        }

        for (int digits = 15; digits > 0; digits--)
        {
            string g = value.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if (g.Length <= 16)
            {
                return g;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, "The value cannot be written in 16 characters.");
    }

    /// <summary>Encodes values of a binary VR into little-endian bytes.</summary>
    public static byte[] EncodeBinary<T>(DicomTag tag, DicomVR vr, ReadOnlySpan<T> values)
    {
        int size = vr.ValueSize();
        if (size == 0)
        {
            throw new DicomValueException(tag, $"VR {vr.Code()} is not a binary numeric VR");
        }

        var bytes = new byte[values.Length * size];
        var span = bytes.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            var slot = span.Slice(i * size, size);
            object? v = values[i];
            try
            {
                switch (vr)
                {
                    case DicomVR.AT:
                        var at = v is DicomTag t ? t : throw new DicomValueException(tag, "AT values must be DicomTag");
                        BinaryPrimitives.WriteUInt16LittleEndian(slot, at.Group);
                        BinaryPrimitives.WriteUInt16LittleEndian(slot[2..], at.Element);
                        break;
                    case DicomVR.FL or DicomVR.OF:
                        BinaryPrimitives.WriteSingleLittleEndian(slot, Convert.ToSingle(v, CultureInfo.InvariantCulture));
                        break;
                    case DicomVR.FD or DicomVR.OD:
                        BinaryPrimitives.WriteDoubleLittleEndian(slot, Convert.ToDouble(v, CultureInfo.InvariantCulture));
                        break;
                    case DicomVR.US or DicomVR.OW:
                        BinaryPrimitives.WriteUInt16LittleEndian(slot, Convert.ToUInt16(v, CultureInfo.InvariantCulture));
                        break;
                    case DicomVR.SS:
                        BinaryPrimitives.WriteInt16LittleEndian(slot, Convert.ToInt16(v, CultureInfo.InvariantCulture));
                        break;
                    case DicomVR.UL or DicomVR.OL:
                        BinaryPrimitives.WriteUInt32LittleEndian(slot, Convert.ToUInt32(v, CultureInfo.InvariantCulture));
                        break;
                    case DicomVR.SL:
                        BinaryPrimitives.WriteInt32LittleEndian(slot, Convert.ToInt32(v, CultureInfo.InvariantCulture));
                        break;
                    case DicomVR.SV:
                        BinaryPrimitives.WriteInt64LittleEndian(slot, Convert.ToInt64(v, CultureInfo.InvariantCulture));
                        break;
                    case DicomVR.UV or DicomVR.OV:
                        BinaryPrimitives.WriteUInt64LittleEndian(slot, Convert.ToUInt64(v, CultureInfo.InvariantCulture));
                        break;
                    case DicomVR.OB:
                        slot[0] = Convert.ToByte(v, CultureInfo.InvariantCulture);
                        break;
                    default:
                        throw new DicomValueException(tag, $"VR {vr.Code()} is not a binary numeric VR");
                }
            }
            catch (Exception e) when (e is OverflowException or InvalidCastException or FormatException)
            {
                throw new DicomValueException(tag, $"value {v} cannot be encoded as {vr.Code()}", e);
            }
        }

        return bytes;
    }

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
