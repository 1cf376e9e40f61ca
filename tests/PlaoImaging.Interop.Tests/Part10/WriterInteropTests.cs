using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using PlaoImaging.Dicom;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Part10;

/// <summary>
/// Our Part 10 writer judged by DCMTK and dicom3tools. Each input is read with our reader and written with our writer
/// in Explicit VR Little Endian (the default), Implicit VR Little Endian, Deflated and Big Endian (each with defined
/// and with undefined sequence lengths where it matters), or, for encapsulated pixel data, in the input's own syntax.
/// For every output:
/// <list type="bullet">
/// <item>DCMTK <c>dcmftest</c> accepts it as Part 10 and <c>dcmdump</c> reads it without a warning (DCMTK warns when
/// the meta group length is wrong);</item>
/// <item><c>dcmdump</c> lists the same elements (nesting, tag, VR, value, VM) as for the input; meta group, group
/// lengths, delimiters and length notation are left out. Implicit VR output is compared with DCMTK's own implicit VR
/// encoding of the input (<c>dcmconv +ti</c>), since the VRs DCMTK then shows come from its dictionary;</item>
/// <item>every "Error" line <c>dciodvfy</c> prints for it is also printed for the input;</item>
/// <item>the meta group, parsed from the bytes, is the one PS3.10 7.1 asks for.</item>
/// </list>
/// </summary>
public partial class WriterInteropTests
{
    /// <summary>
    /// Chosen for coverage at a small size (under 400 KiB each): every native syntax as a source (explicit and implicit
    /// little endian, big endian, deflated), sequences nested several deep, private blocks with explicit VRs, explicit
    /// UN and undefined-length UN sequences, a waveform, ISO 2022 text, values large enough to stay in the source file,
    /// dataset trailing padding, and RLE, JPEG, JPEG-LS and JPEG 2000 pixel data with and without offset tables.
    /// </summary>
    public static TheoryData<string> CorpusInputs() => new()
    {
        "pydicom/src/pydicom/data/test_files/CT_small.dcm",
        "pydicom/src/pydicom/data/test_files/MR_small_expb.dcm",
        "pydicom-data/data_store/data/emri_small_big_endian.dcm",
        "dcm_qa_ts/In/3.dcm",
        "pydicom/src/pydicom/data/test_files/image_dfl.dcm",
        "pydicom/src/pydicom/data/test_files/test-SR.dcm",
        "pydicom/src/pydicom/data/test_files/waveform_ecg.dcm",
        "pydicom/src/pydicom/data/test_files/rtplan.dcm",
        "highdicom/data/test_files/seg_image_ct_binary.dcm",
        "pydicom/src/pydicom/data/charset_files/chrH31.dcm",
        "pydicom/src/pydicom/data/test_files/UN_sequence.dcm",
        "pydicom/src/pydicom/data/test_files/MR_small_RLE.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_jpeg_dcmtk.dcm",
        "highdicom/data/test_files/sm_image_jpegls.dcm",
        "pydicom-data/data_store/data/explicit_VR-UN.dcm",
    };

    /// <summary>Files made at test time by dump2dcm from <see cref="MadeDump"/>, one per source encoding.</summary>
    public static TheoryData<string> MadeInputs() => new()
    {
        "explicit-le",
        "explicit-le-undefined-lengths-group-lengths",
        "implicit-le",
        "explicit-be",
        "deflated",
    };

    [Theory]
    [MemberData(nameof(CorpusInputs))]
    public void WriteFile_CorpusInput_DcmtkSeesTheSameElementsAndDciodvfyNothingNew(string relativePath)
    {
        RequireTools();
        var input = Path.Combine(Peers.RequireCorpus(), relativePath);
        var scratch = Peers.ScratchDirectory("writer-" + Path.GetFileNameWithoutExtension(relativePath));
        Verify(input, scratch);
        Directory.Delete(scratch, recursive: true);
    }

