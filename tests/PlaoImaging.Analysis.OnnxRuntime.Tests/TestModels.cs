using PlaoImaging.Analysis.Inference;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Analysis.OnnxRuntime.Tests;

/// <summary>The committed landmark model v1 (models/plao-vertebra-landmarks-v1.onnx) and manifests describing it or altered copies.</summary>
internal static class TestModels
{
    public const string V1File = "plao-vertebra-landmarks-v1.onnx";
    public const string V1Sha256 = "2daf9fe57c1144d81636ba685dfa062dbaa2fe92f26c8878a9fdc77f1c5c5d5e";
    public const long V1Size = 2867429;
    public const int Height = 448;
    public const int Width = 352;

    public static string ModelsDirectory => Path.Combine(Peers.RepositoryRoot, "models");

    public static string V1Path => Path.Combine(ModelsDirectory, V1File);

    public static string V1ManifestPath => Path.Combine(ModelsDirectory, "plao-vertebra-landmarks-v1.json");

    /// <summary>
    /// The committed v1 manifest, read with <see cref="ModelManifestReader"/>; <paramref name="directory"/> moves where
    /// its stage file is looked for, <paramref name="edit"/> alters its detector entry.
    /// </summary>
    public static ModelManifest V1(string? directory = null, Func<ModelStageSpec, ModelStageSpec>? edit = null)
    {
        var manifest = ModelManifestReader.Read(V1ManifestPath);
        Assert.Equal(V1Sha256, manifest.Detector.Sha256);
        return manifest with
        {
            Directory = directory ?? manifest.Directory,
            Detector = edit is null ? manifest.Detector : edit(manifest.Detector),
        };
    }

    public static OnnxRunnerOptions Cpu(int threads = 2) => new()
    {
        Provider = OnnxExecutionProvider.Cpu,
        IntraOpThreads = threads,
        InterOpThreads = 1,
        WarmUp = false,
    };

    /// <summary>
    /// A deterministic detector input: a smooth pseudo-radiograph in the normalised range on the top-left
    /// <c>rows x cols</c> part (different per <paramref name="seed"/>), the padding value -2 elsewhere.
    /// </summary>
    public static Tensor Input(int batch, int seed = 0, int rows = 400, int cols = 300)
    {
        var t = Tensor.Allocate(batch, 1, Height, Width);
        var data = t.Data;
        for (int n = 0; n < batch; n++)
        {
            int s = seed + n;
            uint state = 2463534242u ^ (uint)(s * 7919 + 1);
            for (int y = 0; y < Height; y++)
            {
                for (int x = 0; x < Width; x++)
                {
                    float v = -2f;
                    if (y < rows && x < cols)
                    {
                        state ^= state << 13;
                        state ^= state >> 17;
                        state ^= state << 5;
                        double noise = (state & 0xffff) / 65535.0 - 0.5;
                        double band = Math.Sin((y * (0.04 + 0.003 * s)) + (x * 0.011)) * Math.Cos(x * (0.02 + 0.001 * s));
                        v = (float)(0.9 * band + 0.3 * noise + (0.002 * y) - 0.4);
                    }

                    data[(((n * Height) + y) * Width) + x] = v;
                }
            }
        }

        return t;
    }

    /// <summary>Runs the detector, cancelled with the test.</summary>
    public static IReadOnlyDictionary<string, Tensor> Detect(this OnnxModelRunner runner, Tensor input) =>
        runner.Run("detector", input, TestContext.Current.CancellationToken);

    /// <summary>A scratch folder under artifacts/scratch, removed by the caller.</summary>
    public static string Scratch(string name) => Peers.ScratchDirectory("onnxruntime-" + name);

    public static void Delete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
