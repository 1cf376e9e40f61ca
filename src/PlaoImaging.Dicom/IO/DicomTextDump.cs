using System.Globalization;
using System.Text;

namespace PlaoImaging.Dicom;

/// <summary>A human-readable listing of a dataset, one element per line, items indented.</summary>
public static class DicomTextDump
{
    private const int MaxShown = 64;

    public static string ToText(DicomDataset dataset)
    {
        var text = new StringBuilder();
        Append(text, dataset, 0);
        return text.ToString();
    }

    public static void Append(StringBuilder text, DicomDataset dataset, int depth)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(dataset);
        string indent = new(' ', depth * 2);
        foreach (var element in dataset)
        {
            var entry = DicomDictionary.Lookup(element.Tag);
            string keyword = entry is { Keyword.Length: > 0 } ? entry.Keyword : element.Tag.IsPrivate ? PrivateLabel(dataset, element.Tag) : entry?.Name ?? "Unknown";
            text.Append(indent).Append(element.Tag.ToString()).Append(' ').Append(element.VR.Code()).Append(' ');
            switch (element)
            {
                case DicomSequence sequence:
                    text.Append(CultureInfo.InvariantCulture, $"({sequence.Items.Count} items)  # {keyword}\n");
                    int n = 0;
                    foreach (var item in sequence.Items)
                    {
                        text.Append(indent).Append(CultureInfo.InvariantCulture, $"  (FFFE,E000) item {++n}\n");
                        Append(text, item, depth + 2);
                    }

                    break;
                case DicomFragmentSequence fragments:
                    text.Append(CultureInfo.InvariantCulture, $"(offset table {fragments.OffsetTable.Length} bytes, {fragments.Fragments.Count} fragments)  # {keyword}\n");
                    break;
                case DicomValueElement value:
                    text.Append(Describe(dataset, value)).Append(CultureInfo.InvariantCulture, $"  # {value.Length}, {keyword}\n");
                    break;
            }
        }
    }

    private static string PrivateLabel(DicomDataset dataset, DicomTag tag) =>
        tag.IsPrivateCreator ? "PrivateCreator" : dataset.GetPrivateCreator(tag) is { } creator ? $"Private [{creator}]" : "Private";

    private static string Describe(DicomDataset dataset, DicomValueElement element)
    {
        var vr = element.VR;
        if (element.Length == 0)
        {
            return "(no value)";
        }

        try
        {
            if (vr.IsString())
            {
                string text = DicomValueCodec.TrimText(DicomValueCodec.DecodeText(element, dataset.TextEncoding), vr);
                return "[" + (text.Length > 200 ? text[..200] + "..." : text) + "]";
            }

            if (!element.Buffer.IsInMemory || vr is DicomVR.OB or DicomVR.UN or DicomVR.OW or DicomVR.OD or DicomVR.OF or DicomVR.OL or DicomVR.OV)
            {
                if (!element.Buffer.IsInMemory || element.Length > MaxShown)
                {
                    return $"({element.Length} bytes{(element.Buffer.IsInMemory ? string.Empty : ", left in file")})";
                }
            }

            string[] shown = vr switch
            {
                DicomVR.AT => DicomValueCodec.GetValues<DicomTag>(element, dataset.TextEncoding).Select(t => t.ToString()).ToArray(),
                DicomVR.FL or DicomVR.FD or DicomVR.OF or DicomVR.OD => DicomValueCodec.GetValues<double>(element, dataset.TextEncoding).Select(d => d.ToString("R", CultureInfo.InvariantCulture)).ToArray(),
                DicomVR.UV or DicomVR.OV => DicomValueCodec.GetValues<ulong>(element, dataset.TextEncoding).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray(),
                DicomVR.OB or DicomVR.UN => element.Buffer.GetMemory().ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)).ToArray(),
                DicomVR.OW => DicomValueCodec.GetValues<ushort>(element, dataset.TextEncoding).Select(d => d.ToString("x4", CultureInfo.InvariantCulture)).ToArray(),
                _ => DicomValueCodec.GetValues<long>(element, dataset.TextEncoding).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray(),
            };
            return shown.Length > 16 ? string.Join('\\', shown.Take(16)) + "\\..." : string.Join('\\', shown);
        }
        catch (DicomValueException e)
        {
            return $"(unreadable: {e.Message})";
        }
    }
}
