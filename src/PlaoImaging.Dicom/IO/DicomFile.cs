using PlaoImaging.Dicom.IO;

namespace PlaoImaging.Dicom;

/// <summary>A Part 10 file: File Meta Information, the dataset, and how it was encoded.</summary>
public sealed class DicomFile
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

    /// <summary>Reads a Part 10 file (or a bare dataset) from a path; large values stay in the file until asked for.</summary>
    public static DicomFile Open(string path, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return DicomReader.ReadFile(stream, options ?? DicomReadOptions.Default, Path.GetFullPath(path));
    }

    /// <summary>Reads a Part 10 file (or a bare dataset) from a stream; every value is read into memory.</summary>
    public static DicomFile Read(Stream stream, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return DicomReader.ReadFile(stream, options ?? DicomReadOptions.Default, null);
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
