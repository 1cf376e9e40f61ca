namespace PlaoImaging.Dicom.StructuredReport;

/// <summary>TID 1004 Device Observer Identifying Attributes: the device's UID (required) and optional descriptions.</summary>
public sealed record DeviceObserver
{
    public DeviceObserver(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        if (!DicomUidGenerator.IsValid(uid))
        {
            throw new ArgumentException($"Device Observer UID '{uid}' is not a valid UID.", nameof(uid));
        }

        Uid = uid;
    }

    public string Uid { get; }

    public string? Name { get; init; }

    public string? Manufacturer { get; init; }

    public string? ModelName { get; init; }
}

/// <summary>TID 1003 Person Observer Identifying Attributes: a name and optionally an organisation.</summary>
public sealed record PersonObserver(DicomPersonName Name)
{
    public string? Organization { get; init; }
}

/// <summary>The tracking identifier (112039) and tracking UID (112040) of a measurement group: one finding followed over time.</summary>
public sealed record TrackingIdentifier
{
    public TrackingIdentifier(string identifier, string uid)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        ArgumentNullException.ThrowIfNull(uid);
        if (!DicomUidGenerator.IsValid(uid))
        {
            throw new ArgumentException($"Tracking Unique Identifier '{uid}' is not a valid UID.", nameof(uid));
        }

        Identifier = identifier;
        Uid = uid;
    }

    public string Identifier { get; }

    public string Uid { get; }
}

/// <summary>TID 4019 Algorithm Identification: name and version (required), parameters, family and manufacturer.</summary>
public sealed record AlgorithmIdentification
{
    public AlgorithmIdentification(string name, string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(version);
        Name = name;
        Version = version;
    }

    public string Name { get; }

    public string Version { get; }

    /// <summary>Algorithm Parameters (111002), one TEXT each, in order.</summary>
    public IReadOnlyList<string> Parameters { get; init; } = [];

    public CodedConcept? Family { get; init; }

    public string? Manufacturer { get; init; }

    /// <summary>Equal when name, version, parameters, family and manufacturer agree.</summary>
    public bool Equals(AlgorithmIdentification? other) =>
        other is not null && Name == other.Name && Version == other.Version && Parameters.SequenceEqual(other.Parameters) &&
        Equals(Family, other.Family) && Manufacturer == other.Manufacturer;

    public override int GetHashCode() => HashCode.Combine(Name, Version, Parameters.Count);

    internal IEnumerable<ContentItem> ToContent()
    {
        yield return new TextItem(RelationshipType.HasConceptModifier, SrCodes.AlgorithmName, Name);
        yield return new TextItem(RelationshipType.HasConceptModifier, SrCodes.AlgorithmVersion, Version);
        foreach (var parameter in Parameters)
        {
            yield return new TextItem(RelationshipType.HasConceptModifier, SrCodes.AlgorithmParameters, parameter);
        }

        if (Family is { } family)
        {
            yield return new CodeItem(RelationshipType.HasConceptModifier, SrCodes.AlgorithmFamily, family);
        }

        if (Manufacturer is { } manufacturer)
        {
            yield return new TextItem(RelationshipType.HasConceptModifier, SrCodes.AlgorithmManufacturer, manufacturer);
        }
    }

    internal static AlgorithmIdentification? FromContent(IEnumerable<ContentItem> items)
    {
        var list = items.ToList();
        var name = list.OfType<TextItem>().FirstOrDefault(t => SrCodes.AlgorithmName.Is(t.Concept));
        var version = list.OfType<TextItem>().FirstOrDefault(t => SrCodes.AlgorithmVersion.Is(t.Concept));
        if (name is null || version is null)
        {
            return null;
        }

        return new AlgorithmIdentification(name.Text, version.Text)
        {
            Parameters = [.. list.OfType<TextItem>().Where(t => SrCodes.AlgorithmParameters.Is(t.Concept)).Select(t => t.Text)],
            Family = list.OfType<CodeItem>().FirstOrDefault(c => SrCodes.AlgorithmFamily.Is(c.Concept))?.Value,
            Manufacturer = list.OfType<TextItem>().FirstOrDefault(t => SrCodes.AlgorithmManufacturer.Is(t.Concept))?.Text,
        };
    }

