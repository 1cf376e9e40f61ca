using System.Globalization;

namespace PlaoImaging.Dicom.StructuredReport;

/// <summary>Completion Flag (0040,A491).</summary>
public enum CompletionFlag
{
    Partial,
    Complete,
}

/// <summary>One referenced instance with its study and series, for the evidence and predecessor sequences.</summary>
public sealed record SrEvidence(string StudyInstanceUid, string SeriesInstanceUid, SopReference Instance);

/// <summary>One item of the Verifying Observer Sequence (0040,A073): who verified the document, for which organisation, when.</summary>
public sealed record VerifyingObserver(DicomPersonName Name, string Organization, DateTimeOffset VerifiedAt)
{
    /// <summary>Verifying Observer Identification Code Sequence (0040,A088), type 2: empty when null.</summary>
    public CodedConcept? Identification { get; init; }
}

/// <summary>General Equipment module values of the system that made the document.</summary>
public sealed record SrEquipment(string Manufacturer)
{
    public string? ModelName { get; init; }

    public string? SoftwareVersions { get; init; }

    public string? DeviceSerialNumber { get; init; }
}

/// <summary>
/// A whole SR document (PS3.3 A.35): Patient and General Study modules copied from the evidence, SR Document Series,
/// General Equipment, SR Document General (flags, observers, evidence, predecessors), SR Document Content and SOP
/// Common. <see cref="ToDataset"/> checks the rules between attributes (VERIFIED only with COMPLETE and an observer;
/// private coding schemes declared) and throws <see cref="DicomWriteException"/> naming the attribute;
/// <see cref="Read"/> takes any SR document back.
/// </summary>
public sealed record SrDocument
{
    /// <summary>Comprehensive 3D SR Storage, the SOP class TID 1500 reports with coordinates are written in (IHE AIR).</summary>
    public const string Comprehensive3DSrStorage = "1.2.840.10008.5.1.4.1.1.88.34";

    public string SopClassUid { get; init; } = Comprehensive3DSrStorage;

    public required string SopInstanceUid { get; init; }

    public required string SeriesInstanceUid { get; init; }

    public int SeriesNumber { get; init; } = 1;

    public string? SeriesDescription { get; init; }

    public int InstanceNumber { get; init; } = 1;

    /// <summary>
    /// The Patient and General Study module attributes to copy as they are (with Specific Character Set (0008,0005),
    /// which then applies to the whole document). Must hold Study Instance UID; missing type 2 attributes are written empty.
    /// </summary>
    public required DicomDataset PatientStudy { get; init; }

    /// <summary>Content Date and Time, with the offset written as Timezone Offset From UTC.</summary>
    public required DateTimeOffset ContentDateTime { get; init; }

    public CompletionFlag Completion { get; init; } = CompletionFlag.Partial;

    /// <summary>Verification Flag VERIFIED when true (then <see cref="VerifyingObservers"/> must not be empty and the document must be COMPLETE).</summary>
    public bool Verified { get; init; }

    /// <summary>Preliminary Flag (0040,A496): FINAL when true, PRELIMINARY when false, absent when null.</summary>
    public bool? Final { get; init; }

    public IReadOnlyList<VerifyingObserver> VerifyingObservers { get; init; } = [];

    /// <summary>Predecessor Documents Sequence (0040,A360): earlier SR documents whose content this one includes.</summary>
    public IReadOnlyList<SrEvidence> PredecessorDocuments { get; init; } = [];

    /// <summary>Current Requested Procedure Evidence Sequence (0040,A375): instances of this study the content refers to.</summary>
    public IReadOnlyList<SrEvidence> Evidence { get; init; } = [];

    /// <summary>Pertinent Other Evidence Sequence (0040,A385): instances of other studies.</summary>
    public IReadOnlyList<SrEvidence> PertinentOtherEvidence { get; init; } = [];

