namespace PlaoImaging.Analysis.Inference;

/// <summary>A dense float32 tensor in row-major order. The engine owns and reuses the buffer; runners must not keep it.</summary>
public sealed class Tensor
{
    public Tensor(float[] data, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long n = 1;
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d);
            n *= d;
        }

        if (n > data.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] needs {n} values, the buffer holds {data.Length}", nameof(shape));
        }

        Data = data;
        Shape = shape;
        Length = (int)n;
    }

    /// <summary>The buffer; only the first <see cref="Length"/> values belong to the tensor (buffers may be pooled and larger).</summary>
    public float[] Data { get; }

    public int[] Shape { get; }

    public int Length { get; }

    public Span<float> Span => Data.AsSpan(0, Length);

    public static Tensor Allocate(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
        }

        return new Tensor(new float[n], shape);
    }
}
