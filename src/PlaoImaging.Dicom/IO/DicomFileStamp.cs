using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace PlaoImaging.Dicom;

/// <summary>
/// Which version of a file a dataset was read from: its length, last write time and creation time, taken from the
/// open handle the bytes were read through (never from the path, which may already name another file).
/// <see cref="DicomFile.Open"/> records one for the values it leaves in the file (<see cref="FileDicomBuffer"/>), and
/// every later read of such a value compares it with the file it opens: a file replaced on disk since (a PACS resend
/// renamed over the old path, or the same file rewritten in place, shorter, longer or of the same length) gives a
/// <see cref="DicomSourceChangedException"/> instead of other bytes read at the old offsets.
/// <para>
/// Why a stamp and not the open handle kept for later: a handle kept open would read the old bytes after a rename-over
/// (correct), but it sees an in-place rewrite like any reader does, so a check like this one is needed anyway; and
/// keeping one handle per opened file until the garbage collector finds it would exhaust file descriptors in a worker
/// that opens thousands of files, and on Windows would block the sender's rename or rewrite. Reopening the path and
/// comparing the stamp costs three fstat calls per read.
/// </para>
/// <para>
/// The limit: a file's metadata cannot show a change that keeps its length, its last write time and its creation time.
/// That is a rewrite of the same length within the file system's timestamp granularity of the previous write (on Linux
/// a timer tick, a few milliseconds, where the kernel does not give fine-grained timestamps; 2 s on FAT), or a writer
/// that copies the old timestamps onto a different file of the same length. .NET exposes no inode number, and on Linux
/// the creation time it reports is the older of the change and write times, so only Windows and macOS see a renamed
/// file by its creation time alone.
/// </para>
/// </summary>
public sealed record DicomFileStamp(long Length, DateTime LastWriteTimeUtc, DateTime CreationTimeUtc)
{
    /// <summary>The stamp of the file an open handle refers to.</summary>
    public static DicomFileStamp Of(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new DicomFileStamp(RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle), File.GetCreationTimeUtc(handle));
    }

    /// <summary>What differs between this stamp (the file as read) and <paramref name="now"/>; null when nothing does.</summary>
    public string? DescribeChange(DicomFileStamp now)
    {
        ArgumentNullException.ThrowIfNull(now);
        var changes = new List<string>();
        if (now.Length != Length)
        {
            changes.Add($"its length is {now.Length} bytes, was {Length}");
        }

        if (now.LastWriteTimeUtc != LastWriteTimeUtc)
        {
            changes.Add($"its last write time is {Format(now.LastWriteTimeUtc)}, was {Format(LastWriteTimeUtc)}");
        }

        if (now.CreationTimeUtc != CreationTimeUtc)
        {
            changes.Add($"its creation time is {Format(now.CreationTimeUtc)}, was {Format(CreationTimeUtc)}");
        }

        return changes.Count == 0 ? null : string.Join("; ", changes);
    }

    private static string Format(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
