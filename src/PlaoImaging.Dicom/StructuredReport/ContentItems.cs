using System.Globalization;

namespace PlaoImaging.Dicom.StructuredReport;

/// <summary>How a content item relates to its parent (Relationship Type (0040,A010), PS3.3 C.17.3.2.4).</summary>
public enum RelationshipType
{
    Contains,
    HasProperties,
    HasObservationContext,
    HasAcquisitionContext,
    HasConceptModifier,
    InferredFrom,
    SelectedFrom,
}

/// <summary>The defined terms of <see cref="RelationshipType"/>.</summary>
public static class RelationshipTypes
{
    public static string ToDicom(this RelationshipType type) => type switch
    {
        RelationshipType.Contains => "CONTAINS",
        RelationshipType.HasProperties => "HAS PROPERTIES",
        RelationshipType.HasObservationContext => "HAS OBS CONTEXT",
        RelationshipType.HasAcquisitionContext => "HAS ACQ CONTEXT",
        RelationshipType.HasConceptModifier => "HAS CONCEPT MOD",
        RelationshipType.InferredFrom => "INFERRED FROM",
        RelationshipType.SelectedFrom => "SELECTED FROM",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a relationship type"),
    };

    public static bool TryParse(string? text, out RelationshipType type)
    {
        foreach (var candidate in Enum.GetValues<RelationshipType>())
        {
            if (string.Equals(candidate.ToDicom(), text, StringComparison.Ordinal))
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }
}

/// <summary>
/// One node of an SR content tree (PS3.3 C.17.3): its value type, concept name, relationship to its parent (none for
/// the root) and children. Items are immutable and checked when they are made: a value that the standard does not
/// allow throws <see cref="ArgumentException"/> at once, not when the document is written.
/// </summary>
public abstract record ContentItem
{
    protected ContentItem(RelationshipType? relationship, CodedConcept? concept)
    {
        Relationship = relationship;
        Concept = concept;
    }

    /// <summary>Value Type (0040,A040) as written.</summary>
    public abstract string ValueType { get; }

    /// <summary>Relationship to the parent; null for the root item.</summary>
    public RelationshipType? Relationship { get; }

    /// <summary>Concept Name Code Sequence (0040,A043); may be absent on IMAGE, SCOORD and COMPOSITE items.</summary>
    public CodedConcept? Concept { get; }

    /// <summary>Children by value (Content Sequence (0040,A730)), in order.</summary>
    public IReadOnlyList<ContentItem> Children { get; init => field = CheckChildren(value); } = [];

    /// <summary>The first child with the given concept name and relationship, or null.</summary>
    public T? Child<T>(CodedConcept concept, RelationshipType? relationship = null)
        where T : ContentItem =>
        Children.OfType<T>().FirstOrDefault(c => concept.Is(c.Concept) && (relationship is null || c.Relationship == relationship));

    /// <summary>Every child with the given concept name.</summary>
    public IEnumerable<T> ChildrenNamed<T>(CodedConcept concept)
        where T : ContentItem =>
        Children.OfType<T>().Where(c => concept.Is(c.Concept));

    /// <summary>This item and every descendant, depth first.</summary>
    public IEnumerable<ContentItem> DescendantsAndSelf()
    {
        yield return this;
        foreach (var child in Children)
        {
            foreach (var d in child.DescendantsAndSelf())
            {
                yield return d;
            }
        }
    }

    /// <summary>The value as one line of text (for dumps).</summary>
    public abstract string DescribeValue();

    protected static CodedConcept RequireConcept(CodedConcept? concept, string valueType) =>
        concept ?? throw new ArgumentException($"A {valueType} content item needs a concept name.", nameof(concept));

