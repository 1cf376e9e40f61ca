using System.Globalization;
using System.Text;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.StructuredReport;

namespace PlaoImaging.Reporting.Sr;

/// <summary>Any SR document, ours or another tool's, as readable text: what <c>plao report</c> prints.</summary>
public static class ReportPrinter
{
    /// <summary>The header lines (patient, study, flags, observers, predecessors, TID 1500 summary) and the content tree.</summary>
    /// <param name="document">Any SR document.</param>
    /// <param name="withCodes">Show each code as (value, scheme, "meaning").</param>
    public static string Format(SrDocument document, bool withCodes)
    {
        ArgumentNullException.ThrowIfNull(document);
        var text = new StringBuilder();
        var ps = document.PatientStudy;
        void Line(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                text.Append(CultureInfo.InvariantCulture, $"{name,-14}{value}\n");
            }
        }

        Line("Patient", ps.GetStringOrDefault(DicomTags.PatientName));
        Line("Patient ID", ps.GetStringOrDefault(DicomTags.PatientID));
        Line("Study", ps.GetStringOrDefault(DicomTags.StudyInstanceUID));
        Line("Accession", ps.GetStringOrDefault(DicomTags.AccessionNumber));
        Line("SOP class", document.SopClassUid + (DicomUidRegistry.Lookup(document.SopClassUid) is { } info ? $" ({info.Name})" : string.Empty));
        Line("Instance", document.SopInstanceUid);
        Line("Series", $"{document.SeriesInstanceUid} (number {document.SeriesNumber})");
        Line("Content", document.ContentDateTime.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture));
        Line("Flags", $"{(document.Completion == CompletionFlag.Complete ? "COMPLETE" : "PARTIAL")}, {(document.Verified ? "VERIFIED" : "UNVERIFIED")}" +
            (document.Final is { } final ? final ? ", FINAL" : ", PRELIMINARY" : string.Empty));
        foreach (var observer in document.VerifyingObservers)
        {
            Line("Verified by", $"{observer.Name} ({observer.Organization}) at {observer.VerifiedAt.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)}");
        }

        foreach (var predecessor in document.PredecessorDocuments)
        {
            Line("Replaces", predecessor.Instance.SopInstanceUid);
        }

        Line("Evidence", document.Evidence.Count == 0 ? null : $"{document.Evidence.Count} instance(s)");
        foreach (var scheme in document.CodingSchemes)
        {
            Line("Scheme", $"{scheme.Designator}: {scheme.Name}");
        }

        if (Tid1500Reader.IsMeasurementReport(document.Content))
        {
            try
            {
                var report = Tid1500Reader.Read(document.Content);
                Line("TID 1500", $"{report.Groups.Count} measurement group(s), {report.Groups.Sum(g => g.Measurements.Count)} measurement(s); device {report.Device.Uid}" +
                    (report.Person is { } person ? $"; person {person.Name}" : string.Empty));
            }
            catch (SrContentException e)
            {
                Line("TID 1500", "not readable as a measurement report: " + e.Message);
            }
        }

        text.Append('\n');
        text.Append(SrTreeText.Format(document.Content, withCodes));
        return text.ToString();
    }
}
