using PlaoImaging.Dicom.Network;
using PlaoImaging.Dicom.Tests.Fuzz;
using PlaoImaging.Dicom.Tests.Support;
using SharpFuzz;

namespace PlaoImaging.Dicom.Fuzz;

/// <summary>
/// SharpFuzz entry point. Modes: "afl" (default; AFL++ out-of-process fork server), "libfuzzer" (libfuzzer-dotnet
/// driver), "seeds DIR" (write the hand-built sample files as an initial corpus), "run FILE..." (replay inputs once,
/// e.g. a crash AFL saved); "afl-pdu" / "libfuzzer-pdu" point the fuzzer at the upper-layer PDU reader and the DIMSE
/// command decoder instead (<see cref="RunPdu"/>). "afl-T", "libfuzzer-T" and "run-T FILE..." do the same for the
/// targets T of <see cref="Targets"/>: jpeg, rle, jpegls, j2k (one frame through the codec, <see cref="Targets.RunCodec"/>),
/// frames (frame location in encapsulated pixel data, <see cref="Targets.RunFrames"/>) and sr (the SR content tree
/// reader, <see cref="Targets.RunSr"/>). "seeds-codec DIR FILE..." writes a codec seed (image header and first frame)
/// for every encapsulated Part 10 FILE; "seeds-sr DIR" writes SR seeds. Any exception that escapes a target is what
/// the fuzzer reports.
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
            case "afl-pdu":
                Fuzzer.OutOfProcess.Run(stream =>
                {
                    using var copy = new MemoryStream();
                    stream.CopyTo(copy);
                    RunPdu(copy.ToArray());
                });
                return 0;
            case "libfuzzer-pdu":
                Fuzzer.LibFuzzer.Run(span => RunPdu(span.ToArray()));
                return 0;
            case "seeds-codec" when args.Length > 2:
                Directory.CreateDirectory(args[1]);
                foreach (var file in args.Skip(2))
                {
                    var seed = Targets.CodecSeed(DicomFile.Open(file));
                    if (seed is not null)
                    {
                        File.WriteAllBytes(Path.Combine(args[1], Path.GetFileNameWithoutExtension(file) + ".bin"), seed);
                    }
                }

                return 0;
            case "seeds-sr" when args.Length == 2:
                Directory.CreateDirectory(args[1]);
                foreach (var (name, bytes) in Targets.SrSeeds())
                {
                    File.WriteAllBytes(Path.Combine(args[1], name + ".bin"), bytes);
                }

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
                return RunTarget(mode, args);
        }
    }

    /// <summary>"afl-T", "libfuzzer-T" or "run-T FILE..." for a target T of <see cref="Targets"/>.</summary>
    private static int RunTarget(string mode, string[] args)
    {
        int dash = mode.IndexOf('-', StringComparison.Ordinal);
        Action<byte[]>? target = dash < 0 ? null : Target(mode[(dash + 1)..]);
        switch (dash < 0 ? mode : mode[..dash])
        {
            case "afl" when target is not null:
                Fuzzer.OutOfProcess.Run(stream =>
                {
                    using var copy = new MemoryStream();
                    stream.CopyTo(copy);
                    target(copy.ToArray());
                });
                return 0;
            case "libfuzzer" when target is not null:
                Fuzzer.LibFuzzer.Run(span => target(span.ToArray()));
                return 0;
            case "run" when target is not null && args.Length > 1:
                foreach (var file in args.Skip(1))
                {
                    target(File.ReadAllBytes(file));
                    Console.WriteLine($"{file}: no crash");
                }

                return 0;
            default:
                Console.Error.WriteLine("usage: PlaoImaging.Dicom.Fuzz [afl | libfuzzer | afl-pdu | libfuzzer-pdu | seeds DIR | run FILE... | " +
                    "afl-T | libfuzzer-T | run-T FILE... (T: pdu, jpeg, rle, jpegls, j2k, frames, sr) | seeds-codec DIR FILE... | seeds-sr DIR]");
                return 2;
        }
    }

    private static Action<byte[]>? Target(string name) => name switch
    {
        "pdu" => RunPdu,
        "frames" => Targets.RunFrames,
        "sr" => Targets.RunSr,
        _ when Targets.CodecTargets.Contains(name) => input => Targets.RunCodec(Targets.CodecSyntax(name), input),
        _ => null,
    };

    /// <summary>
    /// Reads PDUs from the input as an association would (with a 64 KiB announced maximum), decodes the command
    /// fragments of every P-DATA-TF as DIMSE command sets and writes every PDU back. Only
    /// <see cref="DicomNetworkException"/> (PDU or DIMSE errors) may come out.
    /// </summary>
    public static void RunPdu(byte[] input)
    {
        var memory = new ReadOnlyMemory<byte>(input);
        try
        {
            while (!memory.IsEmpty && PduReader.TryRead(memory, 64 * 1024, out var pdu, out int needed))
            {
                _ = PduWriter.ToArray(pdu);
                if (pdu is DataTransferPdu data)
                {
                    foreach (var value in data.Values.Where(v => v.IsCommand))
                    {
                        _ = DimseCommand.Decode(value.Data);
                    }
                }

                memory = memory[needed..];
            }
        }
        catch (DicomNetworkException)
        {
        }
        catch (ArgumentException)
        {
            // PduWriter refusing to write back a value it would not send (e.g. an AE title of control characters the
            // lenient reader kept): not a reader failure.
        }
    }
}
