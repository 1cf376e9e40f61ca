namespace PlaoImaging.Dicom.StructuredReport;

/// <summary>
/// The standard codes the TID 1500 builders write and read: DICOM (DCM, PS3.16 Annex D), SNOMED CT (SCT), LOINC (LN),
/// UMLS and UCUM units. Each names the template row or context group it comes from.
/// </summary>
public static class SrCodes
{
    public const string Dcm = "DCM";
    public const string Sct = "SCT";
    public const string Loinc = "LN";
    public const string Umls = "UMLS";
    public const string Ucum = "UCUM";
    public const string Ncit = "NCIt";
    public const string Rfc5646 = "RFC5646";

    /// <summary>TID 1500 root concept (CID 7021).</summary>
    public static readonly CodedConcept ImagingMeasurementReport = new("126000", Dcm, "Imaging Measurement Report");

    /// <summary>TID 1204 row 1: the language of the content.</summary>
    public static readonly CodedConcept LanguageOfContentItemAndDescendants = new("121049", Dcm, "Language of Content Item and Descendants");

    /// <summary>The value written for TID 1204: English (United States).</summary>
    public static readonly CodedConcept EnglishUnitedStates = new("en-US", Rfc5646, "English (United States)");

    /// <summary>TID 1002: the observer type.</summary>
    public static readonly CodedConcept ObserverType = new("121005", Dcm, "Observer Type");

    /// <summary>Observer type value: a person (TID 1003 follows).</summary>
    public static readonly CodedConcept Person = new("121006", Dcm, "Person");

    /// <summary>Observer type value: a device (TID 1004 follows).</summary>
    public static readonly CodedConcept Device = new("121007", Dcm, "Device");

    public static readonly CodedConcept PersonObserverName = new("121008", Dcm, "Person Observer Name");

    public static readonly CodedConcept PersonObserverOrganizationName = new("121009", Dcm, "Person Observer's Organization Name");

    public static readonly CodedConcept DeviceObserverUid = new("121012", Dcm, "Device Observer UID");

    public static readonly CodedConcept DeviceObserverName = new("121013", Dcm, "Device Observer Name");

    public static readonly CodedConcept DeviceObserverManufacturer = new("121014", Dcm, "Device Observer Manufacturer");

    public static readonly CodedConcept DeviceObserverModelName = new("121015", Dcm, "Device Observer Model Name");

    /// <summary>TID 1500 row 4 (values from CID 100).</summary>
    public static readonly CodedConcept ProcedureReported = new("121058", Dcm, "Procedure reported");

    /// <summary>CID 100: a radiograph of an unspecified body region.</summary>
    public static readonly CodedConcept XrUnspecifiedBodyRegion = new("43468-8", Loinc, "XR unspecified body region");

    /// <summary>CID 100: MR of an unspecified body region.</summary>
    public static readonly CodedConcept MriUnspecifiedBodyRegion = new("25056-3", Loinc, "MRI unspecified body region");

    /// <summary>TID 1600 root.</summary>
    public static readonly CodedConcept ImageLibrary = new("111028", Dcm, "Image Library");

    /// <summary>TID 1600 row 2.</summary>
    public static readonly CodedConcept ImageLibraryGroup = new("126200", Dcm, "Image Library Group");

    /// <summary>An image (Image Library entry, or the image a SCOORD is selected from).</summary>
    public static readonly CodedConcept Source = new("260753009", Sct, "Source");

    /// <summary>TID 1500 row 6.</summary>
    public static readonly CodedConcept ImagingMeasurements = new("126010", Dcm, "Imaging Measurements");

    /// <summary>TID 1500 row 10.</summary>
    public static readonly CodedConcept DerivedImagingMeasurements = new("126011", Dcm, "Derived Imaging Measurements");

    /// <summary>TID 1500 row 12.</summary>
    public static readonly CodedConcept QualitativeEvaluations = new("C0034375", Umls, "Qualitative Evaluations");

