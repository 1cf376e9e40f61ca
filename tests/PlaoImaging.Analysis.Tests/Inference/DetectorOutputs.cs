using PlaoImaging.Analysis.Inference;

namespace PlaoImaging.Analysis.Tests.Inference;

/// <summary>Synthetic detector outputs ([n,1,h,w], [n,14,h,w], [n,18,h,w]) for the decoder and the model.</summary>
internal sealed class DetectorOutputs
{
    public const int Height = 112;
    public const int Width = 88;
    public const int Cells = Height * Width;

    public DetectorOutputs(int batch)
    {
        Batch = batch;
        Heatmap = Tensor.Allocate(batch, 1, Height, Width);
        Offsets = Tensor.Allocate(batch, 14, Height, Width);
        Levels = Tensor.Allocate(batch, 18, Height, Width);
        Heatmap.Span.Fill(-10f);
    }

    public int Batch { get; }

    public Tensor Heatmap { get; }

    public Tensor Offsets { get; }

    public Tensor Levels { get; }

    public Dictionary<string, Tensor> ToDictionary() => new() { ["heatmap"] = Heatmap, ["offsets"] = Offsets, ["levels"] = Levels };

    public void SetHeat(int item, int row, int col, float logit) => Heatmap.Data[(item * Cells) + (row * Width) + col] = logit;

    public void SetOffset(int item, int channel, int row, int col, float value) => Offsets.Data[(((item * 14) + channel) * Cells) + (row * Width) + col] = value;

    public void SetLevel(int item, int level, int row, int col, float logit) => Levels.Data[(((item * 18) + level) * Cells) + (row * Width) + col] = logit;

    /// <summary>
    /// A vertebra at cell (row, col) whose centre and six points are the given model-pixel positions (the offsets
    /// are chosen to produce them), labelled <paramref name="level"/> with a clear level logit.
    /// </summary>
    public void AddVertebra(int item, int row, int col, float logit, int level, (double X, double Y) centre, (double X, double Y)[] points)
    {
        SetHeat(item, row, col, logit);
        SetOffset(item, 0, row, col, (float)((centre.X / 4) - col));
        SetOffset(item, 1, row, col, (float)((centre.Y / 4) - row));
        double cx = (col + (double)(float)((centre.X / 4) - col)) * 4;
        double cy = (row + (double)(float)((centre.Y / 4) - row)) * 4;
        for (int k = 0; k < 6; k++)
        {
            SetOffset(item, 2 + (2 * k), row, col, (float)((points[k].X - cx) / 32));
            SetOffset(item, 3 + (2 * k), row, col, (float)((points[k].Y - cy) / 32));
        }

        SetLevel(item, level, row, col, 8f);
    }

    /// <summary>The smooth pattern used with numpy's decode.py for the reference figures in the tests.</summary>
    public static DetectorOutputs Pattern(bool sparse)
    {
        var o = new DetectorOutputs(1);
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                int cell = (y * Width) + x;
                double dx = x - 44 - (3 * Math.Sin(y * 0.05));
                o.Heatmap.Data[cell] = sparse
                    ? (float)(-4 + (9 * Math.Exp(-(dx * dx) / 20) * (Math.Cos(y * 0.3) + 1) / 2))
                    : (float)((6 * Math.Cos(y * 0.35) * Math.Cos((x * 0.5) + (0.3 * Math.Sin(y * 0.1)))) - 2.0);
                for (int k = 0; k < 14; k++)
                {
                    o.Offsets.Data[(k * Cells) + cell] = (float)(0.5 * Math.Sin((y * 0.7 * (k + 1)) + (x * 0.3 * (k + 2))));
                }

                for (int l = 0; l < 18; l++)
                {
                    o.Levels.Data[(l * Cells) + cell] = (float)(3 * Math.Cos((y * 0.05) - (l * 0.4) + (x * 0.01 * (l % 3))));
                }
            }
        }

        return o;
    }
}

/// <summary>An <see cref="IModelRunner"/> that answers with a function of the stage and the input (and records the calls).</summary>
internal sealed class FakeRunner(ModelManifest manifest, Func<string, Tensor, IReadOnlyDictionary<string, Tensor>> run) : IModelRunner
{
    public ModelManifest Manifest { get; } = manifest;

    public string ExecutionProvider => "fake";

    public List<(string Stage, int[] Shape, float[] Input)> Calls { get; } = [];

    public IReadOnlyDictionary<string, Tensor> Run(string stage, Tensor input, CancellationToken cancellationToken = default)
    {
        lock (Calls)
        {
            Calls.Add((stage, [.. input.Shape], input.Span.ToArray()));
        }

        return run(stage, input);
    }

    public void Dispose()
    {
    }
}
