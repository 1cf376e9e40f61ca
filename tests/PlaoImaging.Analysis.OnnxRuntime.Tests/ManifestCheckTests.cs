using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace PlaoImaging.Analysis.OnnxRuntime.Tests;

/// <summary>Model files and manifests that do not fit: each refused by <see cref="OnnxModelRunner.Create"/> with a typed error naming the field.</summary>
[Trait("Category", "unit")]
public sealed class ManifestCheckTests
{
    [Fact]
    public void Create_CommittedV1ManifestAndModel_Agree()
    {
        using var runner = OnnxModelRunner.Create(TestModels.V1(), TestModels.Cpu());
        Assert.Equal("plao-vertebra-landmarks-v1", runner.Manifest.Id);
        Assert.Equal(["detector"], runner.Stages);
    }

    [Fact]
    public void Create_MissingModelFile_ThrowsNamingStageFile()
    {
        var dir = TestModels.Scratch("missing");
        try
        {
            var e = Assert.Throws<ModelManifestException>(() => OnnxModelRunner.Create(TestModels.V1(dir), TestModels.Cpu()));
            Assert.Equal("stages.detector.file", e.Field);
            Assert.Contains("not found at", e.Message, StringComparison.Ordinal);
            Assert.Contains(TestModels.V1File, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            TestModels.Delete(dir);
        }
    }

    [Fact]
    public void Create_TruncatedModelFile_ThrowsNamingSize()
    {
        var dir = TestModels.Scratch("truncated");
        try
        {
            CopyTruncated(dir, TestModels.V1Size / 2);
            var e = Assert.Throws<ModelManifestException>(() => OnnxModelRunner.Create(TestModels.V1(dir), TestModels.Cpu()));
            Assert.Equal("stages.detector.size_bytes", e.Field);
            Assert.Contains($"{TestModels.V1Size / 2} bytes", e.Message, StringComparison.Ordinal);
            Assert.Contains(TestModels.V1Size.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        }
        finally
        {
            TestModels.Delete(dir);
        }
    }

    [Fact]
    public void Create_TruncatedModelFileThatMatchesItsManifest_ThrowsTypedLoadErrorNotOnnxRuntimeException()
    {
        // A manifest written for the cut file (size and sha256 agree), so that ONNX Runtime itself has to refuse it.
        var dir = TestModels.Scratch("truncated-matching");
        try
        {
            var path = CopyTruncated(dir, TestModels.V1Size / 2);
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
            var manifest = TestModels.V1(dir, d => d with { Sha256 = sha, SizeBytes = new FileInfo(path).Length });
            var e = Assert.Throws<ModelManifestException>(() => OnnxModelRunner.Create(manifest, TestModels.Cpu()));
            Assert.Equal("stages.detector.file", e.Field);
            Assert.Contains("cannot load", e.Message, StringComparison.Ordinal);
            Assert.IsType<OnnxRuntimeException>(e.InnerException);
        }
        finally
        {
            TestModels.Delete(dir);
        }
    }

    [Fact]
    public void Create_Sha256Mismatch_ThrowsNamingExpectedAndActual()
    {
        const string wrong = "00000000000000000000000000000000000000000000000000000000000000ff";
        var e = Assert.Throws<ModelManifestException>(() => OnnxModelRunner.Create(TestModels.V1(edit: d => d with { Sha256 = wrong }), TestModels.Cpu()));
        Assert.Equal("stages.detector.sha256", e.Field);
        Assert.Contains(wrong, e.Message, StringComparison.Ordinal);
        Assert.Contains(TestModels.V1Sha256, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_SameSizeDifferentBytes_ThrowsNamingSha256()
    {
        var dir = TestModels.Scratch("flipped");
        try
        {
            var bytes = File.ReadAllBytes(TestModels.V1Path);
            bytes[bytes.Length / 2] ^= 0x01;
            File.WriteAllBytes(Path.Combine(dir, TestModels.V1File), bytes);
            var e = Assert.Throws<ModelManifestException>(() => OnnxModelRunner.Create(TestModels.V1(dir), TestModels.Cpu()));
            Assert.Equal("stages.detector.sha256", e.Field);
        }
        finally
        {
            TestModels.Delete(dir);
        }
    }

    [Fact]
    public void Create_InputNameMismatch_ThrowsNamingInputName()
    {
        var manifest = TestModels.V1(edit: d => d with { Inputs = [new TensorSpec("pixels", [null, 1, 448, 352])] });
        var e = Assert.Throws<ModelManifestException>(() => OnnxModelRunner.Create(manifest, TestModels.Cpu()));
        Assert.Equal("stages.detector.inputs[0].name", e.Field);
        Assert.Contains("'pixels'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'image'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_InputShapeMismatch_ThrowsNamingInputShape()
    {
        var manifest = TestModels.V1(edit: d => d with { Inputs = [new TensorSpec("image", [null, 1, 512, 352])] });
        var e = Assert.Throws<ModelManifestException>(() => OnnxModelRunner.Create(manifest, TestModels.Cpu()));
        Assert.Equal("stages.detector.inputs[0].shape", e.Field);
        Assert.Contains("[\"batch\", 1, 512, 352]", e.Message, StringComparison.Ordinal);
        Assert.Contains("[\"batch\", 1, 448, 352]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_OutputShapeMismatch_ThrowsNamingOutputShape()
    {
        var manifest = TestModels.V1(edit: d => d with
        {
            Outputs = [d.Outputs[0], new TensorSpec("offsets", [null, 12, 112, 88]), d.Outputs[2]],
        });
        var e = Assert.Throws<ModelManifestException>(() => OnnxModelRunner.Create(manifest, TestModels.Cpu()));
        Assert.Equal("stages.detector.outputs[1].shape", e.Field);
        Assert.Contains("'offsets'", e.Message, StringComparison.Ordinal);
        Assert.Contains("[\"batch\", 14, 112, 88]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_OutputTheManifestOmits_ThrowsNamingOutputs()
    {
        var manifest = TestModels.V1(edit: d => d with { Outputs = [d.Outputs[0], d.Outputs[1]] });
        var e = Assert.Throws<ModelManifestException>(() => OnnxModelRunner.Create(manifest, TestModels.Cpu()));
        Assert.Equal("stages.detector.outputs", e.Field);
        Assert.Contains("'levels'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_FixedBatchAxisInManifest_ThrowsNamingShape()
    {
        var manifest = TestModels.V1(edit: d => d with { Inputs = [new TensorSpec("image", [1, 1, 448, 352])] });
        var e = Assert.Throws<ModelManifestException>(() => OnnxModelRunner.Create(manifest, TestModels.Cpu()));
        Assert.Equal("stages.detector.inputs[0].shape", e.Field);
        Assert.Contains("\"batch\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TwoStageWithoutRefiner_ThrowsNamingRefiner()
    {
        var manifest = TestModels.V1() with { Architecture = ModelManifest.TwoStage };
        var e = Assert.Throws<ModelManifestException>(() => OnnxModelRunner.Create(manifest, TestModels.Cpu()));
        Assert.Equal("stages.refiner", e.Field);
    }

    private static string CopyTruncated(string dir, long length)
    {
        var path = Path.Combine(dir, TestModels.V1File);
        File.WriteAllBytes(path, File.ReadAllBytes(TestModels.V1Path).AsSpan(0, checked((int)length)).ToArray());
        return path;
    }
}