    internal static bool IsAlgorithmItem(ContentItem item) =>
        SrCodes.AlgorithmName.Is(item.Concept) || SrCodes.AlgorithmVersion.Is(item.Concept) || SrCodes.AlgorithmParameters.Is(item.Concept) ||
        SrCodes.AlgorithmFamily.Is(item.Concept) || SrCodes.AlgorithmManufacturer.Is(item.Concept);
}

/// <summary>
/// Where a measurement was taken: a SCOORD (INFERRED FROM the NUM) in the pixel space of one image (SELECTED FROM
/// that IMAGE), e.g. the two end points of a height as a two-point POLYLINE.
/// </summary>
public sealed record MeasurementCoordinates
{
    public MeasurementCoordinates(GraphicType graphicType, IReadOnlyList<float> data, SopReference sourceImage)
    {
        // Validated by the SCOORD it becomes.
        Scoord = new ScoordItem(RelationshipType.InferredFrom, null, graphicType, data);
        SourceImage = sourceImage ?? throw new ArgumentNullException(nameof(sourceImage));
    }

    public GraphicType GraphicType => Scoord.GraphicType;

    /// <summary>Column/row pairs in the pixel space of <see cref="SourceImage"/>.</summary>
    public IReadOnlyList<float> Data => Scoord.Data;

    public SopReference SourceImage { get; }

    private ScoordItem Scoord { get; }

    public bool Equals(MeasurementCoordinates? other) =>
        other is not null && GraphicType == other.GraphicType && Data.SequenceEqual(other.Data) && SourceImage.Equals(other.SourceImage);

    public override int GetHashCode() => HashCode.Combine(GraphicType, Data.Count, SourceImage);

    internal ScoordItem ToContent() =>
        Scoord with { Children = [new ImageItem(RelationshipType.SelectedFrom, null, SourceImage)] };
}

/// <summary>
/// TID 300 Measurement: a NUM with its units, concept modifiers (e.g. a topographical modifier), method, derivation,
/// the algorithm that made it (TID 4019) and the coordinates it was inferred from.
/// </summary>
public sealed record Measurement
{
    public Measurement(CodedConcept name, double value, CodedConcept unit)
    {
        // Validated by the NUM it becomes.
        _ = new NumItem(RelationshipType.Contains, name, value, unit);
        Name = name;
        Value = value;
        Unit = unit;
    }

    public CodedConcept Name { get; }

    public double Value { get; }

    public CodedConcept Unit { get; }

    /// <summary>HAS CONCEPT MOD CODE pairs (concept name, value), e.g. (Topographical modifier, Anterior).</summary>
    public IReadOnlyList<KeyValuePair<CodedConcept, CodedConcept>> Modifiers { get; init; } = [];

    public CodedConcept? Method { get; init; }

    public CodedConcept? Derivation { get; init; }

    public AlgorithmIdentification? Algorithm { get; init; }

    public IReadOnlyList<MeasurementCoordinates> Coordinates { get; init; } = [];

    /// <summary>The modifier value for a modifier concept, or null.</summary>
    public CodedConcept? Modifier(CodedConcept concept) => Modifiers.FirstOrDefault(m => concept.Is(m.Key)).Value;

    public bool Equals(Measurement? other) =>
        other is not null && Name == other.Name && Value.Equals(other.Value) && Unit == other.Unit && Modifiers.SequenceEqual(other.Modifiers) &&
        Method == other.Method && Derivation == other.Derivation && Equals(Algorithm, other.Algorithm) && Coordinates.SequenceEqual(other.Coordinates);

    public override int GetHashCode() => HashCode.Combine(Name, Value, Unit);

