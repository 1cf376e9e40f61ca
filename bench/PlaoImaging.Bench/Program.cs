using System.Diagnostics;
using System.Globalization;
using PlaoImaging.Dicom;

// Side-by-side parse benchmark driver: `parse full|header ITERATIONS FILELIST`.
// Reads every file of the list ITERATIONS times (after one untimed warm-up pass) and prints one line:
//   plao <mode> files=<n> bytes=<total> seconds=<elapsed> peak_rss_mb=<mb>
// The peers (bench/peers/dcmtk-parse.cc, bench/peers/pydicom-parse.py) print the same line, so run.sh can
// compare them in one run.
if (args.Length != 4 || args[0] != "parse" || args[1] is not ("full" or "header"))
{
    Console.Error.WriteLine("usage: PlaoImaging.Bench parse full|header ITERATIONS FILELIST");
    return 2;
}

bool header = args[1] == "header";
int iterations = int.Parse(args[2], CultureInfo.InvariantCulture);
var files = File.ReadAllLines(args[3]).Where(l => l.Length > 0).ToArray();

// Full: every value in memory (as DCMTK after loadAllDataIntoMemory, pydicom after dcmread).
// Header: stop before the pixel data (as DCMTK loadFileUntilTag, pydicom stop_before_pixels).
var options = header
    ? new DicomReadOptions { StopBeforePixelData = true, LargeValueThreshold = 0 }
    : new DicomReadOptions { LargeValueThreshold = 0 };
long bytes = files.Sum(f => new FileInfo(f).Length);

void Pass()
{
    foreach (var file in files)
    {
        var dicom = DicomFile.Open(file, options);
        GC.KeepAlive(dicom);
    }
}

Pass();
var watch = Stopwatch.StartNew();
for (int i = 0; i < iterations; i++)
{
    Pass();
}

watch.Stop();
double peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"plao {args[1]} files={files.Length * iterations} bytes={bytes * iterations} seconds={watch.Elapsed.TotalSeconds:F4} peak_rss_mb={peakMb:F1}"));
return 0;
