using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PlaoImaging.Dicom;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Part10;

/// <summary>
/// Explicit VR elements whose two VR bytes are no VR ("  ", "\0\0", "xx", "??", bytes above 127), as some PACS write
/// them, read by DCMTK and by us: files made here byte by byte (explicit VR little and big endian; a short string and a
/// US element in the data set and in a sequence item, then normal elements after them) go through <c>dcmdump</c> and
/// <c>dcm2json</c>, and we must read the same elements with the same VR and the same bytes.
/// <para>
/// What DCMTK does (dcmdata, DcmItem::readTagAndLength, with DcmVR::setVR choosing the length field; default options,
/// "+vr --treat-as-unknown"): it warns "Non-standard VR ... assuming 2 byte length field", reads a 2-byte length, and
/// keeps the element with its VR unknown, the value as bytes: dcmdump shows "??" and the bytes, dcm2json and its
/// writers say UN. Only two upper-case letters get a 4-byte length (taken for a VR of a later edition). We read UN.
/// DCMTK 3.6.9 and later call bytes outside 32..127 an invalid VR and then fail to make the element; where the peer is
/// such a version and rejects those files, the case records the difference and checks only that we read the file.
/// </para>
/// </summary>
public partial class UnknownVRPeerTests
{
    private static readonly Lazy<string> Scratch = new(() => Peers.ScratchDirectory("interop-unknown-vr"));

    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (string vr in new[] { "20 20", "00 00", "78 78", "3F 3F", "FF FE" })
        {
            data.Add(vr, false);
            data.Add(vr, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Read_NoVRElements_SameElementsVRsAndBytesAsDcmtk(string vrHex, bool bigEndian)
    {
        Peers.Require("dcmdump");
        Peers.Require("dcm2json");
        byte[] vr = Convert.FromHexString(vrHex.Replace(" ", string.Empty, StringComparison.Ordinal));
        string file = Path.Combine(Scratch.Value, $"novr-{vrHex.Replace(' ', '-')}-{(bigEndian ? "be" : "le")}.dcm");
        File.WriteAllBytes(file, MakeFile(vr[0], vr[1], bigEndian));

        var ours = DicomFile.Open(file);
        var (code, stdout, stderr) = Peers.Run("dcmdump", ["+L", file]);
        var log = TestContext.Current.TestOutputHelper;
        log?.WriteLine($"dcmdump exit {code}\n{stdout}\n{stderr}");
        bool printable = vr.All(b => b is >= 0x20 and <= 0x7F);
        if (code != 0 && !printable && DcmtkVersion() >= new Version(3, 6, 9))
        {
            // Not verifiable on the 3.6.7 peer of this checkout; recorded rather than asserted.
            log?.WriteLine($"DCMTK {DcmtkVersion()} rejects VR bytes {vrHex} (an invalid VR since 3.6.9); we read the file as 3.6.7 and 3.6.8 do");
            Assert.Equal(8, Flatten(ours.Dataset).Count);
            return;
        }

        Assert.True(code == 0, $"dcmdump failed on {Path.GetFileName(file)}: {stderr}");
        var theirs = ParseDump(stdout);
        var mine = Flatten(ours.Dataset);
        Assert.Equal(theirs.Select(e => e.ToString()), mine.Select(e => e.ToString()));

        // Each such element is named in a warning by both.
        var unknown = mine.Where(e => e.VR == "UN").Select(e => e.Tag).ToList();
        Assert.Equal(4, unknown.Count);
        foreach (var tag in unknown)
        {
            Assert.Contains(ours.Warnings, w => w.Tag == tag && w.Message.Contains("2-byte length", StringComparison.Ordinal));
            Assert.Contains($"element ({tag.Group:x4},{tag.Element:x4}), assuming 2 byte length field", stderr, StringComparison.Ordinal);
        }

        // And the whole document as dcm2json writes it (UN as InlineBinary) equals ours.
        var comparison = Dcm2JsonComparison.Compare(file, Scratch.Value);
        Assert.True(comparison.Compared, $"dcm2json rejected {Path.GetFileName(file)}: {comparison.DcmtkError}");
        Assert.True(comparison.Failures.Count == 0, string.Join('\n', comparison.Failures));
    }

    /// <summary>One element as both sides are compared: nesting depth, tag, VR (DCMTK's "??" is UN), and value.</summary>
    private readonly record struct Flat(DicomTag Tag, int Depth, string VR, string Value)
    {
        public override string ToString() => $"{new string(' ', Depth * 2)}{Tag} {VR} {Value}";
    }

    private static List<Flat> Flatten(DicomDataset dataset, int depth = 0)
    {
        var result = new List<Flat>();
        foreach (var element in dataset)
        {
            switch (element)
            {
                case DicomSequence sequence:
                    result.Add(new Flat(element.Tag, depth, "SQ", string.Empty));
                    foreach (var item in sequence.Items)
                    {
                        result.AddRange(Flatten(item, depth + 1));
                    }

                    break;
                case DicomValueElement value when element.VR is DicomVR.UN or DicomVR.OB:
                    result.Add(new Flat(element.Tag, depth, element.VR.Code(), string.Join('\\', value.Buffer.GetMemory().ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)))));
                    break;
                case DicomValueElement when element.VR == DicomVR.US:
                    result.Add(new Flat(element.Tag, depth, "US", dataset.GetSingleValue<ushort>(element.Tag).ToString(CultureInfo.InvariantCulture)));
                    break;
                default:
                    result.Add(new Flat(element.Tag, depth, element.VR.Code(), dataset.GetString(element.Tag)));
                    break;
            }
        }

        return result;
    }

