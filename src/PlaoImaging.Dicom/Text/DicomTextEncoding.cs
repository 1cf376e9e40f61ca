// TEMPORARY STUB — to be replaced by the character-set implementation (Text/). Decodes as Latin-1 / UTF-8 only.
namespace PlaoImaging.Dicom;

public sealed class DicomTextEncoding
{
    private readonly bool utf8;

    private DicomTextEncoding(IReadOnlyList<string> terms, bool utf8)
    {
        Terms = terms;
        this.utf8 = utf8;
    }

    public static DicomTextEncoding Default { get; } = new([], false);

    public IReadOnlyList<string> Terms { get; }

    public bool IsDefault => Terms.Count == 0;

    public static DicomTextEncoding FromSpecificCharacterSet(IReadOnlyList<string> terms, ICollection<string>? warnings = null) =>
        new(terms, terms.Count > 0 && terms[0] == "ISO_IR 192");

    public string Decode(ReadOnlySpan<byte> value, DicomVR vr) =>
        utf8 ? System.Text.Encoding.UTF8.GetString(value) : System.Text.Encoding.Latin1.GetString(value);

    public byte[] Encode(string text, DicomVR vr) =>
        utf8 ? System.Text.Encoding.UTF8.GetBytes(text) : System.Text.Encoding.Latin1.GetBytes(text);
}