    private static IReadOnlyList<ContentItem> CheckChildren(IReadOnlyList<ContentItem> children)
    {
        ArgumentNullException.ThrowIfNull(children);
        foreach (var child in children)
        {
            if (child is null)
            {
                throw new ArgumentException("A content item's children may not be null.", nameof(children));
            }

            if (child.Relationship is null)
            {
                throw new ArgumentException($"Child {child.ValueType} {child.Concept} has no relationship type to its parent.", nameof(children));
            }
        }

        return [.. children];
    }
}

/// <summary>CONTAINER: a heading that groups its children; the root of every document is one.</summary>
public sealed record ContainerItem : ContentItem
{
    public ContainerItem(RelationshipType? relationship, CodedConcept concept, bool continuous = false, string? templateIdentifier = null)
        : base(relationship, RequireConcept(concept, "CONTAINER"))
    {
        Continuous = continuous;
        TemplateIdentifier = string.IsNullOrEmpty(templateIdentifier) ? null : templateIdentifier;
    }

    public override string ValueType => "CONTAINER";

    /// <summary>Continuity Of Content (0040,A050): CONTINUOUS when true, SEPARATE otherwise.</summary>
    public bool Continuous { get; }

    /// <summary>Template Identifier (0040,DB00) of the DCMR template the container follows (Content Template Sequence), e.g. "1500".</summary>
    public string? TemplateIdentifier { get; }

    public override string DescribeValue() => TemplateIdentifier is null ? string.Empty : $"[TID {TemplateIdentifier}]";
}

/// <summary>TEXT: free text (UT).</summary>
public sealed record TextItem : ContentItem
{
    public TextItem(RelationshipType? relationship, CodedConcept concept, string text)
        : base(relationship, RequireConcept(concept, "TEXT"))
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            throw new ArgumentException($"TEXT {concept} needs a value (Text Value (0040,A160) is type 1).", nameof(text));
        }

        Text = text;
    }

    public override string ValueType => "TEXT";

    public string Text { get; }

    public override string DescribeValue() => $"\"{Text}\"";
}

/// <summary>CODE: a coded value (Concept Code Sequence (0040,A168)).</summary>
public sealed record CodeItem : ContentItem
{
    public CodeItem(RelationshipType? relationship, CodedConcept concept, CodedConcept value)
        : base(relationship, RequireConcept(concept, "CODE"))
    {
        Value = value ?? throw new ArgumentNullException(nameof(value));
    }

    public override string ValueType => "CODE";

    public CodedConcept Value { get; }

    public override string DescribeValue() => Value.ToString();
}

/// <summary>
/// NUM: a number with its units (Measured Value Sequence (0040,A300)): the value is written both as Numeric Value
/// (DS, up to 16 characters) and as Floating Point Value (FD, exact). A NUM without a value carries a Numeric Value
/// Qualifier (CID 42) saying why.
/// </summary>
public sealed record NumItem : ContentItem
{
    public NumItem(RelationshipType? relationship, CodedConcept concept, double value, CodedConcept unit)
        : base(relationship, RequireConcept(concept, "NUM"))
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"NUM {concept} needs a finite value.");
        }

        Value = value;
        Unit = unit ?? throw new ArgumentException($"NUM {concept} needs units (Measurement Units Code Sequence (0040,08EA)).", nameof(unit));
    }

    /// <summary>A NUM with no value, only a qualifier (e.g. (114006, DCM, "Measurement failure")).</summary>
    public NumItem(RelationshipType? relationship, CodedConcept concept, CodedConcept qualifier)
        : base(relationship, RequireConcept(concept, "NUM"))
    {
        Qualifier = qualifier ?? throw new ArgumentException($"NUM {concept} without a value needs a Numeric Value Qualifier.", nameof(qualifier));
    }

    public override string ValueType => "NUM";

    /// <summary>The value, or null when only a qualifier is given.</summary>
    public double? Value { get; }

    /// <summary>The units (UCUM); null when there is no value.</summary>
    public CodedConcept? Unit { get; }

    /// <summary>Numeric Value Qualifier Code Sequence (0040,A301).</summary>
    public CodedConcept? Qualifier { get; init; }

    public override string DescribeValue() =>
        Value is { } v ? $"{v.ToString("R", CultureInfo.InvariantCulture)} {Unit!.Value}" : $"(no value: {Qualifier})";
}