    /// <summary>Performed Procedure Code Sequence (0040,A372), type 2.</summary>
    public IReadOnlyList<CodedConcept> PerformedProcedureCodes { get; init; } = [];

    public required SrEquipment Equipment { get; init; }

    /// <summary>Coding schemes declared in the Coding Scheme Identification Sequence; every private ("99...") scheme used must be here.</summary>
    public IReadOnlyList<CodingSchemeIdentification> CodingSchemes { get; init; } = [];

    public required ContainerItem Content { get; init; }

    /// <summary>The Study Instance UID of <see cref="PatientStudy"/>.</summary>
    public string StudyInstanceUid => PatientStudy.GetString(DicomTags.StudyInstanceUID);

    /// <summary>The General Study module attributes copied with the Patient module (group 0010) and Specific Character Set.</summary>
    public static IReadOnlyList<DicomTag> GeneralStudyTags { get; } =
    [
        DicomTags.StudyInstanceUID, DicomTags.StudyDate, DicomTags.StudyTime, DicomTags.ReferringPhysicianName,
        DicomTags.ReferringPhysicianIdentificationSequence, DicomTags.StudyID, DicomTags.AccessionNumber,
        DicomTags.IssuerOfAccessionNumberSequence, DicomTags.StudyDescription, DicomTags.PhysiciansOfRecord,
        DicomTags.NameOfPhysiciansReadingStudy, DicomTags.ReferencedStudySequence, DicomTags.ProcedureCodeSequence,
    ];

    /// <summary>The whole document as a dataset, ready to be written as a Part 10 file.</summary>
    public DicomDataset ToDataset()
    {
        Check();
        var d = PatientStudy.Clone();

        foreach (var tag in new[] { DicomTags.PatientName, DicomTags.PatientID, DicomTags.PatientBirthDate, DicomTags.PatientSex })
        {
            if (!d.Contains(tag))
            {
                d.AddOrUpdate(new DicomValueElement(tag, DicomDictionaryVR(tag), DicomBuffer.FromMemory(ReadOnlyMemory<byte>.Empty)));
            }
        }

        foreach (var tag in new[] { DicomTags.StudyDate, DicomTags.StudyTime, DicomTags.ReferringPhysicianName, DicomTags.StudyID, DicomTags.AccessionNumber })
        {
            if (!d.Contains(tag))
            {
                d.AddOrUpdate(new DicomValueElement(tag, DicomDictionaryVR(tag), DicomBuffer.FromMemory(ReadOnlyMemory<byte>.Empty)));
            }
        }

        var encoding = d.TextEncoding;

        // SOP Common
        d.AddString(DicomTags.SOPClassUID, DicomVR.UI, SopClassUid);
        d.AddString(DicomTags.SOPInstanceUID, DicomVR.UI, SopInstanceUid);
        var local = ContentDateTime;
        d.AddValues(DicomTags.InstanceCreationDate, DicomVR.DA, DateOnly.FromDateTime(local.DateTime));
        d.AddString(DicomTags.InstanceCreationTime, DicomVR.TM, local.ToString("HHmmss.ffffff", CultureInfo.InvariantCulture));
        d.AddString(DicomTags.TimezoneOffsetFromUTC, DicomVR.SH,
            (local.Offset < TimeSpan.Zero ? "-" : "+") + local.Offset.ToString("hhmm", CultureInfo.InvariantCulture));
        if (CodingSchemes.Count > 0)
        {
            d.AddOrUpdate(new DicomSequence(DicomTags.CodingSchemeIdentificationSequence, CodingSchemes.Select(s => SchemeItem(s, encoding))));
        }

        // SR Document Series
        d.AddString(DicomTags.Modality, DicomVR.CS, "SR");
        d.AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, SeriesInstanceUid);
        d.AddValues(DicomTags.SeriesNumber, DicomVR.IS, SeriesNumber);
        if (SeriesDescription is { } description)
        {
            SrContentTree.PutText(d, DicomTags.SeriesDescription, DicomVR.LO, description, encoding);
        }

