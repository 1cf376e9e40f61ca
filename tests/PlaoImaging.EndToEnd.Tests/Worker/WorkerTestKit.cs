using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PlaoImaging.Dicom;
using PlaoImaging.Reporting.Sr;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Worker;

/// <summary>What the worker process tests share: sample files, destinations as settings, waits on the API, reads of what a destination received, and SR grades against the phantom truth.</summary>
internal static class WorkerTestKit
{
    /// <summary>SOP classes of the objects the worker produces (Comprehensive/Enhanced SR, GSPS).</summary>
    public static readonly HashSet<string> ReportClasses = new(StringComparer.Ordinal)
    {
        "1.2.840.10008.5.1.4.1.1.88.11", "1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.5.1.4.1.1.88.33", "1.2.840.10008.5.1.4.1.1.88.34",
    };

    public const string GspsClass = "1.2.840.10008.5.1.4.1.1.11.1";

    /// <summary>The .dcm files of a sample study folder, in name order.</summary>
    public static IReadOnlyList<string> SampleFiles(string folder) =>
        [.. Directory.GetFiles(Path.Combine(Engine.SampleData, folder), "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    /// <summary>Settings for one C-STORE destination on the loopback interface.</summary>
    public static Dictionary<string, string> Destination(string name, int port, string calledAETitle, int index = 0) => new(StringComparer.Ordinal)
    {
        [$"Export:Destinations:{index}:Name"] = name,
        [$"Export:Destinations:{index}:Host"] = "127.0.0.1",
        [$"Export:Destinations:{index}:Port"] = port.ToString(CultureInfo.InvariantCulture),
        [$"Export:Destinations:{index}:CalledAETitle"] = calledAETitle,
    };

    /// <summary>Study, SOP class and SOP instance UIDs of a file.</summary>
    public static (string StudyUid, string SopClassUid, string SopInstanceUid) Identify(string file)
    {
        var header = DicomFile.Open(file, new DicomReadOptions { StopBeforePixelData = true }).Dataset;
        return (header.GetString(DicomTags.StudyInstanceUID), header.GetString(DicomTags.SOPClassUID), header.GetString(DicomTags.SOPInstanceUID));
    }

    /// <summary>Every export the worker knows (up to 500, newest first).</summary>
    public static async Task<JsonArray> ExportsAsync(WorkerProcess worker, CancellationToken cancellationToken) =>
        (await worker.GetJsonAsync("api/exports", cancellationToken).ConfigureAwait(false)).AsArray();

    /// <summary>Polls until <paramref name="done"/> holds for the export list, or fails the test with the last list.</summary>
    public static async Task<JsonArray> WaitForExportsAsync(WorkerProcess worker, Func<JsonArray, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var exports = await ExportsAsync(worker, cancellationToken).ConfigureAwait(false);
            if (done(exports))
            {
                return exports;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout}; exports: {exports.ToJsonString()}\n{worker.Process?.Describe(40)}");
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the worker knows <paramref name="studies"/> studies, each finished (analysed, no result or failed), and every export is sent.</summary>
    public static async Task<JsonArray> WaitUntilSettledAsync(WorkerProcess worker, int studies, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var list = await worker.WaitForStudiesAsync(s => s.Count == studies && s.All(x => IsFinished(State(x))), timeout, cancellationToken).ConfigureAwait(false);
        await WaitForExportsAsync(worker, e => e.All(x => x!["state"]!.GetValue<string>() == "Sent"), timeout, cancellationToken).ConfigureAwait(false);
        return list;
    }

    public static string State(JsonNode? study) => study!["state"]!.GetValue<string>();

    public static bool IsFinished(string state) => state is "Analysed" or "NoResult" or "Failed";

    /// <summary>The value of a Prometheus sample line (<c>name{labels} value</c>) of the worker's /metrics, 0 when absent.</summary>
    public static async Task<double> MetricAsync(WorkerProcess worker, string sample, CancellationToken cancellationToken)
    {
        string text = await worker.Api.GetStringAsync(new Uri("metrics", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(sample.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>
    /// A copy of a sample radiograph as a new study: new Study, Series and SOP Instance UIDs, the given patient, the
    /// same pixel data and transfer syntax.
    /// </summary>
    /// <summary>
    /// Sends files on one association with DCMTK storescu (<c>-xs</c>: JPEG lossless and the uncompressed syntaxes, so
    /// every sample file finds a context), called AE title PLAO; its exit code and output.
    /// </summary>
    public static (int Code, string Output) Storescu(string storescu, int port, IEnumerable<string> files, int timeoutSeconds = 300)
    {
        var (code, stdout, stderr) = Peers.RunProcess(storescu, ["-xs", "-aec", "PLAO", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), .. files], timeoutSeconds: timeoutSeconds);
        return (code, stdout + stderr);
    }

    /// <summary>As <see cref="Storescu"/>, asserting that storescu succeeded.</summary>
    public static void StorescuOk(string storescu, int port, IEnumerable<string> files, int timeoutSeconds = 300)
    {
        var (code, output) = Storescu(storescu, port, files, timeoutSeconds);
        Assert.True(code == 0, $"storescu to {port} exited {code}: {output}");
    }

    public static string CopyAsNewStudy(string source, string folder, string patientId)
    {
        var original = DicomFile.Open(source);
        var dataset = original.Dataset;
        string sop = DicomUidGenerator.NewUid();
        dataset.AddString(DicomTags.StudyInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, sop)
            .AddString(DicomTags.PatientID, DicomVR.LO, patientId)
            .AddString(DicomTags.PatientName, DicomVR.PN, "CRASH^" + patientId);
        string path = Path.Combine(folder, sop + ".dcm");
        new DicomFile(dataset, original.TransferSyntax).Save(path);
        return path;
    }

    /// <summary>A 64 × 64 secondary capture (modality OT, 16 bits) in memory: nothing the engine measures.</summary>
    public static DicomDataset TinyImage(string studyUid, string seriesUid, string patientId)
    {
        const int Size = 64;
        var pixels = new byte[Size * Size * 2];
        for (int i = 0; i < Size * Size; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(2 * i), (ushort)((i * 37) % 4096));
        }

        return new DicomDataset()
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7")
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.Modality, DicomVR.CS, "OT")
            .AddString(DicomTags.PatientName, DicomVR.PN, "BURST^" + patientId)
            .AddString(DicomTags.PatientID, DicomVR.LO, patientId)
            .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, studyUid)
            .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, seriesUid)
            .AddValues(new DicomTag(0x0028, 0x0002), DicomVR.US, (ushort)1)
            .AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2")
            .AddValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)Size)
            .AddValues(new DicomTag(0x0028, 0x0011), DicomVR.US, (ushort)Size)
            .AddValues(new DicomTag(0x0028, 0x0100), DicomVR.US, (ushort)16)
            .AddValues(new DicomTag(0x0028, 0x0101), DicomVR.US, (ushort)12)
            .AddValues(new DicomTag(0x0028, 0x0102), DicomVR.US, (ushort)11)
            .AddValues(new DicomTag(0x0028, 0x0103), DicomVR.US, (ushort)0)
            .AddBytes(DicomTag.PixelData, DicomVR.OW, pixels);
    }

