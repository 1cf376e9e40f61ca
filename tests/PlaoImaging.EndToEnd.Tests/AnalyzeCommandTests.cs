using System.Text.Json;
using System.Text.Json.Nodes;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests;

/// <summary><c>plao analyze</c> as a user runs it: the real binary on the sample studies, its JSON checked by a JSON Schema validator (python3-jsonschema), and its usage errors.</summary>
public sealed class AnalyzeCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("plao-analyze-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static (int ExitCode, string Stdout, string Stderr) Plao(params string[] arguments) =>
        Peers.RunProcess(Peers.DotnetHost, [Path.Combine(AppContext.BaseDirectory, "plao.dll"), .. arguments], timeoutSeconds: 600);

    [Fact]
    [Trait("Category", "slow")]
    [Trait("Category", "peer")]
    public void Analyze_SampleData_PrintsATablePerStudy_AndWritesSchemaValidJson()
    {
        string json = Path.Combine(folder, "results.json");
        var (exit, stdout, stderr) = Plao("analyze", Engine.SampleData, "--json", json, "--provider", "cpu");
        TestContext.Current.TestOutputHelper?.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        Assert.Contains("plao-vertebra-landmarks-v2", stdout, StringComparison.Ordinal);
        Assert.Contains("level", stdout, StringComparison.Ordinal);
        var results = JsonNode.Parse(File.ReadAllText(json))!.AsArray();
        // Eight phantom studies and the header-only minimal file (its own study, which fails: no pixel data).
        Assert.Equal(9, results.Count);
        Assert.Equal(7, results.Count(r => r!["status"]!.GetValue<string>() == "graded"));

        // The peer: a JSON Schema 2020-12 validator checks every result against the schema we ship.
        string schema = Path.Combine(folder, "schema.json");
        File.WriteAllText(schema, PlaoImaging.Analysis.Results.StudyResultJson.Schema);
        string script = """
            import json, sys
            import jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
            errors = [f"{i}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for i, r in enumerate(json.load(open(sys.argv[2]))) for e in validator.iter_errors(r)]
            print("\n".join(errors[:20]) if errors else "valid")
            sys.exit(1 if errors else 0)
            """;
        string scriptPath = Path.Combine(folder, "validate.py");
        File.WriteAllText(scriptPath, script);
        RequirePythonModule("jsonschema", "python3-jsonschema");
        var (code, output, error) = Peers.RunProcess("/usr/bin/python3", [scriptPath, schema, json]);
        Assert.True(code == 0, output + error);
    }

    [Fact]
    [Trait("Category", "slow")]
    [Trait("Category", "peer")]
    public void Analyze_SeveralStudiesAtOnce_PrintsAndWritesWhatOneAtATimeDoes_InInputOrder()
    {
        // Every sample study, once one at a time and once three at once: the same tables and written files in the same
        // (input) order, the same results, as many reports. Only the header line (threads) and the folders differ.
        string ReportsOf(string name) => Path.Combine(folder, name);
        var (exit1, out1, err1) = Plao("analyze", Engine.SampleData, "--provider", "cpu", "--jobs", "1", "--json", Path.Combine(folder, "one.json"), "--sr", ReportsOf("one"));
        var (exit3, out3, err3) = Plao("analyze", Engine.SampleData, "--provider", "cpu", "--jobs", "3", "--json", Path.Combine(folder, "three.json"), "--sr", ReportsOf("three"));
        Assert.True(exit1 == 0, out1 + err1);
        Assert.True(exit3 == 0, out3 + err3);

        // The objects' UIDs are new in every run: a written line is compared up to its folder.
        static string[] Body(string stdout, string reports) =>
            [.. stdout.Split('\n').Where(l => !l.Contains(" on cpu (", StringComparison.Ordinal))
                .Select(l => l.StartsWith("  wrote " + reports, StringComparison.Ordinal) ? "  wrote REPORTS" : l.EndsWith(".json", StringComparison.Ordinal) ? "wrote JSON" : l)];
        var one = Body(out1, ReportsOf("one"));
        Assert.Contains(one, l => l.StartsWith("  wrote REPORTS", StringComparison.Ordinal));
        Assert.Equal(one, Body(out3, ReportsOf("three")));

        static IEnumerable<string> Summary(string json) => JsonNode.Parse(File.ReadAllText(json))!.AsArray()
            .Select(r => $"{r!["study_instance_uid"]} {r["status"]} {r["images"]?.AsArray().Count}");
        Assert.Equal(Summary(Path.Combine(folder, "one.json")), Summary(Path.Combine(folder, "three.json")));
        Assert.Equal(Directory.GetFiles(ReportsOf("one")).Length, Directory.GetFiles(ReportsOf("three")).Length);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void Analyze_WithAModelWhoseSha256DoesNotMatch_ExitsWithAUsageErrorNamingTheField()
    {
        string manifest = Path.Combine(Peers.RepositoryRoot, "models", "plao-vertebra-landmarks-v1.json");
        var node = JsonNode.Parse(File.ReadAllText(manifest))!;
        node["stages"]!["detector"]!["sha256"] = new string('0', 64);
        File.Copy(Path.Combine(Peers.RepositoryRoot, "models", "plao-vertebra-landmarks-v1.onnx"), Path.Combine(folder, "plao-vertebra-landmarks-v1.onnx"));
        string changed = Path.Combine(folder, "manifest.json");
        File.WriteAllText(changed, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var (exit, _, stderr) = Plao("analyze", Path.Combine(Engine.SampleData, "04-cr-normal-implicit"), "--model", changed, "--provider", "cpu");
        Assert.Equal(2, exit);
        Assert.Contains("stages.detector.sha256", stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void Analyze_WithAMissingOrTruncatedModelFile_ExitsWithAUsageError()
    {
        string manifest = Path.Combine(Peers.RepositoryRoot, "models", "plao-vertebra-landmarks-v1.json");
        string copy = Path.Combine(folder, "m.json");
        File.Copy(manifest, copy);
        var (exit, _, stderr) = Plao("analyze", Path.Combine(Engine.SampleData, "04-cr-normal-implicit"), "--model", copy, "--provider", "cpu");
        Assert.Equal(2, exit);
        Assert.Contains("stages.detector", stderr, StringComparison.Ordinal);

        byte[] onnx = File.ReadAllBytes(Path.Combine(Peers.RepositoryRoot, "models", "plao-vertebra-landmarks-v1.onnx"));
        File.WriteAllBytes(Path.Combine(folder, "plao-vertebra-landmarks-v1.onnx"), onnx[..(onnx.Length / 2)]);
        (exit, _, stderr) = Plao("analyze", Path.Combine(Engine.SampleData, "04-cr-normal-implicit"), "--model", copy, "--provider", "cpu");
        Assert.Equal(2, exit);
        Assert.Contains("stages.detector", stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void Analyze_MissingInput_ExitsWithAUsageError()
    {
        var (exit, _, stderr) = Plao("analyze", Path.Combine(folder, "nothing-here"));
        Assert.Equal(2, exit);
        Assert.Contains("not found", stderr, StringComparison.Ordinal);
    }

    private static void RequirePythonModule(string module, string package)
    {
        var (code, _, _) = Peers.RunProcess("/usr/bin/python3", ["-c", $"import {module}"]);
        if (code == 0)
        {
            return;
        }

        Peers.Unavailable($"{package} is not installed (./build.sh test installs it)");
    }
}