    /// <summary>The NUM content item, related to its parent by CONTAINS.</summary>
    public NumItem ToContent()
    {
        var children = new List<ContentItem>();
        foreach (var (concept, value) in Modifiers)
        {
            children.Add(new CodeItem(RelationshipType.HasConceptModifier, concept, value));
        }

        if (Method is { } method)
        {
            children.Add(new CodeItem(RelationshipType.HasConceptModifier, SrCodes.MeasurementMethod, method));
        }

        if (Derivation is { } derivation)
        {
            children.Add(new CodeItem(RelationshipType.HasConceptModifier, new CodedConcept("121401", SrCodes.Dcm, "Derivation"), derivation));
        }

        if (Algorithm is { } algorithm)
        {
            children.AddRange(algorithm.ToContent());
        }

        children.AddRange(Coordinates.Select(c => c.ToContent()));
        return new NumItem(RelationshipType.Contains, Name, Value, Unit) { Children = children };
    }

    /// <summary>Reads a TID 300 NUM (children this library does not model are ignored).</summary>
    public static Measurement FromContent(NumItem num)
    {
        ArgumentNullException.ThrowIfNull(num);
        if (num.Value is not { } value)
        {
            throw new ArgumentException($"NUM {num.Concept} has no value ({num.Qualifier}).", nameof(num));
        }

        var modifiers = new List<KeyValuePair<CodedConcept, CodedConcept>>();
        CodedConcept? method = null;
        CodedConcept? derivation = null;
        foreach (var code in num.Children.OfType<CodeItem>().Where(c => c.Relationship == RelationshipType.HasConceptModifier))
        {
            if (SrCodes.MeasurementMethod.Is(code.Concept))
            {
                method = code.Value;
            }
            else if (code.Concept!.Value == "121401" && code.Concept.Scheme == SrCodes.Dcm)
            {
                derivation = code.Value;
            }
            else if (!AlgorithmIdentification.IsAlgorithmItem(code))
            {
                modifiers.Add(new(code.Concept, code.Value));
            }
        }

        var coordinates = new List<MeasurementCoordinates>();
        foreach (var scoord in num.Children.OfType<ScoordItem>().Where(s => s.Relationship == RelationshipType.InferredFrom))
        {
            if (scoord.Children.OfType<ImageItem>().FirstOrDefault(i => i.Relationship == RelationshipType.SelectedFrom) is { } image)
            {
                coordinates.Add(new MeasurementCoordinates(scoord.GraphicType, scoord.Data, image.Image));
            }
        }

        return new Measurement(num.Concept!, value, num.Unit!)
        {
            Modifiers = modifiers,
            Method = method,
            Derivation = derivation,
            Algorithm = AlgorithmIdentification.FromContent(num.Children.Where(c => c.Relationship == RelationshipType.HasConceptModifier)),
            Coordinates = coordinates,
        };
    }
}

/// <summary>A qualitative evaluation: a CODE name/value pair, or a TEXT one (TID 1500 rows 13 and 14, TID 1501).</summary>
public sealed record QualitativeEvaluation
{
    public QualitativeEvaluation(CodedConcept name, CodedConcept value)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Value = value ?? throw new ArgumentNullException(nameof(value));
    }

    public QualitativeEvaluation(CodedConcept name, string text)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        ArgumentException.ThrowIfNullOrEmpty(text);
        Text = text;
    }

    public CodedConcept Name { get; }

    /// <summary>The coded value; null for a TEXT evaluation.</summary>
    public CodedConcept? Value { get; }

    /// <summary>The text value; null for a CODE evaluation.</summary>
    public string? Text { get; }

    public ContentItem ToContent() => Value is { } value
        ? new CodeItem(RelationshipType.Contains, Name, value)
        : new TextItem(RelationshipType.Contains, Name, Text!);
}

/// <summary>TID 1600 Image Library: the images the report refers to, in one group.</summary>
public sealed record ImageLibrary(IReadOnlyList<SopReference> Images)
{
    public bool Equals(ImageLibrary? other) => other is not null && Images.SequenceEqual(other.Images);

    public override int GetHashCode() => Images.Count;

