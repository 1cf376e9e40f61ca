using PlaoImaging.Dicom;

namespace PlaoImaging.Analysis.Tests.Selection;

/// <summary>Synthetic headers built with the library's dataset API.</summary>
internal static class Headers
{
    public const string Study = "1.2.826.0.1.3680043.10.1234.1";

    /// <summary>A bare image header: UIDs, modality and instance number; tests add what they exercise.</summary>
    public static DicomDataset Image(string modality, string series = "1.2.826.0.1.3680043.10.1234.2", int instance = 1)
    {
        var ds = new DicomDataset();
        ds.AddString(DicomTags.SOPClassUID, DicomVR.UI, modality == "MR" ? "1.2.840.10008.5.1.4.1.1.4" : "1.2.840.10008.5.1.4.1.1.1.1");
        ds.AddString(DicomTags.SOPInstanceUID, DicomVR.UI, $"{series}.{instance}");
        ds.AddString(DicomTags.Modality, DicomVR.CS, modality);
        ds.AddString(DicomTags.StudyInstanceUID, DicomVR.UI, Study);
        ds.AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, series);
        ds.AddString(DicomTags.InstanceNumber, DicomVR.IS, instance.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ds;
    }

    /// <summary>A DX header; null arguments leave the attribute out.</summary>
    public static DicomDataset Radiograph(
        string? bodyPart = "LSPINE",
        string? viewPosition = "LL",
        string? orientation = "P\\F",
        string? description = null,
        string modality = "DX",
        string series = "1.2.826.0.1.3680043.10.1234.2",
        int instance = 1)
    {
        var ds = Image(modality, series, instance);
        if (bodyPart is not null)
        {
            ds.AddString(DicomTags.BodyPartExamined, DicomVR.CS, bodyPart);
        }

        if (viewPosition is not null)
        {
            ds.AddString(DicomTags.ViewPosition, DicomVR.CS, viewPosition);
        }

        if (orientation is not null)
        {
            ds.AddString(DicomTags.PatientOrientation, DicomVR.CS, orientation.Split('\\'));
        }

        if (description is not null)
        {
            ds.AddString(DicomTags.SeriesDescription, DicomVR.LO, description);
        }

        return ds;
    }

    /// <summary>One code item (value, scheme, meaning).</summary>
    public static DicomDataset Code(string value, string scheme, string meaning) =>
        new DicomDataset()
            .AddString(DicomTags.CodeValue, DicomVR.SH, value)
            .AddString(DicomTags.CodingSchemeDesignator, DicomVR.SH, scheme)
            .AddString(DicomTags.CodeMeaning, DicomVR.LO, meaning);

    public static readonly double[] Sagittal = [0, 1, 0, 0, 0, -1];
    public static readonly double[] Axial = [1, 0, 0, 0, 1, 0];
    public static readonly double[] Coronal = [1, 0, 0, 0, 0, -1];

    /// <summary>An MR slice header with timing; null arguments leave the attribute out.</summary>
    public static DicomDataset Mr(
        double[]? orientation,
        string? description = "T2 SAG",
        double? tr = 3000,
        double? te = 100,
        double? ti = null,
        string? scanning = "SE",
        string? scanOptions = null,
        string? bodyPart = "LSPINE",
        string series = "1.2.826.0.1.3680043.10.1234.3",
        int instance = 1,
        double x = 0)
    {
        var ds = Image("MR", series, instance);
        if (orientation is not null)
        {
            ds.AddValues(DicomTags.ImageOrientationPatient, DicomVR.DS, orientation);
            ds.AddValues(DicomTags.ImagePositionPatient, DicomVR.DS, x, -200.0, 150.0);
        }

        if (description is not null)
        {
            ds.AddString(DicomTags.SeriesDescription, DicomVR.LO, description);
        }

        if (tr is { } r)
        {
            ds.AddValues(DicomTags.RepetitionTime, DicomVR.DS, r);
        }

        if (te is { } e)
        {
            ds.AddValues(DicomTags.EchoTime, DicomVR.DS, e);
        }

        if (ti is { } i)
        {
            ds.AddValues(DicomTags.InversionTime, DicomVR.DS, i);
        }

        if (scanning is not null)
        {
            ds.AddString(DicomTags.ScanningSequence, DicomVR.CS, scanning.Split('\\'));
        }

        if (scanOptions is not null)
        {
            ds.AddString(DicomTags.ScanOptions, DicomVR.CS, scanOptions.Split('\\'));
        }

        if (bodyPart is not null)
        {
            ds.AddString(DicomTags.BodyPartExamined, DicomVR.CS, bodyPart);
        }

        return ds;
    }
}