/// <summary>UIDREF: a UID (UI).</summary>
public sealed record UidRefItem : ContentItem
{
    public UidRefItem(RelationshipType? relationship, CodedConcept concept, string uid)
        : base(relationship, RequireConcept(concept, "UIDREF"))
    {
        ArgumentNullException.ThrowIfNull(uid);
        if (!DicomUidGenerator.IsValid(uid))
        {
            throw new ArgumentException($"UIDREF {concept}: '{uid}' is not a valid UID.", nameof(uid));
        }

        Uid = uid;
    }

    public override string ValueType => "UIDREF";

    public string Uid { get; }

    public override string DescribeValue() => Uid;
}

/// <summary>DATETIME: a date and time (DT), kept as written so that precision and offset survive a round trip.</summary>
public sealed record DateTimeItem : ContentItem
{
    public DateTimeItem(RelationshipType? relationship, CodedConcept concept, string value)
        : base(relationship, RequireConcept(concept, "DATETIME"))
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!DicomDateTime.TryParse(value, out _))
        {
            throw new ArgumentException($"DATETIME {concept}: '{value}' is not a DT value.", nameof(value));
        }

        Value = value;
    }

    public DateTimeItem(RelationshipType? relationship, CodedConcept concept, DateTimeOffset value)
        : this(relationship, concept, Format(value))
    {
    }

    public override string ValueType => "DATETIME";

    /// <summary>The DT text (0040,A120).</summary>
    public string Value { get; }

    /// <summary>The DT form of a moment with its UTC offset, to the microsecond.</summary>
    public static string Format(DateTimeOffset value) =>
        value.ToString("yyyyMMddHHmmss.ffffff", CultureInfo.InvariantCulture) +
        (value.Offset < TimeSpan.Zero ? "-" : "+") + value.Offset.ToString("hhmm", CultureInfo.InvariantCulture);

    public override string DescribeValue() => Value;
}

/// <summary>DATE: a calendar date (DA).</summary>
public sealed record DateItem : ContentItem
{
    public DateItem(RelationshipType? relationship, CodedConcept concept, DateOnly value)
        : base(relationship, RequireConcept(concept, "DATE"))
    {
        Value = value;
    }

    public override string ValueType => "DATE";

    public DateOnly Value { get; }

    public override string DescribeValue() => Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>PNAME: a person's name (PN).</summary>
public sealed record PersonNameItem : ContentItem
{
    public PersonNameItem(RelationshipType? relationship, CodedConcept concept, DicomPersonName name)
        : base(relationship, RequireConcept(concept, "PNAME"))
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.ToString().Length == 0)
        {
            throw new ArgumentException($"PNAME {concept} needs a name.", nameof(name));
        }

        Name = name;
    }

    public override string ValueType => "PNAME";

    public DicomPersonName Name { get; }

    public override string DescribeValue() => Name.ToString();
}

/// <summary>A reference to a composite instance (Referenced SOP Sequence (0008,1199)), with frames for a multi-frame image.</summary>
public sealed record SopReference
{
    public SopReference(string sopClassUid, string sopInstanceUid, IReadOnlyList<int>? frames = null)
    {
        ArgumentNullException.ThrowIfNull(sopClassUid);
        ArgumentNullException.ThrowIfNull(sopInstanceUid);
        if (!DicomUidGenerator.IsValid(sopClassUid) || !DicomUidGenerator.IsValid(sopInstanceUid))
        {
            throw new ArgumentException($"Invalid SOP reference: class '{sopClassUid}', instance '{sopInstanceUid}'.");
        }

        if (frames is not null && frames.Any(f => f < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(frames), "Frame numbers start at 1.");
        }

        SopClassUid = sopClassUid;
        SopInstanceUid = sopInstanceUid;
        Frames = frames is null ? [] : [.. frames];
    }

    public string SopClassUid { get; }

    public string SopInstanceUid { get; }

    /// <summary>Referenced Frame Number (0008,1160); empty for all frames or a single-frame image.</summary>
    public IReadOnlyList<int> Frames { get; }

    /// <summary>Equal when class, instance and frames agree.</summary>
    public bool Equals(SopReference? other) =>
        other is not null && SopClassUid == other.SopClassUid && SopInstanceUid == other.SopInstanceUid && Frames.SequenceEqual(other.Frames);

