namespace PlaoImaging.Dicom;

/// <summary>How to read a dataset. Reading is lenient: deviations DCMTK tolerates become warnings.</summary>
public sealed record DicomReadOptions
{
    public static DicomReadOptions Default { get; } = new();

    /// <summary>Stop at the first pixel data element (7FE0,0008/0009/0010) of the top-level dataset: a header-only read for routing.</summary>
    public bool StopBeforePixelData { get; init; }

    /// <summary>
    /// Stop before the first top-level element whose tag is this one or a later one (as DCMTK's
    /// <c>loadFileUntilTag</c>): a read of the first elements only. <c>new DicomTag(0x0000, 0x0000)</c> stops before
    /// the data set's first element, leaving the File Meta Information alone read. Null (the default): no such stop.
    /// </summary>
    public DicomTag? StopAtTag { get; init; }

    /// <summary>
    /// Values at least this long are left in the file and read when asked, when reading from a path
    /// (not through a deflated dataset). Zero or negative keeps everything in memory.
    /// </summary>
    public long LargeValueThreshold { get; init; } = 256 * 1024;

    /// <summary>Deepest sequence nesting accepted; deeper input is rejected with a <see cref="DicomReadException"/>.</summary>
    public int MaxSequenceDepth { get; init; } = 128;

    /// <summary>
    /// Where the values that a file read with <see cref="DicomFile.Open"/> or <see cref="DicomFile.Read"/> keeps in
    /// memory find their arrays (those of at least <see cref="DicomValuePool.MinimumLength"/> bytes), so that reading
    /// many files reuses the same memory; <see cref="DicomFile.Dispose"/> gives them back. Null (the default): every
    /// value gets an array of its own, left to the garbage collector. Not used by <see cref="DicomFile.ReadDataset"/>,
    /// whose dataset has no file to dispose.
    /// </summary>
    public DicomValuePool? ValuePool { get; init; }

    /// <summary>Transfer syntax of a bare dataset (no File Meta Information); null: detected from the first element.</summary>
    public DicomTransferSyntax? BareDatasetTransferSyntax { get; init; }
}

/// <summary>A tolerated deviation from the standard met while reading.</summary>
public sealed record DicomReadWarning(long Offset, DicomTag? Tag, string Message)
{
    public override string ToString() => Tag is { } t ? $"offset {Offset}, {t}: {Message}" : $"offset {Offset}: {Message}";
}