    public ContainerItem ToContent() =>
        new(RelationshipType.Contains, SrCodes.ImageLibrary)
        {
            Children =
            [
                new ContainerItem(RelationshipType.Contains, SrCodes.ImageLibraryGroup)
                {
                    Children = [.. Images.Select(i => new ImageItem(RelationshipType.Contains, SrCodes.Source, i))],
                },
            ],
        };
}

/// <summary>
/// TID 1501 Measurement and Qualitative Evaluation Group: one tracked finding (e.g. one vertebra) with its finding,
/// finding sites, algorithm, measurements (TID 300), qualitative evaluations and source images. Content a reader
/// found but does not model is kept in <see cref="OtherContent"/>.
/// </summary>
public sealed record MeasurementGroup(TrackingIdentifier Tracking)
{
    /// <summary>Template written into the group container; 1501 for groups made here, as read otherwise (1410, 1411...).</summary>
    public string TemplateIdentifier { get; init; } = "1501";

    public CodedConcept? Finding { get; init; }

    public CodedConcept? FindingCategory { get; init; }

    /// <summary>Finding Site (363698007) values, each written as HAS CONCEPT MOD CODE.</summary>
    public IReadOnlyList<CodedConcept> FindingSites { get; init; } = [];

    public CodedConcept? Method { get; init; }

    public AlgorithmIdentification? Algorithm { get; init; }

    public IReadOnlyList<Measurement> Measurements { get; init; } = [];

    public IReadOnlyList<QualitativeEvaluation> QualitativeEvaluations { get; init; } = [];

    /// <summary>Source of Measurement (121112) images of a TID 1501 group.</summary>
    public IReadOnlyList<SopReference> SourceImages { get; init; } = [];

    /// <summary>Children read from another tool's group that none of the properties above hold (written again as they are).</summary>
    public IReadOnlyList<ContentItem> OtherContent { get; init; } = [];

    public ContainerItem ToContent()
    {
        if (Measurements.Count == 0 && QualitativeEvaluations.Count == 0)
        {
            throw new ArgumentException($"Measurement group {Tracking.Identifier} has neither measurements nor qualitative evaluations.");
        }

        var children = new List<ContentItem>
        {
            new TextItem(RelationshipType.HasObservationContext, SrCodes.TrackingIdentifier, Tracking.Identifier),
            new UidRefItem(RelationshipType.HasObservationContext, SrCodes.TrackingUniqueIdentifier, Tracking.Uid),
        };
        if (Finding is { } finding)
        {
            children.Add(new CodeItem(RelationshipType.Contains, SrCodes.Finding, finding));
        }

        if (FindingCategory is { } category)
        {
            children.Add(new CodeItem(RelationshipType.Contains, SrCodes.FindingCategory, category));
        }

        if (Method is { } method)
        {
            children.Add(new CodeItem(RelationshipType.HasConceptModifier, SrCodes.MeasurementMethod, method));
        }

        children.AddRange(FindingSites.Select(s => new CodeItem(RelationshipType.HasConceptModifier, SrCodes.FindingSite, s)));
        if (Algorithm is { } algorithm)
        {
            children.AddRange(algorithm.ToContent());
        }

        children.AddRange(SourceImages.Select(i => new ImageItem(RelationshipType.Contains, SrCodes.SourceOfMeasurement, i)));
        children.AddRange(Measurements.Select(m => m.ToContent()));
        children.AddRange(QualitativeEvaluations.Select(q => q.ToContent()));
        children.AddRange(OtherContent);
        return new ContainerItem(RelationshipType.Contains, SrCodes.MeasurementGroup, templateIdentifier: TemplateIdentifier) { Children = children };
    }
}

/// <summary>
/// TID 1500 Measurement Report: the document root with language (TID 1204), observer context (TID 1001: a device
/// observer and optionally a person), procedures reported (CID 100), image library (TID 1600), imaging measurements
/// (measurement groups), derived imaging measurements and qualitative evaluations at report level.
/// </summary>
public sealed record MeasurementReport
{
    public MeasurementReport(DeviceObserver device, IReadOnlyList<CodedConcept> proceduresReported, ImageLibrary imageLibrary, IReadOnlyList<MeasurementGroup> groups)
    {
        Device = device ?? throw new ArgumentNullException(nameof(device));
        ArgumentNullException.ThrowIfNull(proceduresReported);
        if (proceduresReported.Count == 0)
        {
            throw new ArgumentException("TID 1500 needs at least one Procedure reported (121058).", nameof(proceduresReported));
        }

        ProceduresReported = [.. proceduresReported];
        ImageLibrary = imageLibrary ?? throw new ArgumentNullException(nameof(imageLibrary));
        Groups = [.. groups ?? throw new ArgumentNullException(nameof(groups))];
    }

