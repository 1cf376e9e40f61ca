using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests;

/// <summary>
/// A varied DICOM corpus made at test time by the peer toolkits, built once per test run (lazily, on first use) under
/// <c>artifacts/scratch/interop-corpus-*</c>:
/// <list type="bullet">
/// <item>DCMTK <c>dump2dcm</c> from the dumps in <c>TestCorpus/dumps/</c> (every VR, sequences nested 5 deep, private
/// blocks, multi-valued and empty values), then <c>dcmconv</c> into implicit VR, explicit big endian, deflated, undefined
/// lengths, group lengths and bare datasets, and GDCM <c>gdcmconv</c> into implicit, explicit and deflated;</item>
/// <item>DCMTK <c>img2dcm</c> from a BMP written here and from a real JPEG, and the image re-encoded by
/// <c>dcmcjpeg</c>/<c>dcmcrle</c>/<c>dcmcjpls</c> and <c>gdcmconv</c> (J2K, JPEG-LS, RLE, decompressed);</item>
/// <item>one file per Specific Character Set (ISO_IR 100/101/109/110/144/127/126/138/148/13/166, ISO_IR 192, GB18030,
/// GBK): names written as UTF-8 by <c>dump2dcm</c> and converted by <c>dcmconv +C</c>; the ISO 2022 code extensions
/// (JP IR 87/159/13, KR IR 149, CN IR 58, mixed single-byte) written byte by byte by <c>make_python_files.py</c>;
/// and the dclunie character set files of the shared corpus re-encoded by <c>dcmconv</c>;</item>
/// <item>pydicom-written files (<c>make_python_files.py</c>, run with <c>/usr/bin/python3</c>): SV/UV/OV, undefined-length
/// sequences, implicit VR, big endian, no File Meta Information, non-finite floats, string padding edge cases,
/// odd lengths, UN of undefined length.</item>
/// </list>
/// Each <see cref="Recipe"/> is one test case; its id is known without building anything, so test discovery stays cheap.
/// </summary>
public static class TestCorpus
{
    /// <summary>Tools the corpus is made with (the DCMTK, GDCM and pydicom Debian packages ./build.sh installs).</summary>
    public static readonly string[] Tools = ["dump2dcm", "dcmconv", "img2dcm", "gdcmconv", "dcmcjpeg", "dcmcrle", "dcmcjpls", "dcmdjpeg", "dcmodify"];