    [Theory]
    [MemberData(nameof(MadeInputs))]
    public void WriteFile_Dump2dcmInput_DcmtkSeesTheSameElementsAndDciodvfyNothingNew(string variant)
    {
        RequireTools();
        Peers.Require("dump2dcm");
        var scratch = Peers.ScratchDirectory("writer-made-" + variant);
        var dump = Path.Combine(scratch, "made.dump");
        File.WriteAllText(dump, MadeDump, new UTF8Encoding(false));
        var input = Path.Combine(scratch, variant + ".dcm");
        string[] flags = variant switch
        {
            "explicit-le" => ["+te"],
            "explicit-le-undefined-lengths-group-lengths" => ["+te", "-e", "+g"],
            "implicit-le" => ["+ti"],
            "explicit-be" => ["+tb"],
            "deflated" => ["+td"],
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var (code, _, stderr) = Peers.Run("dump2dcm", [.. flags, dump, input]);
        Assert.True(code == 0 && File.Exists(input) && stderr.Length == 0, $"dump2dcm failed ({code}): {stderr}");
        Verify(input, scratch);
        Directory.Delete(scratch, recursive: true);
    }

    [Fact]
    public void WriteFile_NewDatasetWithGeneratedUids_DcmtkAndDciodvfyAccept()
    {
        RequireTools();
        var scratch = Peers.ScratchDirectory("writer-uids");
        var dataset = SecondaryCaptureWithGeneratedUids();
        var path = Path.Combine(scratch, "generated.dcm");
        new DicomFile(dataset).Save(path);

        var problems = new List<string>();
        CheckPart10(path, problems);
        var (code, _, warnings) = Peers.Run("dcmdump", ["-M", path]);
        Assert.True(code == 0 && warnings.Trim().Length == 0, $"dcmdump exit {code}, warnings: {warnings}");
        var dump = Peers.RunOk("dcmdump", "-q", "-Un", "+P", "0008,0018", "+P", "0020,000d", "+P", "0020,000e", "+P", "0002,0003", path);
        foreach (var tag in new[] { new DicomTag(0x0008, 0x0018), new DicomTag(0x0020, 0x000D), new DicomTag(0x0020, 0x000E) })
        {
            var uid = dataset.GetString(tag);
            Assert.StartsWith("2.25.", uid, StringComparison.Ordinal);
            Assert.Contains($"[{uid}]", dump, StringComparison.Ordinal);
        }

        // dciodvfy checks each UID (length, characters, leading zeros, root); a complete SC image leaves it nothing to say.
        var report = Dciodvfy(path);
        Assert.True(!report.Contains("Error", StringComparison.Ordinal), "dciodvfy reports errors:\n" + report);
        Assert.DoesNotContain("UID", report, StringComparison.Ordinal);
        Assert.Empty(problems);
        Directory.Delete(scratch, recursive: true);
    }

    [Fact]
    public void WriteFile_MetaGroupLength_DcmtkWarnsOnlyWhenItIsWrong()
    {
        // The silence of dcmdump on our outputs means something: the same file with its group length off by two is
        // reported. (0002,0000)'s value sits at offset 140: preamble 128, DICM 4, tag 4, VR 2, length 2.
        RequireTools();
        var scratch = Peers.ScratchDirectory("writer-meta-length");
        var path = Path.Combine(scratch, "ours.dcm");
        new DicomFile(SecondaryCaptureWithGeneratedUids()).Save(path);
        var (_, _, clean) = Peers.Run("dcmdump", ["-M", path]);
        Assert.Equal("", clean.Trim());

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(bytes.Length - 132, 12 + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(140)) + DatasetLength(path));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(140), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(140)) + 2);
        var broken = Path.Combine(scratch, "broken.dcm");
        File.WriteAllBytes(broken, bytes);
        var (_, _, warned) = Peers.Run("dcmdump", ["-M", broken]);
        Assert.Contains("Group Length of Meta Information Header has incorrect value", warned, StringComparison.Ordinal);
        Directory.Delete(scratch, recursive: true);
    }

    /// <summary>Length of the dataset after the meta group, as written by our writer for a bare dataset.</summary>
    private static int DatasetLength(string path)
    {
        var stream = new MemoryStream();
        DicomFile.WriteDataset(stream, DicomFile.Open(path).Dataset, DicomTransferSyntax.ExplicitVRLittleEndian);
        return (int)stream.Length;
    }

    [Fact]
    public void WriteFile_StrictInputsFromTheCorpus_AreRefusedNamingTheTag()
    {
        var corpus = Peers.RequireCorpus();

        // An ACR-NEMA style date (1997.04.24) is read leniently but not written.
        var acrNema = DicomFile.Open(Path.Combine(corpus, "pydicom/src/pydicom/data/test_files/ExplVR_BigEnd.dcm"));
        Assert.Equal(new DicomTag(0x0008, 0x0020), Assert.Throws<DicomWriteException>(() => acrNema.Write(Stream.Null)).Tag);

        // A Media Storage SOP Instance UID that is a hex digest, with no SOP Instance UID in the dataset to replace it.
        var badUid = DicomFile.Open(Path.Combine(corpus, "pydicom-data/data_store/data/bad_sequence.dcm"));
        Assert.Equal(new DicomTag(0x0002, 0x0003), Assert.Throws<DicomWriteException>(() => badUid.Write(Stream.Null)).Tag);

        // No SOP Class UID anywhere.
        var noSopClass = DicomFile.Open(Path.Combine(corpus, "pydicom/src/pydicom/data/test_files/nested_priv_SQ.dcm"));
        Assert.Equal(new DicomTag(0x0008, 0x0016), Assert.Throws<DicomWriteException>(() => noSopClass.Write(Stream.Null)).Tag);
    }

    private static void RequireTools()
    {
        foreach (var tool in new[] { "dcmdump", "dcmftest", "dcmconv", "dciodvfy" })
        {
            Peers.Require(tool);
        }
    }

    private sealed record Output(string Name, DicomTransferSyntax? Syntax, bool ExplicitLengths);

    private static void Verify(string input, string scratch)
    {
        var file = DicomFile.Open(input);
        bool encapsulated = file.Dataset.TryGetElement(DicomTag.PixelData, out var pixel) && pixel is DicomFragmentSequence;
        bool implicitInput = !file.TransferSyntax.IsExplicitVR;
        var problems = new List<string>();

        var outputs = new List<Output>();
        if (encapsulated)
        {
            outputs.Add(new Output("own", null, true));
            outputs.Add(new Output("own-undefined", file.TransferSyntax, false));
            foreach (var native in new[] { DicomTransferSyntax.ExplicitVRLittleEndian, DicomTransferSyntax.ImplicitVRLittleEndian, DicomTransferSyntax.DeflatedExplicitVRLittleEndian })
            {
                var e = Record.Exception(() => file.Write(Stream.Null, new DicomWriteOptions { TransferSyntax = native }));
                if (e is not DicomWriteException { Tag: var tag } || tag != DicomTag.PixelData)
                {
                    problems.Add($"writing encapsulated pixel data as {native.Name} was not refused naming (7FE0,0010): {e?.Message ?? "written"}");
                }
            }
        }
        else
        {
            outputs.Add(new Output("explicit", null, true));
            outputs.Add(new Output("explicit-undefined", DicomTransferSyntax.ExplicitVRLittleEndian, false));
            outputs.Add(new Output("implicit", DicomTransferSyntax.ImplicitVRLittleEndian, true));
            outputs.Add(new Output("implicit-undefined", DicomTransferSyntax.ImplicitVRLittleEndian, false));
            outputs.Add(new Output("deflated", DicomTransferSyntax.DeflatedExplicitVRLittleEndian, true));
        }

        // An implicit VR input names no VRs: our reader takes them from our dictionary, DCMTK from its own (private
        // ones included), and an element neither knows is UN. DCMTK is asked to resolve UN by its dictionary on both
        // sides (+uc), so that the values, not the two dictionaries, are compared.
        // The same holds for an explicit VR input with a UN element of undefined length: its content is implicit VR
        // (CP-246), which DCMTK says while reading.
        var inputDump = Dump(input, convertUn: implicitInput);
        bool implicitContent = implicitInput || inputDump.Stderr.Contains("(CP-246)", StringComparison.Ordinal);
        if (implicitContent && !implicitInput)
        {
            inputDump = Dump(input, convertUn: true);
        }

        // Big endian (retired) is checked for inputs whose VRs are all explicit. An element our dictionary cannot type
        // is written as UN, whose bytes are never swapped; when it holds an implicit VR sequence, a big-endian reader
        // that resolves UN to SQ by its dictionary (dciodvfy does) parses little-endian items as big-endian ones.
        if (!encapsulated && !implicitContent)
        {
            outputs.Add(new Output("big-endian", DicomTransferSyntax.ExplicitVRBigEndian, true));
        }

        var inputErrors = ErrorLines(DciodvfyView(input, file.TransferSyntax.IsDeflated, scratch));
        var implicitReferences = new Dictionary<bool, DumpResult>();

        foreach (var output in outputs)
        {
            var path = Path.Combine(scratch, output.Name + ".dcm");
            string label = $"{Path.GetFileName(input)} -> {output.Name}";
            try
            {
                file.Save(path, new DicomWriteOptions { TransferSyntax = output.Syntax, ExplicitSequenceLengths = output.ExplicitLengths });
            }
            catch (DicomException e)
            {
                problems.Add($"{label}: our writer refused: {e.Message}");
                continue;
            }

            var syntax = output.Syntax ?? (encapsulated ? file.TransferSyntax : DicomTransferSyntax.ExplicitVRLittleEndian);
            CheckMeta(path, syntax, file, label, problems);
            CheckPart10(path, problems);

            // Implicit VR output is compared with DCMTK's implicit VR encoding with the same kind of sequence lengths:
            // an unknown private sequence is only seen as one when its length is undefined (CP-246), which DCMTK
            // notes with a warning for its own file as well.
            DumpResult reference = inputDump;
            if (!syntax.IsExplicitVR)
            {
                if (!implicitReferences.TryGetValue(output.ExplicitLengths, out reference!))
                {
                    reference = DcmtkImplicitReference(input, scratch, output.ExplicitLengths);
                    implicitReferences[output.ExplicitLengths] = reference;
                }
            }

            var ours = Dump(path, convertUn: implicitContent && syntax.IsExplicitVR);
            var allowedWarnings = syntax.IsExplicitVR ? [] : Lines(reference.Stderr);
            var newWarnings = Lines(ours.Stderr).Except(allowedWarnings).ToList();
            if (newWarnings.Count > 0)
            {
                problems.Add($"{label}: dcmdump warns:\n    " + string.Join("\n    ", newWarnings));
            }

            if (CompareEntries(reference.Entries, ours.Entries) is { } difference)
            {
                problems.Add($"{label}: dcmdump differs from the input's: {difference}");
            }

            var newErrors = ErrorLines(DciodvfyView(path, syntax.IsDeflated, scratch)).Except(inputErrors).ToList();
            if (newErrors.Count > 0)
            {
                problems.Add($"{label}: dciodvfy errors not reported for the input:\n    " + string.Join("\n    ", newErrors));
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems) + $"\n(outputs kept in {scratch})");
    }

    /// <summary>DCMTK's dcmftest must take the output as a Part 10 file.</summary>
    private static void CheckPart10(string path, List<string> problems)
    {
        var (code, stdout, _) = Peers.Run("dcmftest", [path]);
        if (code != 0 || !stdout.StartsWith("yes:", StringComparison.Ordinal))
        {
            problems.Add($"{Path.GetFileName(path)}: dcmftest says {stdout.Trim()}");
        }
    }

    private static HashSet<string> Lines(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);

    /// <summary>The meta group parsed from the bytes: PS3.10 7.1 elements, values and group length.</summary>
    private static void CheckMeta(string path, DicomTransferSyntax syntax, DicomFile source, string label, List<string> problems)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 144 || bytes.AsSpan(0, 128).IndexOfAnyExcept((byte)0) >= 0 || !bytes.AsSpan(128, 4).SequenceEqual("DICM"u8))
        {
            problems.Add($"{label}: no 128-byte zero preamble and DICM prefix");
            return;
        }

        var values = new Dictionary<ushort, byte[]>();
        int pos = 132;
        int end = int.MaxValue;
        while (pos < end && pos + 8 <= bytes.Length && BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos)) == 0x0002)
        {
            ushort element = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos + 2));
            string vr = Encoding.ASCII.GetString(bytes, pos + 4, 2);
            bool longForm = vr is "OB" or "OW" or "UN" or "SQ" or "UT" or "UC" or "UR";
            int length = longForm ? (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8)) : BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos + 6));
            int start = pos + (longForm ? 12 : 8);
            values[element] = bytes[start..(start + length)];
            if ((length & 1) != 0)
            {
                problems.Add($"{label}: meta element (0002,{element:X4}) has odd length {length}");
            }

            pos = start + length;
            if (element == 0x0000)
            {
                end = pos + (int)BinaryPrimitives.ReadUInt32LittleEndian(values[0]);
            }
        }

        if (pos != end)
        {
            problems.Add($"{label}: the meta group ends at {pos}, its group length says {end}");
        }

        string Text(ushort element) => values.TryGetValue(element, out var v) ? Encoding.ASCII.GetString(v).TrimEnd('\0', ' ') : "(absent)";

        // Read as bytes: in an implicit VR input (or an explicit UN) the VR of a UID may be UN.
        static string? Raw(DicomDataset dataset, DicomTag tag) =>
            dataset.TryGetElement(tag, out var e) && e is DicomValueElement v && v.Length > 0
                ? Encoding.ASCII.GetString(v.Buffer.GetMemory().Span).Trim('\0', ' ')
                : null;
        string expectedClass = Raw(source.Dataset, new DicomTag(0x0008, 0x0016)) ?? Raw(source.FileMetaInformation, new DicomTag(0x0002, 0x0002)) ?? "(absent)";
        string expectedInstance = Raw(source.Dataset, new DicomTag(0x0008, 0x0018)) ?? Raw(source.FileMetaInformation, new DicomTag(0x0002, 0x0003)) ?? "(absent)";
        var expected = new (ushort Element, string Value)[]
        {
            (0x0002, expectedClass),
            (0x0003, expectedInstance),
            (0x0010, syntax.Uid),
            (0x0012, DicomImplementation.ClassUid),
            (0x0013, DicomImplementation.VersionName),
        };
        foreach (var (element, value) in expected)
        {
            if (Text(element) != value)
            {
                problems.Add($"{label}: meta (0002,{element:X4}) is '{Text(element)}', expected '{value}'");
            }
        }

        if (!values.TryGetValue(0x0001, out var version) || !version.AsSpan().SequenceEqual(new byte[] { 0x00, 0x01 }))
        {
            problems.Add($"{label}: meta (0002,0001) is not 00\\01");
        }
    }

    private sealed record DumpResult(List<string> Entries, string Stderr);

    [GeneratedRegex(@"^( *)\(([0-9a-f]{4}),([0-9a-f]{4})\) (\S\S) (.*?)\s*#\s*(\S+), (\d+)")]
    private static partial Regex DumpLine();

    [GeneratedRegex(@"\((Sequence|Item) with (explicit|undefined) length #=(\d+)\)")]
    private static partial Regex LengthNotation();

    /// <summary>
    /// The dataset as DCMTK sees it, one entry per element: nesting depth, tag, VR, value text (all of it, non-ASCII
    /// quoted), VM. Left out: the meta group, group lengths (our writer drops them), item and sequence delimiters and
    /// how a length was encoded (explicit or undefined), and an item's element count (which counts group lengths).
    /// '??' (an unknown tag read in implicit VR) and UN (the same tag written in explicit VR) are the same.
    /// </summary>
    private static DumpResult Dump(string path, bool convertUn)
    {
        string[] args = convertUn ? ["+L", "-Un", "+Qo", "+uc", path] : ["+L", "-Un", "+Qo", path];
        var (code, stdout, stderr) = Peers.Run("dcmdump", args);
        Assert.True(code == 0, $"dcmdump {path} exited {code}: {stderr}");
        var entries = new List<string>();
        bool inDataset = false;
        foreach (var line in stdout.Split('\n'))
        {
            if (line.StartsWith("# Dicom-Data-Set", StringComparison.Ordinal))
            {
                inDataset = true;
                continue;
            }

            if (!inDataset || line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var m = DumpLine().Match(line);
            if (!m.Success)
            {
                entries.Add("unparsed: " + line);
                continue;
            }

            string group = m.Groups[2].Value;
            string element = m.Groups[3].Value;
            if (element == "0000" || group == "0002" || (group == "fffe" && element is "e00d" or "e0dd"))
            {
                continue;
            }

            string vr = m.Groups[4].Value == "??" ? "UN" : m.Groups[4].Value;
            string value = LengthNotation().Replace(m.Groups[5].Value, n => n.Groups[1].Value == "Item" ? "(Item)" : $"(Sequence #={n.Groups[3].Value})");
            entries.Add($"{m.Groups[1].Value.Length / 2} ({group},{element}) {vr} {value} VM={m.Groups[7].Value}");
        }

        return new DumpResult(entries, stderr);
    }

    /// <summary>DCMTK's own implicit VR little endian encoding of the input, as DCMTK reads it back.</summary>
    private static DumpResult DcmtkImplicitReference(string input, string scratch, bool explicitLengths)
    {
        var reference = Path.Combine(scratch, $"dcmtk-implicit-reference{(explicitLengths ? "" : "-undefined")}.dcm");
        Peers.RunOk("dcmconv", "+ti", explicitLengths ? "+e" : "-e", input, reference);
        return Dump(reference, convertUn: false);
    }

    private static string? CompareEntries(List<string> expected, List<string> actual)
    {
        int n = Math.Min(expected.Count, actual.Count);
        for (int i = 0; i < n; i++)
        {
            if (expected[i] != actual[i])
            {
                return $"entry {i}:\n    input: {Shorten(expected[i])}\n    ours:  {Shorten(actual[i])}";
            }
        }

        return expected.Count == actual.Count
            ? null
            : $"{expected.Count} entries for the input, {actual.Count} for ours; first extra: {Shorten(expected.Count > n ? expected[n] : actual[n])}";
    }

    private static string Shorten(string entry) => entry.Length <= 240 ? entry : entry[..240] + "...";

    /// <summary>
    /// dciodvfy's report; it cannot read a deflated dataset, so that is inflated by DCMTK first (dcmconv +te, with UN
    /// resolved by DCMTK's dictionary as dciodvfy resolves it by its own: DCMTK cannot re-encode UN pixel data).
    /// </summary>
    private static string DciodvfyView(string path, bool deflated, string scratch)
    {
        if (deflated)
        {
            var inflated = Path.Combine(scratch, Path.GetFileNameWithoutExtension(path) + "-inflated-by-dcmtk.dcm");
            Peers.RunOk("dcmconv", "+uc", "+te", path, inflated);
            path = inflated;
        }

        return Dciodvfy(path);
    }

    private static string Dciodvfy(string path)
    {
        var (_, stdout, stderr) = Peers.Run("dciodvfy", [path]);
        return stdout + stderr;
    }

    private static HashSet<string> ErrorLines(string report) =>
        report.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("Error", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);

    /// <summary>A Secondary Capture image whose Study, Series and SOP Instance UIDs come from our generator.</summary>
    private static DicomDataset SecondaryCaptureWithGeneratedUids()
    {
        static DicomTag T(ushort g, ushort e) => new(g, e);
        var ds = new DicomDataset()
            .AddString(T(0x0008, 0x0005), DicomVR.CS, "ISO_IR 100")
            .AddString(T(0x0008, 0x0008), DicomVR.CS, "DERIVED", "SECONDARY")
            .AddString(T(0x0008, 0x0016), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7")
            .AddString(T(0x0008, 0x0018), DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(T(0x0008, 0x0020), DicomVR.DA, "20260131")
            .AddString(T(0x0008, 0x0030), DicomVR.TM, "101500")
            .AddString(T(0x0008, 0x0050), DicomVR.SH, "")
            .AddString(T(0x0008, 0x0060), DicomVR.CS, "OT")
            .AddString(T(0x0008, 0x0064), DicomVR.CS, "WSD")
            .AddString(T(0x0008, 0x0090), DicomVR.PN, "")
            .AddString(T(0x0010, 0x0010), DicomVR.PN, "Test^Patient")
            .AddString(T(0x0010, 0x0020), DicomVR.LO, "PLAO-UID-1")
            .AddString(T(0x0010, 0x0030), DicomVR.DA, "")
            .AddString(T(0x0010, 0x0040), DicomVR.CS, "O")
            .AddString(T(0x0020, 0x000D), DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(T(0x0020, 0x000E), DicomVR.UI, DicomUidGenerator.FromName("plao interop series"))
            .AddString(T(0x0020, 0x0010), DicomVR.SH, "1")
            .AddString(T(0x0020, 0x0011), DicomVR.IS, "1")
            .AddString(T(0x0020, 0x0013), DicomVR.IS, "1")
            .AddString(T(0x0020, 0x0020), DicomVR.CS, "L", "F")
            .AddString(T(0x0020, 0x0060), DicomVR.CS, "")
            .AddValues(T(0x0028, 0x0002), DicomVR.US, (ushort)1)
            .AddString(T(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2")
            .AddValues(T(0x0028, 0x0010), DicomVR.US, (ushort)4)
            .AddValues(T(0x0028, 0x0011), DicomVR.US, (ushort)4)
            .AddValues(T(0x0028, 0x0100), DicomVR.US, (ushort)8)
            .AddValues(T(0x0028, 0x0101), DicomVR.US, (ushort)8)
            .AddValues(T(0x0028, 0x0102), DicomVR.US, (ushort)7)
            .AddValues(T(0x0028, 0x0103), DicomVR.US, (ushort)0);
        ds.AddBytes(DicomTag.PixelData, DicomVR.OB, Enumerable.Range(0, 16).Select(i => (byte)(i * 16)).ToArray());
        return ds;
    }

    /// <summary>
    /// dump2dcm source: every VR DCMTK writes (SV, UV and OV included), odd-length text (padded by dump2dcm), empty values,
    /// a zero-item sequence, an empty item, a private block with explicit VRs, UTF-8 person names, odd-length pixel data.
    /// </summary>
    private const string MadeDump = """
        (0008,0005) CS [ISO_IR 192]
        (0008,0008) CS [DERIVED\SECONDARY]
        (0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]
        (0008,0018) UI [2.25.1234567890123456789]
        (0008,0020) DA [20260131]
        (0008,0030) TM [101502.25]
        (0008,002a) DT [20260131101502.250000+0100]
        (0008,0050) SH []
        (0008,0054) AE [AE_ONE\AE2]
        (0008,0060) CS [OT]
        (0008,0064) CS [WSD]
        (0008,0070) LO [PlaoImaging interop]
        (0008,0081) ST [1 Main St\Springfield]
        (0008,0090) PN []
        (0008,0119) UC [a long code value that is longer than sixty four characters, which is why UC exists at all]
        (0008,0120) UR [http://example.org/plao?a=1&b=2]
        (0008,1110) SQ (Sequence with undefined length #=0)
        (fffe,e0dd) na (SequenceDelimitationItem)
        (0008,1140) SQ (Sequence with undefined length #=2)
          (fffe,e000) na (Item with undefined length #=3)
            (0008,1150) UI [1.2.840.10008.5.1.4.1.1.7]
            (0008,1155) UI [1.2.3.4.5]
            (0040,a730) SQ (Sequence with undefined length #=1)
              (fffe,e000) na (Item with undefined length #=2)
                (0040,a040) CS [TEXT]
                (0040,a160) UT [nested text]
              (fffe,e00d) na (ItemDelimitationItem)
            (fffe,e0dd) na (SequenceDelimitationItem)
          (fffe,e00d) na (ItemDelimitationItem)
          (fffe,e000) na (Item with undefined length #=0)
          (fffe,e00d) na (ItemDelimitationItem)
        (fffe,e0dd) na (SequenceDelimitationItem)
        (0009,0010) LO [PLAO TEST]
        (0009,1001) LO [private text]
        (0009,1002) US 7\8
        (0009,1003) OB 01\02\03
        (0010,0010) PN [Yamada^Tarou=山田^太郎=やまだ^たろう]
        (0010,0020) LO [PLAO-0001]
        (0010,0030) DA [19700101]
        (0010,0040) CS [O]
        (0010,1010) AS [045Y]
        (0018,0013) FL 1.5
        (0018,1638) OF 1.5\2.5\3.5\4.5
        (0018,6020) SL -12
        (0018,9087) FD 1000.25
        (0018,9219) SS -3
        (0020,000d) UI [1.2.3.4.5.6]
        (0020,000e) UI [1.2.3.4.5.6.7]
        (0020,0010) SH [S1]
        (0020,0011) IS [1]
        (0020,0013) IS [7]
        (0020,0020) CS [L\P]
        (0020,4000) LT [free text \ with a backslash]
        (0020,9165) AT (0010,0010)\(0028,0030)
        (0028,0002) US 1
        (0028,0004) CS [MONOCHROME2]
        (0028,0010) US 3
        (0028,0011) US 3
        (0028,0100) US 8
        (0028,0101) US 8
        (0028,0102) US 7
        (0028,0103) US 0
        (0040,a160) UT [unlimited text \ with a backslash]
        (0066,0022) OD 1.25\2.5
        (0066,0040) OL 1\2\3
        (0072,0081) OV 1\2
        (0072,0082) SV -5\6
        (0072,0083) UV 18446744073709551615
        (7fe0,0010) OB 01\02\03\04\05\06\07\08\09
        """;
}