    /// <summary>Document title (CID 7021); Imaging Measurement Report by default.</summary>
    public CodedConcept Title { get; init; } = SrCodes.ImagingMeasurementReport;

    public CodedConcept Language { get; init; } = SrCodes.EnglishUnitedStates;

    public DeviceObserver Device { get; }

    public PersonObserver? Person { get; init; }

    public IReadOnlyList<CodedConcept> ProceduresReported { get; }

    public ImageLibrary ImageLibrary { get; }

    public IReadOnlyList<MeasurementGroup> Groups { get; }

    /// <summary>Row 10: Derived Imaging Measurements (e.g. study-level indices); the container is left out when empty.</summary>
    public IReadOnlyList<Measurement> DerivedMeasurements { get; init; } = [];

    /// <summary>Rows 12–14: report-level Qualitative Evaluations; the container is left out when empty.</summary>
    public IReadOnlyList<QualitativeEvaluation> QualitativeEvaluations { get; init; } = [];

    /// <summary>The whole content tree, rooted at the report title.</summary>
    public ContainerItem ToContent()
    {
        var children = new List<ContentItem>
        {
            new CodeItem(RelationshipType.HasConceptModifier, SrCodes.LanguageOfContentItemAndDescendants, Language),
        };
        if (Person is { } person)
        {
            children.Add(new CodeItem(RelationshipType.HasObservationContext, SrCodes.ObserverType, SrCodes.Person));
            children.Add(new PersonNameItem(RelationshipType.HasObservationContext, SrCodes.PersonObserverName, person.Name));
            if (person.Organization is { } organization)
            {
                children.Add(new TextItem(RelationshipType.HasObservationContext, SrCodes.PersonObserverOrganizationName, organization));
            }
        }

        children.Add(new CodeItem(RelationshipType.HasObservationContext, SrCodes.ObserverType, SrCodes.Device));
        children.Add(new UidRefItem(RelationshipType.HasObservationContext, SrCodes.DeviceObserverUid, Device.Uid));
        if (Device.Name is { } name)
        {
            children.Add(new TextItem(RelationshipType.HasObservationContext, SrCodes.DeviceObserverName, name));
        }

        if (Device.Manufacturer is { } manufacturer)
        {
            children.Add(new TextItem(RelationshipType.HasObservationContext, SrCodes.DeviceObserverManufacturer, manufacturer));
        }

        if (Device.ModelName is { } model)
        {
            children.Add(new TextItem(RelationshipType.HasObservationContext, SrCodes.DeviceObserverModelName, model));
        }

        children.AddRange(ProceduresReported.Select(p => new CodeItem(RelationshipType.HasConceptModifier, SrCodes.ProcedureReported, p)));
        children.Add(ImageLibrary.ToContent());
        children.Add(new ContainerItem(RelationshipType.Contains, SrCodes.ImagingMeasurements) { Children = [.. Groups.Select(g => g.ToContent())] });
        if (DerivedMeasurements.Count > 0)
        {
            children.Add(new ContainerItem(RelationshipType.Contains, SrCodes.DerivedImagingMeasurements) { Children = [.. DerivedMeasurements.Select(m => m.ToContent())] });
        }

        if (QualitativeEvaluations.Count > 0)
        {
            children.Add(new ContainerItem(RelationshipType.Contains, SrCodes.QualitativeEvaluations) { Children = [.. QualitativeEvaluations.Select(q => q.ToContent())] });
        }

        return new ContainerItem(null, Title, templateIdentifier: "1500") { Children = children };
    }
}
