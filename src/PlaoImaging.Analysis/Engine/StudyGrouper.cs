using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;

namespace PlaoImaging.Analysis.Engine;

/// <summary>The instances of one study, as found on disk.</summary>
public sealed record StudyInput(string StudyInstanceUid, IReadOnlyList<StudyFile> Files);

/// <summary>One readable DICOM file with the header attributes the analysis groups and selects by.</summary>
public sealed record StudyFile(string Path, DicomDataset Header)
{
    public string? SopInstanceUid => Header.GetStringOrDefault(DicomTags.SOPInstanceUID);

    public string? SeriesInstanceUid => Header.GetStringOrDefault(DicomTags.SeriesInstanceUID);

    public string? Modality => Header.GetStringOrDefault(DicomTags.Modality);

    public InputInstance ToInput() => new(
        Path,
        SopInstanceUid,
        SeriesInstanceUid,
        Header.GetStringOrDefault(DicomTags.SOPClassUID),
        Modality,
        Header.TryGetSingleValue<int>(DicomTags.NumberOfFrames, out int frames) ? frames : 1);
}

/// <summary>Files that are not DICOM, or not readable, each with the reason (the batch goes on without them).</summary>
public sealed record UnreadableFile(string Path, string Reason);

/// <summary>
/// Reads the headers of many files (stopping before the pixel data) and groups them by Study Instance UID, in the
/// order studies and files were first seen. Directories are walked recursively in ordinal name order.
/// </summary>
public static class StudyGrouper
{
    public static (IReadOnlyList<StudyInput> Studies, IReadOnlyList<UnreadableFile> Unreadable) Group(
        IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var studies = new Dictionary<string, List<StudyFile>>(StringComparer.Ordinal);
        var order = new List<string>();
        var unreadable = new List<UnreadableFile>();
        var headerOnly = new DicomReadOptions { StopBeforePixelData = true };
        foreach (string path in Expand(paths))
        {
            cancellationToken.ThrowIfCancellationRequested();
            DicomDataset header;
            try
            {
                if (NotDicomReason(path) is { } reason)
                {
                    unreadable.Add(new UnreadableFile(path, reason));
                    continue;
                }

                header = DicomFile.Open(path, headerOnly).Dataset;
            }
            catch (Exception ex) when (ex is DicomException or IOException or UnauthorizedAccessException)
            {
                unreadable.Add(new UnreadableFile(path, ex.Message));
                continue;
            }

            string? study = header.GetStringOrDefault(DicomTags.StudyInstanceUID);
            if (string.IsNullOrEmpty(study))
            {
                unreadable.Add(new UnreadableFile(path, "no Study Instance UID (0020,000D)"));
                continue;
            }

            if (!studies.TryGetValue(study, out var files))
            {
                files = [];
                studies.Add(study, files);
                order.Add(study);
            }

            files.Add(new StudyFile(path, header));
        }

        return (order.Select(uid => new StudyInput(uid, studies[uid])).ToList(), unreadable);
    }

    /// <summary>
    /// Why a file is plainly not DICOM (no "DICM" after a 128-byte preamble, and not starting with a group 0002 or 0008
    /// element either, the way bare data sets do), or null when it may be: such files are reported as "not a DICOM
    /// file" rather than with a parse error from the middle of a JSON or text file.
    /// </summary>
    private static string? NotDicomReason(string path)
    {
        Span<byte> head = stackalloc byte[132];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1))
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        if (read == 132 && head[128..].SequenceEqual("DICM"u8))
        {
            return null;
        }

        ushort group = read >= 2 ? (ushort)(head[0] | (head[1] << 8)) : (ushort)0;
        return group is 0x0002 or 0x0008 ? null : "not a DICOM file (no DICM prefix, and no data set at its start)";
    }

    /// <summary>Files as given, and every file under each directory (recursively, in ordinal order); missing paths are kept so that they are reported.</summary>
    public static IEnumerable<string> Expand(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden })
                    .Order(StringComparer.Ordinal);
                foreach (string file in files)
                {
                    yield return file;
                }
            }
            else
            {
                yield return path;
            }
        }
    }
}
