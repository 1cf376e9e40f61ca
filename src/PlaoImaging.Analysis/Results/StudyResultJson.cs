using System.Text.Json;
using System.Text.Json.Serialization;

namespace PlaoImaging.Analysis.Results;

/// <summary>
/// The JSON form of <see cref="StudyResult"/>: snake_case names, enums as snake_case strings, nulls written (a field
/// that is null says "not available", which a reader should see), numbers as the doubles they are. Described by
/// <c>StudyResult.schema.json</c> (embedded: <see cref="Schema"/>).
/// </summary>
public static class StudyResultJson
{
    private static readonly JsonSerializerOptions Options = CreateOptions(indented: true);
    private static readonly JsonSerializerOptions CompactOptions = CreateOptions(indented: false);

    public static string Serialize(StudyResult result, bool indented = true) =>
        JsonSerializer.Serialize(result, indented ? Options : CompactOptions);

    public static void Serialize(Stream destination, StudyResult result, bool indented = true) =>
        JsonSerializer.Serialize(destination, result, indented ? Options : CompactOptions);

    /// <summary>Serializes several study results as one JSON array (the form <c>plao analyze --json</c> writes).</summary>
    public static string SerializeMany(IEnumerable<StudyResult> results) => JsonSerializer.Serialize(results, Options);

    public static StudyResult Deserialize(string json) =>
        JsonSerializer.Deserialize<StudyResult>(json, Options) ?? throw new JsonException("null study result");

    /// <summary>The JSON Schema (2020-12) of the result, as shipped with this assembly.</summary>
    public static string Schema
    {
        get
        {
            using var stream = typeof(StudyResultJson).Assembly.GetManifestResourceStream("PlaoImaging.Analysis.StudyResult.schema.json")
                ?? throw new InvalidOperationException("the embedded StudyResult.schema.json is missing");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    private static JsonSerializerOptions CreateOptions(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            WriteIndented = indented,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