        d.AddOrUpdate(new DicomSequence(DicomTags.ReferencedPerformedProcedureStepSequence));

        // General Equipment
        SrContentTree.PutText(d, DicomTags.Manufacturer, DicomVR.LO, Equipment.Manufacturer, encoding);
        if (Equipment.ModelName is { } model)
        {
            SrContentTree.PutText(d, DicomTags.ManufacturerModelName, DicomVR.LO, model, encoding);
        }

        if (Equipment.DeviceSerialNumber is { } serial)
        {
            SrContentTree.PutText(d, DicomTags.DeviceSerialNumber, DicomVR.LO, serial, encoding);
        }

        if (Equipment.SoftwareVersions is { } software)
        {
            SrContentTree.PutText(d, DicomTags.SoftwareVersions, DicomVR.LO, software, encoding);
        }

        // SR Document General
        d.AddValues(DicomTags.InstanceNumber, DicomVR.IS, InstanceNumber);
        d.AddValues(DicomTags.ContentDate, DicomVR.DA, DateOnly.FromDateTime(local.DateTime));
        d.AddString(DicomTags.ContentTime, DicomVR.TM, local.ToString("HHmmss.ffffff", CultureInfo.InvariantCulture));
        d.AddString(DicomTags.CompletionFlag, DicomVR.CS, Completion == CompletionFlag.Complete ? "COMPLETE" : "PARTIAL");
        d.AddString(DicomTags.VerificationFlag, DicomVR.CS, Verified ? "VERIFIED" : "UNVERIFIED");
        if (Final is { } final)
        {
            d.AddString(DicomTags.PreliminaryFlag, DicomVR.CS, final ? "FINAL" : "PRELIMINARY");
        }

        if (VerifyingObservers.Count > 0)
        {
            d.AddOrUpdate(new DicomSequence(DicomTags.VerifyingObserverSequence, VerifyingObservers.Select(o => ObserverItem(o, encoding))));
        }

        if (PredecessorDocuments.Count > 0)
        {
            d.AddOrUpdate(new DicomSequence(DicomTags.PredecessorDocumentsSequence, EvidenceItems(PredecessorDocuments)));
        }

        d.AddOrUpdate(new DicomSequence(DicomTags.PerformedProcedureCodeSequence, PerformedProcedureCodes.Select(c => SrContentTree.ToCodeItem(c, encoding))));
        if (Evidence.Count > 0)
        {
            d.AddOrUpdate(new DicomSequence(DicomTags.CurrentRequestedProcedureEvidenceSequence, EvidenceItems(Evidence)));
        }

        if (PertinentOtherEvidence.Count > 0)
        {
            d.AddOrUpdate(new DicomSequence(DicomTags.PertinentOtherEvidenceSequence, EvidenceItems(PertinentOtherEvidence)));
        }

