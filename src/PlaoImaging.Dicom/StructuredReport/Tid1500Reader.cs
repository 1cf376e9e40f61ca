namespace PlaoImaging.Dicom.StructuredReport;

/// <summary>
/// Reads any TID 1500 Measurement Report content tree back into <see cref="MeasurementReport"/> and its parts, ours or
/// another tool's: groups of TID 1501, 1410 and 1411 alike, codes it does not know kept as read, children it does not
/// model kept in <see cref="MeasurementGroup.OtherContent"/>. A tree that is not a measurement report (no Imaging
/// Measurements container, no device or procedure) throws <see cref="SrContentException"/> naming what is missing.
/// </summary>
public static class Tid1500Reader
{
    /// <summary>True when the root names TID 1500 or holds an Imaging Measurements container.</summary>
    public static bool IsMeasurementReport(ContainerItem root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return root.TemplateIdentifier == "1500" || root.Child<ContainerItem>(SrCodes.ImagingMeasurements) is not null;
    }

    public static MeasurementReport Read(ContainerItem root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!IsMeasurementReport(root))
        {
            throw new SrContentException("1", DicomTags.ContentTemplateSequence, $"{root.Concept} is not a TID 1500 measurement report");
        }

        var context = root.Children.Where(c => c.Relationship == RelationshipType.HasObservationContext).ToList();
        var device = ReadDevice(context);
        var person = ReadPerson(context);
        var procedures = root.ChildrenNamed<CodeItem>(SrCodes.ProcedureReported).Select(c => c.Value).ToList();
        if (procedures.Count == 0)
        {
            throw new SrContentException("1", DicomTags.ConceptNameCodeSequence, "no Procedure reported (121058)");
        }