    /// <summary>dcmdump's data set lines ("(0010,0020) ?? 49\44\31\32  # 4, 1 PatientID"), items and delimiters left out.</summary>
    private static List<Flat> ParseDump(string dump)
    {
        var result = new List<Flat>();
        bool inDataset = false;
        foreach (string line in dump.Split('\n'))
        {
            if (line.StartsWith("# Dicom-Data-Set", StringComparison.Ordinal))
            {
                inDataset = true;
                continue;
            }

            var m = DumpLine().Match(line);
            if (!inDataset || !m.Success || m.Groups["group"].Value.Equals("fffe", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var tag = new DicomTag(ushort.Parse(m.Groups["group"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture), ushort.Parse(m.Groups["element"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            int depth = m.Groups["indent"].Value.Length / 2 / 2;
            string vr = m.Groups["vr"].Value == "??" ? "UN" : m.Groups["vr"].Value;
            string value = m.Groups["value"].Value.Trim();
            value = vr == "SQ" ? string.Empty : value.StartsWith('[') ? value[1..value.LastIndexOf(']')] : value;
            result.Add(new Flat(tag, depth, vr, value));
        }

        return result;
    }

    private static Version DcmtkVersion()
    {
        var (_, stdout, _) = Peers.Run("dcmdump", ["--version"]);
        var m = Regex.Match(stdout, @"v(\d+)\.(\d+)\.(\d+)");
        return m.Success ? new Version(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)) : new Version(0, 0);
    }

    [GeneratedRegex(@"^(?<indent>\s*)\((?<group>[0-9a-fA-F]{4}),(?<element>[0-9a-fA-F]{4})\) (?<vr>\S\S) (?<value>.*?)\s+#\s*\d+,")]
    private static partial Regex DumpLine();

    /// <summary>
    /// Preamble, File Meta Information, then: Modality (CS), Patient ID and Rows with the given VR bytes and a 2-byte
    /// length, a sequence whose item holds Patient ID and Columns the same way and a normal LO, and a normal LO after.
    /// </summary>
    private static byte[] MakeFile(byte vr0, byte vr1, bool bigEndian)
    {
        var meta = new MemoryStream();
        Element(meta, 0x0002, 0x0001, "OB", [0, 1], false);
        Element(meta, 0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.7\0"u8, false);
        Element(meta, 0x0002, 0x0003, "UI", "1.2.826.0.1.3680043.10.1.77\0"u8, false);
        Element(meta, 0x0002, 0x0010, "UI", Encoding.ASCII.GetBytes(bigEndian ? "1.2.840.10008.1.2.2\0" : "1.2.840.10008.1.2.1\0"), false);
        var output = new MemoryStream();
        output.Write(new byte[128]);
        output.Write("DICM"u8);
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)meta.Length);
        Element(output, 0x0002, 0x0000, "UL", length, false);
        meta.WriteTo(output);

        var item = new MemoryStream();
        Junk(item, 0x0010, 0x0020, vr0, vr1, "ABCD"u8, bigEndian);
        Junk(item, 0x0028, 0x0011, vr0, vr1, Word(256, bigEndian), bigEndian);
        Element(item, 0x0032, 0x1060, "LO", "in item1"u8, bigEndian);

        Element(output, 0x0008, 0x0060, "CS", "OT"u8, bigEndian);
        Junk(output, 0x0010, 0x0020, vr0, vr1, "ID12"u8, bigEndian);
        Junk(output, 0x0028, 0x0010, vr0, vr1, Word(512, bigEndian), bigEndian);
        var itemHeader = new byte[8];
        U16(itemHeader, 0, 0xFFFE, bigEndian);
        U16(itemHeader, 2, 0xE000, bigEndian);
        U32(itemHeader, 4, (uint)item.Length, bigEndian);
        Element(output, 0x0040, 0x0275, "SQ", [.. itemHeader, .. item.ToArray()], bigEndian);
        Element(output, 0x0040, 0x0280, "ST", "after the sequence"u8, bigEndian);
        return output.ToArray();
    }

    private static byte[] Word(ushort value, bool bigEndian)
    {
        var bytes = new byte[2];
        U16(bytes, 0, value, bigEndian);
        return bytes;
    }

    private static void Junk(Stream output, ushort group, ushort element, byte vr0, byte vr1, ReadOnlySpan<byte> value, bool bigEndian)
    {
        var head = new byte[8];
        U16(head, 0, group, bigEndian);
        U16(head, 2, element, bigEndian);
        head[4] = vr0;
        head[5] = vr1;
        U16(head, 6, (ushort)value.Length, bigEndian);
        output.Write(head);
        output.Write(value);
    }

    private static void Element(Stream output, ushort group, ushort element, string vr, ReadOnlySpan<byte> value, bool bigEndian)
    {
        bool longForm = vr is "OB" or "SQ";
        var head = new byte[longForm ? 12 : 8];
        U16(head, 0, group, bigEndian);
        U16(head, 2, element, bigEndian);
        head[4] = (byte)vr[0];
        head[5] = (byte)vr[1];
        if (longForm)
        {
            U32(head, 8, (uint)value.Length, bigEndian);
        }
        else
        {
            U16(head, 6, (ushort)value.Length, bigEndian);
        }

        output.Write(head);
        output.Write(value);
    }

    private static void U16(byte[] bytes, int at, ushort value, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), value);
        }
    }

    private static void U32(byte[] bytes, int at, uint value, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value);
        }
    }
}
