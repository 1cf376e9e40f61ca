using System.Globalization;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// The real <c>plao send</c> against DCMTK's storescp: storescp runs bit-preserving (+B), so its files hold exactly
/// what plao sent; it accepts every syntax it knows (+xa, preferring compressed ones), or Implicit VR Little Endian
/// only (+xi) to force plao to transcode.
/// </summary>
[Trait("Category", "slow")]
public sealed class SendInteropTests
{
    [Fact]
    public void PlaoSend_DirectoryTreeToStorescp_AllArriveUnchanged()
    {
        string scratch = Peers.ScratchDirectory("net-send-storescp");
        var files = NetworkSources.All();
        string tree = NetworkSources.CopyInto(Path.Combine(scratch, "in"), files);
        SendAndCheck(scratch, files, tree);
    }

    [Fact]
    public void PlaoSend_CorpusFilesToStorescp_AllArriveUnchanged()
    {
        string scratch = Peers.ScratchDirectory("net-send-corpus");
        var files = NetworkSources.Corpus();
        SendAndCheck(scratch, files, [.. files]);
    }

    [Fact]
    public void PlaoSend_ToImplicitOnlyPeer_TranscodesToImplicitWithDcmtkDecodedPixels()
    {
        Peers.Require("dcmdjpeg");
        Peers.Require("dcmdrle");
        Peers.Require("dcmconv");
        string scratch = Peers.ScratchDirectory("net-send-implicit");
        var cases = new (string Id, string Decoder)[] { ("jpeg-sv1-u16", "dcmdjpeg"), ("jpeg-sv1-s16", "dcmdjpeg"), ("rle-s16", "dcmdrle"), ("rle-rgb", "dcmdrle"), ("ex-u16", "dcmconv") };
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "out"), "+xi", "+B");
        var (code, stdout, stderr) = NetworkPeers.Plao(60, ["send", "127.0.0.1", scp.Port.ToString(CultureInfo.InvariantCulture), .. cases.Select(c => NetworkSources.Get(c.Id)), "--timeout", "10"]);
        Assert.True(code == 0, $"plao send to an Implicit-only storescp exited {code}:\n{stdout}\n{stderr}\n{scp.Process.Describe()}");

        var failures = new List<string>();
        foreach (var (id, decoder) in cases)
        {
            string original = NetworkSources.Get(id);
            // DCMTK's own decoding (or conversion) of the original, written as Implicit VR LE like the peer's copy.
            string reference = Path.Combine(scratch, id + "-" + decoder + ".dcm");
            Peers.RunOk(decoder, "+ti", original, reference);

            var expected = DcmtkDump.Of(reference, printAll: false);
            string? received = scp.Received(expected.SopInstanceUid!);
            if (received is null)
            {
                failures.Add($"{id}: not received");
                continue;
            }

            var actual = DcmtkDump.Of(received, printAll: false);
            if (actual.TransferSyntax != NetworkSources.ImplicitLittle)
            {
                failures.Add($"{id}: received in {actual.TransferSyntax}, but the peer accepts Implicit VR Little Endian only");
            }

            var (expectedHash, expectedLength) = DcmtkDump.PixelData(reference, scratch);
            var (actualHash, actualLength) = DcmtkDump.PixelData(received, scratch);
            if (expectedHash != actualHash || expectedLength != actualLength)
            {
                failures.Add($"{id}: Pixel Data ({actualLength} bytes) differs from {decoder}'s ({expectedLength} bytes)");
            }

            if (DcmtkDump.FirstDifference(expected, actual) is { } difference)
            {
                failures.Add($"{id}: data set differs from {decoder}'s (pixel values shortened): {difference}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures) + "\nplao send output:\n" + stdout + stderr);
    }

    [Fact]
    public void PlaoSend_NothingListening_ExitsOneWithinTenSeconds()
    {
        int port = PeerProcess.FreeTcpPort();
        string file = NetworkSources.Get("ex-u16");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (code, stdout, stderr) = NetworkPeers.Plao(10, "send", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), file, "--timeout", "5");
        Assert.True(code == 1, $"plao send to a closed port exited {code} after {clock.Elapsed.TotalSeconds:F1} s, not 1:\n{stdout}\n{stderr}");
        string output = stdout + stderr;
        Assert.True(
            output.Contains(port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            || output.Contains("connect", StringComparison.OrdinalIgnoreCase)
            || output.Contains("refused", StringComparison.OrdinalIgnoreCase),
            "plao send to a closed port gave no clear message (neither the port nor 'connect'/'refused'):\n" + output);
    }

    [Fact]
    public void PlaoSend_NonDicomFileAmongInstances_IsReportedAndTheOthersAreSent()
    {
        string scratch = Peers.ScratchDirectory("net-send-nondicom");
        string input = Path.Combine(scratch, "in");
        Directory.CreateDirectory(input);
        var instances = new[] { NetworkSources.Get("ex-u16"), NetworkSources.Get("jpeg-sv1-u16") };
        foreach (var file in instances)
        {
            File.Copy(file, Path.Combine(input, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(input, "notes.txt"), "This is not a DICOM file.\nIt has two lines.\n");
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "out"), "+xa", "+B");
        var (code, stdout, stderr) = NetworkPeers.Plao(60, "send", "127.0.0.1", scp.Port.ToString(CultureInfo.InvariantCulture), input, "--timeout", "10");
        string output = stdout + "\n" + stderr;
        Assert.True(code is 0 or 1, $"plao send exited {code} (crash?):\n{output}");
        Assert.True(output.Contains("notes.txt", StringComparison.Ordinal), "plao send did not report the non-DICOM file notes.txt:\n" + output);
        Assert.True(stdout.Split('\n').Any(l => l.StartsWith("sent", StringComparison.Ordinal)), "plao send printed no summary line starting 'sent':\n" + output);
        foreach (var file in instances)
        {
            string? received = scp.Received(DcmtkDump.Of(file, printAll: false).SopInstanceUid!);
            Assert.True(received is not null, $"{Path.GetFileName(file)} was not sent next to the non-DICOM file:\n{output}");
            DcmtkDump.AssertSameInstance(file, received!);
        }
    }

    private static void SendAndCheck(string scratch, IReadOnlyList<string> files, params string[] paths)
    {
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "out"), "+xa", "+B");
        var (code, stdout, stderr) = NetworkPeers.Plao(120, ["send", "127.0.0.1", scp.Port.ToString(CultureInfo.InvariantCulture), .. paths, "--timeout", "10"]);
        var failures = new List<string>();
        if (code != 0)
        {
            failures.Add($"plao send exited {code}");
        }

        if (!stdout.Split('\n').Any(l => l.StartsWith("sent", StringComparison.Ordinal)))
        {
            failures.Add("plao send printed no summary line starting 'sent'");
        }

        foreach (var original in files)
        {
            var expected = DcmtkDump.Of(original);
            string? received = scp.Received(expected.SopInstanceUid!);
            if (received is null)
            {
                failures.Add($"{original}: not received");
                continue;
            }

            var actual = DcmtkDump.Of(received);
            if (actual.TransferSyntax != expected.TransferSyntax)
            {
                failures.Add($"{original}: sent in {actual.TransferSyntax}, not in its own {expected.TransferSyntax} (storescp +xa accepts it)");
            }

            if (DcmtkDump.FirstDifference(expected, actual) is { } difference)
            {
                failures.Add($"{original}: {difference}");
            }
        }

        int count = Directory.GetFiles(scp.OutDirectory).Length;
        Assert.True(failures.Count == 0 && count == files.Count,
            $"{failures.Count} problems with {files.Count} instances, storescp holds {count} files:\n" + string.Join('\n', failures)
            + "\n--- plao send output ---\n" + stdout + stderr + "\n" + scp.Process.Describe(10));
    }
}