    /// <summary>Reads a vertebral SR (a file) back into per-level grades.</summary>
    public static Dictionary<string, int> GradesOf(string srFile)
    {
        var result = VertebralReportReader.Read(DicomFile.Open(srFile).Dataset);
        return result.Levels.ToDictionary(l => l.Level, l => l.GenantGrade, StringComparer.Ordinal);
    }

    /// <summary>The truth of every image of a sample folder (the JSON beside each .dcm).</summary>
    public static IEnumerable<JsonElement> Truths(string folder)
    {
        foreach (string file in SampleFiles(folder))
        {
            using var truth = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(file, ".json")));
            yield return truth.RootElement.Clone();
        }
    }

    /// <summary>What a storescp destination wrote (complete files only: it names them MODALITY.SOPInstanceUID), identified.</summary>
    public static IReadOnlyList<(string Path, string StudyUid, string SopClassUid, string SopInstanceUid)> Received(this StorescpPeer storescp)
    {
        var list = new List<(string, string, string, string)>();
        foreach (string file in Directory.GetFiles(storescp.OutDirectory))
        {
            var (study, sopClass, sop) = Identify(file);
            list.Add((file, study, sopClass, sop));
        }

        return list;
    }
}

/// <summary>
/// Grades per level read back from SRs against the phantom truth, pooled over studies, with the rule
/// SampleStudyTests applies to the engine's own results: every fully visible truth vertebra (S1 aside) counts; the SR's
/// level of the same name is its match (the SR carries levels, not points, so recall here is detection times level
/// accuracy); normal truth levels give the specificity, fractured ones the sensitivity. The bounds are the held-out
/// evaluation's figures less a margin for the few vertebrae (recall 0.95 × level accuracy 0.85 ≈ 0.80).
/// </summary>
internal sealed class GradeAgreement
{
    private int truths;
    private int matched;
    private int normals;
    private int normalsCalledNormal;
    private int fractures;
    private int fracturesCalled;

    public double Recall => truths == 0 ? 0 : (double)matched / truths;

    public double Specificity => normals == 0 ? 1 : (double)normalsCalledNormal / normals;

    public double Sensitivity => fractures == 0 ? 1 : (double)fracturesCalled / fractures;

    public void Add(IEnumerable<JsonElement> truthImages, IReadOnlyDictionary<string, int> grades)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var truth in truthImages)
        {
            foreach (var t in truth.GetProperty("vertebrae").EnumerateArray())
            {
                string level = t.GetProperty("level").GetString()!;
                if (!t.GetProperty("fully_visible").GetBoolean() || level == "S1" || !seen.Add(level))
                {
                    continue;
                }

                truths++;
                if (!grades.TryGetValue(level, out int grade))
                {
                    continue;
                }

                matched++;
                if (t.GetProperty("genant_grade").GetInt32() == 0)
                {
                    normals++;
                    normalsCalledNormal += grade == 0 ? 1 : 0;
                }
                else
                {
                    fractures++;
                    fracturesCalled += grade > 0 ? 1 : 0;
                }
            }
        }
    }

    public void AssertWithinTheEvaluation()
    {
        Assert.True(truths > 0, "no truth vertebrae");
        Assert.True(Recall >= 0.80, ToString());
        Assert.True(Specificity >= 0.90, ToString());
        Assert.True(Sensitivity >= 0.30, ToString());
    }

    public override string ToString() =>
        $"truth vertebrae {truths}, matched by level {Recall:0.000}, specificity {Specificity:0.000} ({normals} normal), sensitivity {Sensitivity:0.000} ({fractures} fractured)";
}
