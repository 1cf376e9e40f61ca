using PlaoImaging.Dicom.IO;

namespace PlaoImaging.Dicom;

/// <summary>
/// A Part 10 file: File Meta Information, the dataset, and how it was encoded. A file read with a
/// <see cref="DicomReadOptions.ValuePool"/> holds arrays of that pool until it is disposed; disposing any other file
/// does nothing.
/// </summary>
public sealed class DicomFile : IDisposable
{
    public DicomFile(DicomDataset fileMetaInformation, DicomDataset dataset, DicomTransferSyntax transferSyntax,
        IReadOnlyList<DicomReadWarning>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(fileMetaInformation);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        FileMetaInformation = fileMetaInformation;
        Dataset = dataset;
        TransferSyntax = transferSyntax;
        Warnings = warnings ?? [];
    }

    /// <summary>A new file for a dataset, to be written in the given syntax (the meta group is made on writing).</summary>
    public DicomFile(DicomDataset dataset, DicomTransferSyntax? transferSyntax = null)
        : this(new DicomDataset(), dataset, transferSyntax ?? DicomTransferSyntax.ExplicitVRLittleEndian)
    {
    }

    /// <summary>Group 0002 as read (empty for a bare dataset).</summary>
    public DicomDataset FileMetaInformation { get; }

    public DicomDataset Dataset { get; }

    /// <summary>The transfer syntax the dataset was read in (or is to be written in).</summary>
    public DicomTransferSyntax TransferSyntax { get; }

    /// <summary>Deviations tolerated while reading.</summary>
    public IReadOnlyList<DicomReadWarning> Warnings { get; }

    /// <summary>Whether the input had the 128-byte preamble and DICM prefix.</summary>
    public bool HasPreamble { get; init; }

    /// <summary>The pooled arrays of the values read into memory, when the file was read with a pool.</summary>
    internal DicomValueLease? ValueLease { get; set; }

    /// <summary>
    /// Gives the arrays of a file read with a <see cref="DicomReadOptions.ValuePool"/> back to the pool, for the next
    /// file read with it: call it when no value of this file is needed any more. Afterwards those values (wherever
    /// their elements were put since) throw <see cref="ObjectDisposedException"/> when read, and memory taken from them
    /// before (<see cref="DicomBuffer.GetMemory"/>) must not be used, since it will hold another file's bytes. Values
    /// left in the file and small values are not affected. Does nothing for a file read without a pool, and nothing
    /// the second time.
    /// </summary>
    public void Dispose() => ValueLease?.Return();

    /// <summary>
    /// Reads a Part 10 file (or a bare dataset) from a path; values of at least
    /// <see cref="DicomReadOptions.LargeValueThreshold"/> bytes stay in the file until asked for. Those values remember
    /// the version of the file they were found in (<see cref="DicomFileStamp"/>, taken from the handle the file was read
    /// through): reading one after the file was replaced or rewritten on disk throws
    /// <see cref="DicomSourceChangedException"/> instead of returning other bytes. A file that changes while it is being
    /// read throws the same at once.
    /// </summary>
    public static DicomFile Open(string path, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = Path.GetFullPath(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var stamp = DicomFileStamp.Of(stream.SafeFileHandle);
        DicomFile file;
        try
        {
            file = DicomReader.ReadFile(stream, options ?? DicomReadOptions.Default, fullPath, stamp);
        }
        catch (DicomReadException e) when (ChangeSince(stream, stamp) is { } changeWhileFailing)
        {
            // A file still being written, or rewritten under the reader: the change is the cause, not the bytes.
            throw new DicomSourceChangedException(fullPath, changeWhileFailing + ", while it was being read", e);
        }

        if (ChangeSince(stream, stamp) is { } change)
        {
            file.Dispose();
            throw new DicomSourceChangedException(fullPath, change + ", while it was being read", null);
        }

        return file;
    }

    private static string? ChangeSince(FileStream stream, DicomFileStamp stamp) =>
        stamp.DescribeChange(DicomFileStamp.Of(stream.SafeFileHandle));

    /// <summary>Reads a Part 10 file (or a bare dataset) from a stream; every value is read into memory.</summary>
    public static DicomFile Read(Stream stream, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return DicomReader.ReadFile(stream, options ?? DicomReadOptions.Default, null, null);
    }

    /// <summary>Reads a bare dataset encoded in a known transfer syntax (e.g. a DIMSE data set).</summary>
    public static DicomDataset ReadDataset(Stream stream, DicomTransferSyntax transferSyntax, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        return DicomReader.ReadDataset(stream, transferSyntax, options ?? DicomReadOptions.Default, out _);
    }

    /// <summary>Writes the file as Part 10: preamble, DICM, a new File Meta Information group, then the dataset.</summary>
    public void Write(Stream destination, DicomWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        DicomWriter.WriteFile(destination, this, options ?? DicomWriteOptions.Default);
    }

    /// <summary>
    /// Writes only the preamble, DICM and a File Meta Information group for a data set in
    /// <paramref name="transferSyntax"/> (SOP Class and Instance UIDs from the data set, else from
    /// <see cref="FileMetaInformation"/>): the caller appends the encoded data set.
    /// </summary>
    public void WriteHeader(Stream destination, DicomTransferSyntax transferSyntax, DicomWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        DicomWriter.WriteFileHeader(destination, this, transferSyntax, options ?? DicomWriteOptions.Default);
    }

    /// <summary>Writes the file to a path (through a temporary file, renamed into place only when complete).</summary>
    public void Save(string path, DicomWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(stream, options);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Writes a bare dataset (no preamble, no meta group) in the given syntax.</summary>
    public static void WriteDataset(Stream destination, DicomDataset dataset, DicomTransferSyntax transferSyntax, DicomWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        DicomWriter.WriteDataset(destination, dataset, transferSyntax, options ?? DicomWriteOptions.Default);
    }
}
