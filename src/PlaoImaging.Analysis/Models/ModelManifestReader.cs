using System.Globalization;
using System.Text.Json;

namespace PlaoImaging.Analysis;

/// <summary>
/// Reads a schema 2 model manifest (<c>models/MANIFEST.md</c>) into a <see cref="ModelManifest"/>. Refuses an unknown
/// schema, a missing or mistyped field, a value out of range and a rule this engine does not implement, with a
/// <see cref="ModelManifestException"/> naming the field's JSON path. Prose fields are not read. The ONNX files the
/// manifest names are not opened here (the runtime checks them).
/// </summary>
public static class ModelManifestReader
{
    private static readonly string[] CanonicalPoints = ["sa", "sm", "sp", "ia", "im", "ip"];
    private static readonly string[] DeformityKinds = ["wedge", "biconcave", "crush"];

    /// <summary>Reads the manifest at <paramref name="manifestPath"/>; stage files resolve against its folder.</summary>
    public static ModelManifest Read(string manifestPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(manifestPath);
        string full = Path.GetFullPath(manifestPath);
        FileStream stream;
        try
        {
            stream = File.OpenRead(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelManifestException("$", $"cannot read the manifest {manifestPath}: {e.Message}", e);
        }

        using (stream)
        {
            return Read(stream, Path.GetDirectoryName(full));
        }
    }

    /// <summary>The largest manifest read (a manifest is a few hundred kilobytes at most).</summary>
    public const int MaxManifestBytes = 16 * 1024 * 1024;

    /// <summary>Reads a manifest from a stream; <paramref name="directory"/> is where its stage files lie (null: the current folder).</summary>
    public static ModelManifest Read(Stream stream, string? directory)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] bytes;
        using (var buffer = new MemoryStream())
        {
            byte[] chunk = new byte[81920];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > MaxManifestBytes)
                {
                    throw new ModelManifestException("$", $"the manifest is larger than {MaxManifestBytes} bytes");
                }

