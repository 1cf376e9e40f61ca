using System.Globalization;
using System.Text.Json;

namespace PlaoImaging.Dicom.Json;

/// <summary>Reads the DICOM JSON model (PS3.18 F.2) into a dataset; malformed input gives a <see cref="DicomJsonException"/> naming the attribute.</summary>
public static class DicomJsonReader
{
    public static DicomDataset Read(string json, DicomJsonReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = Parse(() => JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 }));
        return ReadRoot(document, options);
    }

    public static DicomDataset Read(Stream utf8Json, DicomJsonReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        using var document = Parse(() => JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 256 }));
        return ReadRoot(document, options);
    }

    private static DicomDataset ReadRoot(JsonDocument document, DicomJsonReadOptions? options)
    {
        try
        {
            return ReadDataset(document.RootElement, options ?? DicomJsonReadOptions.Default, null, "$");
        }
        catch (InvalidOperationException e)
        {
            // System.Text.Json validates UTF-8 only when a string is read (e.g. an attribute name): malformed text.
            throw new DicomJsonException($"not valid JSON text: {e.Message}", e);
        }
    }

    private static JsonDocument Parse(Func<JsonDocument> parse)
    {
        try
        {
            return parse();
        }
        catch (JsonException e)
        {
            throw new DicomJsonException($"not valid JSON: {e.Message}", e);
        }
    }

    private static DicomDataset ReadDataset(JsonElement json, DicomJsonReadOptions options, DicomDataset? parent, string path)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new DicomJsonException($"{path}: a dataset must be a JSON object");
        }

        var dataset = new DicomDataset { Parent = parent };
        var properties = json.EnumerateObject().ToList();

        // In tag order. Text values are kept as text: they are encoded when written, in the character set then in force.
        properties.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var property in properties)
        {
            if (!DicomTag.TryParse(property.Name, out var tag) || property.Name.Length != 8)
            {
                throw new DicomJsonException($"{path}: '{property.Name}' is not an attribute tag (eight hex digits)");
            }

            ReadAttribute(dataset, tag, property.Value, options, $"{path}.{property.Name}");
        }

        return dataset;
    }

    private static void ReadAttribute(DicomDataset dataset, DicomTag tag, JsonElement json, DicomJsonReadOptions options, string path)
    {
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("vr", out var vrJson) ||
            vrJson.ValueKind != JsonValueKind.String || !DicomVRInfo.TryParse(vrJson.GetString(), out var vr))
        {
            throw new DicomJsonException($"{path}: an attribute needs a \"vr\" that is one of the 34 VRs");
        }

        bool hasValue = json.TryGetProperty("Value", out var value);
        bool hasInline = json.TryGetProperty("InlineBinary", out var inline);
        bool hasBulk = json.TryGetProperty("BulkDataURI", out var bulk);
        if ((hasValue ? 1 : 0) + (hasInline ? 1 : 0) + (hasBulk ? 1 : 0) > 1)
        {
            throw new DicomJsonException($"{path}: only one of Value, InlineBinary and BulkDataURI may be present");
        }

        if (hasValue && value.ValueKind != JsonValueKind.Array)
        {
            throw new DicomJsonException($"{path}: \"Value\" must be an array");
        }

        if (vr == DicomVR.SQ)
        {
            var sequence = new DicomSequence(tag);
            sequence.SetHolder(dataset);
            if (hasValue)
            {
                int i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    sequence.Add(ReadDataset(item, options, dataset, $"{path}.Value[{i++}]"));
                }
            }

            dataset.AddOrUpdate(sequence);
            return;
        }

        if (hasInline || hasBulk)
        {
            if ((hasInline ? inline : bulk).ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                throw new DicomJsonException($"{path}: {(hasInline ? "InlineBinary" : "BulkDataURI")} must be a string");
            }

            byte[] bytes;
            try
            {
                bytes = hasInline
                    ? Convert.FromBase64String(inline.GetString() ?? string.Empty)
                    : options.BulkDataResolver is { } resolve
                        ? resolve(bulk.GetString() ?? string.Empty)
                        : throw new DicomJsonException($"{path}: BulkDataURI '{bulk.GetString()}' and no resolver to fetch it");
            }
            catch (FormatException e)
            {
                throw new DicomJsonException($"{path}: InlineBinary is not valid base64", e);
            }

            dataset.AddOrUpdate(new DicomValueElement(tag, vr, DicomBuffer.FromMemory(bytes)));
            return;
        }

        if (!hasValue)
        {
            dataset.AddOrUpdate(new DicomValueElement(tag, vr, DicomBuffer.Empty));
            return;
        }

        try
        {
            AddValues(dataset, tag, vr, value, path);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or DicomException and not DicomJsonException)
        {
            throw new DicomJsonException($"{path}: {e.Message}", e);
        }
    }

    private static void AddValues(DicomDataset dataset, DicomTag tag, DicomVR vr, JsonElement array, string path)
    {
        var items = array.EnumerateArray().ToList();
        if (vr.IsString())
        {
            var texts = new string[items.Count];
            for (int i = 0; i < items.Count; i++)
            {
                var item = items[i];
                texts[i] = item.ValueKind switch
                {
                    JsonValueKind.Null => string.Empty,
                    JsonValueKind.String => item.GetString()!,
                    JsonValueKind.Number when vr is DicomVR.DS or DicomVR.IS => item.GetRawText(),
                    JsonValueKind.Object when vr == DicomVR.PN => PersonName(item, path),
                    _ => throw new DicomJsonException($"{path}: value {i + 1} has the wrong JSON type for VR {vr.Code()}"),
                };
            }

            string joined = string.Join('\\', texts);
            dataset.AddOrUpdate(vr.UsesSpecificCharacterSet()
                ? new DicomValueElement(tag, vr, joined, dataset.TextEncoding)
                : new DicomValueElement(tag, vr, DicomBuffer.FromMemory(System.Text.Encoding.ASCII.GetBytes(joined))));
            return;
        }

        switch (vr)
        {
            case DicomVR.AT:
                dataset.AddValues(tag, vr, items.Select(i => DicomTag.Parse(i.GetString() ?? string.Empty)).ToArray());
                return;
            case DicomVR.FL or DicomVR.FD:
                dataset.AddValues(tag, vr, items.Select(i => i.ValueKind == JsonValueKind.String
                    ? double.Parse(i.GetString()!, CultureInfo.InvariantCulture)
                    : i.GetDouble()).ToArray());
                return;
            case DicomVR.UV:
                dataset.AddValues(tag, vr, items.Select(i => i.GetUInt64()).ToArray());
                return;
            case DicomVR.US or DicomVR.SS or DicomVR.UL or DicomVR.SL or DicomVR.SV:
                dataset.AddValues(tag, vr, items.Select(i => i.GetInt64()).ToArray());
                return;
            default:
                throw new DicomJsonException($"{path}: VR {vr.Code()} takes InlineBinary or BulkDataURI, not Value");
        }
    }

    private static string PersonName(JsonElement item, string path)
    {
        string Group(string name) =>
            item.TryGetProperty(name, out var g)
                ? g.ValueKind == JsonValueKind.String ? g.GetString()! : throw new DicomJsonException($"{path}: PN {name} must be a string")
                : string.Empty;

        return new DicomPersonName(Group("Alphabetic"), Group("Ideographic"), Group("Phonetic")).ToString();
    }
}

/// <summary>Malformed DICOM JSON.</summary>
public class DicomJsonException : DicomException
{
    public DicomJsonException()
    {
    }

    public DicomJsonException(string message) : base(message)
    {
    }

    public DicomJsonException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}
