using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// A file as DCMTK sees it (<c>dcmdump -q -Un</c>, with <c>+L</c> every value in full): the transfer syntax and top-level
/// UIDs, and the data set outside group 0002 normalised for an element-by-element comparison. Never our own reader.
/// </summary>
/// <remarks>
/// Normalisation, all of it sender-side freedom that a network transfer does not preserve: the file meta group
/// (0002) and the dump's comment lines are dropped; sequences and items lose "explicit/undefined length" and their
/// byte count (DCMTK senders re-encode lengths), and dcmdump's delimitation lines (real or synthesised "for
/// re-encoding") are dropped; the top-level Data Set Trailing Padding (FFFC,FFFC) is dropped (DCMTK's storescu and
/// Orthanc never send it). Every other element must match: tag, VR, value, value length and VM.
/// </remarks>
internal sealed partial class DcmtkDump
{
    private DcmtkDump(string file, IReadOnlyList<string> lines)
    {
        File = file;
        Lines = lines;
    }

    public string File { get; }

    /// <summary>The raw dcmdump lines.</summary>
    public IReadOnlyList<string> Lines { get; }

    public string? TransferSyntax => TopLevel("0002,0010");

    public string? SopClassUid => TopLevel("0008,0016");

    public string? SopInstanceUid => TopLevel("0008,0018");

    public string? StudyInstanceUid => TopLevel("0020,000d");

    public string? SeriesInstanceUid => TopLevel("0020,000e");

    /// <summary>The normalised data set lines (see the remarks).</summary>
    public IReadOnlyList<string> Dataset => Normalise(Lines);

    /// <summary>Dumps a file with dcmdump; <paramref name="printAll"/> prints long values (pixel data included) in full.</summary>
    public static DcmtkDump Of(string file, bool printAll = true)
    {
        var arguments = new List<string> { "-q", "-Un" };
        if (printAll)
        {
            arguments.Add("+L");
        }

        arguments.Add(file);
        var (code, stdout, stderr) = Peers.Run("dcmdump", arguments, timeoutSeconds: 60);
        Assert.True(code == 0, $"dcmdump {file} exited {code}: {stderr}");
        return new DcmtkDump(file, stdout.Split('\n'));
    }

    /// <summary>The value of a top-level element (meta or data set), between the brackets, or null when absent.</summary>
    public string? TopLevel(string tag)
    {
        string prefix = "(" + tag + ")";
        foreach (var line in Lines)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                int open = line.IndexOf('[', StringComparison.Ordinal);
                int close = line.IndexOf(']', open + 1);
                return open >= 0 && close > open ? line[(open + 1)..close] : null;
            }
        }

        return null;
    }

    /// <summary>The first difference between two data sets (normalised), or null when they are equal.</summary>
    public static string? FirstDifference(DcmtkDump expected, DcmtkDump actual)
    {
        var a = expected.Dataset;
        var b = actual.Dataset;
        for (int i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            if (a[i] != b[i])
            {
                return $"line {i}: expected {Short(a[i])} but got {Short(b[i])}";
            }
        }

        return a.Count == b.Count
            ? null
            : $"expected {a.Count} data set lines, got {b.Count}; first extra: {Short(a.Count > b.Count ? a[b.Count] : b[a.Count])}";
    }

    /// <summary>Asserts that a received file holds the original's data set, element by element, in the original's transfer syntax.</summary>
    public static void AssertSameInstance(string original, string received, bool sameTransferSyntax = true)
    {
        var expected = Of(original);
        var actual = Of(received);
        if (sameTransferSyntax)
        {
            Assert.True(expected.TransferSyntax == actual.TransferSyntax,
                $"{received}: transfer syntax {actual.TransferSyntax}, but {original} was sent in {expected.TransferSyntax}");
        }

        string? difference = FirstDifference(expected, actual);
        Assert.True(difference is null, $"{received} differs from {original}: {difference}");
    }

    /// <summary>The Pixel Data value as DCMTK holds it (dcmdump +W writes it to a .raw file), as SHA-256 and length.</summary>
    public static (string Sha256, long Length) PixelData(string file, string scratch)
    {
        var dir = Path.Combine(scratch, "pixels-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var (code, _, stderr) = Peers.Run("dcmdump", ["-q", "+W", dir, file], timeoutSeconds: 120);
            Assert.True(code == 0, $"dcmdump +W {file} exited {code}: {stderr}");
            var raws = Directory.GetFiles(dir, "*.raw");
            Assert.True(raws.Length == 1, $"dcmdump +W wrote {raws.Length} .raw files for {file}");
            using var stream = System.IO.File.OpenRead(raws[0]);
            return (Convert.ToHexString(SHA256.HashData(stream)), stream.Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static List<string> Normalise(IReadOnlyList<string> lines)
    {
        var result = new List<string>();
        foreach (var raw in lines)
        {
            string line = raw.TrimEnd('\r', ' ');
            string trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#' || trimmed.StartsWith("(0002,", StringComparison.Ordinal)
                || trimmed.Contains("Delimitation", StringComparison.Ordinal)
                || line.StartsWith("(fffc,fffc)", StringComparison.Ordinal))
            {
                continue;
            }

            int indent = line.Length - trimmed.Length;
            if (trimmed.Contains(" SQ (Sequence with ", StringComparison.Ordinal) || trimmed.Contains(" na (Item with ", StringComparison.Ordinal))
            {
                int hash = trimmed.LastIndexOf('#');
                trimmed = LengthWords().Replace(hash >= 0 ? trimmed[..hash] : trimmed, string.Empty);
            }

            result.Add(new string(' ', indent) + Spaces().Replace(trimmed, " ").Trim());
        }

        return result;
    }

    private static string Short(string line) => line.Length <= 200 ? line : line[..200] + $"... ({line.Length} chars)";

    [GeneratedRegex(@"(explicit|undefined) length")]
    private static partial Regex LengthWords();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    /// <summary>Writes a storescu association negotiation profile ("Plao") that proposes, for each (SOP class, transfer syntax) of the files, one presentation context with exactly that transfer syntax, so storescu sends every file in its own syntax and never converts.</summary>
    public static string WriteStorescuProfile(string path, IEnumerable<DcmtkDump> files)
    {
        var pairs = files.Select(f => (Sop: f.SopClassUid ?? "", Ts: f.TransferSyntax ?? "")).Distinct().OrderBy(p => p.Sop, StringComparer.Ordinal).ThenBy(p => p.Ts, StringComparer.Ordinal).ToList();
        Assert.True(pairs.All(p => p.Sop.Length > 0 && p.Ts.Length > 0), "a file without SOP Class UID or transfer syntax");
        Assert.True(pairs.Count <= 128, $"{pairs.Count} presentation contexts, more than one association can carry");
        var syntaxes = pairs.Select(p => p.Ts).Distinct().ToList();
        var text = new StringBuilder("[[TransferSyntaxes]]\n");
        for (int i = 0; i < syntaxes.Count; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"[TS{i}]\nTransferSyntax1 = {syntaxes[i]}\n");
        }

        text.Append("[[PresentationContexts]]\n[Contexts]\n");
        for (int i = 0; i < pairs.Count; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"PresentationContext{i + 1} = {pairs[i].Sop}\\TS{syntaxes.IndexOf(pairs[i].Ts)}\n");
        }

        text.Append("[[Profiles]]\n[Plao]\nPresentationContexts = Contexts\n");
        System.IO.File.WriteAllText(path, text.ToString());
        return path;
    }
}
