using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Operations;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Ingest;

/// <summary>A file already stored under the storage root (by the SCP, a folder import or the start-up recovery) to index.</summary>
/// <param name="FullPath">The stored file.</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="CallingAETitle">Who sent it (null for imports and recovered files).</param>
/// <param name="ReceivedAt">When it was stored.</param>
/// <param name="Route">
/// True: a new or changed input starts the study's quiet period, after which the assembler queues it on <c>realtime</c>.
/// False (a folder import): the study is marked queued, because the reprocessing request that imports it analyses it on
/// <c>batch</c>; routing it as well would analyse every imported study twice and fill the realtime queue with batch work.
/// </param>
public sealed record StoredFile(string FullPath, long Length, string? CallingAETitle, DateTimeOffset ReceivedAt, bool Route = true)
{
    /// <summary>The content hash (see <see cref="IngestService.HashAsync"/>) when the receiver computed it as the bytes arrived; null: read from the file.</summary>
    public string? Sha256 { get; init; }
}

/// <summary>What indexing did with a stored file.</summary>
public enum IngestOutcome
{
    /// <summary>A new input instance: its study's quiet period (re)starts.</summary>
    Added,

    /// <summary>The same SOP Instance UID with the same dataset bytes (the file meta information aside): counted, nothing else changes.</summary>
    IdenticalDuplicate,

    /// <summary>The same SOP Instance UID with other bytes: the new file replaced the old one and the study is analysed again.</summary>
    Replaced,

    /// <summary>One of our own objects back from the PACS: indexed, never analysed, never re-sent.</summary>
    OwnObject,
}

