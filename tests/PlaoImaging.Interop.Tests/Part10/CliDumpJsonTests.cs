using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Part10;

/// <summary>
/// The real <c>plao</c> binary: <c>plao dump --json</c> writes byte for byte what the in-process path the other tests
/// check (DicomFile.Open + DicomJsonWriter) writes, and so equals dcm2json on the same files.
/// </summary>
[Trait("Category", "slow")]
public class CliDumpJsonTests
{
    [Fact]
    public void PlaoDumpJson_EqualsInProcessWriterAndDcm2Json()
    {
        TestCorpus.RequirePeers();
        Peers.Require("dcm2json");
        string plao = Path.Combine(AppContext.BaseDirectory, "plao.dll");
        Assert.True(File.Exists(plao), $"plao.dll is not beside the tests ({plao}): the project reference to PlaoImaging.Cli is missing");

        var files = new List<string>
        {
            TestCorpus.Get("dump2dcm/all-vrs").Files[0],
            TestCorpus.Get("python/pydicom-all-vrs-explicit-be").Files[0],
            TestCorpus.Get("charset/latin1").Files[0],
            TestCorpus.Get("python/raw-edge-strings").Files[0],
        };
        string corpus = Path.GetFullPath(Path.Combine(Peers.RepositoryRoot, "..", "shared", "dicom-corpus", "pydicom", "src", "pydicom", "data", "test_files", "CT_small.dcm"));
        if (File.Exists(corpus))
        {
            files.Add(corpus);
        }

        var failures = new List<string>();
        foreach (var file in files)
        {
            var (code, stdout, stderr) = RunPlao(plao, ["dump", "--json", file]);
            if (code != 0)
            {
                failures.Add($"{Path.GetFileName(file)}: plao dump --json exited {code}: {stderr}");
                continue;
            }

            var (inProcess, _, error) = Dcm2JsonComparison.ReadOurs(file);
            Assert.Null(error);
            if (stdout != inProcess + "\n")
            {
                failures.Add($"{Path.GetFileName(file)}: the CLI's output differs from DicomJsonWriter's in process");
            }

            var (dcmtkCode, dcmtk, dcmtkError) = Peers.Run("dcm2json", [file]);
            Assert.True(dcmtkCode == 0, dcmtkError);
            failures.AddRange(DicomJsonComparer.Compare(LenientJson.Parse(stdout), LenientJson.Parse(dcmtk))
                .Select(m => $"{Path.GetFileName(file)}: {m}"));
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static (int Code, string Stdout, string Stderr) RunPlao(string plao, string[] args) =>
        Peers.RunProcess(Peers.DotnetHost, [plao, .. args]);
}
