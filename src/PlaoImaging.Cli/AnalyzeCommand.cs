using System.CommandLine;
using System.Globalization;
using System.Text;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.OnnxRuntime;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Analysis.Selection;
using PlaoImaging.Dicom;
using PlaoImaging.Reporting.Presentation;
using PlaoImaging.Reporting.Sr;

namespace PlaoImaging.Cli;

/// <summary>
/// <c>plao analyze FILES/DIRS [--json OUT] [--provider cpu|cuda|auto] [--model MANIFEST]</c>: groups the files by
/// study, analyses each (series selection, landmarks, morphometry, Genant grading, MR oedema), prints a summary table
/// per study and optionally writes every <see cref="StudyResult"/> as one JSON array. A study that fails is reported in
/// its result and the batch goes on: the exit code is non-zero only for usage errors (bad options, no model).
/// </summary>
internal static class AnalyzeCommand
{
    /// <summary>The manifest used when <c>--model</c> is not given: shipped beside the binary, else found in a <c>models/</c> folder above the working directory.</summary>
    public const string DefaultModel = ModelManifestLocator.DefaultManifest;

    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "DICOM files and folders (walked recursively)", Arity = ArgumentArity.OneOrMore };
        var json = new Option<FileInfo?>("--json") { Description = "Write every study result as a JSON array (schema plao-study-result/1) to this file" };
        var provider = new Option<string>("--provider") { Description = "Execution provider: cpu, cuda or auto (CUDA when the GPU build and a GPU are present)", DefaultValueFactory = _ => "auto" };
        provider.AcceptOnlyFromAmong("cpu", "cuda", "auto");
        var device = new Option<int>("--device") { Description = "CUDA device id", DefaultValueFactory = _ => 0 };
        var model = new Option<FileInfo?>("--model") { Description = $"Model manifest (default: {DefaultModel} shipped with plao)" };
        var threads = new Option<int>("--threads") { Description = "Threads for the model on CPU (0: ONNX Runtime's default, one per core)", DefaultValueFactory = _ => 0 };
        var rules = new Option<FileInfo?>("--rules") { Description = "Series selection rules as JSON (defaults when absent)" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress and no tables; only errors (and the JSON file)" };
        var sr = new Option<DirectoryInfo?>("--sr") { Description = "Write each analysed study's structured report (TID 1500, Comprehensive 3D SR) into this folder, named by SOP Instance UID" };
        var gsps = new Option<bool>("--gsps") { Description = "With --sr: also write one Grayscale Softcopy Presentation State (the overlay a PACS viewer shows) per analysed image" };
        var sc = new Option<bool>("--sc") { Description = "With --sr: also write one Secondary Capture per analysed image, the overlay burned into the windowed image" };
        var command = new Command("analyze", "Find, measure and grade vertebral fractures in lateral spine radiographs and sagittal spine MR.")
        {
            inputs, json, provider, device, model, threads, rules, quiet, sr, gsps, sc,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(
            parse.GetValue(inputs)!, parse.GetValue(json), parse.GetValue(provider)!, parse.GetValue(device), parse.GetValue(model),
            parse.GetValue(threads), parse.GetValue(rules), parse.GetValue(quiet), parse.GetValue(sr), (parse.GetValue(gsps), parse.GetValue(sc)), cancellationToken)));
        return command;
    }

    private static int Run(string[] inputs, FileInfo? json, string provider, int device, FileInfo? modelFile, int threads, FileInfo? rulesFile,
        bool quiet, DirectoryInfo? outputs, (bool States, bool Captures) overlays, CancellationToken cancellationToken)
    {
        string? manifestPath = modelFile?.FullName ?? FindDefaultModel();
        if (manifestPath is null)
        {
            Console.Error.WriteLine($"plao analyze: no model: {DefaultModel} is neither beside plao nor in a models/ folder above {Environment.CurrentDirectory}; give --model");
            return 2;
        }

        var missing = inputs.Where(p => !File.Exists(p) && !Directory.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            Console.Error.WriteLine($"plao analyze: not found: {string.Join(", ", missing)}");
            return 2;
        }

        ModelManifest manifest;
        SelectionRules selectionRules;
        OnnxModelRunner runner;
        try
        {
            selectionRules = rulesFile is null ? new SelectionRules() : SelectionRules.FromJson(File.ReadAllText(rulesFile.FullName));
            manifest = ModelManifestReader.Read(manifestPath);
            var options = new OnnxRunnerOptions
            {
                Provider = provider switch { "cpu" => OnnxExecutionProvider.Cpu, "cuda" => OnnxExecutionProvider.Cuda, _ => OnnxExecutionProvider.Auto },
                DeviceId = device,
                IntraOpThreads = threads,
            };
            runner = OnnxModelRunner.Create(manifest, options);
        }
        catch (Exception e) when (e is AnalysisException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"plao analyze: {e.Message}");
            return 2;
        }

        using (runner)
        {
            var analyzer = new StudyAnalyzer(new ManifestLandmarkModel(runner), manifest, CliCodecs.Create(),
                new StudyAnalyzerOptions { SelectionRules = selectionRules, ExecutionProvider = runner.ExecutionProvider });
            var (studies, unreadable) = StudyGrouper.Group(inputs, cancellationToken);
            if (!quiet)
            {
                Console.Out.WriteLine(Invariant($"{studies.Count} stud{(studies.Count == 1 ? "y" : "ies")}, {studies.Sum(s => s.Files.Count)} DICOM files; model {manifest} on {runner.ExecutionProvider}"));
                Console.Out.WriteLine($"  {manifest.Limitations ?? "the model manifest does not say what the model was validated on"}");
                if (unreadable.Count > 0)
                {
                    Console.Out.WriteLine(Invariant($"  {unreadable.Count} files not read (not DICOM, or unreadable){(unreadable.Count > 5 ? "; the first five:" : ":")}"));
                    foreach (var file in unreadable.Take(5))
                    {
                        Console.Out.WriteLine($"    {file.Path}: {file.Reason}");
                    }
                }
            }

            var results = new List<StudyResult>();
            var progress = new ProgressBar(studies.Count, quiet);
            foreach (var study in studies)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = analyzer.Analyze(study, cancellationToken);
                results.Add(result);
                progress.Step(result);
                if (!quiet)
                {
                    progress.Clear();
                    Console.Out.Write(StudyTable.Format(result));
                }

                if (outputs is not null)
                {
                    progress.Clear();
                    WriteOutputs(study, result, outputs, quiet);
                    if (overlays.States || overlays.Captures)
                    {
                        WritePresentation(study, result, outputs, overlays, quiet);
                    }
                }
            }

            progress.Clear();
            if (json is not null)
            {
                File.WriteAllText(json.FullName, StudyResultJson.SerializeMany(results), new UTF8Encoding(false));
                if (!quiet)
                {
                    Console.Out.WriteLine($"wrote {json.FullName}");
                }
            }

            if (!quiet)
            {
                Console.Out.WriteLine(Invariant($"{results.Count(r => r.Status == StudyStatus.Graded)} graded, {results.Count(r => r.Status == StudyStatus.NoMeasurableSeries)} without a measurable series, {results.Count(r => r.Status == StudyStatus.Failed)} failed, {unreadable.Count} files not read"));
            }
        }

        return 0;
    }

    /// <summary>
    /// The DICOM outputs of one study into the <c>--sr</c> folder: its structured report (none, with the reason, when
    /// nothing was measured). Each object is named by its SOP Instance UID, so a re-run replaces what it wrote before.
    /// </summary>
    private static void WriteOutputs(StudyInput study, StudyResult result, DirectoryInfo folder, bool quiet)
    {
        try
        {
            folder.Create();
            var outcome = VertebralReport.Create(result, study.Files[0].Header);
            if (outcome.Document is not { } document)
            {
                if (!quiet)
                {
                    Console.Out.WriteLine($"  no report for study {result.StudyInstanceUid}: {outcome.Reason} ({outcome.Detail})");
                }

                return;
            }

            string path = Path.Combine(folder.FullName, document.SopInstanceUid + ".dcm");
            new DicomFile(document.ToDataset()).Save(path);
            if (!quiet)
            {
                Console.Out.WriteLine($"  wrote {path}");
            }
        }
        catch (Exception e) when (e is DicomException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"plao analyze: study {result.StudyInstanceUid}: the report could not be written: {e.Message}");
        }
    }

    /// <summary>
    /// The overlays of one study into the <c>--sr</c> folder: with <c>--gsps</c> a presentation state per analysed
    /// image, with <c>--sc</c> a secondary capture per analysed image; each named by its SOP Instance UID.
    /// </summary>
    private static void WritePresentation(StudyInput study, StudyResult result, DirectoryInfo folder, (bool States, bool Captures) overlays, bool quiet)
    {
        try
        {
            folder.Create();
            var states = VertebralPresentationStates.Create(result, study.Files.Select(f => f.Header));
            if (overlays.States)
            {
                foreach (var state in states)
                {
                    Save(state.Dataset, folder, quiet);
                }
            }

            if (overlays.Captures && states.Count > 0)
            {
                var analysed = states.Select(s => s.Image.Source.SopInstanceUid).ToHashSet(StringComparer.Ordinal);
                var files = study.Files.Where(f => f.SopInstanceUid is { } uid && analysed.Contains(uid)).Select(f => DicomFile.Open(f.Path));
                foreach (var capture in VertebralSecondaryCaptures.Create(result, files, CliCodecs.Create()))
                {
                    Save(capture.Dataset, folder, quiet);
                }
            }
        }
        catch (Exception e) when (e is DicomException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"plao analyze: study {result.StudyInstanceUid}: the overlays could not be written: {e.Message}");
        }
    }

    private static void Save(DicomDataset dataset, DirectoryInfo folder, bool quiet)
    {
        string path = Path.Combine(folder.FullName, dataset.GetString(DicomTags.SOPInstanceUID) + ".dcm");
        new DicomFile(dataset).Save(path);
        if (!quiet)
        {
            Console.Out.WriteLine($"  wrote {path}");
        }
    }

    private static string? FindDefaultModel() => ModelManifestLocator.Find(DefaultModel, AppContext.BaseDirectory, Environment.CurrentDirectory);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A one-line progress bar on stderr when it is a terminal; nothing otherwise.</summary>
    private sealed class ProgressBar(int total, bool quiet)
    {
        private readonly bool enabled = !quiet && !Console.IsErrorRedirected && total > 1;
        private int done;

        public void Step(StudyResult result)
        {
            done++;
            if (!enabled)
            {
                return;
            }

            const int width = 30;
            int filled = total == 0 ? width : done * width / total;
            Console.Error.Write(Invariant($"\r[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} studies, last: {result.Status.ToString().ToLowerInvariant()}   "));
        }

        public void Clear()
        {
            if (enabled)
            {
                Console.Error.Write("\r" + new string(' ', 79) + "\r");
            }
        }
    }
}
