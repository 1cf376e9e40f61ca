using System.CommandLine;
using System.Diagnostics;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;

namespace PlaoImaging.Cli;

/// <summary><c>plao send HOST PORT FILES/DIRS...</c>: C-STORE everything readable as DICOM, with progress and a per-file report of what failed.</summary>
internal static class SendCommand
{
    public static Command Create()
    {
        var host = new Argument<string>("host") { Description = "Peer host name or address" };
        var port = new Argument<int>("port") { Description = "Peer port" };
        var paths = new Argument<string[]>("paths") { Description = "Files and folders (recursively) to send", Arity = ArgumentArity.OneOrMore };
        var quiet = new Option<bool>("--quiet") { Description = "No progress display" };
        var network = new NetworkOptions();
        var command = new Command("send", "Send DICOM files to a peer with C-STORE (one association for many files).") { host, port, paths, quiet };
        network.AddClientOptions(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            string target = $"{parse.GetValue(host)}:{parse.GetValue(port)} ({parse.GetValue(network.Called)})";
            try
            {
                var files = DicomClient.ExpandPaths(parse.GetValue(paths)!);
                var client = new DicomClient(parse.GetValue(host)!, parse.GetValue(port), network.ClientOptions(parse));
                var watch = Stopwatch.StartNew();
                bool interactive = !parse.GetValue(quiet) && !Console.IsErrorRedirected;
                var progress = new SynchronousProgress(p =>
                {
                    if (p.Latest.Result is not (DicomStoreResult.Success or DicomStoreResult.Warning))
                    {
                        Console.Error.WriteLine($"{(interactive ? "\r" : string.Empty)}{p.Latest.Result.ToString().ToLowerInvariant()}: {p.Latest.Path}: {p.Latest.Message}");
                    }

                    if (interactive)
                    {
                        double seconds = Math.Max(watch.Elapsed.TotalSeconds, 0.001);
                        Console.Error.Write($"\r{p.Done}/{p.Total} files, {p.Bytes / 1e6:0.0} MB, {p.Done / seconds:0.0} files/s ");
                    }
                });
                var outcomes = await client.StoreAsync(files, progress, cancellationToken).ConfigureAwait(false);
                if (interactive)
                {
                    Console.Error.WriteLine();
                }

                int ok = outcomes.Count(o => o.Result == DicomStoreResult.Success);
                int warnings = outcomes.Count(o => o.Result == DicomStoreResult.Warning);
                int failed = outcomes.Count(o => o.Result == DicomStoreResult.Failure);
                int notSent = outcomes.Count(o => o.Result == DicomStoreResult.NotSent);
                int skipped = outcomes.Count(o => o.Result == DicomStoreResult.Skipped);
                long bytes = outcomes.Sum(o => o.Bytes);
                int transcoded = outcomes.Count(o => o.Transcoded);
                Console.WriteLine($"sent {ok + warnings + failed} of {outcomes.Count} files to {target} ({bytes / 1e6:0.0} MB in {watch.Elapsed.TotalSeconds:0.0} s): " +
                    $"{ok} succeeded, {warnings} warnings, {failed} failed, {notSent} not sent, {skipped} skipped (not DICOM){(transcoded > 0 ? $", {transcoded} transcoded" : string.Empty)}");
                foreach (var warning in outcomes.Where(o => o.Result == DicomStoreResult.Warning))
                {
                    Console.WriteLine($"warning: {warning.Path}: {warning.Message}");
                }

                return failed + notSent == 0 && ok + warnings > 0 ? 0 : 1;
            }
            catch (Exception e) when (e is DicomException or IOException or ArgumentException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                Console.Error.WriteLine($"plao send: {target}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress(Action<DicomStoreProgress> report) : IProgress<DicomStoreProgress>
    {
        public void Report(DicomStoreProgress value) => report(value);
    }
}
