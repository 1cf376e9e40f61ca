namespace PlaoImaging.Dicom.Network;

/// <summary>The identifying attributes of a received instance, read header-only from the stored file.</summary>
public sealed record DicomInstanceKeys(
    string SopClassUid,
    string SopInstanceUid,
    string? StudyInstanceUid,
    string? SeriesInstanceUid,
    string? PatientId,
    string? Modality)
{
    /// <summary>The keys of a data set (empty strings for absent SOP class and instance UIDs).</summary>
    public static DicomInstanceKeys FromDataset(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new DicomInstanceKeys(
            dataset.GetStringOrDefault(DicomTags.SOPClassUID) ?? string.Empty,
            dataset.GetStringOrDefault(DicomTags.SOPInstanceUID) ?? string.Empty,
            dataset.GetStringOrDefault(DicomTags.StudyInstanceUID),
            dataset.GetStringOrDefault(DicomTags.SeriesInstanceUID),
            dataset.GetStringOrDefault(DicomTags.PatientID),
            dataset.GetStringOrDefault(DicomTags.Modality));
    }
}

/// <summary>An instance the SCP has received, written, synced to disk and renamed into place.</summary>
public sealed record DicomStoredInstance(string Path, long Length, DicomTransferSyntax TransferSyntax, DicomInstanceKeys Keys, string CallingAETitle, DateTimeOffset ReceivedAt)
{
    /// <summary>
    /// The SHA-256 of the data set's bytes as they arrived, which are the file's bytes after its File Meta Information
    /// (lower-case hexadecimal), computed while they were written: a receiver that keeps a content hash need not read
    /// the file again for it.
    /// </summary>
    public string? DataSetSha256 { get; init; }
}

/// <summary>
/// Told of every stored instance before the C-STORE response is sent. The status it returns is the response's (a
/// failure makes the sender retry; the file stays, and a retry replaces it). Its token is cancelled when the
/// association is aborted or the server stops.
/// </summary>
public interface IDicomStoreHandler
{
    ValueTask<DimseStatus> OnStoredAsync(DicomStoredInstance instance, DicomAssociationInfo association, CancellationToken cancellationToken);
}