    /// <summary>TID 1501 root.</summary>
    public static readonly CodedConcept MeasurementGroup = new("125007", Dcm, "Measurement Group");

    public static readonly CodedConcept TrackingIdentifier = new("112039", Dcm, "Tracking Identifier");

    public static readonly CodedConcept TrackingUniqueIdentifier = new("112040", Dcm, "Tracking Unique Identifier");

    public static readonly CodedConcept Finding = new("121071", Dcm, "Finding");

    public static readonly CodedConcept FindingCategory = new("276214006", Sct, "Finding category");

    public static readonly CodedConcept FindingSite = new("363698007", Sct, "Finding Site");

    public static readonly CodedConcept MeasurementMethod = new("370129005", Sct, "Measurement Method");

    /// <summary>Modifier of a finding site or measurement (CID 2, CID 212 values).</summary>
    public static readonly CodedConcept TopographicalModifier = new("106233006", Sct, "Topographical modifier");

    /// <summary>TID 1501 source image.</summary>
    public static readonly CodedConcept SourceOfMeasurement = new("121112", Dcm, "Source of Measurement");

    /// <summary>TID 4019 rows.</summary>
    public static readonly CodedConcept AlgorithmName = new("111001", Dcm, "Algorithm Name");

    public static readonly CodedConcept AlgorithmVersion = new("111003", Dcm, "Algorithm Version");

    public static readonly CodedConcept AlgorithmParameters = new("111002", Dcm, "Algorithm Parameters");

    public static readonly CodedConcept AlgorithmFamily = new("111000", Dcm, "Algorithm Family");

    public static readonly CodedConcept AlgorithmManufacturer = new("122405", Dcm, "Algorithm Manufacturer");

    /// <summary>TID 1419 region (a SCOORD on an image).</summary>
    public static readonly CodedConcept ImageRegion = new("111030", Dcm, "Image Region");

    /// <summary>CID 7470 linear measurement.</summary>
    public static readonly CodedConcept Height = new("121207", Dcm, "Height");

    /// <summary>CID 212 modifiers.</summary>
    public static readonly CodedConcept Anterior = new("255549009", Sct, "Anterior");

    public static readonly CodedConcept Middle = new("C25569", Ncit, "Middle");

    public static readonly CodedConcept Posterior = new("255551008", Sct, "Posterior");

    /// <summary>CID 7181 unit: millimetre.</summary>
    public static readonly CodedConcept Millimetre = new("mm", Ucum, "mm");

    /// <summary>CID 7181 unit for ratios, counts and indices.</summary>
    public static readonly CodedConcept NoUnits = new("1", Ucum, "no units");

    /// <summary>A UCUM annotation unit for lengths in image pixels (no spacing known).</summary>
    public static readonly CodedConcept Pixels = new("{pixels}", Ucum, "pixels");

    /// <summary>Unit for confidences expressed as a fraction.</summary>
    public static readonly CodedConcept Percent = new("%", Ucum, "Percent");

    /// <summary>CID 222 / 3716 values.</summary>
    public static readonly CodedConcept Normal = new("17621005", Sct, "Normal");

    public static readonly CodedConcept Severity = new("246112005", Sct, "Severity");

    public static readonly CodedConcept Mild = new("255604002", Sct, "Mild");

    public static readonly CodedConcept Moderate = new("6736007", Sct, "Moderate");

    public static readonly CodedConcept Severe = new("24484000", Sct, "Severe");

    /// <summary>Finding: a compression fracture of the vertebral column.</summary>
    public static readonly CodedConcept CompressionFractureOfVertebralColumn = new("42942008", Sct, "Compression fracture of vertebral column");

    /// <summary>CID 230 (Yes-No).</summary>
    public static readonly CodedConcept Yes = new("373066001", Sct, "Yes");

    public static readonly CodedConcept No = new("373067005", Sct, "No");
}
