using System.Collections.Frozen;

namespace PlaoImaging.Dicom;

/// <summary>How a dataset is encoded (PS3.5 10, Annex A): VR explicitness, byte order, deflate, pixel data encapsulation.</summary>
public sealed record DicomTransferSyntax
{
    private DicomTransferSyntax(string uid, string name, bool explicitVR, bool bigEndian, bool deflated, bool encapsulated,
        bool lossy = false, bool retired = false)
    {
        Uid = uid;
        Name = name;
        IsExplicitVR = explicitVR;
        IsBigEndian = bigEndian;
        IsDeflated = deflated;
        IsEncapsulated = encapsulated;
        IsLossy = lossy;
        IsRetired = retired;
    }

    public string Uid { get; }

    public string Name { get; }

    public bool IsExplicitVR { get; }

    public bool IsBigEndian { get; }

    /// <summary>The dataset after the File Meta Information is a raw deflate stream (RFC 1951).</summary>
    public bool IsDeflated { get; }

    /// <summary>Pixel data is a sequence of fragments (PS3.5 A.4).</summary>
    public bool IsEncapsulated { get; }

    public bool IsLossy { get; }

    public bool IsRetired { get; }

    /// <summary>False for a UID this library does not know; it is then read as Explicit VR Little Endian with encapsulated pixel data.</summary>
    public bool IsKnown { get; private init; } = true;