        // SR Document Content
        SrContentTree.Write(Content, d);
        return d;
    }

    /// <summary>Reads any SR document: the header attributes this record models and the content tree.</summary>
    public static SrDocument Read(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        try
        {
            var patientStudy = dataset.Clone();
            patientStudy.RemoveAll(e => !(e.Tag.Group == 0x0010 || e.Tag == DicomTags.SpecificCharacterSet || GeneralStudyTags.Contains(e.Tag)));

            return new SrDocument
            {
                SopClassUid = dataset.GetString(DicomTags.SOPClassUID),
                SopInstanceUid = dataset.GetString(DicomTags.SOPInstanceUID),
                SeriesInstanceUid = dataset.GetString(DicomTags.SeriesInstanceUID),
                SeriesNumber = dataset.GetSingleValueOrDefault(DicomTags.SeriesNumber, 0),
                SeriesDescription = dataset.GetStringOrDefault(DicomTags.SeriesDescription),
                InstanceNumber = dataset.GetSingleValueOrDefault(DicomTags.InstanceNumber, 0),
                PatientStudy = patientStudy,
                ContentDateTime = ReadContentDateTime(dataset),
                Completion = dataset.GetStringOrDefault(DicomTags.CompletionFlag) == "COMPLETE" ? CompletionFlag.Complete : CompletionFlag.Partial,
                Verified = dataset.GetStringOrDefault(DicomTags.VerificationFlag) == "VERIFIED",
                Final = dataset.GetStringOrDefault(DicomTags.PreliminaryFlag) switch { "FINAL" => true, "PRELIMINARY" => false, _ => null },
                VerifyingObservers = dataset.TryGetSequence(DicomTags.VerifyingObserverSequence, out var observers)
                    ? [.. observers.Items.Select(ReadObserver)]
                    : [],
                PredecessorDocuments = ReadEvidence(dataset, DicomTags.PredecessorDocumentsSequence),
                Evidence = ReadEvidence(dataset, DicomTags.CurrentRequestedProcedureEvidenceSequence),
                PertinentOtherEvidence = ReadEvidence(dataset, DicomTags.PertinentOtherEvidenceSequence),
                PerformedProcedureCodes = dataset.TryGetSequence(DicomTags.PerformedProcedureCodeSequence, out var codes)
                    ? [.. codes.Items.Select(i => SrContentTree.ReadCode(i))]
                    : [],
                Equipment = new SrEquipment(dataset.GetStringOrDefault(DicomTags.Manufacturer) ?? string.Empty)
                {
                    ModelName = dataset.GetStringOrDefault(DicomTags.ManufacturerModelName),
                    SoftwareVersions = dataset.GetStringOrDefault(DicomTags.SoftwareVersions),
                    DeviceSerialNumber = dataset.GetStringOrDefault(DicomTags.DeviceSerialNumber),
                },
                CodingSchemes = dataset.TryGetSequence(DicomTags.CodingSchemeIdentificationSequence, out var schemes)
                    ? [.. schemes.Items.Select(ReadScheme)]
                    : [],
                Content = SrContentTree.Read(dataset),
            };
        }
        catch (ArgumentException e)
        {
            throw new SrContentException("document", null, e.Message, e);
        }
    }

    private void Check()
    {
        if (!PatientStudy.Contains(DicomTags.StudyInstanceUID))
        {
            throw new DicomWriteException(DicomTags.StudyInstanceUID, "the patient and study attributes have no Study Instance UID");
        }

        if (Verified && Completion != CompletionFlag.Complete)
        {
            throw new DicomWriteException(DicomTags.VerificationFlag, "VERIFIED is allowed only with Completion Flag COMPLETE");
        }

        if (Verified && VerifyingObservers.Count == 0)
        {
            throw new DicomWriteException(DicomTags.VerifyingObserverSequence, "a VERIFIED document needs at least one verifying observer");
        }

        if (!Verified && VerifyingObservers.Count > 0)
        {
            throw new DicomWriteException(DicomTags.VerifyingObserverSequence, "verifying observers are given but the document is UNVERIFIED");
        }

        if (Final == true && Completion != CompletionFlag.Complete)
        {
            throw new DicomWriteException(DicomTags.PreliminaryFlag, "a FINAL document must be COMPLETE");
        }

        var declared = CodingSchemes.Select(s => s.Designator).ToHashSet(StringComparer.Ordinal);
        foreach (var item in Content.DescendantsAndSelf())
        {
            foreach (var code in CodesOf(item))
            {
                if (code.Scheme.StartsWith("99", StringComparison.Ordinal) && !declared.Contains(code.Scheme))
                {
                    throw new DicomWriteException(DicomTags.CodingSchemeIdentificationSequence, $"private coding scheme {code.Scheme} of code {code} is not declared");
                }
            }
        }

        var referenced = Evidence.Concat(PertinentOtherEvidence).Select(e => e.Instance.SopInstanceUid).ToHashSet(StringComparer.Ordinal);
        foreach (var item in Content.DescendantsAndSelf())
        {
            var reference = item switch { ImageItem i => i.Image, CompositeItem c => c.Instance, _ => null };
            if (reference is not null && !referenced.Contains(reference.SopInstanceUid))
            {
                throw new DicomWriteException(DicomTags.CurrentRequestedProcedureEvidenceSequence,
                    $"instance {reference.SopInstanceUid} is referenced in the content but listed in neither evidence sequence");
            }
        }
    }

    /// <summary>Every code an item carries: its concept name and its coded values.</summary>
    public static IEnumerable<CodedConcept> CodesOf(ContentItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Concept is { } concept)
        {
            yield return concept;
        }

        switch (item)
        {
            case CodeItem code:
                yield return code.Value;
                break;
            case NumItem num:
                if (num.Unit is { } unit)
                {
                    yield return unit;
                }

                if (num.Qualifier is { } qualifier)
                {
                    yield return qualifier;
                }

                break;
        }
    }

    private static DicomVR DicomDictionaryVR(DicomTag tag) =>
        tag == DicomTags.PatientName || tag == DicomTags.ReferringPhysicianName ? DicomVR.PN
        : tag == DicomTags.PatientBirthDate || tag == DicomTags.StudyDate ? DicomVR.DA
        : tag == DicomTags.StudyTime ? DicomVR.TM
        : tag == DicomTags.PatientSex ? DicomVR.CS
        : tag == DicomTags.StudyID || tag == DicomTags.AccessionNumber ? DicomVR.SH
        : DicomVR.LO;

    private static DicomDataset SchemeItem(CodingSchemeIdentification scheme, DicomTextEncoding encoding)
    {
        var item = new DicomDataset().AddString(DicomTags.CodingSchemeDesignator, DicomVR.SH, scheme.Designator);
        if (scheme.Uid is { } uid)
        {
            item.AddString(DicomTags.CodingSchemeUID, DicomVR.UI, uid);
        }

        if (scheme.Version is { } version)
        {
            item.AddString(DicomTags.CodingSchemeVersion, DicomVR.SH, version);
        }

        SrContentTree.PutText(item, DicomTags.CodingSchemeName, DicomVR.ST, scheme.Name, encoding);
        SrContentTree.PutText(item, DicomTags.CodingSchemeResponsibleOrganization, DicomVR.ST, scheme.ResponsibleOrganization, encoding);
        return item;
    }

    private static CodingSchemeIdentification ReadScheme(DicomDataset item) =>
        new(item.GetStringOrDefault(DicomTags.CodingSchemeDesignator) ?? string.Empty,
            item.GetStringOrDefault(DicomTags.CodingSchemeName) ?? string.Empty,
            item.GetStringOrDefault(DicomTags.CodingSchemeResponsibleOrganization) ?? string.Empty)
        {
            Uid = item.GetStringOrDefault(DicomTags.CodingSchemeUID),
            Version = item.GetStringOrDefault(DicomTags.CodingSchemeVersion),
        };

    private static DicomDataset ObserverItem(VerifyingObserver observer, DicomTextEncoding encoding)
    {
        var item = new DicomDataset();
        SrContentTree.PutText(item, DicomTags.VerifyingObserverName, DicomVR.PN, observer.Name.ToString(), encoding);
        SrContentTree.PutText(item, DicomTags.VerifyingOrganization, DicomVR.LO, observer.Organization, encoding);
        item.AddString(DicomTags.VerificationDateTime, DicomVR.DT, DateTimeItem.Format(observer.VerifiedAt));
        item.AddOrUpdate(new DicomSequence(DicomTags.VerifyingObserverIdentificationCodeSequence,
            observer.Identification is { } code ? [SrContentTree.ToCodeItem(code, encoding)] : []));
        return item;
    }

    private static VerifyingObserver ReadObserver(DicomDataset item)
    {
        string verifiedAt = item.GetStringOrDefault(DicomTags.VerificationDateTime) ?? string.Empty;
        return new VerifyingObserver(
            DicomPersonName.Parse(item.GetStringOrDefault(DicomTags.VerifyingObserverName) ?? string.Empty),
            item.GetStringOrDefault(DicomTags.VerifyingOrganization) ?? string.Empty,
            ParseDateTime(verifiedAt) ?? DateTimeOffset.MinValue)
        {
            Identification = item.TryGetSequence(DicomTags.VerifyingObserverIdentificationCodeSequence, out var codes) && codes.Items.Count > 0
                ? SrContentTree.ReadCode(codes.Items[0])
                : null,
        };
    }

    /// <summary>A DT value as a moment: with its offset when it has one, else as UTC.</summary>
    public static DateTimeOffset? ParseDateTime(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!DicomDateTime.TryParse(text, out var value))
        {
            return null;
        }

        var clock = DateTime.SpecifyKind(value.Value, DateTimeKind.Unspecified);
        return new DateTimeOffset(clock, value.Offset ?? TimeSpan.Zero);
    }

    private static DateTimeOffset ReadContentDateTime(DicomDataset dataset)
    {
        string date = dataset.GetStringOrDefault(DicomTags.ContentDate) ?? string.Empty;
        string time = dataset.GetStringOrDefault(DicomTags.ContentTime) ?? string.Empty;
        string offset = dataset.GetStringOrDefault(DicomTags.TimezoneOffsetFromUTC) ?? string.Empty;
        return ParseDateTime(date + time + offset) ?? ParseDateTime(date + time) ?? DateTimeOffset.MinValue;
    }

    private static List<DicomDataset> EvidenceItems(IReadOnlyList<SrEvidence> evidence)
    {
        var studies = new List<DicomDataset>();
        foreach (var study in evidence.GroupBy(e => e.StudyInstanceUid, StringComparer.Ordinal))
        {
            var series = new List<DicomDataset>();
            foreach (var s in study.GroupBy(e => e.SeriesInstanceUid, StringComparer.Ordinal))
            {
                var seriesItem = new DicomDataset().AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, s.Key);
                var instances = s.Select(e => e.Instance).DistinctBy(i => i.SopInstanceUid, StringComparer.Ordinal)
                    .Select(i => SrContentTree.ToReferenceItem(new SopReference(i.SopClassUid, i.SopInstanceUid)));
                seriesItem.AddOrUpdate(new DicomSequence(DicomTags.ReferencedSOPSequence, instances));
                series.Add(seriesItem);
            }

            var studyItem = new DicomDataset().AddString(DicomTags.StudyInstanceUID, DicomVR.UI, study.Key);
            studyItem.AddOrUpdate(new DicomSequence(DicomTags.ReferencedSeriesSequence, series));
            studies.Add(studyItem);
        }

        return studies;
    }

    private static List<SrEvidence> ReadEvidence(DicomDataset dataset, DicomTag tag)
    {
        var result = new List<SrEvidence>();
        if (!dataset.TryGetSequence(tag, out var studies))
        {
            return result;
        }

        foreach (var study in studies.Items)
        {
            string studyUid = study.GetStringOrDefault(DicomTags.StudyInstanceUID) ?? string.Empty;
            if (!study.TryGetSequence(DicomTags.ReferencedSeriesSequence, out var series))
            {
                continue;
            }

            foreach (var s in series.Items)
            {
                string seriesUid = s.GetStringOrDefault(DicomTags.SeriesInstanceUID) ?? string.Empty;
                if (s.TryGetSequence(DicomTags.ReferencedSOPSequence, out var instances))
                {
                    result.AddRange(instances.Items.Select(i => new SrEvidence(studyUid, seriesUid, SrContentTree.ReadReference(i, tag.ToString()))));
                }
            }
        }

        return result;
    }
}
