using System.Globalization;
using PlaoImaging.Dicom;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Jobs;

/// <summary>Writes an object we produced (SR, GSPS, SC) into the study's outbox folder, synced and renamed into place.</summary>
internal static class OutboxWriter
{
    /// <summary>The study's outbox folder (created when missing).</summary>
    public static string StudyFolder(StoragePaths paths, long studyId)
    {
        string folder = Path.Combine(paths.Outbox, studyId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Saves the dataset as <c>SOPInstanceUID.dcm</c> in <paramref name="folder"/>; returns its record (path relative to the outbox).</summary>
    public static ProducedObjectRecord Save(StoragePaths paths, DicomDataset dataset, string folder, string kind)
    {
        string uid = dataset.GetString(DicomTags.SOPInstanceUID);
        string final = Path.Combine(folder, uid + ".dcm");
        new DicomFile(dataset).Save(final); // synced, then renamed into place
        return new ProducedObjectRecord
        {
            SopInstanceUid = uid,
            SopClassUid = dataset.GetString(DicomTags.SOPClassUID),
            Kind = kind,
            Path = paths.RelativeToOutbox(final),
        };
    }
}
