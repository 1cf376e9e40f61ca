using System.Text;

namespace PlaoImaging.Dicom.StructuredReport;

/// <summary>A content tree as indented text, one item a line: relationship, value type, concept name, value (line breaks shown as \n).</summary>
public static class SrTreeText
{
    /// <param name="root">The tree.</param>
    /// <param name="withCodes">Show each code as (value, scheme, "meaning") instead of its meaning alone.</param>
    public static string Format(ContentItem root, bool withCodes = false)
    {
        ArgumentNullException.ThrowIfNull(root);
        var text = new StringBuilder();
        Append(text, root, 0, withCodes);
        return text.ToString();
    }

    private static void Append(StringBuilder text, ContentItem item, int depth, bool withCodes)
    {
        text.Append(' ', depth * 2);
        if (item.Relationship is { } relationship)
        {
            text.Append('<').Append(relationship.ToDicom()).Append("> ");
        }

        text.Append(item.ValueType);
        if (item.Concept is { } concept)
        {
            text.Append(' ').Append(withCodes ? concept.ToString() : concept.Meaning);
        }

        string value = item switch
        {
            CodeItem code when !withCodes => code.Value.Meaning,
            NumItem { Value: { } v, Unit: { } unit } when !withCodes =>
                v.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + " " + unit.Value,
            _ => item.DescribeValue(),
        };
        if (value.Length > 0)
        {
            // One item, one line: line breaks inside a text value are shown as \n.
            text.Append(" = ").Append(value.Replace("\r\n", "\\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\n", "\\n", StringComparison.Ordinal));
        }

        text.Append('\n');
        foreach (var child in item.Children)
        {
            Append(text, child, depth + 1, withCodes);
        }
    }
}