    private static readonly Lazy<Built> Corpus = new(BuildAll, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>dcmconv options for each transfer syntax / length encoding variant of a structural file.</summary>
    private static readonly (string Suffix, string Tool, string[] Args)[] AllVariants =
    [
        ("implicit", "dcmconv", ["+ti"]),
        ("explicit-be", "dcmconv", ["+tb"]),
        ("deflated", "dcmconv", ["+td"]),
        ("undefined-lengths", "dcmconv", ["-e"]),
        ("implicit-undefined-lengths", "dcmconv", ["+ti", "-e"]),
        ("explicit-be-undefined-lengths", "dcmconv", ["+tb", "-e"]),
        ("group-lengths", "dcmconv", ["+g"]),
        ("implicit-group-lengths", "dcmconv", ["+ti", "+g"]),
        ("dataset-only-explicit", "dcmconv", ["-F", "+te"]),
        ("dataset-only-implicit", "dcmconv", ["-F", "+ti"]),
        ("gdcm-implicit", "gdcmconv", ["-M"]),
        ("gdcm-deflated", "gdcmconv", ["-d"]),
    ];

    private static readonly (string Suffix, string Tool, string[] Args)[] SyntaxVariants =
    [
        ("implicit", "dcmconv", ["+ti"]),
        ("explicit-be", "dcmconv", ["+tb"]),
    ];

    /// <summary>Sample text per character set: a PN with three component groups where the set has ideographs, then LO and LT text.</summary>
    private static readonly (string Term, string Name, string PersonName, string Long, string Text)[] CharacterSets =
    [
        ("ISO_IR 100", "latin1", "Buc^Jérôme=^=", "Ærøskøbing Größe", "Ça va? Où est l'hôpital?"),
        ("ISO_IR 101", "latin2", "Dvořák^Antonín", "Łódź Kraków Žluťoučký", "Příliš žluťoučký kůň"),
        ("ISO_IR 109", "latin3", "Ħaġar^Ġużeppi", "Ċirkewwa ĉĝĥĵŝŭ", "Għawdex"),
        ("ISO_IR 110", "latin4", "Ķēniņš^Ģirts", "Ŗīga ŧŋĸ", "Ļaudis"),
        ("ISO_IR 144", "cyrillic", "Люкceмбypг^Гaнc", "Москва", "Съешь же ещё этих мягких французских булок"),
        ("ISO_IR 127", "arabic", "قباني^لنزار", "مستشفى", "نص عربي"),
        ("ISO_IR 126", "greek", "Διονυσιος^Νικος", "Αθήνα", "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία"),
        ("ISO_IR 138", "hebrew", "שרון^דבורה", "ירושלים", "טקסט בעברית"),
        ("ISO_IR 148", "latin5", "Şahin^Ğülşen", "İstanbul ıİ", "Pijamalı hasta yağız şoföre çabucak güvendi"),
        ("ISO_IR 13", "jisx0201", "ﾔﾏﾀﾞ^ﾀﾛｳ", "ｶﾀｶﾅ ABC", "ﾃｽﾄ"),
        ("ISO_IR 166", "thai", "สมชาย^ใจดี", "กรุงเทพ", "ภาษาไทย"),
        ("ISO_IR 192", "utf8", "Wang^XiaoDong=王^小東=ワン^シャオドン", "Ünïcödé Ελληνικά Русский עברית 中文 한국어 🙂", "多语言 テキスト"),
        ("GB18030", "gb18030", "Wang^XiaoDong=王^小东=", "中文 𠀀 €", "第一行 第二行"),
        ("GBK", "gbk", "Wang^XiaoDong=王^小東=", "中文 繁體", "文本"),
    ];

    private static readonly string[] PythonFiles =
    [
        "pydicom-all-vrs-explicit-le", "pydicom-all-vrs-implicit-le", "pydicom-all-vrs-explicit-be", "pydicom-no-meta-implicit-le",
        "pydicom-no-meta-explicit-le", "pydicom-nonfinite", "raw-edge-strings", "raw-odd-lengths", "raw-un-undefined-length",
        "raw-iso2022-ir87", "raw-iso2022-ir13-ir87", "raw-iso2022-ir159", "raw-iso2022-ir149", "raw-iso2022-ir58",
        "raw-iso2022-latin-greek-cyrillic", "raw-charset-in-item",
    ];

    private static readonly string[] DclunieFiles =
    [
        "chrArab", "chrFren", "chrFrenMulti", "chrGerm", "chrGreek", "chrH31", "chrH32", "chrHbrw", "chrI2", "chrJapMulti",
        "chrJapMultiExplicitIR6", "chrKoreanMulti", "chrRuss", "chrSQEncoding", "chrSQEncoding1", "chrX1", "chrX2",
    ];

    /// <summary>A group of generated files made from one source; one test case.</summary>
    public sealed record Recipe(string Id, string Description);

    /// <summary>The generated files of a recipe, or why they could not be made.</summary>
    public sealed record Generated(string Id, IReadOnlyList<string> Files, IReadOnlyList<string> Problems);

    private sealed record Built(string Directory, IReadOnlyDictionary<string, Generated> Recipes, TimeSpan Elapsed);

    /// <summary>Recipes whose source is a file of the shared corpus (../shared/dicom-corpus).</summary>
    public static bool NeedsSharedCorpus(string id) => id.StartsWith("dclunie/", StringComparison.Ordinal) || id == "img2dcm/jpeg";

    /// <summary>Every recipe id, without building the corpus.</summary>
    public static IReadOnlyList<Recipe> Recipes { get; } = ListRecipes();

    /// <summary>The folder the corpus is built in (builds it on first use).</summary>
    public static string Directory => Corpus.Value.Directory;

    /// <summary>How long the corpus took to build.</summary>
    public static TimeSpan BuildTime => Corpus.Value.Elapsed;

    /// <summary>The files of one recipe; fails in CI and skips elsewhere when a peer tool is missing.</summary>
    public static Generated Get(string id)
    {
        RequirePeers();
        return Corpus.Value.Recipes.TryGetValue(id, out var generated)
            ? generated
            : throw new ArgumentException($"no corpus recipe '{id}'", nameof(id));
    }

    /// <summary>Fails in CI and skips elsewhere when a tool the corpus needs is missing.</summary>
    public static void RequirePeers()
    {
        foreach (var tool in Tools)
        {
            Peers.Require(tool);
        }

        if (!File.Exists(Python))
        {
            Peers.Require("python3 (python3-pydicom, at /usr/bin/python3)");
        }
    }

    /// <summary>The interpreter python3-pydicom is installed for (not a pyenv shim that may come first on PATH).</summary>
    public static string Python => "/usr/bin/python3";

    /// <summary>This folder in the source tree (dumps and scripts).</summary>
    public static string SourceDirectory => Path.Combine(Peers.RepositoryRoot, "tests", "PlaoImaging.Interop.Tests", "TestCorpus");

    private static IReadOnlyList<Recipe> ListRecipes()
    {
        var list = new List<Recipe>
        {
            new("dump2dcm/all-vrs", "all-vrs.dump by dump2dcm, every dcmconv/gdcmconv variant"),
            new("dump2dcm/empty-values", "empty-values.dump by dump2dcm, every dcmconv/gdcmconv variant"),
            new("img2dcm/bmp", "a 24-bit BMP by img2dcm, every dcmconv/gdcmconv variant"),
            new("img2dcm/jpeg", "a real JPEG by img2dcm (encapsulated), decompressed by gdcmconv and dcmdjpeg"),
            new("encapsulated/dcmtk-and-gdcm-codecs", "the BMP image through dcmcjpeg, dcmcrle, dcmcjpls, gdcmconv -J/-K/-L/-R"),
        };
        list.AddRange(CharacterSets.Select(c => new Recipe("charset/" + c.Name, $"{c.Term}: dump2dcm as UTF-8, dcmconv +C \"{c.Term}\", then +ti/+tb")));
        list.AddRange(PythonFiles.Select(p => new Recipe("python/" + p, p + ".dcm by make_python_files.py")));
        list.AddRange(DclunieFiles.Select(d => new Recipe("dclunie/" + d, d + ".dcm (shared corpus) re-encoded by dcmconv +ti/+tb")));
        return list;
    }

    private static Built BuildAll()
    {
        var watch = Stopwatch.StartNew();
        string dir = Peers.ScratchDirectory("interop-corpus");
        var results = new ConcurrentDictionary<string, Generated>();
        var jobs = new List<(string Id, Func<string, List<string>, List<string>> Make)>
        {
            ("dump2dcm/all-vrs", (d, problems) => FromDump(d, "all-vrs", problems)),
            ("dump2dcm/empty-values", (d, problems) => FromDump(d, "empty-values", problems)),
            ("img2dcm/bmp", Bmp),
            ("img2dcm/jpeg", Jpeg),
            ("encapsulated/dcmtk-and-gdcm-codecs", Codecs),
            ("python", MakePythonFiles),
        };
        jobs.AddRange(CharacterSets.Select(c => ("charset/" + c.Name, (Func<string, List<string>, List<string>>)((d, p) => Charset(d, c, p)))));
        jobs.Add(("dclunie", Dclunie));

        Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, job =>
        {
            string sub = Path.Combine(dir, job.Id.Replace('/', '-'));
            System.IO.Directory.CreateDirectory(sub);
            var problems = new List<string>();
            List<string> files;
            try
            {
                files = job.Make(sub, problems);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
            {
                problems.Add($"{job.Id}: {e.GetType().Name}: {e.Message}");
                files = [];
            }

            if (job.Id == "python")
            {
                foreach (var name in PythonFiles)
                {
                    string path = Path.Combine(sub, name + ".dcm");
                    results["python/" + name] = new("python/" + name, File.Exists(path) ? [path] : [], File.Exists(path) ? [] : [.. problems, $"{name}.dcm was not written"]);
                }
            }
            else if (job.Id == "dclunie")
            {
                foreach (var name in DclunieFiles)
                {
                    var mine = files.Where(f => Path.GetFileName(f).StartsWith(name + "-", StringComparison.Ordinal)).ToList();
                    results["dclunie/" + name] = new("dclunie/" + name, mine, problems.Where(p => p.Contains(name + ".dcm", StringComparison.Ordinal)).ToList());
                }
            }
            else
            {
                results[job.Id] = new(job.Id, files, problems);
            }
        });

        return new Built(dir, results, watch.Elapsed);
    }

    // ---- recipes ---------------------------------------------------------------------------------------------

    private static List<string> FromDump(string dir, string name, List<string> problems)
    {
        string basis = Path.Combine(dir, name + ".dcm");
        if (!Tool(problems, "dump2dcm", [Path.Combine(SourceDirectory, "dumps", name + ".dump"), basis]))
        {
            return [];
        }

        var files = new List<string> { basis };
        string undefinedLengths = Path.Combine(dir, name + "-dump2dcm-undefined-lengths.dcm");
        if (Tool(problems, "dump2dcm", ["-e", Path.Combine(SourceDirectory, "dumps", name + ".dump"), undefinedLengths]))
        {
            files.Add(undefinedLengths);
        }

        files.AddRange(Variants(dir, basis, AllVariants, problems));
        return files;
    }

    /// <summary>The BMP image: 5x3 pixels (odd width, so rows carry BMP padding), as img2dcm reads it.</summary>
    private static List<string> Bmp(string dir, List<string> problems)
    {
        string bmp = WriteBmp(dir, 5, 3);
        string basis = Path.Combine(dir, "img2dcm-bmp.dcm");
        if (!Tool(problems, "img2dcm", ["-i", "BMP", "-k", "PatientName=Bmp^Image", "-k", "SeriesDescription=BMP input", bmp, basis]))
        {
            return [];
        }

        return [basis, .. Variants(dir, basis, AllVariants, problems)];
    }

    private static List<string> Jpeg(string dir, List<string> problems)
    {
        string? jpeg = FindJpeg();
        if (jpeg is null)
        {
            problems.Add("no JPEG to give img2dcm: the shared corpus' highdicom/data/test_files/frame_rgb.jpeg is missing");
            return [];
        }

        string basis = Path.Combine(dir, "img2dcm-jpeg.dcm");
        if (!Tool(problems, "img2dcm", ["-k", "PatientName=Jpeg^Image", jpeg, basis]))
        {
            return [];
        }

        var files = new List<string> { basis };
        string raw = Path.Combine(dir, "img2dcm-jpeg-gdcm-raw.dcm");
        if (Tool(problems, "gdcmconv", ["-w", basis, raw]))
        {
            files.Add(raw);
        }

        string decoded = Path.Combine(dir, "img2dcm-jpeg-dcmdjpeg.dcm");
        if (Tool(problems, "dcmdjpeg", [basis, decoded]))
        {
            files.Add(decoded);
            files.AddRange(Variants(dir, decoded, SyntaxVariants, problems));
        }

        return files;
    }

    private static List<string> Codecs(string dir, List<string> problems)
    {
        string source = Path.Combine(dir, "codec-source.dcm");
        if (!Tool(problems, "img2dcm", ["-i", "BMP", WriteBmp(dir, 16, 12), source]))
        {
            return [];
        }

        var files = new List<string>();
        foreach (var (name, tool, args) in new (string, string, string[])[]
        {
            ("dcmcjpeg-lossless", "dcmcjpeg", ["+e1"]),
            ("dcmcjpeg-baseline", "dcmcjpeg", ["+eb"]),
            ("dcmcrle", "dcmcrle", []),
            ("dcmcjpls-lossless", "dcmcjpls", []),
            ("gdcm-jpeg", "gdcmconv", ["-J"]),
            ("gdcm-j2k", "gdcmconv", ["-K"]),
            ("gdcm-jpegls", "gdcmconv", ["-L"]),
            ("gdcm-rle", "gdcmconv", ["-R"]),
        })
        {
            string output = Path.Combine(dir, "codec-" + name + ".dcm");
            if (Tool(problems, tool, [.. args, source, output]))
            {
                files.Add(output);
            }
        }

        return files;
    }

    private static List<string> Charset(string dir, (string Term, string Name, string PersonName, string Long, string Text) set, List<string> problems)
    {
        // UTF-8 dump (dump2dcm copies the bytes), then DCMTK's own conversion into the target character set.
        string dump = Path.Combine(dir, set.Name + "-utf8.dump");
        var text = new StringBuilder();
        text.Append("(0008,0005) CS [ISO_IR 192]\n");
        text.Append("(0008,0016) UI =SecondaryCaptureImageStorage\n");
        text.Append("(0008,0018) UI [1.2.826.0.1.3680043.10.1234.7.").Append(Array.IndexOf(CharacterSets, set) + 1).Append("]\n");
        text.Append("(0008,0060) CS [OT]\n");
        text.Append("(0008,0090) PN [").Append(set.PersonName).Append("]\n");
        text.Append("(0008,1030) LO [").Append(set.Long).Append("\\").Append(set.Long).Append("]\n");
        text.Append("(0010,0010) PN [").Append(set.PersonName).Append("\\").Append(set.PersonName).Append("]\n");
        text.Append("(0010,0020) LO [").Append(set.Long).Append("]\n");
        text.Append("(0010,4000) LT [").Append(set.Text).Append("]\n");
        text.Append("(0040,a730) SQ (Sequence with explicit length #=1)\n");
        text.Append("  (fffe,e000) na (Item with explicit length #=2)\n");
        text.Append("    (0040,a123) PN [").Append(set.PersonName).Append("]\n");
        text.Append("    (0040,a160) UT [").Append(set.Text).Append("]\n");
        text.Append("  (fffe,e00d) na (ItemDelimitationItem for re-encoding)\n");
        text.Append("(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)\n");
        File.WriteAllText(dump, text.ToString(), new UTF8Encoding(false));
        string utf8 = Path.Combine(dir, set.Name + "-utf8.dcm");
        if (!Tool(problems, "dump2dcm", [dump, utf8]))
        {
            return [];
        }

        string converted = Path.Combine(dir, set.Name + ".dcm");
        if (set.Term == "ISO_IR 192")
        {
            converted = utf8;
        }
        else if (!Tool(problems, "dcmconv", ["+C", set.Term, utf8, converted]))
        {
            return [];
        }

        return [converted, .. Variants(dir, converted, SyntaxVariants, problems)];
    }

    private static List<string> MakePythonFiles(string dir, List<string> problems)
    {
        var (code, _, stderr) = Peers.Run(Python, [Path.Combine(SourceDirectory, "make_python_files.py"), dir], timeoutSeconds: 120);
        if (code != 0)
        {
            problems.Add("make_python_files.py exited " + code + ": " + stderr);
        }

        return [.. System.IO.Directory.GetFiles(dir, "*.dcm")];
    }

    private static List<string> Dclunie(string dir, List<string> problems)
    {
        string source = Path.Combine(Peers.RepositoryRoot, "..", "shared", "dicom-corpus", "pydicom", "src", "pydicom", "data", "charset_files");
        if (!System.IO.Directory.Exists(source))
        {
            problems.AddRange(DclunieFiles.Select(d => $"{d}.dcm: the shared corpus is not at {source}"));
            return [];
        }

        var files = new List<string>();
        foreach (var name in DclunieFiles)
        {
            string input = Path.Combine(source, name + ".dcm");
            foreach (var (suffix, tool, args) in SyntaxVariants)
            {
                string output = Path.Combine(dir, $"{name}-{suffix}.dcm");
                if (Tool(problems, tool, [.. args, input, output], name + ".dcm"))
                {
                    files.Add(output);
                }
            }
        }

        return files;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static List<string> Variants(string dir, string basis, (string Suffix, string Tool, string[] Args)[] variants, List<string> problems)
    {
        var files = new List<string>();
        string stem = Path.GetFileNameWithoutExtension(basis);
        foreach (var (suffix, tool, args) in variants)
        {
            string output = Path.Combine(dir, $"{stem}-{suffix}.dcm");
            if (Tool(problems, tool, [.. args, basis, output]))
            {
                files.Add(output);
            }
        }

        return files;
    }

    private static bool Tool(List<string> problems, string tool, string[] args, string? label = null)
    {
        var (code, _, stderr) = Peers.Run(tool, args, timeoutSeconds: 60);
        string output = args[^1];
        if (code == 0 && File.Exists(output))
        {
            return true;
        }

        problems.Add($"{label ?? Path.GetFileName(output)}: {tool} {string.Join(' ', args.Select(Path.GetFileName))} exited {code}: {stderr.Trim()}");
        return false;
    }

    /// <summary>A 24-bit BMP (rows padded to 4 bytes, stored bottom-up). GDCM's J2K and RLE coders need the larger one.</summary>
    private static string WriteBmp(string dir, int width, int height)
    {
        int rowSize = (width * 3 + 3) & ~3;
        int imageSize = rowSize * height;
        var bmp = new byte[54 + imageSize];
        var span = bmp.AsSpan();
        "BM"u8.CopyTo(span);
        BitConverter.TryWriteBytes(span[2..], bmp.Length);
        BitConverter.TryWriteBytes(span[10..], 54);
        BitConverter.TryWriteBytes(span[14..], 40);
        BitConverter.TryWriteBytes(span[18..], width);
        BitConverter.TryWriteBytes(span[22..], height);
        BitConverter.TryWriteBytes(span[26..], (short)1);
        BitConverter.TryWriteBytes(span[28..], (short)24);
        BitConverter.TryWriteBytes(span[34..], imageSize);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int at = 54 + (y * rowSize) + (x * 3);
                bmp[at] = (byte)(x * 50);
                bmp[at + 1] = (byte)(y * 100);
                bmp[at + 2] = (byte)((x + y) * 30);
            }
        }

        string path = Path.Combine(dir, $"image-{width}x{height}.bmp");
        File.WriteAllBytes(path, bmp);
        return path;
    }

    /// <summary>A real JPEG (highdicom's frame_rgb.jpeg in the shared corpus) for img2dcm; null when the corpus is absent.</summary>
    private static string? FindJpeg()
    {
        string shared = Path.Combine(Peers.RepositoryRoot, "..", "shared", "dicom-corpus", "highdicom", "data", "test_files", "frame_rgb.jpeg");
        return File.Exists(shared) ? shared : null;
    }
}