/// <summary>
/// Indexes stored instances in the results database: the study (created on its first instance), the instance (path,
/// size, sha256 of the dataset, calling AE, time) and the study's quiet period. The SCP calls it before answering the C-STORE, so an
/// acknowledged instance is both on disk and in the index; when the database fails, the C-STORE fails and the PACS
/// sends again. Duplicate SOP Instance UIDs follow one rule: identical dataset bytes change nothing (whoever wrote the file's meta information), other bytes replace the
/// stored instance (the SCP already renamed the new file over the old) and start a new generation of the study.
/// </summary>
public sealed partial class IngestService(
    IDbContextFactory<ResultsDbContext> databases,
    StoragePaths paths,
    IOptions<AssemblySettings> assembly,
    StudyAssemblerSignal signal,
    WorkerMetrics metrics,
    TimeProvider time,
    ILogger<IngestService> logger)
{
    /// <summary>Manufacturer (0008,0070) our reports, presentation states and captures carry.</summary>
    public const string OwnManufacturer = "PlaoImaging";

    /// <summary>The reason of a study that has received only our own objects.</summary>
    public const string OnlyOwnObjects = "only objects made by PlaoImaging (reports, presentation states) were received";

    private static readonly HashSet<string> DerivedSopClasses = new(StringComparer.Ordinal)
    {
        "1.2.840.10008.5.1.4.1.1.88.11", "1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.5.1.4.1.1.88.33", "1.2.840.10008.5.1.4.1.1.88.34",
        "1.2.840.10008.5.1.4.1.1.11.1", "1.2.840.10008.5.1.4.1.1.7",
    };

    // SQLite takes one writer at a time; serialising here turns "database is locked" into a short wait.
    private readonly SemaphoreSlim writer = new(1, 1);

    public async Task<IngestOutcome> IndexAsync(StoredFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var header = DicomFile.Open(file.FullPath, new DicomReadOptions { StopBeforePixelData = true, LargeValueThreshold = 4096 }).Dataset;
        string sopInstanceUid = header.GetStringOrDefault(DicomTags.SOPInstanceUID) ?? throw new DicomException("the instance has no SOP Instance UID");
        string sopClassUid = header.GetStringOrDefault(DicomTags.SOPClassUID) ?? throw new DicomException("the instance has no SOP Class UID");
        string studyUid = header.GetStringOrDefault(DicomTags.StudyInstanceUID) ?? throw new DicomException("the instance has no Study Instance UID");
        string sha256 = file.Sha256 ?? await HashAsync(file.FullPath, cancellationToken).ConfigureAwait(false);
        string relative = paths.RelativeToStorage(file.FullPath);

        await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    var outcome = await IndexOnceAsync(file, header, sopInstanceUid, sopClassUid, studyUid, sha256, relative, cancellationToken).ConfigureAwait(false);
                    metrics.InstancesReceived.WithLabels(OutcomeLabel(outcome)).Inc();
                    if (file.Route && outcome is IngestOutcome.Added or IngestOutcome.Replaced)
                    {
                        signal.Wake();
                    }

                    return outcome;
                }
                catch (DbUpdateException) when (attempt < 3)
                {
                    // Another node or association created the same study or instance at the same moment: read again.
                }
            }
        }
        finally
        {
            writer.Release();
        }
    }

    private async Task<IngestOutcome> IndexOnceAsync(StoredFile file, DicomDataset header, string sopInstanceUid, string sopClassUid, string studyUid,
        string sha256, string relative, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var now = time.GetUtcNow();
            bool own = await IsOwnObjectAsync(db, header, sopInstanceUid, sopClassUid, cancellationToken).ConfigureAwait(false);
            var study = await db.Studies.SingleOrDefaultAsync(s => s.StudyInstanceUid == studyUid, cancellationToken).ConfigureAwait(false);
            if (study is null)
            {
                // A study that begins with one of our own objects (a report routed back for a study this worker never
                // received) has nothing to analyse: it is not left receiving, and pending, for ever.
                study = new StudyRecord
                {
                    StudyInstanceUid = studyUid,
                    State = own ? StudyState.NoResult : StudyState.Receiving,
                    Reason = own ? OnlyOwnObjects : null,
                    FirstReceivedAt = file.ReceivedAt,
                    LastReceivedAt = file.ReceivedAt,
                    UpdatedAt = now,
                };
                db.Studies.Add(study);
            }

            CopyStudyAttributes(study, header);
            var existing = await db.Instances.SingleOrDefaultAsync(i => i.SopInstanceUid == sopInstanceUid, cancellationToken).ConfigureAwait(false);
            IngestOutcome outcome;
            if (existing is not null && existing.Sha256 == sha256)
            {
                existing.Duplicates++;
                outcome = IngestOutcome.IdenticalDuplicate;
            }
            else
            {
                if (existing is null)
                {
                    db.Instances.Add(new InstanceRecord
                    {
                        Study = study,
                        SopInstanceUid = sopInstanceUid,
                        SopClassUid = sopClassUid,
                        SeriesInstanceUid = header.GetStringOrDefault(DicomTags.SeriesInstanceUID),
                        Modality = header.GetStringOrDefault(DicomTags.Modality),
                        Kind = own ? InstanceKind.OwnObject : InstanceKind.Input,
                        Path = relative,
                        Size = file.Length,
                        Sha256 = sha256,
                        CallingAETitle = file.CallingAETitle,
                        ReceivedAt = file.ReceivedAt,
                    });
                    outcome = own ? IngestOutcome.OwnObject : IngestOutcome.Added;
                }
                else
                {
                    existing.Path = relative;
                    existing.Size = file.Length;
                    existing.Sha256 = sha256;
                    existing.CallingAETitle = file.CallingAETitle;
                    existing.ReceivedAt = file.ReceivedAt;
                    existing.Duplicates++;
                    outcome = existing.Kind == InstanceKind.OwnObject ? IngestOutcome.OwnObject : IngestOutcome.Replaced;
                }

                if (outcome is IngestOutcome.Added or IngestOutcome.Replaced)
                {
                    study.Generation++;
                    if (outcome == IngestOutcome.Added)
                    {
                        study.InputCount++;
                    }

                    string? modality = header.GetStringOrDefault(DicomTags.Modality);
                    if (!string.IsNullOrEmpty(modality) && !(study.Modalities ?? string.Empty).Split('\\').Contains(modality, StringComparer.Ordinal))
                    {
                        study.Modalities = string.IsNullOrEmpty(study.Modalities) ? modality : study.Modalities + "\\" + modality;
                    }

                    study.Reason = null;
                    study.AnalysisClaim = null; // the generation an analysis held is no longer the study's
                    // A study whose images retention removed has images again: it is analysed with what arrives now
                    // (the removed instances stay in the index, and the analysis skips them as unreadable).
                    study.ImagesPurgedAt = null;
                    if (file.Route)
                    {
                        study.State = StudyState.Receiving;
                        study.DueAt = now + assembly.Value.QuietPeriod;
                    }
                    else
                    {
                        study.State = StudyState.Queued;
                        study.QueuedGeneration = study.Generation;
                        study.DueAt = null;
                    }

                    study.LastReceivedAt = file.ReceivedAt;
                    study.UpdatedAt = now;
                }
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            LogIndexed(logger, study.Id, OutcomeLabel(outcome), file.Length);
            return outcome;
        }
    }

    private static async Task<bool> IsOwnObjectAsync(ResultsDbContext db, DicomDataset header, string sopInstanceUid, string sopClassUid, CancellationToken cancellationToken)
    {
        if (!DerivedSopClasses.Contains(sopClassUid))
        {
            return false;
        }

        return string.Equals(header.GetStringOrDefault(DicomTags.Manufacturer), OwnManufacturer, StringComparison.Ordinal)
            || await db.ProducedObjects.AnyAsync(o => o.SopInstanceUid == sopInstanceUid, cancellationToken).ConfigureAwait(false);
    }

    private static void CopyStudyAttributes(StudyRecord study, DicomDataset header)
    {
        study.PatientName ??= header.GetStringOrDefault(DicomTags.PatientName);
        study.PatientId ??= header.GetStringOrDefault(DicomTags.PatientID);
        study.PatientBirthDate ??= header.GetStringOrDefault(DicomTags.PatientBirthDate);
        study.PatientSex ??= header.GetStringOrDefault(DicomTags.PatientSex);
        study.AccessionNumber ??= header.GetStringOrDefault(DicomTags.AccessionNumber);
        study.StudyDate ??= header.GetStringOrDefault(DicomTags.StudyDate);
        study.StudyDescription ??= header.GetStringOrDefault(DicomTags.StudyDescription);
    }

    /// <summary>
    /// The sha256 of the instance's content: the bytes after the file meta information, so a file written by another
    /// application (a folder import, another SCP) of the same dataset in the same transfer syntax counts as the same
    /// instance. A file without a preamble and meta group is hashed whole.
    /// </summary>
    internal static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            stream.Position = await DatasetOffsetAsync(stream, cancellationToken).ConfigureAwait(false);
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>Where the dataset begins: after the preamble, "DICM" and every group 0002 element (always explicit VR little endian).</summary>
    internal static async Task<long> DatasetOffsetAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[132];
        if (await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < head.Length
            || head[128] != 'D' || head[129] != 'I' || head[130] != 'C' || head[131] != 'M')
        {
            return 0;
        }

        long position = head.Length;
        var element = new byte[12];
        while (true)
        {
            stream.Position = position;
            int read = await stream.ReadAtLeastAsync(element, 8, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < 8 || BinaryPrimitives.ReadUInt16LittleEndian(element) != 0x0002)
            {
                return position;
            }

            // VRs with a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2).
            bool longForm = System.Text.Encoding.ASCII.GetString(element, 4, 2) is "OB" or "OD" or "OF" or "OL" or "OV" or "OW"
                or "SQ" or "SV" or "UC" or "UN" or "UR" or "UT" or "UV";
            long length;
            if (longForm)
            {
                if (read < 12)
                {
                    return 0;
                }

                length = BinaryPrimitives.ReadUInt32LittleEndian(element.AsSpan(8));
                position += 12 + length;
            }
            else
            {
                length = BinaryPrimitives.ReadUInt16LittleEndian(element.AsSpan(6));
                position += 8 + length;
            }

            if (length == 0xFFFFFFFF || position > stream.Length)
            {
                return 0; // not a meta group we can step over: the whole file is the content
            }
        }
    }

    private static string OutcomeLabel(IngestOutcome outcome) => outcome switch
    {
        IngestOutcome.Added => "added",
        IngestOutcome.IdenticalDuplicate => "duplicate",
        IngestOutcome.Replaced => "replaced",
        _ => "own-object",
    };

    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug, Message = "Indexed an instance of study {StudyId}: {Outcome}, {Length} bytes")]
    private static partial void LogIndexed(ILogger logger, long studyId, string outcome, long length);
}
