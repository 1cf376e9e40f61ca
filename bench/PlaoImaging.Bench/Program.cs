using System.Diagnostics;
using System.Globalization;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Codecs.Native;
using PlaoImaging.Dicom.Imaging;

// Side-by-side benchmark driver.
//   decode FILE ITERATIONS: decodes every frame of FILE ITERATIONS times (after one untimed warm-up pass), managed
//     codecs plus CharLS/OpenJPEG, and prints
//     plao decode file=<name> mpix=<decoded megapixels> bytes=<decoded bytes> seconds=<elapsed> cpu_seconds=<user+system>
//   parse full|default|header ITERATIONS FILELIST: see below.
if (args.Length == 3 && args[0] == "decode")
{
    return Decode(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
}

// Parse benchmark: `parse full|default|header ITERATIONS FILELIST [nopool]`.
// Reads every file of the list ITERATIONS times (after one untimed warm-up pass) and prints one line:
//   plao <mode> files=<n> bytes=<total> seconds=<elapsed> cpu_seconds=<user+system> peak_rss_mb=<mb> gc=<gen0/1/2> ...
// Each file is read with one DicomValuePool for the whole run and disposed when read, as a reader of many files uses
// the library (and as DCMTK's reader frees each file's memory for the next); `nopool` reads without a pool (every
// value a fresh array, left to the garbage collector) and prints plao-nopool.
// The peers (bench/peers/dcmtk-parse.cc, bench/peers/pydicom-parse.py) print the same line, so run.sh can
// compare them in one run.
if (args.Length is not (4 or 5) || args[0] != "parse" || args[1] is not ("full" or "default" or "header")
    || (args.Length == 5 && args[4] != "nopool"))
{
    Console.Error.WriteLine("usage: PlaoImaging.Bench parse full|default|header ITERATIONS FILELIST [nopool] | decode FILE ITERATIONS");
    return 2;
}

string mode = args[1];
int iterations = int.Parse(args[2], CultureInfo.InvariantCulture);
var files = File.ReadAllLines(args[3]).Where(l => l.Length > 0).ToArray();

// full: every value in memory (as DCMTK after loadAllDataIntoMemory, pydicom dcmread).
// default: each toolkit's own default, which leaves large values in the file until asked for (ours: 256 KiB and
//   up; DCMTK loadFile: above 4 KiB; pydicom dcmread(defer_size=256 KiB)).
// header: stop before the pixel data (as DCMTK loadFileUntilTag, pydicom stop_before_pixels).
bool pooled = args.Length == 4;
var options = mode switch
{
    "header" => new DicomReadOptions { StopBeforePixelData = true, LargeValueThreshold = 0 },
    "default" => DicomReadOptions.Default,
    _ => new DicomReadOptions { LargeValueThreshold = 0 },
};
if (pooled)
{
    options = options with { ValuePool = new DicomValuePool() };
}

long bytes = files.Sum(f => new FileInfo(f).Length);

void Pass()
{
    foreach (var file in files)
    {
        using var dicom = DicomFile.Open(file, options);
    }
}

// Warm-up, untimed: passes until PLAO_PARSE_WARMUP_SECONDS (default 2) have gone by, at least one, so that the runtime
// has compiled the read path at its final tier: tiered compilation runs new code unoptimised at first and recompiles
// hot methods in the background for a while after start-up, a one-off cost that is not reading (with a single warm-up
// pass it was most of the CPU time of a header-only pass over the corpus). The JIT time left inside the timed loop is
// printed (jit_ms). The counts after gc= are collections during the timed loop.
double warmUpSeconds = Environment.GetEnvironmentVariable("PLAO_PARSE_WARMUP_SECONDS") is { Length: > 0 } w
    ? double.Parse(w, CultureInfo.InvariantCulture) : 2;
var warmUp = Stopwatch.StartNew();
do
{
    Pass();
}
while (warmUp.Elapsed < TimeSpan.FromSeconds(warmUpSeconds));

var process = Process.GetCurrentProcess();
int[] gcBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
var cpuBefore = process.TotalProcessorTime;
var watch = Stopwatch.StartNew();
for (int i = 0; i < iterations; i++)
{
    Pass();
}

watch.Stop();
process.Refresh();
double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
double jitMs = (System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds;
double peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{(pooled ? "plao" : "plao-nopool")} {args[1]} files={files.Length * iterations} bytes={bytes * iterations} seconds={watch.Elapsed.TotalSeconds:F4} cpu_seconds={cpu:F4} peak_rss_mb={peakMb:F1} gc={GC.CollectionCount(0) - gcBefore[0]}/{GC.CollectionCount(1) - gcBefore[1]}/{GC.CollectionCount(2) - gcBefore[2]} jit_ms={jitMs:F1}"));
return 0;

// The file is opened once (not timed); the timed loop is frame decoding alone, into a fresh output array per frame
// as DecodeFrame returns it. jit_ms: JIT compilation time inside the timed loop.
static int Decode(string path, int iterations)
{
    var registry = DicomCodecRegistry.CreateDefault().AddNativeCodecs(new NativeCodecOptions { AllowHtj2kDecoding = true });
    var file = DicomFile.Open(path);
    var pixels = DicomPixelData.Create(file);
    int frames = pixels.FrameCount;
    long decodedBytes = 0;
    for (int f = 0; f < frames; f++)
    {
        decodedBytes += pixels.DecodeFrame(f, registry).Bytes.Length;
    }

    // PLAO_DECODE_WARMUP_SECONDS: further untimed decodes until that many seconds have gone by, so that tiered
    // compilation has finished with the decoder (default 0: the one warm-up decode above).
    if (Environment.GetEnvironmentVariable("PLAO_DECODE_WARMUP_SECONDS") is { Length: > 0 } w)
    {
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(double.Parse(w, CultureInfo.InvariantCulture)))
        {
            for (int f = 0; f < frames; f++)
            {
                GC.KeepAlive(pixels.DecodeFrame(f, registry));
            }
        }
    }

    long pixelsPerPass = (long)pixels.Info.Rows * pixels.Info.Columns * frames;
    var process = Process.GetCurrentProcess();
    var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
    var cpuBefore = process.TotalProcessorTime;
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < iterations; i++)
    {
        for (int f = 0; f < frames; f++)
        {
            GC.KeepAlive(pixels.DecodeFrame(f, registry));
        }
    }

    watch.Stop();
    process.Refresh();
    double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"plao decode file={Path.GetFileName(path)} mpix={pixelsPerPass * iterations / 1e6:F3} bytes={decodedBytes * iterations} seconds={watch.Elapsed.TotalSeconds:F4} cpu_seconds={cpu:F4} jit_ms={(System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds:F1}"));
    return 0;
}
