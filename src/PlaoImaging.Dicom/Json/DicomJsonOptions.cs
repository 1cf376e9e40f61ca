namespace PlaoImaging.Dicom.Json;

/// <summary>How to write the DICOM JSON model (PS3.18 Annex F).</summary>
public sealed record DicomJsonWriteOptions
{
    public static DicomJsonWriteOptions Default { get; } = new();

    /// <summary>Indent the output.</summary>
    public bool Indented { get; init; } = true;

    /// <summary>Leave out the values of binary VRs (OB, OD, OF, OL, OV, OW, UN) instead of writing them as InlineBinary.</summary>
    public bool OmitBulkData { get; init; }

    /// <summary>
    /// Write Specific Character Set (0008,0005) as "ISO_IR 192": the JSON text is Unicode, so this is what a reader of
    /// it must assume (DCMTK's dcm2json does the same).
    /// </summary>
    public bool DeclareUtf8CharacterSet { get; init; } = true;
}

/// <summary>How to read the DICOM JSON model.</summary>
public sealed record DicomJsonReadOptions
{
    public static DicomJsonReadOptions Default { get; } = new();

    /// <summary>Fetches the bytes behind a BulkDataURI; null: such elements are an error.</summary>
    public Func<string, byte[]>? BulkDataResolver { get; init; }
}
