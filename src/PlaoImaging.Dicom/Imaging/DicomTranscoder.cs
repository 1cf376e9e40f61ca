using System.Buffers.Binary;
using System.Globalization;

namespace PlaoImaging.Dicom.Imaging;

/// <summary>
/// Changes the transfer syntax of a whole dataset: encapsulated pixel data is decoded frame by frame (through a
/// <see cref="DicomCodecRegistry"/>) into native pixel data, and native pixel data is encoded into an encapsulated syntax
/// whose codec can encode (RLE Lossless: one fragment per frame, Basic Offset Table filled). Everything that does not
/// describe the pixel encoding is kept; the source is not modified.
/// </summary>
public static class DicomTranscoder
{
    private static readonly DicomTag PhotometricInterpretation = new(0x0028, 0x0004);
    private static readonly DicomTag PlanarConfiguration = new(0x0028, 0x0006);
    private static readonly DicomTag LossyImageCompression = new(0x0028, 0x2110);
    private static readonly DicomTag LossyImageCompressionRatio = new(0x0028, 0x2112);
    private static readonly DicomTag LossyImageCompressionMethod = new(0x0028, 0x2114);
    private static readonly DicomTag ExtendedOffsetTable = new(0x7FE0, 0x0001);
    private static readonly DicomTag ExtendedOffsetTableLengths = new(0x7FE0, 0x0002);
    private static readonly DicomTag EncapsulatedPixelDataValueTotalLength = new(0x7FE0, 0x0003);
    private static readonly DicomTag IconImageSequence = new(0x0088, 0x0200);

    /// <summary>
    /// The file in <paramref name="target"/>: decoded first when its pixel data is encapsulated, then encoded when the
    /// target is encapsulated. A file already in the target syntax is returned as a copy, not re-encoded. Native targets
    /// (Explicit/Implicit VR Little Endian, Big Endian, Deflated) only need native pixel data: the writer does the rest.
    /// </summary>
    public static DicomFile Transcode(DicomFile file, DicomTransferSyntax target, DicomCodecRegistry codecs)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(codecs);
        if (file.TransferSyntax.Uid == target.Uid)
        {
            return new DicomFile(file.FileMetaInformation, Clone(file.Dataset), target, file.Warnings);
        }

