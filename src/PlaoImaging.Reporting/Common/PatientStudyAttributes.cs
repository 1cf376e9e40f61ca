using PlaoImaging.Dicom;

namespace PlaoImaging.Reporting.Common;

/// <summary>
/// Carries the Patient, Patient Study and General Study module attributes of a source image into a derived object (a
/// report, a presentation state, a secondary capture) so that the PACS files it with the image it came from. Elements
/// are copied exactly as stored: the value bytes are not decoded and re-encoded, and the Specific Character Set comes
/// with them, so a name written in any character set (ISO 2022 escapes included) reaches the new object byte for byte.
/// Sequences (Other Patient IDs, Referring Physician Identification...) are copied item by item.
/// </summary>
public static class PatientStudyAttributes
{
    /// <summary>The Patient module (PS3.3 C.7.1.1) attributes copied, in tag order.</summary>
    public static IReadOnlyList<DicomTag> PatientTags { get; } =
    [
        DicomTags.PatientName,
        DicomTags.PatientID,
        DicomTags.IssuerOfPatientID,
        DicomTags.TypeOfPatientID,
        DicomTags.IssuerOfPatientIDQualifiersSequence,
        DicomTags.SourcePatientGroupIdentificationSequence,
        DicomTags.GroupOfPatientsIdentificationSequence,
        DicomTags.PatientBirthDate,
        DicomTags.PatientBirthTime,
        DicomTags.PatientBirthDateInAlternativeCalendar,
        DicomTags.PatientDeathDateInAlternativeCalendar,
        DicomTags.PatientAlternativeCalendar,
        DicomTags.PatientSex,
        DicomTags.QualityControlSubject,
        DicomTags.OtherPatientIDs,
        DicomTags.OtherPatientNames,
        DicomTags.OtherPatientIDsSequence,
        DicomTags.EthnicGroup,
        DicomTags.PatientComments,
        DicomTags.PatientIdentityRemoved,
        DicomTags.DeidentificationMethod,
        DicomTags.DeidentificationMethodCodeSequence,
    ];

    /// <summary>The Patient Study module (PS3.3 C.7.2.2) attributes copied: age, size and weight at the study.</summary>
    public static IReadOnlyList<DicomTag> PatientStudyTags { get; } =
    [
        DicomTags.PatientAge,
        DicomTags.PatientSize,
        DicomTags.PatientWeight,
    ];

    /// <summary>The General Study module (PS3.3 C.7.2.1) attributes copied.</summary>
    public static IReadOnlyList<DicomTag> StudyTags { get; } =
    [
        DicomTags.StudyDate,
        DicomTags.StudyTime,
        DicomTags.AccessionNumber,
        DicomTags.IssuerOfAccessionNumberSequence,
        DicomTags.ReferringPhysicianName,
        DicomTags.ReferringPhysicianIdentificationSequence,
        DicomTags.StudyDescription,
        DicomTags.ProcedureCodeSequence,
        DicomTags.PhysiciansOfRecord,
        DicomTags.PhysiciansOfRecordIdentificationSequence,
        DicomTags.NameOfPhysiciansReadingStudy,
        DicomTags.PhysiciansReadingStudyIdentificationSequence,
        DicomTags.ReferencedStudySequence,
        DicomTags.StudyInstanceUID,
        DicomTags.StudyID,
    ];

    /// <summary>
    /// Attributes of type 2 in these modules for every derived object we write: written empty when the source lacks
    /// them (a source missing them is itself not valid, but the derived object should be).
    /// </summary>
    public static IReadOnlyList<DicomTag> RequiredEmptyTags { get; } =
    [
        DicomTags.PatientName,
        DicomTags.PatientID,
        DicomTags.PatientBirthDate,
        DicomTags.PatientSex,
        DicomTags.StudyDate,
        DicomTags.StudyTime,
        DicomTags.AccessionNumber,
        DicomTags.ReferringPhysicianName,
        DicomTags.StudyID,
    ];

    /// <summary>A new dataset holding the Specific Character Set and the patient and study attributes of the source.</summary>
    /// <exception cref="DicomValueException">The source has no Study Instance UID (0020,000D).</exception>
    public static DicomDataset Copy(DicomDataset source)
    {
        var target = new DicomDataset();
        CopyInto(source, target);
        return target;
    }

    /// <summary>
    /// Copies the Specific Character Set and the patient and study attributes of the source into the target,
    /// replacing any the target has, and writes the type 2 attributes the source lacks as empty values. Call it before
    /// adding text of your own to the target, so that text is encoded in the character set the copied names use.
    /// </summary>
    /// <exception cref="DicomValueException">The source has no usable Study Instance UID (0020,000D).</exception>
    public static void CopyInto(DicomDataset source, DicomDataset target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source.GetStringOrDefault(DicomTags.StudyInstanceUID) is not { Length: > 0 } studyUid)
        {
            throw new DicomValueException(DicomTags.StudyInstanceUID, "the source image has no Study Instance UID to file the derived object under");
        }

        if (!DicomUidGenerator.IsValid(studyUid))
        {
            throw new DicomValueException(DicomTags.StudyInstanceUID, $"'{studyUid}' is not a valid UID");
        }

        if (source.TryGetElement(DicomTags.SpecificCharacterSet, out var charset))
        {
            target.AddOrUpdate(DatasetCopy.Element(charset));
        }
        else
        {
            target.Remove(DicomTags.SpecificCharacterSet);
        }

        foreach (var tag in PatientTags.Concat(PatientStudyTags).Concat(StudyTags))
        {
            if (source.TryGetElement(tag, out var element))
            {
                target.AddOrUpdate(DatasetCopy.Element(element));
            }
        }

        foreach (var tag in RequiredEmptyTags)
        {
            if (!target.Contains(tag))
            {
                target.AddString(tag, DicomDictionary.Lookup(tag)!.DefaultVR);
            }
        }
    }
}
