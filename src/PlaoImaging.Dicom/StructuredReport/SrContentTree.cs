using System.Globalization;

namespace PlaoImaging.Dicom.StructuredReport;

/// <summary>
/// Writes a content tree into an ordinary dataset (PS3.3 C.17.3, SR Document Content module) and reads any SR
/// dataset's content tree back. Writing is strict (the items were checked when made); reading is lenient: unknown
/// codes are kept as read; value types this library does not model, and items without the concept name their type
/// needs, become <see cref="UnknownItem"/> (their children are still read); only an item that has no value type or
/// relationship, a code without value, scheme or meaning, or an item without the value its type needs, throws
/// <see cref="SrContentException"/>.
/// </summary>
public static class SrContentTree
{
    /// <summary>
    /// Writes the root container's attributes (value type, concept name, continuity, template, content sequence) into
    /// <paramref name="document"/>. Text is encoded with the document's Specific Character Set, which must already be set.
    /// </summary>
    public static void Write(ContainerItem root, DicomDataset document)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(document);
        if (root.Relationship is not null)
        {
            throw new ArgumentException("The root container has no relationship type.", nameof(root));
        }

        WriteItem(root, document, document.TextEncoding);
    }

    /// <summary>One content item as a sequence item, with its children; text encoded with <paramref name="encoding"/>.</summary>
    public static DicomDataset ToSequenceItem(ContentItem item, DicomTextEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(encoding);
        var dataset = new DicomDataset();
        WriteItem(item, dataset, encoding);
        return dataset;
    }

    /// <summary>A Code Sequence macro item for a concept.</summary>
    public static DicomDataset ToCodeItem(CodedConcept code, DicomTextEncoding? encoding = null)
    {
        ArgumentNullException.ThrowIfNull(code);
        var item = new DicomDataset();
        if (code.Value.StartsWith("urn:", StringComparison.OrdinalIgnoreCase) || code.Value.StartsWith("http", StringComparison.OrdinalIgnoreCase))
        {
            item.AddString(DicomTags.URNCodeValue, DicomVR.UR, code.Value);
        }
        else if (code.Value.Length > 16)
        {
            item.AddString(DicomTags.LongCodeValue, DicomVR.UC, code.Value);
        }
        else
        {
            item.AddString(DicomTags.CodeValue, DicomVR.SH, code.Value);
        }

        item.AddString(DicomTags.CodingSchemeDesignator, DicomVR.SH, code.Scheme);
        if (code.SchemeVersion is { } version)
        {
            item.AddString(DicomTags.CodingSchemeVersion, DicomVR.SH, version);
        }

        PutText(item, DicomTags.CodeMeaning, DicomVR.LO, code.Meaning, encoding ?? DicomTextEncoding.Default);
        return item;
    }

    /// <summary>Reads a code from a Code Sequence macro item; throws when value, scheme or meaning is missing.</summary>
    public static CodedConcept ReadCode(DicomDataset item, string itemPath = "?")
    {
        ArgumentNullException.ThrowIfNull(item);
        string? value = item.GetStringOrDefault(DicomTags.CodeValue) ?? item.GetStringOrDefault(DicomTags.LongCodeValue) ??
                        item.GetStringOrDefault(DicomTags.URNCodeValue);
        string? scheme = item.GetStringOrDefault(DicomTags.CodingSchemeDesignator);
        string? meaning = item.GetStringOrDefault(DicomTags.CodeMeaning);
        if (string.IsNullOrEmpty(value))
        {
            throw new SrContentException(itemPath, DicomTags.CodeValue, "a code has no Code Value, Long Code Value or URN Code Value");
        }

        if (string.IsNullOrEmpty(scheme) && !value.StartsWith("urn:", StringComparison.OrdinalIgnoreCase))
        {
            throw new SrContentException(itemPath, DicomTags.CodingSchemeDesignator, $"code '{value}' has no Coding Scheme Designator");
        }

        if (string.IsNullOrEmpty(meaning))
        {
            throw new SrContentException(itemPath, DicomTags.CodeMeaning, $"code '{value}' has no Code Meaning");
        }

        try
        {
            return new CodedConcept(value, string.IsNullOrEmpty(scheme) ? "URN" : scheme, meaning.Length > 64 ? meaning[..64] : meaning,
                item.GetStringOrDefault(DicomTags.CodingSchemeVersion));
        }
        catch (ArgumentException e)
        {
            throw new SrContentException(itemPath, DicomTags.CodeValue, e.Message, e);
        }
    }

    /// <summary>Reads the content tree of an SR document (its root is the dataset itself).</summary>
    public static ContainerItem Read(DicomDataset document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var root = ReadItem(document, "1", isRoot: true);
        return root as ContainerItem ?? throw new SrContentException("1", DicomTags.ValueType,
            root is UnknownItem { ValueType: "CONTAINER" } ? "the root CONTAINER has no concept name (the document title)" : $"the root is a {root.ValueType}, not a CONTAINER");
    }

    private static void WriteItem(ContentItem item, DicomDataset dataset, DicomTextEncoding encoding)
    {
        if (item.Relationship is { } relationship)
        {
            dataset.AddString(DicomTags.RelationshipType, DicomVR.CS, relationship.ToDicom());
        }

        dataset.AddString(DicomTags.ValueType, DicomVR.CS, item.ValueType);
        if (item.Concept is { } concept)
        {
            dataset.AddOrUpdate(new DicomSequence(DicomTags.ConceptNameCodeSequence, [ToCodeItem(concept, encoding)]));
        }

        switch (item)
        {
            case ContainerItem container:
                dataset.AddString(DicomTags.ContinuityOfContent, DicomVR.CS, container.Continuous ? "CONTINUOUS" : "SEPARATE");
                if (container.TemplateIdentifier is { } template)
                {
                    var templateItem = new DicomDataset()
                        .AddString(DicomTags.MappingResource, DicomVR.CS, "DCMR")
                        .AddString(DicomTags.TemplateIdentifier, DicomVR.CS, template);
                    dataset.AddOrUpdate(new DicomSequence(DicomTags.ContentTemplateSequence, [templateItem]));
                }

                break;
            case TextItem text:
                PutText(dataset, DicomTags.TextValue, DicomVR.UT, text.Text, encoding);
                break;
            case CodeItem code:
                dataset.AddOrUpdate(new DicomSequence(DicomTags.ConceptCodeSequence, [ToCodeItem(code.Value, encoding)]));
                break;
            case NumItem num:
                var measured = new List<DicomDataset>();
                if (num.Value is { } value)
                {
                    var m = new DicomDataset()
                        .AddValues(DicomTags.NumericValue, DicomVR.DS, value)
                        .AddValues(DicomTags.FloatingPointValue, DicomVR.FD, value);
                    m.AddOrUpdate(new DicomSequence(DicomTags.MeasurementUnitsCodeSequence, [ToCodeItem(num.Unit!, encoding)]));
                    measured.Add(m);
                }

                dataset.AddOrUpdate(new DicomSequence(DicomTags.MeasuredValueSequence, measured));
                if (num.Qualifier is { } qualifier)
                {
                    dataset.AddOrUpdate(new DicomSequence(DicomTags.NumericValueQualifierCodeSequence, [ToCodeItem(qualifier, encoding)]));
                }

                break;
            case UidRefItem uid:
                dataset.AddString(DicomTags.UID, DicomVR.UI, uid.Uid);
                break;
            case DateTimeItem dateTime:
                dataset.AddString(DicomTags.DateTime, DicomVR.DT, dateTime.Value);
                break;
            case DateItem date:
                dataset.AddValues(DicomTags.Date, DicomVR.DA, date.Value);
                break;
            case PersonNameItem person:
                PutText(dataset, DicomTags.PersonName, DicomVR.PN, person.Name.ToString(), encoding);
                break;
            case ImageItem image:
                dataset.AddOrUpdate(new DicomSequence(DicomTags.ReferencedSOPSequence, [ToReferenceItem(image.Image)]));
                break;
            case CompositeItem composite:
                dataset.AddOrUpdate(new DicomSequence(DicomTags.ReferencedSOPSequence, [ToReferenceItem(composite.Instance)]));
                break;
            case ScoordItem scoord:
                dataset.AddValues(DicomTags.GraphicData, DicomVR.FL, [.. scoord.Data]);
                dataset.AddString(DicomTags.GraphicType, DicomVR.CS, scoord.GraphicType.ToString().ToUpperInvariant());
                break;
            case UnknownItem unknown:
                throw new SrContentException("?", DicomTags.ValueType, $"a {unknown.ValueType} item read from another document cannot be written again");
            default:
                throw new SrContentException("?", DicomTags.ValueType, $"no writer for {item.GetType().Name}");
        }

        if (item.Children.Count > 0)
        {
            var children = new List<DicomDataset>(item.Children.Count);
            foreach (var child in item.Children)
            {
                children.Add(ToSequenceItem(child, encoding));
            }

            dataset.AddOrUpdate(new DicomSequence(DicomTags.ContentSequence, children));
        }
    }

    /// <summary>A Referenced SOP Sequence item (SOP Instance Reference macro, with frames when given).</summary>
    public static DicomDataset ToReferenceItem(SopReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var item = new DicomDataset()
            .AddString(DicomTags.ReferencedSOPClassUID, DicomVR.UI, reference.SopClassUid)
            .AddString(DicomTags.ReferencedSOPInstanceUID, DicomVR.UI, reference.SopInstanceUid);
        if (reference.Frames.Count > 0)
        {
            item.AddValues(DicomTags.ReferencedFrameNumber, DicomVR.IS, [.. reference.Frames]);
        }

        return item;
    }

    /// <summary>Reads a Referenced SOP Sequence item.</summary>
    public static SopReference ReadReference(DicomDataset item, string itemPath = "?")
    {
        ArgumentNullException.ThrowIfNull(item);
        try
        {
            return new SopReference(
                item.GetString(DicomTags.ReferencedSOPClassUID),
                item.GetString(DicomTags.ReferencedSOPInstanceUID),
                item.Contains(DicomTags.ReferencedFrameNumber) ? item.GetValues<int>(DicomTags.ReferencedFrameNumber) : null);
        }
        catch (Exception e) when (e is DicomValueException or ArgumentException)
        {
            throw new SrContentException(itemPath, DicomTags.ReferencedSOPSequence, e.Message, e);
        }
    }

    /// <summary>
    /// Sets a text element. Text of the VRs that use the Specific Character Set is encoded when the dataset is written,
    /// with the character set in force where the item ends up (the document's); <paramref name="encoding"/> is kept for
    /// callers that build items apart from a document and is not needed for the bytes.
    /// </summary>
    internal static void PutText(DicomDataset dataset, DicomTag tag, DicomVR vr, string text, DicomTextEncoding encoding)
    {
        _ = encoding;
        dataset.AddString(tag, vr, text);
    }

    private static ContentItem ReadItem(DicomDataset item, string path, bool isRoot)
    {
        RelationshipType? relationship = null;
        if (!isRoot)
        {
            string? text = item.GetStringOrDefault(DicomTags.RelationshipType);
            if (!RelationshipTypes.TryParse(text, out var parsed))
            {
                throw new SrContentException(path, DicomTags.RelationshipType, text is null ? "no Relationship Type" : $"unknown Relationship Type '{text}'");
            }

            relationship = parsed;
        }

        string? valueType = item.GetStringOrDefault(DicomTags.ValueType);
        if (string.IsNullOrEmpty(valueType))
        {
            if (!isRoot && item.Contains(DicomTags.ReferencedContentItemIdentifier))
            {
                // A by-reference relationship (Comprehensive SR): kept as a pointer to the item it names.
                var target = string.Join('.', item.GetValues<int>(DicomTags.ReferencedContentItemIdentifier));
                return new UnknownItem(relationship, null, "(by reference)", $"-> item {target}");
            }

            throw new SrContentException(path, DicomTags.ValueType, "no Value Type");
        }

        CodedConcept? concept = item.TryGetSequence(DicomTags.ConceptNameCodeSequence, out var names) && names.Items.Count > 0
            ? ReadCode(names.Items[0], path)
            : null;
        item.TryGetSequence(DicomTags.ContentSequence, out var childSequence);

        ContentItem result;
        try
        {
            result = concept is null && valueType is not ("IMAGE" or "COMPOSITE" or "SCOORD" or "SCOORD3D" or "WAVEFORM")
                ? new UnknownItem(relationship, null, valueType, "(no concept name)")
                : ReadValue(item, path, valueType, relationship, concept);
        }
        catch (ArgumentException e)
        {
            throw new SrContentException(path, null, e.Message, e);
        }

        if (childSequence is { Items.Count: > 0 })
        {
            var children = new List<ContentItem>(childSequence.Items.Count);
            for (int i = 0; i < childSequence.Items.Count; i++)
            {
                children.Add(ReadItem(childSequence.Items[i], path + "." + (i + 1).ToString(CultureInfo.InvariantCulture), isRoot: false));
            }

            result = result with { Children = children };
        }

        return result;
    }

    private static ContentItem ReadValue(DicomDataset item, string path, string valueType, RelationshipType? relationship, CodedConcept? concept)
    {
        CodedConcept Named() => concept ?? throw new SrContentException(path, DicomTags.ConceptNameCodeSequence, $"a {valueType} item has no concept name");
        switch (valueType)
        {
            case "CONTAINER":
                string? template = null;
                if (item.TryGetSequence(DicomTags.ContentTemplateSequence, out var templates) && templates.Items.Count > 0)
                {
                    template = templates.Items[0].GetStringOrDefault(DicomTags.TemplateIdentifier);
                }

                return new ContainerItem(relationship, Named(), item.GetStringOrDefault(DicomTags.ContinuityOfContent) == "CONTINUOUS", template);
            case "TEXT":
                return new TextItem(relationship, Named(), Required(item, DicomTags.TextValue, path));
            case "CODE":
                return new CodeItem(relationship, Named(), ReadCode(FirstItem(item, DicomTags.ConceptCodeSequence, path), path));
            case "NUM":
                return ReadNum(item, path, relationship, Named());
            case "UIDREF":
                return new UidRefItem(relationship, Named(), Required(item, DicomTags.UID, path));
            case "DATETIME":
                return new DateTimeItem(relationship, Named(), Required(item, DicomTags.DateTime, path));
            case "DATE":
                return new DateItem(relationship, Named(), ReadDate(item, path));
            case "PNAME":
                return new PersonNameItem(relationship, Named(), DicomPersonName.Parse(Required(item, DicomTags.PersonName, path)));
            case "IMAGE":
                return new ImageItem(relationship, concept, ReadReference(FirstItem(item, DicomTags.ReferencedSOPSequence, path), path));
            case "COMPOSITE":
                return new CompositeItem(relationship, concept, ReadReference(FirstItem(item, DicomTags.ReferencedSOPSequence, path), path));
            case "SCOORD":
                string graphicType = Required(item, DicomTags.GraphicType, path);
                if (!Enum.TryParse<GraphicType>(graphicType, ignoreCase: true, out var type) || graphicType.Any(char.IsLower))
                {
                    return new UnknownItem(relationship, concept, valueType, $"graphic type {graphicType}");
                }

                return new ScoordItem(relationship, concept, type, item.GetValues<float>(DicomTags.GraphicData));
            default:
                return new UnknownItem(relationship, concept, valueType, Summarise(item, valueType));
        }
    }

    private static NumItem ReadNum(DicomDataset item, string path, RelationshipType? relationship, CodedConcept concept)
    {
        CodedConcept? qualifier = item.TryGetSequence(DicomTags.NumericValueQualifierCodeSequence, out var q) && q.Items.Count > 0
            ? ReadCode(q.Items[0], path)
            : null;
        if (!item.TryGetSequence(DicomTags.MeasuredValueSequence, out var measured) || measured.Items.Count == 0)
        {
            return new NumItem(relationship, concept, qualifier ?? throw new SrContentException(path, DicomTags.MeasuredValueSequence, "a NUM has neither a value nor a qualifier"));
        }

        var m = measured.Items[0];
        double value = m.TryGetSingleValue<double>(DicomTags.FloatingPointValue, out var exact)
            ? exact
            : m.TryGetSingleValue<double>(DicomTags.NumericValue, out var ds)
                ? ds
                : throw new SrContentException(path, DicomTags.NumericValue, "a measured value has no number");
        var unit = ReadCode(FirstItem(m, DicomTags.MeasurementUnitsCodeSequence, path), path);
        return new NumItem(relationship, concept, value, unit) { Qualifier = qualifier };
    }

    private static DateOnly ReadDate(DicomDataset item, string path)
    {
        string text = Required(item, DicomTags.Date, path);
        return DateOnly.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new SrContentException(path, DicomTags.Date, $"'{text}' is not a DA value");
    }

    private static string Required(DicomDataset item, DicomTag tag, string path)
    {
        string? text = item.GetStringOrDefault(tag);
        return string.IsNullOrEmpty(text) ? throw new SrContentException(path, tag, "missing or empty") : text;
    }

    private static DicomDataset FirstItem(DicomDataset item, DicomTag tag, string path) =>
        item.TryGetSequence(tag, out var sequence) && sequence.Items.Count > 0
            ? sequence.Items[0]
            : throw new SrContentException(path, tag, "missing or empty sequence");

    private static string Summarise(DicomDataset item, string valueType)
    {
        if (item.Contains(DicomTags.Time) && item.GetStringOrDefault(DicomTags.Time) is { } time)
        {
            return time;
        }

        if (item.Contains(DicomTags.GraphicType) && item.GetStringOrDefault(DicomTags.GraphicType) is { } graphic)
        {
            return $"{graphic}, {item.GetValueCount(DicomTags.GraphicData)} values";
        }

        return $"({valueType} value not shown)";
    }
}
