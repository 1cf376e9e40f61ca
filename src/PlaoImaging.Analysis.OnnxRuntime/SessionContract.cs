using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PlaoImaging.Analysis.OnnxRuntime;

/// <summary>
/// Checks what the manifest says about a stage's inputs and outputs, first on its own (one float input, the batch as the
/// first axis of everything, fixed sizes elsewhere), then against the loaded ONNX graph. Every refusal is a
/// <see cref="ModelManifestException"/> whose field is the JSON path of the manifest entry at fault.
/// </summary>
internal static class SessionContract
{
    /// <summary>Checks the manifest's own description of a stage (before anything is loaded).</summary>
    public static void CheckSpec(ModelStageSpec stage, string field)
    {
        if (stage.Inputs.Count != 1)
        {
            throw new ModelManifestException(field + ".inputs", $"the engine feeds exactly one input to a stage; the manifest lists {stage.Inputs.Count}");
        }

        if (stage.Outputs.Count == 0)
        {
            throw new ModelManifestException(field + ".outputs", "the manifest lists no output");
        }

        CheckShape(stage.Inputs[0], $"{field}.inputs[0]");
        for (int i = 0; i < stage.Outputs.Count; i++)
        {
            CheckShape(stage.Outputs[i], $"{field}.outputs[{i}]");
        }
    }

    /// <summary>Checks the loaded graph against the manifest: the same input and output names, float32, the same shapes.</summary>
    public static void CheckSession(InferenceSession session, ModelStageSpec stage, string field)
    {
        CheckSide("input", session.InputNames, session.InputMetadata, stage.Inputs, field + ".inputs");
        CheckSide("output", session.OutputNames, session.OutputMetadata, stage.Outputs, field + ".outputs");
    }

    /// <summary>The shape of one item (the shape without its batch axis) and the number of values it holds.</summary>
    public static (int[] ItemShape, int ItemLength) ItemOf(TensorSpec spec)
    {
        var item = new int[spec.Shape.Count - 1];
        long n = 1;
        for (int i = 1; i < spec.Shape.Count; i++)
        {
            item[i - 1] = spec.Shape[i]!.Value;
            n *= item[i - 1];
        }

        return (item, checked((int)n));
    }

    private static void CheckShape(TensorSpec spec, string field)
    {
        if (string.IsNullOrEmpty(spec.Name))
        {
            throw new ModelManifestException(field + ".name", "is empty");
        }

        if (spec.Shape.Count < 1 || spec.Shape[0] is not null)
        {
            throw new ModelManifestException(field + ".shape", $"{Describe(spec.Shape)}: the first axis must be \"batch\"");
        }

        long n = 1;
        for (int i = 1; i < spec.Shape.Count; i++)
        {
            if (spec.Shape[i] is not int d || d <= 0)
            {
                throw new ModelManifestException(field + ".shape", $"{Describe(spec.Shape)}: axis {i} must be a positive size (only the first axis is \"batch\")");
            }

            n *= d;
        }

        if (n > Array.MaxLength)
        {
            throw new ModelManifestException(field + ".shape", $"{Describe(spec.Shape)}: one item would hold {n} values, more than an array can");
        }
    }

    private static void CheckSide(
        string side,
        IReadOnlyList<string> names,
        IReadOnlyDictionary<string, NodeMetadata> metadata,
        IReadOnlyList<TensorSpec> specs,
        string field)
    {
        var listed = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            string at = $"{field}[{i}]";
            listed.Add(spec.Name);
            if (!metadata.TryGetValue(spec.Name, out var node))
            {
                throw new ModelManifestException(at + ".name", $"the model has no {side} '{spec.Name}' (its {side}s: {string.Join(", ", names.Select(n => $"'{n}'"))})");
            }

            if (!node.IsTensor || node.ElementDataType != TensorElementType.Float)
            {
                string type = node.IsTensor ? node.ElementDataType.ToString() : node.OnnxValueType.ToString();
                throw new ModelManifestException(at, $"the model's {side} '{spec.Name}' is {type}; the engine exchanges float32 tensors only");
            }

            var dims = node.Dimensions;
            bool same = dims.Length == spec.Shape.Count;
            for (int a = 0; same && a < dims.Length; a++)
            {
                // The batch axis must be dynamic in the graph (the engine feeds batches of any size); a fixed axis must be the
                // same size, or dynamic in the graph (the manifest then pins it; ONNX Runtime checks it on every run).
                same = spec.Shape[a] is int d ? dims[a] == d || dims[a] < 0 : dims[a] < 0;
            }

            if (!same)
            {
                throw new ModelManifestException(
                    at + ".shape",
                    $"the manifest says {Describe(spec.Shape)} for {side} '{spec.Name}', the model has {Describe(dims, node.SymbolicDimensions)}");
            }
        }

        var extra = names.Where(n => !listed.Contains(n)).ToList();
        if (extra.Count > 0)
        {
            throw new ModelManifestException(field, $"the model has {side}s the manifest does not list: {string.Join(", ", extra.Select(n => $"'{n}'"))}");
        }
    }

    private static string Describe(IReadOnlyList<int?> shape) =>
        "[" + string.Join(", ", shape.Select(d => d is int v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "\"batch\"")) + "]";

    private static string Describe(int[] dims, string[] symbolic) =>
        "[" + string.Join(", ", dims.Select((d, i) => d >= 0
            ? d.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : i < symbolic.Length && symbolic[i].Length > 0 ? $"\"{symbolic[i]}\"" : "?")) + "]";
}