        var native = HasFragments(file.Dataset) ? ToNative(file.Dataset, file.TransferSyntax, codecs) : Clone(file.Dataset);
        var result = target.IsEncapsulated ? ToEncapsulated(native, target, codecs) : native;
        return new DicomFile(file.FileMetaInformation, result, target, file.Warnings);
    }

    /// <summary>
    /// A copy of <paramref name="dataset"/> (read in the encapsulated <paramref name="source"/> syntax) with native pixel
    /// data: every frame decoded and concatenated, Photometric Interpretation and Planar Configuration as the decoder
    /// reports them, the Extended Offset Table (7FE0,0001/0002) and Encapsulated Pixel Data Value Total Length removed,
    /// and, when the source was lossy, Lossy Image Compression "01" with the ratio and method appended
    /// (PS3.3 C.7.6.1.1.5) unless the dataset already records this compression. An Icon Image Sequence whose icon cannot
    /// be decoded is dropped (it is optional, Type 3). When a frame cannot be decoded nothing is returned: every frame is
    /// tried, and the <see cref="DicomPixelDataException"/> names the first that failed, its cause, and the others.
    /// </summary>
    public static DicomDataset ToNative(DicomDataset dataset, DicomTransferSyntax source, DicomCodecRegistry codecs)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(codecs);
        var copy = Clone(dataset);
        DecodeInPlace(copy, source, codecs, nested: false);
        return copy;
    }

    /// <summary>
    /// A copy of a dataset with native pixel data, encoded in <paramref name="target"/> by its registered codec: one
    /// fragment per frame, each padded to even length, and a Basic Offset Table giving each frame's item offset.
    /// </summary>
    public static DicomDataset ToEncapsulated(DicomDataset dataset, DicomTransferSyntax target, DicomCodecRegistry codecs)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(codecs);
        if (!target.IsEncapsulated)
        {
            throw new ArgumentException($"{target.Name} is not an encapsulated syntax.", nameof(target));
        }

        if (HasFragments(dataset))
        {
            throw new DicomPixelDataException(null, "the pixel data is already encapsulated: decode it first");
        }

        if (dataset.Contains(DicomTag.FloatPixelData) || dataset.Contains(DicomTag.DoubleFloatPixelData))
        {
            throw new DicomPixelDataException(null, $"Float and Double Float Pixel Data are native only: they cannot be written in {target.Name}");
        }

        var copy = Clone(dataset);
        if (!copy.Contains(DicomTag.PixelData))
        {
            return copy;
        }

        var codec = codecs.Get(target);
        if (!codec.CanEncode)
        {
            throw new DicomPixelDataException(null, $"the {target.Name} codec cannot encode");
        }

        var pixels = DicomPixelData.Create(copy, DicomTransferSyntax.ExplicitVRLittleEndian);
        var info = pixels.Info;
        if (info.IsNativeSubsampled)
        {
            throw new DicomPixelDataException(null, $"{info.PhotometricInterpretation} native frames cannot be encoded in {target.Name}");
        }

        var fragments = new List<DicomBuffer>(info.NumberOfFrames);
        var offsets = new byte[4 * info.NumberOfFrames];
        long position = 0;
        for (int f = 0; f < info.NumberOfFrames; f++)
        {
            var encoded = codec.Encode(pixels.GetNativeFrame(f), info, f);
            if ((encoded.Length & 1) != 0)
            {
                Array.Resize(ref encoded, encoded.Length + 1);
            }

            if (position > uint.MaxValue)
            {
                throw new DicomPixelDataException(f, "the encoded frames pass 4 GiB: the Basic Offset Table cannot address them");
            }

            BinaryPrimitives.WriteUInt32LittleEndian(offsets.AsSpan(4 * f), (uint)position);
            position += 8 + encoded.Length;
            fragments.Add(DicomBuffer.FromMemory(encoded));
        }

        copy.AddOrUpdate(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.FromMemory(offsets), fragments));
        copy.Remove(ExtendedOffsetTable);
        copy.Remove(ExtendedOffsetTableLengths);
        copy.Remove(EncapsulatedPixelDataValueTotalLength);
        return copy;
    }

    /// <summary>
    /// The Lossy Image Compression Method (0028,2114) defined term of a syntax whose data this compression made lossy,
    /// or null when it is lossless: JPEG 2000 and HTJ2K codestreams with the reversible 5-3 wavelet and JPEG-LS with
    /// NEAR = 0 are lossless even under their "lossy allowed" syntaxes.
    /// </summary>
    public static string? LossyMethod(DicomTransferSyntax syntax, ReadOnlySpan<byte> firstFrame)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        if (!syntax.IsLossy)
        {
            return null;
        }

        string uid = syntax.Uid;
        return uid switch
        {
            "1.2.840.10008.1.2.4.81" => JpegLsNear(firstFrame) == 0 ? null : "ISO_14495_1",
            "1.2.840.10008.1.2.4.91" or "1.2.840.10008.1.2.4.93" => Jpeg2000Reversible(firstFrame) ? null : "ISO_15444_1",
            "1.2.840.10008.1.2.4.203" or "1.2.840.10008.1.2.4.205" => Jpeg2000Reversible(firstFrame) ? null : "ISO_15444_15",
            _ when VideoMethod(uid) is { } video => video,
            "1.2.840.10008.1.2.4.111" or "1.2.840.10008.1.2.4.112" => "ISO_18181_1",
            _ => "ISO_10918_1",
        };
    }

    private static string? VideoMethod(string uid)
    {
        const string Prefix = "1.2.840.10008.1.2.4.";
        if (!uid.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string rest = uid[Prefix.Length..];
        int dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (!int.TryParse(dot < 0 ? rest : rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out int process))
        {
            return null;
        }

        return process switch
        {
            100 or 101 => "ISO_13818_2",
            >= 102 and <= 106 => "ISO_14496_10",
            107 or 108 => "ISO_23008_2",
            _ => null,
        };
    }

    private static void DecodeInPlace(DicomDataset dataset, DicomTransferSyntax source, DicomCodecRegistry codecs, bool nested)
    {
        // Icons and other nested images first (their own Image Pixel attributes), then this level.
        foreach (var sequence in dataset.OfType<DicomSequence>().ToList())
        {
            foreach (var item in sequence.Items)
            {
                try
                {
                    DecodeInPlace(item, source, codecs, nested: true);
                }
                catch (DicomException) when (sequence.Tag == IconImageSequence)
                {
                    dataset.Remove(IconImageSequence);
                    break;
                }
            }
        }

        if (!dataset.TryGetElement(DicomTag.PixelData, out var element) || element is not DicomFragmentSequence fragments)
        {
            return;
        }

        var pixels = DicomPixelData.Create(dataset, source);
        var info = pixels.Info;
        using var output = new MemoryStream();
        string? photometric = null;
        int planar = info.PlanarConfiguration;
        long nativeBytes = 0;
        var bits = info.BitsAllocated == 1 ? new BitPacker(output) : null;
        var failures = new List<DicomPixelDataException>();
        for (int f = 0; f < info.NumberOfFrames; f++)
        {
            DicomDecodedFrame decoded;
            try
            {
                decoded = pixels.DecodeFrame(f, codecs);
            }
            catch (DicomPixelDataException e) when (e.Frame == f)
            {
                // Go on: the exception names every frame that cannot be decoded, not only the first.
                failures.Add(e);
                continue;
            }

            if (failures.Count > 0)
            {
                continue;
            }

            string pi = decoded.PhotometricInterpretation.Trim().ToUpperInvariant();
            var layout = info with { PhotometricInterpretation = pi, PlanarConfiguration = decoded.PlanarConfiguration };

            // A 4:2:2 name on whole (upsampled) samples would describe native data wrongly: they are YBR_FULL.
            if (layout.IsNativeSubsampled && decoded.Bytes.Length >= layout.FrameBytes)
            {
                pi = pi == "YBR_FULL_422" ? "YBR_FULL" : pi;
                layout = layout with { PhotometricInterpretation = pi };
            }

            if (photometric is not null && (pi != photometric || decoded.PlanarConfiguration != planar))
            {
                throw new DicomPixelDataException(f, $"the decoder returned {pi} / planar {decoded.PlanarConfiguration} after {photometric} / planar {planar} for earlier frames");
            }

            photometric = pi;
            planar = decoded.PlanarConfiguration;
            long frameBytes = layout.IsNativeSubsampled ? layout.NativeFrameBytes : layout.FrameBytes;
            if (bits is not null)
            {
                bits.Append(decoded.Bytes, (long)info.PixelCount * info.SamplesPerPixel);
            }
            else
            {
                output.Write(decoded.Bytes, 0, (int)frameBytes);
            }

            nativeBytes += frameBytes;
        }

        if (failures.Count > 0)
        {
            throw FramesFailed(failures);
        }

        bits?.Flush();
        long encodedBytes = fragments.Fragments.Sum(b => b.Length);
        string? method = nested ? null : LossyMethod(source, pixels.GetEncodedFrame(0));
        dataset.AddOrUpdate(new DicomValueElement(DicomTag.PixelData, info.BitsAllocated <= 8 ? DicomVR.OB : DicomVR.OW, DicomBuffer.FromMemory(output.ToArray())));
        dataset.Remove(ExtendedOffsetTable);
        dataset.Remove(ExtendedOffsetTableLengths);
        dataset.Remove(EncapsulatedPixelDataValueTotalLength);
        if (photometric is not null && photometric != info.PhotometricInterpretation)
        {
            dataset.AddString(PhotometricInterpretation, DicomVR.CS, photometric);
        }

        if (info.SamplesPerPixel > 1)
        {
            dataset.AddValues(PlanarConfiguration, DicomVR.US, (ushort)planar);
        }

        if (method is not null)
        {
            RecordLossy(dataset, method, encodedBytes > 0 ? (double)nativeBytes / encodedBytes : 0);
        }
    }

    /// <summary>The first failure, its message saying which other frames (numbered from 1) failed too.</summary>
    private static DicomPixelDataException FramesFailed(List<DicomPixelDataException> failures)
    {
        var first = failures[0];
        if (failures.Count == 1)
        {
            return first;
        }

        string prefix = $"Frame {first.FrameNumber}: ";
        string problem = first.Message.StartsWith(prefix, StringComparison.Ordinal) ? first.Message[prefix.Length..] : first.Message;
        var others = failures.Skip(1).Select(e => e.FrameNumber!.Value).ToList();
        var ranges = new List<string>();
        for (int i = 0; i < others.Count;)
        {
            int j = i;
            while (j + 1 < others.Count && others[j + 1] == others[j] + 1)
            {
                j++;
            }

            ranges.Add(j == i ? others[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{others[i]}-{others[j]}"));
            i = j + 1;
        }

        string also = others.Count == 1 ? $"frame {ranges[0]} cannot be decoded either" : $"frames {string.Join(", ", ranges)} cannot be decoded either";
        return new DicomPixelDataException(first.Frame, $"{problem}; {also}", first);
    }

    private static void RecordLossy(DicomDataset dataset, string method, double ratio)
    {
        string[] methods = dataset.GetValues<string>(LossyImageCompressionMethod);
        string[] ratios = dataset.GetValues<string>(LossyImageCompressionRatio);
        bool recorded = dataset.GetStringOrDefault(LossyImageCompression)?.Trim() == "01" &&
            methods.Length > 0 && methods[^1] == method;
        dataset.AddString(LossyImageCompression, DicomVR.CS, "01");
        if (recorded)
        {
            return;
        }

        // Successive lossy compressions are listed in order (PS3.3 C.7.6.1.1.5): this one goes last.
        string ratioText = ratio > 0 ? Math.Round(ratio, 2).ToString("0.##", CultureInfo.InvariantCulture) : "1";
        dataset.AddString(LossyImageCompressionRatio, DicomVR.DS, [.. ratios, ratioText]);
        dataset.AddString(LossyImageCompressionMethod, DicomVR.CS, [.. methods, method]);
    }

    private static int JpegLsNear(ReadOnlySpan<byte> stream)
    {
        // Walk the markers to the first SOS (FFDA): Ls, Ns, Ns × (Ci, Tmi), NEAR, ILV, Al/Ah.
        int i = 2;
        while (i + 4 <= stream.Length)
        {
            if (stream[i] != 0xFF)
            {
                return -1;
            }

            byte marker = stream[i + 1];
            if (marker == 0xFF)
            {
                i++;
                continue;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(stream[(i + 2)..]);
            if (marker == 0xDA)
            {
                int ns = i + 4 < stream.Length ? stream[i + 4] : 0;
                int near = i + 5 + (2 * ns);
                return near < stream.Length ? stream[near] : -1;
            }

            i += 2 + length;
        }

        return -1;
    }

    private static bool Jpeg2000Reversible(ReadOnlySpan<byte> stream)
    {
        // Find the codestream (possibly inside a JP2 file) and its COD marker segment: the wavelet transform is the
        // last SPcod byte (0 = 9-7 irreversible, 1 = 5-3 reversible).
        int start = stream.IndexOf([(byte)0xFF, (byte)0x4F, (byte)0xFF, (byte)0x51]);
        if (start < 0)
        {
            return false;
        }

        int i = start + 2;
        while (i + 4 <= stream.Length && stream[i] == 0xFF)
        {
            byte marker = stream[i + 1];
            int length = BinaryPrimitives.ReadUInt16BigEndian(stream[(i + 2)..]);
            if (marker == 0x52)
            {
                return i + 13 < stream.Length && stream[i + 13] == 1;
            }

            if (marker is 0x90 or 0x93)
            {
                break;
            }

            i += 2 + length;
        }

        return false;
    }

    private static bool HasFragments(DicomDataset dataset) =>
        dataset.Any(e => e is DicomFragmentSequence || (e is DicomSequence s && s.Items.Any(HasFragments)));

    /// <summary>A copy whose sequences and items are new (values are shared: buffers are never modified).</summary>
    internal static DicomDataset Clone(DicomDataset dataset)
    {
        var copy = new DicomDataset();
        foreach (var element in dataset)
        {
            copy.Add(element switch
            {
                DicomSequence sequence => new DicomSequence(sequence.Tag, sequence.Items.Select(Clone)),
                DicomFragmentSequence fragments => new DicomFragmentSequence(fragments.Tag, fragments.VR, fragments.OffsetTable, fragments.Fragments),
                _ => element,
            });
        }

        return copy;
    }

    /// <summary>Concatenates 1-bit frames without padding between them (PS3.5 8.1.1).</summary>
    private sealed class BitPacker(Stream output)
    {
        private int pending;
        private int pendingBits;

        public void Append(byte[] frame, long bitCount)
        {
            for (long b = 0; b < bitCount; b++)
            {
                int bit = (frame[b >> 3] >> (int)(b & 7)) & 1;
                pending |= bit << pendingBits;
                if (++pendingBits == 8)
                {
                    output.WriteByte((byte)pending);
                    pending = 0;
                    pendingBits = 0;
                }
            }
        }

        public void Flush()
        {
            if (pendingBits > 0)
            {
                output.WriteByte((byte)pending);
                pending = 0;
                pendingBits = 0;
            }
        }
    }
}
