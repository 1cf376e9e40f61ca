namespace PlaoImaging.Dicom;

/// <summary>
/// A PN value (PS3.5 6.2.1): up to three component groups (alphabetic, ideographic, phonetic) separated by '=',
/// each with five components separated by '^': family, given, middle, prefix, suffix.
/// </summary>
public sealed record DicomPersonName(string Alphabetic, string Ideographic = "", string Phonetic = "")
{
    /// <summary>Splits one PN value (one of possibly several backslash-separated values).</summary>
    public static DicomPersonName Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var groups = value.Split('=');
        return new DicomPersonName(
            groups.Length > 0 ? groups[0] : string.Empty,
            groups.Length > 1 ? groups[1] : string.Empty,
            groups.Length > 2 ? groups[2] : string.Empty);
    }

    public string FamilyName => Component(Alphabetic, 0);

    public string GivenName => Component(Alphabetic, 1);

    public string MiddleName => Component(Alphabetic, 2);

    public string NamePrefix => Component(Alphabetic, 3);

    public string NameSuffix => Component(Alphabetic, 4);

    /// <summary>The five components of one group; missing components are empty.</summary>
    public static string[] Components(string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var parts = group.Split('^');
        var result = new string[5];
        for (int i = 0; i < 5; i++)
        {
            result[i] = i < parts.Length ? parts[i] : string.Empty;
        }

        return result;
    }

    /// <summary>The value as stored: groups joined with '=', trailing empty groups dropped.</summary>
    public override string ToString()
    {
        if (Phonetic.Length > 0)
        {
            return $"{Alphabetic}={Ideographic}={Phonetic}";
        }

        return Ideographic.Length > 0 ? $"{Alphabetic}={Ideographic}" : Alphabetic;
    }

    private static string Component(string group, int index)
    {
        var parts = group.Split('^');
        return index < parts.Length ? parts[index] : string.Empty;
    }
}
