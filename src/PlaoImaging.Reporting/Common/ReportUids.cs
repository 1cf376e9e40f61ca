using System.Text;
using PlaoImaging.Dicom;

namespace PlaoImaging.Reporting.Common;

/// <summary>The kind of derived object a report series holds; each kind goes into its own series.</summary>
public enum ReportObjectKind
{
    /// <summary>A structured report (Modality SR).</summary>
    StructuredReport,

    /// <summary>A Grayscale Softcopy Presentation State (Modality PR).</summary>
    PresentationState,

    /// <summary>A Secondary Capture image with the results burned in.</summary>
    SecondaryCapture,
}

/// <summary>
/// Deterministic UIDs for the objects the reports write: the same inputs give the same UID on every run and every
/// machine, so analysing a study again with the same model replaces its objects instead of adding copies, and a
/// vertebra keeps its tracking identifier across reports. Each UID is the 2.25 form of a name-based UUID: 122 bits of
/// a SHA-1 hash of the inputs (<see cref="DicomUidGenerator.FromName"/>), which PS3.5 B.2 allows and which never
/// exceeds 44 characters. The inputs are length-prefixed before hashing, so no two different input lists share a name.
/// </summary>
public static class ReportUids
{
    /// <summary>The Series Instance UID of the report objects of one kind that one model version writes for a study.</summary>
    public static string Series(string studyInstanceUid, string modelId, string modelVersion, ReportObjectKind kind) =>
        Derive("report-series", studyInstanceUid, modelId, modelVersion, KindName(kind));

    /// <summary>The Tracking UID (0062,0021) of a vertebra in a study, the same for every report on that study.</summary>
    public static string Tracking(string studyInstanceUid, string vertebraLevel) =>
        Derive("tracking", studyInstanceUid, vertebraLevel);

    /// <summary>The Device Observer UID (DCM 121012, TID 1004) of the analysis model, the same for every version of it.</summary>
    public static string DeviceObserver(string modelId) => Derive("device-observer", modelId);

    /// <summary>
    /// The SOP Instance UID of a derived object in a report series, made from that series and what the object is
    /// about (for example the source SOP Instance UID and frame number it annotates).
    /// </summary>
    public static string Instance(string seriesInstanceUid, params string[] subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.Length == 0)
        {
            throw new ArgumentException("An instance needs at least one subject part.", nameof(subject));
        }

        return Derive(["instance", seriesInstanceUid, .. subject]);
    }

    private static string KindName(ReportObjectKind kind) => kind switch
    {
        ReportObjectKind.StructuredReport => "SR",
        ReportObjectKind.PresentationState => "GSPS",
        ReportObjectKind.SecondaryCapture => "SC",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown report object kind"),
    };

    private static string Derive(params string[] parts)
    {
        var name = new StringBuilder("report-uid");
        for (int i = 0; i < parts.Length; i++)
        {
            var part = parts[i] ?? throw new ArgumentNullException(nameof(parts), $"UID input {i} is null");
            if (i > 0 && part.Length == 0)
            {
                throw new ArgumentException($"UID input {i} is empty.", nameof(parts));
            }

            name.Append('|').Append(part.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(':').Append(part);
        }

        return DicomUidGenerator.FromName(name.ToString());
    }
}