        var library = root.Child<ContainerItem>(SrCodes.ImageLibrary) is { } lib
            ? new ImageLibrary([.. lib.DescendantsAndSelf().OfType<ImageItem>().Select(i => i.Image)])
            : new ImageLibrary([]);
        var measurements = root.Child<ContainerItem>(SrCodes.ImagingMeasurements);
        var groups = measurements is null
            ? []
            : measurements.Children.OfType<ContainerItem>().Where(c => SrCodes.MeasurementGroup.Is(c.Concept)).Select(ReadGroup).ToList();
        var derived = root.Child<ContainerItem>(SrCodes.DerivedImagingMeasurements);
        var qualitative = root.Child<ContainerItem>(SrCodes.QualitativeEvaluations);
        return new MeasurementReport(device, procedures, library, groups)
        {
            Title = root.Concept!,
            Language = root.Child<CodeItem>(SrCodes.LanguageOfContentItemAndDescendants)?.Value ?? SrCodes.EnglishUnitedStates,
            Person = person,
            DerivedMeasurements = derived is null ? [] : [.. derived.Children.OfType<NumItem>().Where(n => n.Value is not null).Select(Measurement.FromContent)],
            QualitativeEvaluations = qualitative is null ? [] : ReadEvaluations(qualitative.Children),
        };
    }

    /// <summary>Reads one measurement group container.</summary>
    public static MeasurementGroup ReadGroup(ContainerItem group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var identifier = group.Child<TextItem>(SrCodes.TrackingIdentifier)?.Text;
        var uid = group.Child<UidRefItem>(SrCodes.TrackingUniqueIdentifier)?.Uid;
        var used = new HashSet<ContentItem>(ReferenceEqualityComparer.Instance);
        void Use(ContentItem? item)
        {
            if (item is not null)
            {
                used.Add(item);
            }
        }

        Use(group.Child<TextItem>(SrCodes.TrackingIdentifier));
        Use(group.Child<UidRefItem>(SrCodes.TrackingUniqueIdentifier));
        var finding = group.Child<CodeItem>(SrCodes.Finding);
        var category = group.Child<CodeItem>(SrCodes.FindingCategory);
        var method = group.Child<CodeItem>(SrCodes.MeasurementMethod);
        Use(finding);
        Use(category);
        Use(method);
        var sites = group.ChildrenNamed<CodeItem>(SrCodes.FindingSite).ToList();
        sites.ForEach(Use);
        var algorithmItems = group.Children.Where(c => c.Relationship == RelationshipType.HasConceptModifier && AlgorithmIdentification.IsAlgorithmItem(c)).ToList();
        algorithmItems.ForEach(Use);
        var sources = group.ChildrenNamed<ImageItem>(SrCodes.SourceOfMeasurement).ToList();
        sources.ForEach(Use);
        var nums = group.Children.OfType<NumItem>().Where(n => n.Relationship == RelationshipType.Contains && n.Value is not null).ToList();
        nums.ForEach(Use);
        var evaluations = group.Children.Where(c => c.Relationship == RelationshipType.Contains && c is CodeItem or TextItem && !used.Contains(c)).ToList();
        evaluations.ForEach(Use);
        return new MeasurementGroup(new TrackingIdentifier(
            identifier ?? "(no tracking identifier)",
            uid is not null && DicomUidGenerator.IsValid(uid) ? uid : "0"))
        {
            TemplateIdentifier = group.TemplateIdentifier ?? "1501",
            Finding = finding?.Value,
            FindingCategory = category?.Value,
            FindingSites = [.. sites.Select(s => s.Value)],
            Method = method?.Value,
            Algorithm = AlgorithmIdentification.FromContent(algorithmItems),
            SourceImages = [.. sources.Select(s => s.Image)],
            Measurements = [.. nums.Select(Measurement.FromContent)],
            QualitativeEvaluations = ReadEvaluations(evaluations),
            OtherContent = [.. group.Children.Where(c => !used.Contains(c))],
        };
    }

    private static List<QualitativeEvaluation> ReadEvaluations(IEnumerable<ContentItem> items) =>
        [.. items.Select(i => i switch
        {
            CodeItem code => new QualitativeEvaluation(code.Concept!, code.Value),
            TextItem text => new QualitativeEvaluation(text.Concept!, text.Text),
            _ => null,
        }).OfType<QualitativeEvaluation>()];

    private static DeviceObserver ReadDevice(List<ContentItem> context)
    {
        // Observer context is a flat list: each Observer Type starts the attributes of one observer.
        int start = context.FindIndex(c => c is CodeItem code && SrCodes.ObserverType.Is(code.Concept) && SrCodes.Device.Is(code.Value));
        var block = start < 0 ? context : Block(context, start);
        var uid = block.OfType<UidRefItem>().FirstOrDefault(u => SrCodes.DeviceObserverUid.Is(u.Concept))
                  ?? throw new SrContentException("1", DicomTags.UID, "no Device Observer UID (121012) in the observer context");
        string? Text(CodedConcept concept) => block.OfType<TextItem>().FirstOrDefault(t => concept.Is(t.Concept))?.Text;
        return new DeviceObserver(uid.Uid)
        {
            Name = Text(SrCodes.DeviceObserverName),
            Manufacturer = Text(SrCodes.DeviceObserverManufacturer),
            ModelName = Text(SrCodes.DeviceObserverModelName),
        };
    }

    private static PersonObserver? ReadPerson(List<ContentItem> context)
    {
        int start = context.FindIndex(c => c is CodeItem code && SrCodes.ObserverType.Is(code.Concept) && SrCodes.Person.Is(code.Value));
        var block = start < 0 ? context : Block(context, start);
        var name = block.OfType<PersonNameItem>().FirstOrDefault(p => SrCodes.PersonObserverName.Is(p.Concept));
        return name is null
            ? null
            : new PersonObserver(name.Name) { Organization = block.OfType<TextItem>().FirstOrDefault(t => SrCodes.PersonObserverOrganizationName.Is(t.Concept))?.Text };
    }

    private static List<ContentItem> Block(List<ContentItem> context, int start)
    {
        int end = context.FindIndex(start + 1, c => SrCodes.ObserverType.Is(c.Concept));
        return context.GetRange(start, (end < 0 ? context.Count : end) - start);
    }
}
