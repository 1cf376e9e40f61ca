using Microsoft.ML.OnnxRuntime;
using PlaoImaging.Analysis.Inference;

namespace PlaoImaging.Analysis.OnnxRuntime;

/// <summary>
/// One stage of a model: its shared <see cref="InferenceSession"/> (whose Run is thread-safe) and what the manifest says
/// about its tensors. Inputs and outputs are handed to ONNX Runtime as views of the callers' arrays: nothing is copied
/// on the way in or out.
/// </summary>
internal sealed class OnnxStage : IDisposable
{
    private readonly InferenceSession session;
    private readonly string[] inputNames;
    private readonly string[] outputNames;
    private readonly int[] inputItem;
    private readonly int inputItemLength;
    private readonly int[][] outputItems;
    private readonly int[] outputItemLengths;

    public OnnxStage(string role, ModelStageSpec spec, InferenceSession session)
    {
        Role = role;
        this.session = session;
        inputNames = [spec.Inputs[0].Name];
        (inputItem, inputItemLength) = SessionContract.ItemOf(spec.Inputs[0]);
        outputNames = spec.Outputs.Select(o => o.Name).ToArray();
        outputItems = new int[outputNames.Length][];
        outputItemLengths = new int[outputNames.Length];
        for (int i = 0; i < outputNames.Length; i++)
        {
            (outputItems[i], outputItemLengths[i]) = SessionContract.ItemOf(spec.Outputs[i]);
        }
    }

    /// <summary><c>detector</c> or <c>refiner</c>.</summary>
    public string Role { get; }

    public IReadOnlyList<string> OutputNames => outputNames;

    /// <summary>The batch size of <paramref name="input"/>; throws <see cref="ArgumentException"/> unless its shape is [batch, item...].</summary>
    public int BatchOf(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var shape = input.Shape;
        bool ok = shape.Length == inputItem.Length + 1;
        for (int i = 0; ok && i < inputItem.Length; i++)
        {
            ok = shape[i + 1] == inputItem[i];
        }

        if (!ok)
        {
            throw new ArgumentException(
                $"stage {Role}: input '{inputNames[0]}' must have shape [batch, {string.Join(", ", inputItem)}], not [{string.Join(", ", shape)}]",
                nameof(input));
        }

        return shape[0];
    }

    /// <summary>Fresh output tensors for a batch, in the manifest's order.</summary>
    public Dictionary<string, Tensor> AllocateOutputs(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        var outputs = new Dictionary<string, Tensor>(outputNames.Length, StringComparer.Ordinal);
        for (int i = 0; i < outputNames.Length; i++)
        {
            outputs[outputNames[i]] = new Tensor(new float[checked((long)batch * outputItemLengths[i])], WithBatch(batch, outputItems[i]));
        }

        return outputs;
    }

    /// <summary>
    /// Runs <paramref name="input"/> (already checked with <see cref="BatchOf"/>) in slices of at most
    /// <paramref name="maxBatch"/> items (0: all at once), each written by ONNX Runtime straight into its part of
    /// <paramref name="outputs"/>.
    /// </summary>
    public void Run(Tensor input, int batch, IReadOnlyDictionary<string, Tensor> outputs, int maxBatch, string model, CancellationToken cancellationToken)
    {
        var targets = new Tensor[outputNames.Length];
        for (int i = 0; i < outputNames.Length; i++)
        {
            if (!outputs.TryGetValue(outputNames[i], out var t) || t is null)
            {
                throw new ArgumentException($"stage {Role}: no tensor for output '{outputNames[i]}'", nameof(outputs));
            }

            var expected = WithBatch(batch, outputItems[i]);
            if (!t.Shape.AsSpan().SequenceEqual(expected))
            {
                throw new ArgumentException(
                    $"stage {Role}: output '{outputNames[i]}' must have shape [{string.Join(", ", expected)}], not [{string.Join(", ", t.Shape)}]",
                    nameof(outputs));
            }

            targets[i] = t;
        }

        int slice = maxBatch > 0 ? maxBatch : Math.Max(batch, 1);
        var inputValues = new OrtValue[1];
        var outputValues = new OrtValue[outputNames.Length];
        for (int start = 0; start < batch; start += slice)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(slice, batch - start);
            using var runOptions = new RunOptions();
            using var registration = cancellationToken.CanBeCanceled
                ? cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, runOptions)
                : default;
            try
            {
                inputValues[0] = View(input.Data, start, n, inputItemLength, inputItem);
                for (int i = 0; i < targets.Length; i++)
                {
                    outputValues[i] = View(targets[i].Data, start, n, outputItemLengths[i], outputItems[i]);
                }

                session.Run(runOptions, inputNames, inputValues, outputNames, outputValues);
            }
            catch (OnnxRuntimeException e) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"stage {Role}: cancelled", e, cancellationToken);
            }
            catch (OnnxRuntimeException e)
            {
                throw new AnalysisException($"model {model}: stage {Role}: ONNX Runtime failed on a batch of {n}: {e.Message}", e);
            }
            finally
            {
                inputValues[0]?.Dispose();
                inputValues[0] = null!;
                for (int i = 0; i < outputValues.Length; i++)
                {
                    outputValues[i]?.Dispose();
                    outputValues[i] = null!;
                }
            }
        }
    }

    public void Dispose() => session.Dispose();

    private static int[] WithBatch(int batch, int[] item)
    {
        var shape = new int[item.Length + 1];
        shape[0] = batch;
        item.CopyTo(shape, 1);
        return shape;
    }

    /// <summary>An ONNX Runtime tensor over items [start, start + n) of a caller's buffer (pinned for the value's lifetime, not copied).</summary>
    private static OrtValue View(float[] data, int start, int n, int itemLength, int[] item)
    {
        var shape = new long[item.Length + 1];
        shape[0] = n;
        for (int i = 0; i < item.Length; i++)
        {
            shape[i + 1] = item[i];
        }

        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data.AsMemory(start * itemLength, n * itemLength), shape);
    }
}
