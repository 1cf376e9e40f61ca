using PlaoImaging.Dicom.Network;
using PlaoImaging.Dicom.Tests.Fuzz;
using PlaoImaging.Dicom.Tests.Support;
using SharpFuzz;

namespace PlaoImaging.Dicom.Fuzz;

/// <summary>
/// SharpFuzz entry point. Modes: "afl" (default; AFL++ out-of-process fork server), "libfuzzer" (libfuzzer-dotnet
/// driver), "seeds DIR" (write the hand-built sample files as an initial corpus), "run FILE..." (replay inputs once,
/// e.g. a crash AFL saved); "afl-pdu" / "libfuzzer-pdu" point the fuzzer at the upper-layer PDU reader and the DIMSE
/// command decoder instead (<see cref="RunPdu"/>). Any exception that escapes a target is what the fuzzer reports.
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
                Console.Error.WriteLine("usage: PlaoImaging.Dicom.Fuzz [afl | libfuzzer | afl-pdu | libfuzzer-pdu | seeds DIR | run FILE...]");
                return 2;
        }
    }

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
