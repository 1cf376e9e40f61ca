using System.Globalization;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Analysis.OnnxRuntime.Tests;

/// <summary>
/// ONNX Runtime against the reference numpy ONNX runner of training/ (which training/export.py checked against
/// PyTorch): the same input through both, every output value within 1e-4. The peer is /usr/bin/python3 with numpy and
/// onnx (Debian's python3-numpy, python3-onnx): missing, it fails in CI and skips loudly elsewhere.
/// </summary>
[Trait("Category", "slow")]
[Trait("Category", "peer")]
public sealed class NumpyPeerTests
{
    private const float Tolerance = 1e-4f;
    private const string Python = "/usr/bin/python3";

    [Fact]
    public void Detector_SameInputAsTheNumpyReferenceRunner_SameOutputsWithin1e4()
    {
        RequirePython();
        var dir = TestModels.Scratch("numpy-peer");
        try
        {
            var input = TestModels.Input(1, seed: 42);
            var inputPath = Path.Combine(dir, "input.f32");
            WriteFloats(inputPath, input.Span);
            var script = Path.Combine(Peers.RepositoryRoot, "tests", "PlaoImaging.Analysis.OnnxRuntime.Tests", "onnx_numpy_peer.py");
            var (code, stdout, stderr) = Peers.RunProcess(
                Python, [script, TestModels.V1Path, inputPath, string.Join(',', input.Shape), dir], timeoutSeconds: 300);
            if (code == 3 && stdout.StartsWith("MISSING:", StringComparison.Ordinal))
            {
                Unavailable($"the numpy peer lacks a module: {stdout.Trim()} (install python3-numpy python3-onnx)");
            }

            Assert.True(code == 0, $"onnx_numpy_peer.py exited {code}: {stderr}");
            TestContext.Current.TestOutputHelper?.WriteLine("numpy runner: " + stdout.Trim());

            using var runner = OnnxModelRunner.Create(TestModels.V1(), TestModels.Cpu());
            var outputs = runner.Detect(input);
            var report = new List<string>();
            foreach (var (name, tensor) in outputs)
            {
                var reference = ReadFloats(Path.Combine(dir, name + ".f32"));
                Assert.Equal(tensor.Length, reference.Length);
                float worst = RunTests.MaxAbsDiff(tensor.Span, reference);
                double sum = 0;
                foreach (float v in tensor.Span)
                {
                    sum += v;
                }

                report.Add(string.Create(CultureInfo.InvariantCulture, $"{name} sum={sum:F6} max|ort-numpy|={worst:g3}"));
                Assert.True(worst <= Tolerance, $"output {name}: ONNX Runtime and the numpy runner differ by up to {worst:g3} (> {Tolerance:g})");
            }

            TestContext.Current.TestOutputHelper?.WriteLine("onnx runtime: " + string.Join("; ", report));
        }
        finally
        {
            TestModels.Delete(dir);
        }
    }

    private static void RequirePython()
    {
        if (!File.Exists(Python))
        {
            Unavailable($"{Python} is not installed");
        }
    }

    private static void Unavailable(string reason) => Peers.Unavailable(reason);

    private static void WriteFloats(string path, ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        File.WriteAllBytes(path, bytes);
    }

    private static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }

        return values;
    }
}