    public static readonly DicomTransferSyntax ImplicitVRLittleEndian = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, false);
    public static readonly DicomTransferSyntax ExplicitVRLittleEndian = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, false);
    public static readonly DicomTransferSyntax EncapsulatedUncompressedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian", true, false, false, true);
    public static readonly DicomTransferSyntax DeflatedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, false);
    public static readonly DicomTransferSyntax ExplicitVRBigEndian = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian", true, true, false, false, retired: true);
    public static readonly DicomTransferSyntax JpegBaseline8Bit = new("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true, false, false, true, lossy: true);
    public static readonly DicomTransferSyntax JpegExtended12Bit = new("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", true, false, false, true, lossy: true);
    public static readonly DicomTransferSyntax JpegLossless = new("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", true, false, false, true);
    public static readonly DicomTransferSyntax JpegLosslessSV1 = new("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", true, false, false, true);
    public static readonly DicomTransferSyntax JpegLSLossless = new("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression", true, false, false, true);
    public static readonly DicomTransferSyntax JpegLSNearLossless = new("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression", true, false, false, true, lossy: true);
    public static readonly DicomTransferSyntax Jpeg2000Lossless = new("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", true, false, false, true);
    public static readonly DicomTransferSyntax Jpeg2000 = new("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", true, false, false, true, lossy: true);
    public static readonly DicomTransferSyntax Jpeg2000Part2MulticomponentLossless = new("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)", true, false, false, true);
    public static readonly DicomTransferSyntax Jpeg2000Part2Multicomponent = new("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component Image Compression", true, false, false, true, lossy: true);
    public static readonly DicomTransferSyntax JpipReferenced = new("1.2.840.10008.1.2.4.94", "JPIP Referenced", true, false, false, false);
    public static readonly DicomTransferSyntax JpipReferencedDeflate = new("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate", true, false, true, false);
    public static readonly DicomTransferSyntax HtJpeg2000Lossless = new("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", true, false, false, true);
    public static readonly DicomTransferSyntax HtJpeg2000RpclLossless = new("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", true, false, false, true);
    public static readonly DicomTransferSyntax HtJpeg2000 = new("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", true, false, false, true, lossy: true);
    public static readonly DicomTransferSyntax RleLossless = new("1.2.840.10008.1.2.5", "RLE Lossless", true, false, false, true);
    public static readonly DicomTransferSyntax DeflatedImageFrameCompression = new("1.2.840.10008.1.2.8.1", "Deflated Image Frame Compression", true, false, false, true);

    private static readonly DicomTransferSyntax[] Others =
    [
        new("1.2.840.10008.1.2.4.52", "JPEG Extended (Process 3 & 5)", true, false, false, true, lossy: true, retired: true),
        new("1.2.840.10008.1.2.4.53", "JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8)", true, false, false, true, lossy: true, retired: true),
        new("1.2.840.10008.1.2.4.54", "JPEG Spectral Selection, Non-Hierarchical (Process 7 & 9)", true, false, false, true, lossy: true, retired: true),
        new("1.2.840.10008.1.2.4.55", "JPEG Full Progression, Non-Hierarchical (Process 10 & 12)", true, false, false, true, lossy: true, retired: true),
        new("1.2.840.10008.1.2.4.56", "JPEG Full Progression, Non-Hierarchical (Process 11 & 13)", true, false, false, true, lossy: true, retired: true),
        new("1.2.840.10008.1.2.4.58", "JPEG Lossless, Non-Hierarchical (Process 15)", true, false, false, true, retired: true),
        new("1.2.840.10008.1.2.4.59", "JPEG Extended, Hierarchical (Process 16 & 18)", true, false, false, true, lossy: true, retired: true),
        new("1.2.840.10008.1.2.4.60", "JPEG Extended, Hierarchical (Process 17 & 19)", true, false, false, true, lossy: true, retired: true),
        new("1.2.840.10008.1.2.4.61", "JPEG Spectral Selection, Hierarchical (Process 20 & 22)", true, false, false, true, lossy: true, retired: true),
        new("1.2.840.10008.1.2.4.62", "JPEG Spectral Selection, Hierarchical (Process 21 & 23)", true, false, false, true, lossy: true, retired: true),
        new("1.2.840.10008.1.2.4.63", "JPEG Full Progression, Hierarchical (Process 24 & 26)", true, false, false, true, lossy: true, retired: true),
        new("1.2.840.10008.1.2.4.64", "JPEG Full Progression, Hierarchical (Process 25 & 27)", true, false, false, true, lossy: true, retired: true),
        new("1.2.840.10008.1.2.4.65", "JPEG Lossless, Hierarchical (Process 28)", true, false, false, true, retired: true),
        new("1.2.840.10008.1.2.4.66", "JPEG Lossless, Hierarchical (Process 29)", true, false, false, true, retired: true),
        new("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.100.1", "Fragmentable MPEG2 Main Profile / Main Level", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.101.1", "Fragmentable MPEG2 Main Profile / High Level", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.102.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.103.1", "Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.104.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.105.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.106.1", "Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.110", "JPEG XL Lossless", true, false, false, true),
        new("1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.112", "JPEG XL", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.4.204", "JPEG 2000 Part 15 Lossless", true, false, false, true),
        new("1.2.840.10008.1.2.4.205", "JPEG 2000 Part 15", true, false, false, true, lossy: true),
        new("1.2.840.10008.1.2.6.1", "RFC 2557 MIME encapsulation", true, false, false, false, retired: true),
        new("1.2.840.10008.1.2.6.2", "XML Encoding", true, false, false, false, retired: true),
        new("1.2.840.10008.1.2.7.1", "SMPTE ST 2110-20 Uncompressed Progressive Active Video", true, false, false, false),
        new("1.2.840.10008.1.2.7.2", "SMPTE ST 2110-20 Uncompressed Interlaced Active Video", true, false, false, false),
        new("1.2.840.10008.1.2.7.3", "SMPTE ST 2110-30 PCM Digital Audio", true, false, false, false),
    ];

    private static readonly FrozenDictionary<string, DicomTransferSyntax> Known = new[]
    {
        ImplicitVRLittleEndian, ExplicitVRLittleEndian, EncapsulatedUncompressedExplicitVRLittleEndian,
        DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, JpegBaseline8Bit, JpegExtended12Bit, JpegLossless,
        JpegLosslessSV1, JpegLSLossless, JpegLSNearLossless, Jpeg2000Lossless, Jpeg2000,
        Jpeg2000Part2MulticomponentLossless, Jpeg2000Part2Multicomponent, JpipReferenced, JpipReferencedDeflate,
        HtJpeg2000Lossless, HtJpeg2000RpclLossless, HtJpeg2000, RleLossless, DeflatedImageFrameCompression,
    }.Concat(Others).ToFrozenDictionary(ts => ts.Uid, StringComparer.Ordinal);

    /// <summary>Every transfer syntax this library knows.</summary>
    public static IEnumerable<DicomTransferSyntax> All => Known.Values;

    /// <summary>The known transfer syntax, or an unknown one read as explicit VR little endian, encapsulated.</summary>
    public static DicomTransferSyntax Lookup(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        uid = uid.TrimEnd('\0', ' ');
        return Known.TryGetValue(uid, out var ts)
            ? ts
            : new DicomTransferSyntax(uid, "Unknown transfer syntax " + uid, true, false, false, true) { IsKnown = false };
    }

    public static bool TryLookup(string uid, out DicomTransferSyntax transferSyntax)
    {
        transferSyntax = Lookup(uid);
        return transferSyntax.IsKnown;
    }

    public override string ToString() => $"{Name} ({Uid})";
}
