using System.IO.Compression;

namespace PlaoImaging.Dicom;

/// <summary>How to write. Writing is strict: whatever cannot be encoded correctly is refused with a <see cref="DicomWriteException"/>.</summary>
public sealed record DicomWriteOptions
{
    public static DicomWriteOptions Default { get; } = new();

    /// <summary>
    /// The transfer syntax to write; null writes Explicit VR Little Endian, except that a file holding encapsulated
    /// pixel data keeps its own syntax (fragments cannot be relabelled).
    /// </summary>
    public DicomTransferSyntax? TransferSyntax { get; init; }

    /// <summary>Write sequences and items with explicit lengths (true) or undefined lengths and delimiters (false).</summary>
    public bool ExplicitSequenceLengths { get; init; } = true;

    /// <summary>Check each value against its VR (characters, lengths, value sizes) before writing.</summary>
    public bool ValidateValues { get; init; } = true;

    /// <summary>Source Application Entity Title (0002,0016) to record; null keeps the one read, if any.</summary>
    public string? SourceApplicationEntityTitle { get; init; }

    /// <summary>Compression level for the Deflated transfer syntax.</summary>
    public CompressionLevel DeflateLevel { get; init; } = CompressionLevel.Optimal;
}
