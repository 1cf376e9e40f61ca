using System.Buffers.Binary;
using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Network;

/// <summary>
/// A C-ECHO and C-STORE SCU. <see cref="StoreAsync(IReadOnlyList{string}, IProgress{DicomStoreProgress}?, CancellationToken)"/>
/// reads each file's header, proposes one presentation context per SOP class and stored transfer syntax plus an
/// Explicit/Implicit VR Little Endian fall-back per SOP class, sends many files over one association (more only past
/// 128 contexts), streams a file's data set straight from disk when the peer accepted its own syntax and transcodes it
/// (step 2's codecs) when it did not. Instances held in memory (<see cref="DicomFile"/>, <see cref="DicomDataset"/>)
/// go the same way, their data set encoded in the accepted syntax when it is sent. Every file or instance gets one
/// outcome per call; nothing is retried here.
/// </summary>
public sealed class DicomClient
{
    private const int MaxContexts = 128;

    private readonly string host;
    private readonly int port;
    private readonly DicomClientOptions options;

    public DicomClient(string host, int port, DicomClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        this.host = host;
        this.port = port;
        this.options = options ?? new DicomClientOptions();
        if (!DicomAETitle.IsValid(this.options.CallingAETitle) || !DicomAETitle.IsValid(this.options.CalledAETitle))
        {
            throw new ArgumentException("calling and called AE titles must be 1 to 16 printable characters without a backslash", nameof(options));
        }
    }

    /// <summary>C-ECHO (PS3.7 9.3.5): associates, verifies, releases. Returns the peer's status.</summary>
    public async Task<DimseStatus> EchoAsync(CancellationToken cancellationToken = default)
    {
        PresentationContextProposal[] proposals =
            [new(1, DicomNetworkUids.Verification, [DicomTransferSyntax.ExplicitVRLittleEndian.Uid, DicomTransferSyntax.ImplicitVRLittleEndian.Uid])];
        var association = await ScuAssociation.OpenAsync(host, port, options, proposals, cancellationToken).ConfigureAwait(false);
        await using (association.ConfigureAwait(false))
        {
            if (!association.Contexts.ContainsKey(1))
            {
                await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
                throw new DicomNetworkException("the peer did not accept the Verification SOP class");
            }

            try
            {
                ushort id = association.NextMessageId();
                await association.SendCommandAsync(1, DimseCommand.EchoRequest(id), cancellationToken).ConfigureAwait(false);
                var response = await association.ReceiveResponseAsync(id, cancellationToken).ConfigureAwait(false);
                await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
                return response.Status;
            }
            catch
            {
                await association.AbortAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// Opens an association for C-STORE that stays open across calls of <see cref="DicomStoreAssociation.StoreAsync"/>
    /// until it is released: one Explicit/Implicit VR Little Endian context per SOP class in
    /// <paramref name="sopClassUids"/> (files in another syntax are converted when sent). For a sender with a steady
    /// flow of small sends to one peer, which would otherwise open and release an association for each.
    /// Throws <see cref="DicomNetworkException"/> when the association cannot be opened.
    /// </summary>
    public async Task<DicomStoreAssociation> OpenStoreAssociationAsync(IEnumerable<string> sopClassUids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sopClassUids);
        var classes = sopClassUids.Distinct(StringComparer.Ordinal).ToList();
        if (classes.Count is 0 or > MaxContexts)
        {
            throw new ArgumentException($"1 to {MaxContexts} SOP classes are needed", nameof(sopClassUids));
        }

        var proposals = classes.Select((uid, i) => new PresentationContextProposal((byte)((2 * i) + 1), uid,
            [DicomTransferSyntax.ExplicitVRLittleEndian.Uid, DicomTransferSyntax.ImplicitVRLittleEndian.Uid])).ToList();
        var association = await ScuAssociation.OpenAsync(host, port, options, proposals, cancellationToken).ConfigureAwait(false);
        return new DicomStoreAssociation(association, options.Codecs, options.FileReading, classes);
    }

    /// <summary>Every file under <paramref name="paths"/> (folders recursively, in name order).</summary>
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            }
            else
            {
                files.Add(path);
            }
        }

