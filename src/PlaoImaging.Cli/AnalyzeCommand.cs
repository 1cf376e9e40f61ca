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
        var threads = new Option<int>("--threads") { Description = "Threads for one study's model runs on CPU (0: the cores divided among --jobs)", DefaultValueFactory = _ => 0 };
        var jobs = new Option<int>("--jobs") { Description = "Studies analysed at once (0: one per core on the CPU, one on CUDA); the output is in input order whatever the number", DefaultValueFactory = _ => 0 };
        var rules = new Option<FileInfo?>("--rules") { Description = "Series selection rules as JSON (defaults when absent)" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress and no tables; only errors (and the JSON file)" };
        var sr = new Option<DirectoryInfo?>("--sr") { Description = "Write each analysed study's structured report (TID 1500, Comprehensive 3D SR) into this folder, named by SOP Instance UID" };
        var gsps = new Option<bool>("--gsps") { Description = "With --sr: also write one Grayscale Softcopy Presentation State (the overlay a PACS viewer shows) per analysed image" };
        var sc = new Option<bool>("--sc") { Description = "With --sr: also write one Secondary Capture per analysed image, the overlay burned into the windowed image" };
        var command = new Command("analyze", "Find, measure and grade vertebral fractures in lateral spine radiographs and sagittal spine MR.")
        {
            inputs, json, provider, device, model, threads, jobs, rules, quiet, sr, gsps, sc,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(
            parse.GetValue(inputs)!, parse.GetValue(json), parse.GetValue(provider)!, parse.GetValue(device), parse.GetValue(model),
            (parse.GetValue(threads), parse.GetValue(jobs)), parse.GetValue(rules), parse.GetValue(quiet), parse.GetValue(sr), (parse.GetValue(gsps), parse.GetValue(sc)), cancellationToken)));
        return command;
    }

    private static int Run(string[] inputs, FileInfo? json, string provider, int device, FileInfo? modelFile, (int Threads, int Jobs) parallelism, FileInfo? rulesFile,
        bool quiet, DirectoryInfo? outputs, (bool States, bool Captures) overlays, CancellationToken cancellationToken)
    {
        string? manifestPath = modelFile?.FullName ?? FindDefaultModel();
        if (manifestPath is null)
        {
            Console.Error.WriteLine($"plao analyze: no model: {DefaultModel} is neither beside plao nor in a models/ folder above {Environment.CurrentDirectory}; give --model");
            return 2;
        }

        if (parallelism.Threads < 0 || parallelism.Jobs < 0)
        {
            Console.Error.WriteLine("plao analyze: --threads and --jobs take 0 (automatic) or more");
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
                // One thread per study at once by default: on 2 cores one study gained nothing from ONNX Runtime's
                // second thread (300 studies: 47.5 s with two, 46.5 s with one), and two at once with one thread each
                // took 27 s (bench/README.md, Worker).
                IntraOpThreads = parallelism.Threads > 0 ? parallelism.Threads : Math.Max(1, Environment.ProcessorCount / JobsFor(parallelism.Jobs, provider == "cuda")),
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

            var progress = new ProgressBar(studies.Count, quiet);
            var results = new StudyResult[studies.Count];
            var printed = new StringWriter?[studies.Count];
            int nextToPrint = 0;
            var printing = new object();
            void Analyse(int index, CancellationToken token)
            {
                var study = studies[index];
                var result = analyzer.Analyze(study, token);
                var text = new StringWriter(CultureInfo.InvariantCulture);
                if (!quiet)
                {
                    text.Write(StudyTable.Format(result));
                }

                if (outputs is not null)
                {
                    WriteOutputs(study, result, outputs, quiet, text);
                    if (overlays.States || overlays.Captures)
                    {
                        WritePresentation(study, result, outputs, overlays, quiet, text);
                    }
                }

                // Printed in input order: a study's lines wait for those before it.
                lock (printing)
                {
                    results[index] = result;
                    printed[index] = text;
                    progress.Step(result);
                    while (nextToPrint < studies.Count && printed[nextToPrint] is { } ready)
                    {
                        progress.Clear();
                        Console.Out.Write(ready.ToString());
                        printed[nextToPrint++] = null;
                    }
                }
            }

            int atOnce = JobsFor(parallelism.Jobs, runner.ExecutionProvider.StartsWith("cuda", StringComparison.Ordinal));
            if (atOnce == 1)
            {
                for (int i = 0; i < studies.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Analyse(i, cancellationToken);
                }
            }
            else
            {
                Parallel.For(0, studies.Count, new ParallelOptions { MaxDegreeOfParallelism = atOnce, CancellationToken = cancellationToken }, i => Analyse(i, cancellationToken));
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
    private static void WriteOutputs(StudyInput study, StudyResult result, DirectoryInfo folder, bool quiet, TextWriter log)
    {
        try
        {
            folder.Create();
            var outcome = VertebralReport.Create(result, study.Files[0].Header);
            if (outcome.Document is not { } document)
            {
                if (!quiet)
                {
                    log.WriteLine($"  no report for study {result.StudyInstanceUid}: {outcome.Reason} ({outcome.Detail})");
                }

                return;
            }

            string path = Path.Combine(folder.FullName, document.SopInstanceUid + ".dcm");
            new DicomFile(document.ToDataset()).Save(path);
            if (!quiet)
            {
                log.WriteLine($"  wrote {path}");
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
    private static void WritePresentation(StudyInput study, StudyResult result, DirectoryInfo folder, (bool States, bool Captures) overlays, bool quiet, TextWriter log)
    {
        try
        {
            folder.Create();
            var states = VertebralPresentationStates.Create(result, study.Files.Select(f => f.Header));
            if (overlays.States)
            {
                foreach (var state in states)
                {
                    Save(state.Dataset, folder, quiet, log);
                }
            }

            if (overlays.Captures && states.Count > 0)
            {
                var analysed = states.Select(s => s.Image.Source.SopInstanceUid).ToHashSet(StringComparer.Ordinal);
                var files = study.Files.Where(f => f.SopInstanceUid is { } uid && analysed.Contains(uid)).Select(f => DicomFile.Open(f.Path));
                foreach (var capture in VertebralSecondaryCaptures.Create(result, files, CliCodecs.Create()))
                {
                    Save(capture.Dataset, folder, quiet, log);
                }
            }
        }
        catch (Exception e) when (e is DicomException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"plao analyze: study {result.StudyInstanceUid}: the overlays could not be written: {e.Message}");
        }
    }

    private static void Save(DicomDataset dataset, DirectoryInfo folder, bool quiet, TextWriter log)
    {
        string path = Path.Combine(folder.FullName, dataset.GetString(DicomTags.SOPInstanceUID) + ".dcm");
        new DicomFile(dataset).Save(path);
        if (!quiet)
        {
            log.WriteLine($"  wrote {path}");
        }
    }

    /// <summary>Studies analysed at once: <paramref name="jobs"/> when given, else one per core (one on CUDA).</summary>
    private static int JobsFor(int jobs, bool cuda) => jobs > 0 ? jobs : cuda ? 1 : Math.Max(1, Environment.ProcessorCount);

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
