namespace PlaoImaging.Dicom.StructuredReport;

/// <summary>
/// A coded concept (PS3.3 Table 8.8-1, the Code Sequence macro): a code value in a coding scheme, the scheme's
/// version where the scheme needs one, and the meaning shown to people. Two concepts name the same thing when value
/// and scheme agree (<see cref="Is"/>); the meaning is only its label.
/// </summary>
public sealed record CodedConcept
{
    /// <summary>A concept; throws <see cref="ArgumentException"/> when the value, scheme or meaning is empty or too long.</summary>
    public CodedConcept(string value, string scheme, string meaning, string? schemeVersion = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(meaning);
        if (value.Length == 0 || scheme.Length == 0 || meaning.Length == 0)
        {
            throw new ArgumentException($"A coded concept needs a value, a scheme and a meaning (got '{value}', '{scheme}', '{meaning}').");
        }

        if (scheme.Length > 16)
        {
            throw new ArgumentException($"Coding scheme designator '{scheme}' is longer than the 16 characters SH allows.", nameof(scheme));
        }

        if (meaning.Length > 64)
        {
            throw new ArgumentException($"Code meaning '{meaning}' is longer than the 64 characters LO allows.", nameof(meaning));
        }

        Value = value;
        Scheme = scheme;
        Meaning = meaning;
        SchemeVersion = string.IsNullOrEmpty(schemeVersion) ? null : schemeVersion;
    }

    /// <summary>Code Value (0008,0100), or Long Code Value (0008,0119) when longer than 16 characters, or URN Code Value (0008,0120) for a URN.</summary>
    public string Value { get; }

    /// <summary>Coding Scheme Designator (0008,0102).</summary>
    public string Scheme { get; }

    /// <summary>Code Meaning (0008,0104).</summary>
    public string Meaning { get; }

    /// <summary>Coding Scheme Version (0008,0103), when the scheme needs one to be unambiguous.</summary>
    public string? SchemeVersion { get; }

    /// <summary>True when both name the same concept: equal value and scheme (meanings may be worded differently).</summary>
    public bool Is(CodedConcept? other) =>
        other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal) &&
        string.Equals(Scheme, other.Scheme, StringComparison.Ordinal);

    /// <summary>The usual short form: (value, scheme, "meaning").</summary>
    public override string ToString() => $"({Value}, {Scheme}, \"{Meaning}\")";
}

/// <summary>
/// A coding scheme declared in the Coding Scheme Identification Sequence (0008,0110), as every private scheme
/// (designator starting with "99") used in a document must be.
/// </summary>
public sealed record CodingSchemeIdentification(string Designator, string Name, string ResponsibleOrganization)
{
    /// <summary>Coding Scheme UID (0008,010C), when the scheme has one.</summary>
    public string? Uid { get; init; }

    /// <summary>Coding Scheme Version (0008,0103), when there is one.</summary>
    public string? Version { get; init; }
}
