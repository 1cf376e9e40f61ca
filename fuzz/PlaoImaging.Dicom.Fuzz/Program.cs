using PlaoImaging.Dicom.Tests.Fuzz;
using PlaoImaging.Dicom.Tests.Support;
using SharpFuzz;

namespace PlaoImaging.Dicom.Fuzz;

/// <summary>
/// SharpFuzz entry point. Modes: "afl" (default; AFL++ out-of-process fork server), "libfuzzer" (libfuzzer-dotnet
/// driver), "seeds DIR" (write the hand-built sample files as an initial corpus), "run FILE..." (replay inputs once,
/// e.g. a crash AFL saved). Any exception that escapes <see cref="DicomFuzzTarget.Run"/> is what the fuzzer reports.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "afl";
        switch (mode)
        {
            case "afl":
                Fuzzer.OutOfProcess.Run(stream =>
                {
                    using var copy = new MemoryStream();
                    stream.CopyTo(copy);
                    DicomFuzzTarget.Run(copy.ToArray());
                });
                return 0;
            case "libfuzzer":
                Fuzzer.LibFuzzer.Run(span => DicomFuzzTarget.Run(span.ToArray()));
                return 0;
            case "seeds" when args.Length == 2:
                Directory.CreateDirectory(args[1]);
                foreach (var sample in SampleFiles.All())
                {
                    File.WriteAllBytes(Path.Combine(args[1], sample.Name + ".dcm"), sample.Bytes);
                }

                return 0;
            case "run" when args.Length > 1:
                foreach (var file in args.Skip(1))
                {
                    var data = File.ReadAllBytes(file);
                    Console.WriteLine($"{file}: {DicomFuzzTarget.Run(data)} (seekable), {DicomFuzzTarget.Run(data, seekable: false)} (non-seekable)");
                }

                return 0;
            default:
                Console.Error.WriteLine("usage: PlaoImaging.Dicom.Fuzz [afl | libfuzzer | seeds DIR | run FILE...]");
                return 2;
        }
    }
}