    public override int GetHashCode() => HashCode.Combine(SopClassUid, SopInstanceUid, Frames.Count);
}

/// <summary>IMAGE: a reference to an image.</summary>
public sealed record ImageItem : ContentItem
{
    public ImageItem(RelationshipType? relationship, CodedConcept? concept, SopReference image)
        : base(relationship, concept)
    {
        Image = image ?? throw new ArgumentNullException(nameof(image));
    }

    public override string ValueType => "IMAGE";

    public SopReference Image { get; }

    public override string DescribeValue() =>
        Image.SopInstanceUid + (Image.Frames.Count > 0 ? $" frames {string.Join(',', Image.Frames)}" : string.Empty);
}

/// <summary>COMPOSITE: a reference to any composite instance.</summary>
public sealed record CompositeItem : ContentItem
{
    public CompositeItem(RelationshipType? relationship, CodedConcept? concept, SopReference instance)
        : base(relationship, concept)
    {
        Instance = instance ?? throw new ArgumentNullException(nameof(instance));
    }

    public override string ValueType => "COMPOSITE";

    public SopReference Instance { get; }

    public override string DescribeValue() => Instance.SopInstanceUid;
}

/// <summary>Graphic Type (0070,0023) of a SCOORD (PS3.3 C.18.6.1.2).</summary>
public enum GraphicType
{
    Point,
    Multipoint,
    Polyline,
    Circle,
    Ellipse,
}

/// <summary>
/// SCOORD: spatial coordinates in the pixel space of the image it is SELECTED FROM, as column/row pairs
/// (Graphic Data (0070,0022), FL). The point count is checked against the graphic type: POINT one, MULTIPOINT at least
/// one, POLYLINE at least two, CIRCLE two (centre, a point on the circle), ELLIPSE four (the two axes' end points).
/// </summary>
public sealed record ScoordItem : ContentItem
{
    public ScoordItem(RelationshipType? relationship, CodedConcept? concept, GraphicType graphicType, IReadOnlyList<float> data)
        : base(relationship, concept)
    {
        ArgumentNullException.ThrowIfNull(data);
        int n = data.Count;
        bool ok = graphicType switch
        {
            GraphicType.Point => n == 2,
            GraphicType.Multipoint => n >= 2 && n % 2 == 0,
            GraphicType.Polyline => n >= 4 && n % 2 == 0,
            GraphicType.Circle => n == 4,
            GraphicType.Ellipse => n == 8,
            _ => false,
        };
        if (!ok)
        {
            throw new ArgumentException($"SCOORD {graphicType.ToString().ToUpperInvariant()} cannot have {n} graphic data values.", nameof(data));
        }

        if (data.Any(v => !float.IsFinite(v)))
        {
            throw new ArgumentException("SCOORD graphic data must be finite.", nameof(data));
        }

        GraphicType = graphicType;
        Data = [.. data];
    }

    public override string ValueType => "SCOORD";

    public GraphicType GraphicType { get; }

    /// <summary>Column/row pairs.</summary>
    public IReadOnlyList<float> Data { get; }

    public override string DescribeValue() =>
        $"{GraphicType.ToString().ToUpperInvariant()} " + string.Join(' ', Enumerable.Range(0, Data.Count / 2)
            .Select(i => $"({Data[2 * i].ToString("R", CultureInfo.InvariantCulture)},{Data[(2 * i) + 1].ToString("R", CultureInfo.InvariantCulture)})"));
}

/// <summary>
/// An item of a value type this library does not model (TIME, SCOORD3D, TCOORD, WAVEFORM, TABLE...), or a known type
/// whose value could not be read, kept as read so that a document from another tool can still be shown.
/// </summary>
public sealed record UnknownItem : ContentItem
{
    public UnknownItem(RelationshipType? relationship, CodedConcept? concept, string valueType, string summary)
        : base(relationship, concept)
    {
        ValueType = valueType ?? string.Empty;
        Summary = summary ?? string.Empty;
    }

    public override string ValueType { get; }

    /// <summary>What was found, for display.</summary>
    public string Summary { get; }

    public override string DescribeValue() => Summary;
}