                buffer.Write(chunk, 0, n);
            }

            bytes = buffer.ToArray();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new ModelManifestException("$", $"not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            return Parse(new Node(document.RootElement, string.Empty), directory) with
            {
                ManifestSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)),
            };
        }
    }

    private static ModelManifest Parse(Node root, string? directory)
    {
        root.ExpectObject();
        var schemaNode = root.Required("schema");
        int schema = schemaNode.Int();
        if (schema != ModelManifest.SupportedSchema)
        {
            throw schemaNode.Error($"schema {schema} is not supported (this engine reads schema {ModelManifest.SupportedSchema})");
        }

        string id = root.Required("id").NonEmptyString();
        string version = root.Required("version").NonEmptyString();
        var architectureNode = root.Required("architecture");
        string architecture = architectureNode.OneOf(ModelManifest.SingleStage, ModelManifest.TwoStage);

        var stages = root.Required("stages");
        stages.ExpectObject();
        var detector = ParseStage(stages.Required("detector"), "detector");
        var refinerNode = stages.Optional("refiner");
        ModelStageSpec? refiner = null;
        RefinerSpec? refinement = null;
        if (architecture == ModelManifest.TwoStage)
        {
            if (refinerNode is null)
            {
                throw stages.Child("refiner").Error("required for a two-stage model but missing");
            }

            refiner = ParseStage(refinerNode.Value, "refiner");
        }
        else if (refinerNode is not null)
        {
            throw refinerNode.Value.Error("a single-stage model has no refiner (architecture says single-stage)");
        }

        var preprocessing = ParsePreprocessing(root.Required("preprocessing"));
        var decoding = ParseOutputDecoding(root.Required("output_decoding"));
        var grading = ParseGrading(root.Required("grading"), decoding.LevelNames);
        if (refiner is not null)
        {
            refinement = ParseRefiner(root.Required("refiner"), preprocessing.Normalisation);
            CheckOutputNamed(refiner, refinement.PointsOutput, root.Child("refiner").Child("outputs").Child("points"));
            if (refinement.ConfidenceOutput is not null)
            {
                CheckOutputNamed(refiner, refinement.ConfidenceOutput, root.Child("refiner").Child("outputs").Child("confidence"));
            }

            if (refinement.PointUncertaintyOutput is not null)
            {
                CheckOutputNamed(refiner, refinement.PointUncertaintyOutput, root.Child("refiner").Child("outputs").Child("point_uncertainty"));
            }
        }

        CheckDetector(detector, preprocessing, decoding, stages.Child("detector"), root.Child("output_decoding").Child("outputs"));
        ReviewSpec? review = null;
        if (root.Optional("review") is { } reviewNode)
        {
            reviewNode.ExpectObject();
            var minNode = reviewNode.Required("possible_fracture_min_reduction");
            double min = minNode.PositiveDouble();
            if (min >= grading.FirstThreshold.Min)
            {
                throw minNode.Error($"{min} is not below the grade 1 threshold {grading.FirstThreshold.Min}: it would flag nothing");
            }

            review = new ReviewSpec(min);
        }

        return new ModelManifest
        {
            Id = id,
            Version = version,
            Architecture = architecture,
            Detector = detector,
            Refiner = refiner,
            Preprocessing = preprocessing,
            OutputDecoding = decoding,
            Grading = grading,
            Refinement = refinement,
            Review = review,
            IntendedUse = ProseOf(root, "intended_use"),
            Limitations = ProseOf(root, "limitations"),
            Directory = directory,
        };
    }

    private static string? ProseOf(Node root, string name) =>
        root.Optional(name) is { Element.ValueKind: JsonValueKind.String } node ? node.Element.GetString() : null;

    private static ModelStageSpec ParseStage(Node node, string name)
    {
        node.ExpectObject();
        var fileNode = node.Required("file");
        string file = fileNode.NonEmptyString();
        if (Path.IsPathRooted(file))
        {
            throw fileNode.Error("must be a file name relative to the manifest");
        }

        var shaNode = node.Required("sha256");
        string sha = shaNode.NonEmptyString();
        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit))
        {
            throw shaNode.Error("must be 64 hexadecimal digits");
        }

        var sizeNode = node.Required("size_bytes");
        long size = sizeNode.Long();
        if (size <= 0)
        {
            throw sizeNode.Error($"must be positive, found {size}");
        }

        return new ModelStageSpec(name, file, sha.ToLowerInvariant(), size, ParseTensors(node.Required("inputs")), ParseTensors(node.Required("outputs")));
    }

    private static List<TensorSpec> ParseTensors(Node node)
    {
        var items = node.Array();
        if (items.Count == 0)
        {
            throw node.Error("must list at least one tensor");
        }

        var tensors = new List<TensorSpec>(items.Count);
        foreach (var item in items)
        {
            item.ExpectObject();
            string name = item.Required("name").NonEmptyString();
            var shape = new List<int?>();
            foreach (var dim in item.Required("shape").Array())
            {
                if (dim.Element.ValueKind == JsonValueKind.String)
                {
                    if (dim.Element.GetString() != "batch")
                    {
                        throw dim.Error($"a dynamic axis must be named \"batch\", found \"{dim.Element.GetString()}\"");
                    }

                    shape.Add(null);
                }
                else
                {
                    int d = dim.Int();
                    if (d <= 0)
                    {
                        throw dim.Error($"must be positive, found {d}");
                    }

                    shape.Add(d);
                }
            }

            tensors.Add(new TensorSpec(name, shape));
        }

        return tensors;
    }

    private static PreprocessingSpec ParsePreprocessing(Node node)
    {
        node.ExpectObject();
        var grid = node.Required("grid");
        grid.ExpectObject();
        int height = grid.Required("height").PositiveInt();
        int width = grid.Required("width").PositiveInt();
        double target = node.Required("target_spacing_mm").PositiveDouble();

        var spacing = node.Required("spacing");
        spacing.ExpectObject();
        var sourcesNode = spacing.Required("sources");
        sourcesNode.ExpectObject();
        var sources = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (key, value) in sourcesNode.Properties())
        {
            sources[key.Trim().ToUpperInvariant()] = value.StringList(allowEmpty: true);
        }

        string component = spacing.Required("component").OneOf("row");

        var scale = node.Required("scale");
        scale.ExpectObject();
        string rule = scale.Required("rule").OneOf("min(spacing/target, fit)");
        string rounding = scale.Required("size_rounding").OneOf("half_to_even");
        string modelScale = scale.Required("model_scale").OneOf("out/in");

        var intensity = node.Required("intensity");
        intensity.ExpectObject();
        string lut = intensity.Required("modality_lut").OneOf("rescale");
        var window = intensity.Required("window");
        window.ExpectObject();
        string windowSource = window.Required("source").OneOf("first_pair");
        var minWidthNode = window.Required("min_width");
        double minWidth = minWidthNode.Double();
        if (!(minWidth >= 0))
        {
            throw minWidthNode.Error($"must not be negative, found {Format(minWidth)}");
        }

        string function = window.Required("function").OneOf("linear");

        // Not in the MANIFEST.md table but written by training (contract.py): the divisor is max(w − 1, min_divisor).
        double minDivisor = window.Optional("min_divisor")?.PositiveDouble() ?? 0;
        var fallback = intensity.Required("fallback");
        fallback.ExpectObject();
        var lowerNode = fallback.Required("lower_percentile");
        double lower = lowerNode.Double();
        var upperNode = fallback.Required("upper_percentile");
        double upper = upperNode.Double();
        if (!(lower >= 0 && lower <= 100))
        {
            throw lowerNode.Error($"must lie in [0, 100], found {Format(lower)}");
        }

        if (!(upper >= 0 && upper <= 100))
        {
            throw upperNode.Error($"must lie in [0, 100], found {Format(upper)}");
        }

        if (!(lower < upper))
        {
            throw upperNode.Error($"must exceed lower_percentile ({Format(lower)}), found {Format(upper)}");
        }

        string interpolation = fallback.Required("interpolation").OneOf("linear");
        double minRange = fallback.Required("min_range").PositiveDouble();
        var invert = intensity.Required("invert").StringList(allowEmpty: true).Select(s => s.Trim().ToUpperInvariant()).ToList();

        var resampling = node.Required("resampling");
        resampling.ExpectObject();
        string kind = resampling.Required("kind").OneOf("area");
        string placement = resampling.Required("placement").OneOf("top_left");
        string accumulate = resampling.Required("accumulate").OneOf("float64");

        var normalisation = ParseNormalisation(node.Required("normalisation"), requirePadding: true, fallback: null);
        string coordinates = node.Required("coordinates").OneOf("pixel_centres");
        return new PreprocessingSpec
        {
            GridHeight = height,
            GridWidth = width,
            TargetSpacingMm = target,
            SpacingSources = sources,
            SpacingComponent = component,
            ScaleRule = rule,
            SizeRounding = rounding,
            ModelScale = modelScale,
            ModalityLut = lut,
            WindowSource = windowSource,
            WindowMinWidth = minWidth,
            WindowFunction = function,
            WindowMinDivisor = minDivisor,
            LowerPercentile = lower,
            UpperPercentile = upper,
            PercentileInterpolation = interpolation,
            MinRange = minRange,
            Invert = invert,
            ResamplingKind = kind,
            Placement = placement,
            Accumulate = accumulate,
            Normalisation = normalisation,
            Coordinates = coordinates,
        };
    }

    private static NormalisationSpec ParseNormalisation(Node node, bool requirePadding, NormalisationSpec? fallback)
    {
        node.ExpectObject();
        double subtract = node.Required("subtract").Double();
        var divideNode = node.Required("divide");
        double divide = divideNode.Double();
        if (divide == 0 || !double.IsFinite(divide))
        {
            throw divideNode.Error($"must be a finite non-zero number, found {Format(divide)}");
        }

        if (!double.IsFinite(subtract))
        {
            throw node.Child("subtract").Error("must be finite");
        }

        double padding = requirePadding ? node.Required("padding_value").Double()
            : node.Optional("padding_value")?.Double() ?? fallback?.PaddingValue ?? (0 - subtract) / divide;
        return new NormalisationSpec(subtract, divide, padding);
    }

    private static OutputDecodingSpec ParseOutputDecoding(Node node)
    {
        node.ExpectObject();
        var outputs = node.Required("outputs");
        outputs.ExpectObject();
        string heatmap = outputs.Required("heatmap").NonEmptyString();
        string offsets = outputs.Required("offsets").NonEmptyString();
        string levels = outputs.Required("levels").NonEmptyString();
        int stride = node.Required("stride").PositiveInt();
        double offsetScale = node.Required("offset_scale").PositiveDouble();

        var peak = node.Required("peak");
        peak.ExpectObject();
        var thresholdNode = peak.Required("threshold");
        double threshold = thresholdNode.Double();
        if (!(threshold > 0 && threshold < 1))
        {
            throw thresholdNode.Error($"must lie strictly between 0 and 1 (a probability), found {Format(threshold)}");
        }

        bool inclusive = peak.Required("threshold_inclusive").Bool();
        var windowNode = peak.Required("window");
        int window = windowNode.PositiveInt();
        if (window % 2 == 0)
        {
            throw windowNode.Error($"must be odd (a window centred on the cell), found {window}");
        }

        string ties = peak.Required("ties").OneOf("first_row_major");
        int maxDetections = peak.Required("max_detections").PositiveInt();

        var levelsNode = node.Required("levels");
        levelsNode.ExpectObject();
        var namesNode = levelsNode.Required("names");
        var names = namesNode.StringList(allowEmpty: false);
        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw namesNode.Error($"level \"{duplicate.Key}\" is listed twice");
        }

        var gapNode = levelsNode.Required("gap_penalty");
        double gap = gapNode.Double();
        if (!(gap >= 0) || !double.IsFinite(gap))
        {
            throw gapNode.Error($"must be a finite number ≥ 0, found {Format(gap)}");
        }

        var points = node.Required("points");
        points.ExpectObject();
        var pointNamesNode = points.Required("names");
        var pointNames = pointNamesNode.StringList(allowEmpty: false);
        if (!pointNames.SequenceEqual(CanonicalPoints, StringComparer.Ordinal))
        {
            throw pointNamesNode.Error($"the engine measures the six points {string.Join(", ", CanonicalPoints)} in this order, found [{string.Join(", ", pointNames)}]");
        }

        return new OutputDecodingSpec
        {
            HeatmapOutput = heatmap,
            OffsetsOutput = offsets,
            LevelsOutput = levels,
            Stride = stride,
            OffsetScale = offsetScale,
            Peak = new PeakSpec(threshold, inclusive, window, ties, maxDetections),
            LevelNames = names,
            GapPenalty = gap,
            PointNames = pointNames,
        };
    }

    private static GradingSpec ParseGrading(Node node, IReadOnlyList<string> levelNames)
    {
        node.ExpectObject();
        string rule = node.Required("rule").OneOf(GradingSpec.GenantRule);
        string heights = node.Required("heights").OneOf("euclidean");

        var reference = node.Required("reference");
        reference.ExpectObject();
        var levelsNode = reference.Required("levels");
        levelsNode.ExpectObject();
        var ratios = new Dictionary<string, ReferenceRatios>(StringComparer.Ordinal);
        foreach (var (level, entry) in levelsNode.Properties())
        {
            if (!levelNames.Contains(level, StringComparer.Ordinal))
            {
                throw entry.Error($"\"{level}\" is not one of output_decoding.levels.names");
            }

            entry.ExpectObject();
            ratios[level] = new ReferenceRatios(entry.Required("ha_hp").PositiveDouble(), entry.Required("hm_hp").PositiveDouble());
        }

        if (ratios.Count == 0)
        {
            throw levelsNode.Error("must give the normal ratios of at least one level");
        }

        string otherLevels = reference.Required("other_levels").OneOf("nearest");
        var sourceNode = reference.Optional("source");
        string? source = sourceNode is { } s && s.Element.ValueKind == JsonValueKind.String ? s.Element.GetString() : null;

        var thresholdsNode = node.Required("thresholds");
        var items = thresholdsNode.Array();
        if (items.Count == 0)
        {
            throw thresholdsNode.Error("must list at least the grade 1 threshold");
        }

        var thresholds = new List<GradeThreshold>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            item.ExpectObject();
            var gradeNode = item.Required("grade");
            int grade = gradeNode.Int();
            if (grade != i + 1)
            {
                throw gradeNode.Error($"thresholds must list grades 1, 2, 3... in order: expected {i + 1}, found {grade}");
            }

            var minNode = item.Required("min");
            double min = minNode.Double();
            if (!(min > 0 && min < 1))
            {
                throw minNode.Error($"a reduction threshold must lie strictly between 0 and 1, found {Format(min)}");
            }

            bool inclusive = item.Required("min_inclusive").Bool();
            if (i > 0)
            {
                var previous = thresholds[i - 1];
                bool ordered = min > previous.Min || (min == previous.Min && previous.MinInclusive && !inclusive);
                if (!ordered)
                {
                    throw minNode.Error($"grade {grade} must need a larger reduction than grade {previous.Grade} ({Format(previous.Min)}), found {Format(min)}");
                }
            }

            thresholds.Add(new GradeThreshold(grade, min, inclusive));
        }

        var ungradedNode = node.Required("ungraded_levels");
        var ungraded = ungradedNode.StringList(allowEmpty: true);
        foreach (string level in ungraded)
        {
            if (!levelNames.Contains(level, StringComparer.Ordinal))
            {
                throw ungradedNode.Error($"\"{level}\" is not one of output_decoding.levels.names");
            }
        }

        var tiesNode = node.Required("kind_ties");
        var ties = tiesNode.StringList(allowEmpty: false);
        if (ties.Count != DeformityKinds.Length || !DeformityKinds.All(k => ties.Contains(k, StringComparer.Ordinal)))
        {
            throw tiesNode.Error($"must order the three kinds {string.Join(", ", DeformityKinds)}, found [{string.Join(", ", ties)}]");
        }

        return new GradingSpec
        {
            Rule = rule,
            Heights = heights,
            ReferenceLevels = ratios,
            OtherLevels = otherLevels,
            ReferenceSource = source,
            Thresholds = thresholds,
            UngradedLevels = ungraded,
            KindTies = ties,
        };
    }

    private static RefinerSpec ParseRefiner(Node node, NormalisationSpec preprocessingNormalisation)
    {
        node.ExpectObject();
        var crop = node.Required("crop");
        crop.ExpectObject();
        double sizeMm = crop.Required("size_mm").PositiveDouble();
        int sizePx = crop.Required("size_px").PositiveInt();
        int? withoutSpacing = crop.Optional("size_px_without_spacing")?.PositiveInt();
        string centre = crop.Required("centre").OneOf("points_mean");
        string axes = crop.Required("axes").OneOf("endplate");
        string sampling = crop.Required("sampling").OneOf("bilinear");

        // "as preprocessing.normalisation": absent, or a string saying so, takes the detector's; an object gives its own.
        var normalisationNode = crop.Optional("normalisation");
        NormalisationSpec normalisation = preprocessingNormalisation;
        if (normalisationNode is { } n)
        {
            if (n.Element.ValueKind == JsonValueKind.Object)
            {
                normalisation = ParseNormalisation(n, requirePadding: false, preprocessingNormalisation);
            }
            else if (n.Element.ValueKind != JsonValueKind.String)
            {
                throw n.Error($"expected an object (subtract, divide) or a string naming preprocessing.normalisation, found {Describe(n.Element.ValueKind)}");
            }
        }

        string appliesTo = node.Optional("applies_to")?.OneOf("all", "inside") ?? "all";
        var outputs = node.Required("outputs");
        outputs.ExpectObject();
        string points = outputs.Required("points").NonEmptyString();
        string? confidence = outputs.Optional("confidence")?.NonEmptyString();
        string? uncertainty = outputs.Optional("point_uncertainty")?.NonEmptyString();
        return new RefinerSpec
        {
            Crop = new RefinerCropSpec
            {
                SizeMm = sizeMm,
                SizePx = sizePx,
                SizePxWithoutSpacing = withoutSpacing,
                Centre = centre,
                Axes = axes,
                Sampling = sampling,
                Normalisation = normalisation,
            },
            PointsOutput = points,
            ConfidenceOutput = confidence,
            PointUncertaintyOutput = uncertainty,
            AppliesTo = appliesTo,
        };
    }

    private static void CheckDetector(ModelStageSpec detector, PreprocessingSpec preprocessing, OutputDecodingSpec decoding, Node stage, Node outputs)
    {
        if (detector.Inputs.Count != 1)
        {
            throw stage.Child("inputs").Error($"the detector takes one input (the image), found {detector.Inputs.Count}");
        }

        var input = detector.Inputs[0].Shape;
        if (input.Count != 4
            || (input[1] is { } channels && channels != 1)
            || (input[2] is { } h && h != preprocessing.GridHeight)
            || (input[3] is { } w && w != preprocessing.GridWidth))
        {
            throw stage.Child("inputs").Index(0).Child("shape").Error(
                $"expected [batch, 1, {preprocessing.GridHeight}, {preprocessing.GridWidth}] (preprocessing.grid), found [{string.Join(", ", input.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "batch"))}]");
        }

        CheckOutputNamed(detector, decoding.HeatmapOutput, outputs.Child("heatmap"));
        CheckOutputNamed(detector, decoding.OffsetsOutput, outputs.Child("offsets"));
        CheckOutputNamed(detector, decoding.LevelsOutput, outputs.Child("levels"));
        CheckChannels(detector, decoding.HeatmapOutput, 1, outputs.Child("heatmap"));
        CheckChannels(detector, decoding.OffsetsOutput, decoding.OffsetChannels, outputs.Child("offsets"));
        CheckChannels(detector, decoding.LevelsOutput, decoding.LevelNames.Count, outputs.Child("levels"));
    }

    private static void CheckOutputNamed(ModelStageSpec stage, string name, Node field)
    {
        if (!stage.Outputs.Any(o => o.Name == name))
        {
            throw field.Error($"\"{name}\" is not an output of stages.{stage.Name} ({string.Join(", ", stage.Outputs.Select(o => o.Name))})");
        }
    }

    private static void CheckChannels(ModelStageSpec stage, string name, int channels, Node field)
    {
        var shape = stage.Outputs.First(o => o.Name == name).Shape;
        if (shape.Count != 4 || (shape[1] is { } c && c != channels))
        {
            throw field.Error($"output \"{name}\" of stages.{stage.Name} must be [batch, {channels}, h, w], found [{string.Join(", ", shape.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "batch"))}]");
        }
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    /// <summary>A JSON element with the path that reached it, so every refusal can name its field.</summary>
    private readonly record struct Node(JsonElement Element, string Path)
    {
        public Node Child(string name) => new(default, Path.Length == 0 ? name : $"{Path}.{name}");

        public Node Index(int i) => new(default, $"{Path}[{i}]");

        public ModelManifestException Error(string message) => new(Path.Length == 0 ? "$" : Path, message);

        public void ExpectObject()
        {
            if (Element.ValueKind != JsonValueKind.Object)
            {
                throw Error($"expected an object, found {Describe(Element.ValueKind)}");
            }
        }

        public Node Required(string name)
        {
            var child = Optional(name);
            return child ?? throw Child(name).Error("required field is missing");
        }

        public Node? Optional(string name)
        {
            ExpectObject();
            if (Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                return new Node(value, Child(name).Path);
            }

            return null;
        }

        public IEnumerable<(string Name, Node Value)> Properties()
        {
            ExpectObject();
            foreach (var property in Element.EnumerateObject())
            {
                yield return (property.Name, new Node(property.Value, Child(property.Name).Path));
            }
        }

        public List<Node> Array()
        {
            if (Element.ValueKind != JsonValueKind.Array)
            {
                throw Error($"expected an array, found {Describe(Element.ValueKind)}");
            }

            var items = new List<Node>(Element.GetArrayLength());
            int i = 0;
            foreach (var item in Element.EnumerateArray())
            {
                items.Add(new Node(item, $"{Path}[{i}]"));
                i++;
            }

            return items;
        }

        public string NonEmptyString()
        {
            if (Element.ValueKind != JsonValueKind.String)
            {
                throw Error($"expected a string, found {Describe(Element.ValueKind)}");
            }

            string value = Element.GetString()!;
            return string.IsNullOrWhiteSpace(value) ? throw Error("must not be empty") : value;
        }

        public string OneOf(params string[] allowed)
        {
            string value = NonEmptyString();
            return allowed.Contains(value, StringComparer.Ordinal)
                ? value
                : throw Error($"\"{value}\" is not supported by this engine (supported: {string.Join(", ", allowed.Select(a => $"\"{a}\""))})");
        }

        public List<string> StringList(bool allowEmpty)
        {
            var items = Array();
            if (items.Count == 0 && !allowEmpty)
            {
                throw Error("must not be empty");
            }

            return items.Select(i => i.NonEmptyString()).ToList();
        }

        public double Double()
        {
            if (Element.ValueKind != JsonValueKind.Number)
            {
                throw Error($"expected a number, found {Describe(Element.ValueKind)}");
            }

            double value = Element.GetDouble();
            return double.IsFinite(value) ? value : throw Error("must be finite");
        }

        public double PositiveDouble()
        {
            double value = Double();
            return value > 0 ? value : throw Error($"must be positive, found {Format(value)}");
        }

        public int Int()
        {
            if (Element.ValueKind != JsonValueKind.Number)
            {
                throw Error($"expected an integer, found {Describe(Element.ValueKind)}");
            }

            return Element.TryGetInt32(out int value) ? value : throw Error($"expected an integer, found {Element.GetRawText()}");
        }

        public int PositiveInt()
        {
            int value = Int();
            return value > 0 ? value : throw Error($"must be positive, found {value}");
        }

        public long Long()
        {
            if (Element.ValueKind != JsonValueKind.Number)
            {
                throw Error($"expected an integer, found {Describe(Element.ValueKind)}");
            }

            return Element.TryGetInt64(out long value) ? value : throw Error($"expected an integer, found {Element.GetRawText()}");
        }

        public bool Bool() => Element.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"expected true or false, found {Describe(Element.ValueKind)}"),
        };
    }
}