        return files;
    }

    /// <summary>
    /// Sends <paramref name="files"/> with C-STORE. Returns one outcome per file, in order. A file that is not DICOM is
    /// Skipped; one whose SOP class the peer refused is NotSent; when an association fails, its current file fails and
    /// the files after it in that association are NotSent. Cancellation aborts the association and throws.
    /// </summary>
    public Task<IReadOnlyList<DicomStoreOutcome>> StoreAsync(IReadOnlyList<string> files, IProgress<DicomStoreProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        return StoreAllAsync(
            files,
            path => FileEntry.TryRead(path, options.FileReading, out var entry, out string? problem) ? (entry, null) : (null, problem),
            path => path,
            progress,
            cancellationToken);
    }

    /// <summary>
    /// Sends instances held in memory with C-STORE, over as few associations as the file variant. The SOP Class and
    /// Instance UIDs come from each data set (else from its File Meta Information); the contexts proposed are the
    /// instance's <see cref="DicomFile.TransferSyntax"/> (the syntax its encapsulated pixel data is in, if any) and the
    /// Explicit/Implicit VR Little Endian fall-back; the data set is encoded in the syntax the peer accepted (text in
    /// the character set in force). Outcomes as for files, with an empty <see cref="DicomStoreOutcome.Path"/>; an
    /// instance the client cannot encode in any accepted syntax is NotSent, with a
    /// <see cref="DicomStoreEncodingException"/> in <see cref="DicomStoreOutcome.Error"/>.
    /// </summary>
    public Task<IReadOnlyList<DicomStoreOutcome>> StoreAsync(IReadOnlyList<DicomFile> instances, IProgress<DicomStoreProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instances);
        foreach (var instance in instances)
        {
            ArgumentNullException.ThrowIfNull(instance, nameof(instances));
        }

        return StoreAllAsync(
            instances,
            instance => FileEntry.TryFromInstance(instance, out var entry, out string? problem) ? (entry, null) : (null, problem),
            _ => string.Empty,
            progress,
            cancellationToken);
    }

    /// <summary>
    /// The common part of the batch sends: each item prepared into an entry (or Skipped with its problem), the entries
    /// sent in as few associations as their contexts allow, one outcome per item in order (NotSent when never reached).
    /// </summary>
    private async Task<IReadOnlyList<DicomStoreOutcome>> StoreAllAsync<T>(
        IReadOnlyList<T> items,
        Func<T, (FileEntry? Entry, string? Problem)> prepare,
        Func<T, string> pathOf,
        IProgress<DicomStoreProgress>? progress,
        CancellationToken cancellationToken)
    {
        var outcomes = new DicomStoreOutcome?[items.Count];
        var entries = new List<(int Index, FileEntry Entry)>();
        int done = 0;
        long bytes = 0;
        void Report(int index, DicomStoreOutcome outcome)
        {
            outcomes[index] = outcome;
            done++;
            bytes += outcome.Bytes;
            progress?.Report(new DicomStoreProgress(done, items.Count, bytes, outcome));
        }

        for (int i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (entry, problem) = prepare(items[i]);
            if (entry is not null)
            {
                entries.Add((i, entry));
            }
            else
            {
                Report(i, new DicomStoreOutcome(pathOf(items[i]), DicomStoreResult.Skipped, problem ?? "not a DICOM instance"));
            }
        }

        foreach (var batch in Batches(entries))
        {
            await StoreBatchAsync(batch.Files, batch.Proposals, Report, cancellationToken).ConfigureAwait(false);
        }

        return outcomes.Select((o, i) => o ?? new DicomStoreOutcome(pathOf(items[i]), DicomStoreResult.NotSent, "not sent")).ToArray();
    }

    /// <summary>
    /// Sends one instance held in memory (see <see cref="StoreAsync(IReadOnlyList{DicomFile}, IProgress{DicomStoreProgress}?, CancellationToken)"/>)
    /// and returns the peer's answer as an outcome (a failure status is an outcome, not an exception). Throws
    /// <see cref="DicomStoreEncodingException"/> when the data set cannot be encoded in any syntax the peer accepted,
    /// <see cref="DicomNetworkException"/> when it was not sent (no association, no accepted context, or the
    /// association failed), and <see cref="DicomValueException"/> when it has no SOP Class or Instance UID.
    /// </summary>
    public async Task<DicomStoreOutcome> StoreAsync(DicomFile instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!FileEntry.TryFromInstance(instance, out _, out string? problem))
        {
            throw new DicomValueException(DicomTags.SOPClassUID, problem);
        }

        var outcome = (await StoreAsync([instance], null, cancellationToken).ConfigureAwait(false))[0];
        return outcome switch
        {
            { Error: { } error } => throw error,
            { Result: DicomStoreResult.NotSent } or { Result: DicomStoreResult.Failure, Status: null } => throw new DicomNetworkException($"instance {outcome.SopInstanceUid} was not stored: {outcome.Message}"),
            _ => outcome,
        };
    }

    /// <summary>Sends one data set held in memory; its pixel data, if encapsulated, must be in <paramref name="transferSyntax"/>.</summary>
    public Task<DicomStoreOutcome> StoreAsync(DicomDataset dataset, DicomTransferSyntax? transferSyntax = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return StoreAsync(new DicomFile(dataset, transferSyntax), cancellationToken);
    }

    private static IEnumerable<(List<(int Index, FileEntry Entry)> Files, List<PresentationContextProposal> Proposals)> Batches(List<(int Index, FileEntry Entry)> entries)
    {
        var files = new List<(int, FileEntry)>();
        var proposals = new List<PresentationContextProposal>();
        var keys = new HashSet<(string, string)>();
        foreach (var item in entries)
        {
            var needed = ContextsFor(item.Entry).Where(k => !keys.Contains(k)).ToList();
            if (proposals.Count + needed.Count > MaxContexts && files.Count > 0)
            {
                yield return (files, proposals);
                files = [];
                proposals = [];
                keys.Clear();
                needed = ContextsFor(item.Entry);
            }

            foreach (var key in needed)
            {
                keys.Add(key);
                string[] syntaxes = key.Item2 == Fallback
                    ? [DicomTransferSyntax.ExplicitVRLittleEndian.Uid, DicomTransferSyntax.ImplicitVRLittleEndian.Uid]
                    : [key.Item2];
                proposals.Add(new PresentationContextProposal((byte)((2 * proposals.Count) + 1), key.Item1, syntaxes));
            }

            files.Add(item);
        }

        if (files.Count > 0)
        {
            yield return (files, proposals);
        }
    }

    private const string Fallback = "fallback";

    /// <summary>
    /// The file's own syntax in a context of its own (as storescu proposes), so the peer can take it unchanged, plus an
    /// Explicit/Implicit VR Little Endian fall-back per SOP class for peers that refuse it (an Explicit VR file's own
    /// syntax is the fall-back's first choice already).
    /// </summary>
    private static List<(string, string)> ContextsFor(FileEntry entry)
    {
        var keys = new List<(string, string)>();
        if (entry.Syntax != DicomTransferSyntax.ExplicitVRLittleEndian)
        {
            keys.Add((entry.SopClassUid, entry.Syntax.Uid));
        }

        keys.Add((entry.SopClassUid, Fallback));
        return keys;
    }

    private async Task StoreBatchAsync(List<(int Index, FileEntry Entry)> batch, List<PresentationContextProposal> proposals, Action<int, DicomStoreOutcome> report, CancellationToken cancellationToken)
    {
        int next = 0;
        while (next < batch.Count)
        {
            ScuAssociation association;
            try
            {
                association = await ScuAssociation.OpenAsync(host, port, options, proposals, cancellationToken).ConfigureAwait(false);
            }
            catch (DicomNetworkException e)
            {
                // No association: the files left are reported once and not tried again here.
                for (; next < batch.Count; next++)
                {
                    var (index, entry) = batch[next];
                    report(index, new DicomStoreOutcome(entry.Path, DicomStoreResult.NotSent, e.Message) { SopInstanceUid = entry.SopInstanceUid });
                }

                return;
            }

            await using (association.ConfigureAwait(false))
            {
                try
                {
                    for (; next < batch.Count; next++)
                    {
                        var (index, entry) = batch[next];
                        report(index, await StoreOneAsync(association, entry, options.Codecs, cancellationToken).ConfigureAwait(false));
                    }

                    await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is DicomNetworkException or IOException)
                {
                    // The file in flight failed (reported once, not retried); the files after it get a new association.
                    // When the release itself failed, every file already has the peer's answer: those outcomes stand.
                    await association.AbortAsync().ConfigureAwait(false);
                    if (next < batch.Count)
                    {
                        var (index, entry) = batch[next];
                        report(index, new DicomStoreOutcome(entry.Path, DicomStoreResult.Failure, e.Message) { SopInstanceUid = entry.SopInstanceUid });
                        next++;
                    }
                }
                catch
                {
                    await association.AbortAsync().ConfigureAwait(false);
                    throw;
                }
            }
        }
    }

    internal static async Task<DicomStoreOutcome> StoreOneAsync(ScuAssociation association, FileEntry entry, DicomCodecRegistry codecs, CancellationToken cancellationToken)
    {
        // The file's own syntax, else a native one we can convert to (never a compressed context meant for another file).
        var own = association.Contexts.Values.FirstOrDefault(c => c.AbstractSyntax == entry.SopClassUid && c.TransferSyntax == entry.Syntax);
        var fallback = association.Contexts.Values
            .Where(c => c.AbstractSyntax == entry.SopClassUid && (c.TransferSyntax == DicomTransferSyntax.ExplicitVRLittleEndian || c.TransferSyntax == DicomTransferSyntax.ImplicitVRLittleEndian))
            .OrderBy(c => c.TransferSyntax == DicomTransferSyntax.ExplicitVRLittleEndian ? 0 : 1)
            .FirstOrDefault();
        var context = own ?? fallback;
        if (context is null)
        {
            return new DicomStoreOutcome(entry.Path, DicomStoreResult.NotSent, $"the peer accepted no presentation context for SOP class {entry.SopClassUid}") { SopInstanceUid = entry.SopInstanceUid };
        }

        // Prepare the data set before the command goes out: a file that cannot be transcoded fails alone.
        ReadOnlyMemory<byte>? encoded = null;
        long dataSetOffset = -1;
        if (context.TransferSyntax == entry.Syntax && entry.DataSetOffset >= 0)
        {
            dataSetOffset = entry.DataSetOffset;
        }
        else if (entry.Instance is not null)
        {
            // An instance in memory: the first accepted context it can be encoded in (its own syntax, then the fall-back).
            var failures = new List<Exception>();
            foreach (var candidate in new[] { own, fallback }.OfType<AcceptedPresentationContext>().Distinct())
            {
                try
                {
                    encoded = Encode(entry, candidate.TransferSyntax, codecs);
                    context = candidate;
                    break;
                }
                catch (Exception e) when (e is DicomException or NotSupportedException)
                {
                    failures.Add(e);
                }
            }

            if (encoded is null)
            {
                var accepted = association.Contexts.Values.Where(c => c.AbstractSyntax == entry.SopClassUid).Select(c => c.TransferSyntax).Distinct().ToArray();
                var error = new DicomStoreEncodingException(entry.SopInstanceUid, entry.Syntax, accepted, failures[^1]);
                return new DicomStoreOutcome(entry.Path, DicomStoreResult.NotSent, error.Message) { SopInstanceUid = entry.SopInstanceUid, Error = error, FileTransferSyntax = entry.Syntax };
            }
        }
        else
        {
            try
            {
                encoded = Encode(entry, context.TransferSyntax, codecs);
            }
            catch (Exception e) when (e is DicomException or IOException or NotSupportedException)
            {
                return new DicomStoreOutcome(entry.Path, DicomStoreResult.Failure, $"cannot convert from {entry.Syntax.Name} to {context.TransferSyntax.Name}: {e.Message}")
                {
                    SopInstanceUid = entry.SopInstanceUid,
                };
            }
        }

        ushort id = association.NextMessageId();
        await association.SendCommandAsync(context.Id, DimseCommand.StoreRequest(id, entry.SopClassUid, entry.SopInstanceUid), cancellationToken).ConfigureAwait(false);
        long sent;
        if (encoded is { } memory)
        {
            await association.SendDataSetAsync(context.Id, memory, cancellationToken).ConfigureAwait(false);
            sent = memory.Length;
        }
        else
        {
            var file = new FileStream(entry.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            await using (file.ConfigureAwait(false))
            {
                file.Position = dataSetOffset;
                sent = file.Length - dataSetOffset;
                await association.SendDataSetAsync(context.Id, file, cancellationToken).ConfigureAwait(false);
            }
        }

        var response = await association.ReceiveResponseAsync(id, cancellationToken).ConfigureAwait(false);
        var status = response.Status;
        var result = status.Category switch
        {
            DimseStatusCategory.Success => DicomStoreResult.Success,
            DimseStatusCategory.Warning => DicomStoreResult.Warning,
            _ => DicomStoreResult.Failure,
        };
        string message = response.ErrorComment is { Length: > 0 } comment ? $"{status}: {comment}" : status.ToString();
        return new DicomStoreOutcome(entry.Path, result, message)
        {
            SopInstanceUid = entry.SopInstanceUid,
            Status = status,
            SentTransferSyntax = context.TransferSyntax,
            FileTransferSyntax = entry.Syntax,
            Bytes = sent,
        };
    }

    /// <summary>The file's data set in <paramref name="target"/> (Explicit or Implicit VR Little Endian, or its own syntax re-encoded), decompressing pixel data when needed.</summary>
    private static byte[] Encode(FileEntry entry, DicomTransferSyntax target, DicomCodecRegistry codecs)
    {
        var file = entry.Instance ?? DicomFile.Open(entry.Path, new DicomReadOptions { LargeValueThreshold = long.MaxValue });
        var dataset = file.Dataset;
        if (file.TransferSyntax.IsEncapsulated && !target.IsEncapsulated)
        {
            dataset = DicomTranscoder.ToNative(dataset, file.TransferSyntax, codecs);
        }

        var output = new MemoryStream();
        DicomFile.WriteDataset(output, dataset, target);
        return output.ToArray();
    }

    /// <summary>
    /// What the SCU needs of a file: its identity, syntax and where its data set starts (-1: re-encode it); for an
    /// instance in memory, the instance itself (and an empty path).
    /// </summary>
    internal sealed record FileEntry(string Path, string SopClassUid, string SopInstanceUid, DicomTransferSyntax Syntax, long DataSetOffset, DicomFile? Instance = null)
    {
        public static bool TryFromInstance(DicomFile instance, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FileEntry? entry, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
        {
            entry = null;
            string? sopClass = instance.Dataset.GetStringOrDefault(DicomTags.SOPClassUID) ?? instance.FileMetaInformation.GetStringOrDefault(DicomTags.MediaStorageSOPClassUID);
            string? sopInstance = instance.Dataset.GetStringOrDefault(DicomTags.SOPInstanceUID) ?? instance.FileMetaInformation.GetStringOrDefault(DicomTags.MediaStorageSOPInstanceUID);
            if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(sopInstance))
            {
                problem = "no SOP Class UID or SOP Instance UID: not a composite instance";
                return false;
            }

            if (!instance.TransferSyntax.IsKnown)
            {
                problem = $"unknown transfer syntax {instance.TransferSyntax.Uid}";
                return false;
            }

            entry = new FileEntry(string.Empty, sopClass, sopInstance, instance.TransferSyntax, -1, instance);
            problem = null;
            return true;
        }

        public static bool TryRead(string path, DicomStoreFileReading reading, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FileEntry? entry, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
        {
            entry = null;
            try
            {
                if (reading == DicomStoreFileReading.FileMetaInformation && TryFromFileMeta(path) is { } fromMeta)
                {
                    entry = fromMeta;
                    problem = null;
                    return true;
                }

                var file = DicomFile.Open(path, new DicomReadOptions { StopBeforePixelData = true, LargeValueThreshold = 4096 });
                string? sopClass = file.Dataset.GetStringOrDefault(DicomTags.SOPClassUID) ?? file.FileMetaInformation.GetStringOrDefault(DicomTags.MediaStorageSOPClassUID);
                string? sopInstance = file.Dataset.GetStringOrDefault(DicomTags.SOPInstanceUID) ?? file.FileMetaInformation.GetStringOrDefault(DicomTags.MediaStorageSOPInstanceUID);
                if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(sopInstance))
                {
                    problem = "no SOP Class UID or SOP Instance UID: not a composite instance";
                    return false;
                }

                if (!file.TransferSyntax.IsKnown)
                {
                    problem = $"unknown transfer syntax {file.TransferSyntax.Uid}";
                    return false;
                }

                entry = new FileEntry(path, sopClass, sopInstance, file.TransferSyntax, ByteForByteStart(path, file));
                problem = null;
                return true;
            }
            catch (Exception e) when (e is DicomException or IOException or UnauthorizedAccessException)
            {
                problem = $"not readable as DICOM: {e.Message}";
                return false;
            }
        }

        /// <summary>
        /// The entry from the File Meta Information alone (<see cref="DicomStoreFileReading.FileMetaInformation"/>); null
        /// when it does not name the SOP class and instance, has no preamble, or its syntax is unknown.
        /// </summary>
        private static FileEntry? TryFromFileMeta(string path)
        {
            var file = DicomFile.Open(path, new DicomReadOptions { StopAtTag = new DicomTag(0x0000, 0x0000) });
            string? sopClass = file.FileMetaInformation.GetStringOrDefault(DicomTags.MediaStorageSOPClassUID);
            string? sopInstance = file.FileMetaInformation.GetStringOrDefault(DicomTags.MediaStorageSOPInstanceUID);
            if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(sopInstance) || !file.HasPreamble || !file.TransferSyntax.IsKnown)
            {
                return null;
            }

            return new FileEntry(path, sopClass, sopInstance, file.TransferSyntax, ByteForByteStart(path, file));
        }

        /// <summary>
        /// Where the data set starts when the file is sent byte for byte; -1 (re-encode it) unless it is plainly well
        /// formed: a data set of odd length (an odd-length value, which DCMTK accepts on reading) or what was read of it
        /// with read warnings is re-encoded by our writer.
        /// </summary>
        private static long ByteForByteStart(string path, DicomFile file)
        {
            long start = file.HasPreamble && file.Warnings.Count == 0 ? DataSetStart(path) : -1;
            return start >= 0 && (new FileInfo(path).Length - start) % 2 != 0 ? -1 : start;
        }

        /// <summary>The offset after the File Meta Information, from its group length (0002,0000); -1 when that is absent or implausible.</summary>
        private static long DataSetStart(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            Span<byte> head = stackalloc byte[146];
            if (stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length
                || !head.Slice(128, 4).SequenceEqual("DICM"u8)
                || BinaryPrimitives.ReadUInt32LittleEndian(head[132..]) != 0x00000002
                || head[136] != (byte)'U' || head[137] != (byte)'L'
                || BinaryPrimitives.ReadUInt16LittleEndian(head[138..]) != 4)
            {
                return -1;
            }

            long start = 144 + BinaryPrimitives.ReadUInt32LittleEndian(head[140..]);
            if (start > stream.Length)
            {
                return -1;
            }

            // The group length must land on the first element after group 0002 (a lying length would send a broken data set).
            if (start == stream.Length)
            {
                return start;
            }

            Span<byte> next = stackalloc byte[2];
            stream.Position = start;
            return stream.ReadAtLeast(next, 2, throwOnEndOfStream: false) == 2 && BinaryPrimitives.ReadUInt16LittleEndian(next) != 0x0002 ? start : -1;
        }
    }
}
