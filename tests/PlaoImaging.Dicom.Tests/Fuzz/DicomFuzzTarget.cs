using System.Diagnostics;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Json;
using PlaoImaging.Dicom.Tests.Support;

namespace PlaoImaging.Dicom.Tests.Fuzz;

/// <summary>
/// One fuzz input through the library: parse it as a Part 10 file; when that succeeds, write it back as DICOM JSON
/// (and read that JSON again) and as a Part 10 file, and when it has pixel data, decode its first two frames with the
/// managed codecs (RLE and JPEG; the native codecs are fuzzed separately). The library may refuse with a <see cref="DicomException"/>;
/// any other exception, a reader error that wraps an unexpected exception (the reader's last line of defence fired),
/// more allocation than the input can justify, or a slow parse is a failure. Shared with the SharpFuzz harness
/// (fuzz/PlaoImaging.Dicom.Fuzz), where an escaping exception is what the fuzzer reports as a crash.
/// </summary>
public static class DicomFuzzTarget
{
    /// <summary>Wall-clock time one parse may take (inputs are at most a few hundred KB).</summary>
    public static readonly TimeSpan SlowParse = TimeSpan.FromSeconds(2);

    /// <summary>What happened to one input.</summary>
    public enum Outcome
    {
        /// <summary>Read (and written back, or refused by a writer with a typed error).</summary>
        Accepted,

        /// <summary>Refused by the reader with a typed error.</summary>
        Rejected,
    }

    /// <summary>Runs one input; throws <see cref="FuzzFailureException"/> (or lets an unexpected exception escape) on a failure.</summary>
    public static Outcome Run(byte[] data, bool seekable = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        Stream stream = seekable ? new MemoryStream(data, writable: false) : new NonSeekableStream(data, maxChunk: 13);
        DicomFile file;
        var watch = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            file = DicomFile.Read(stream);
        }
        catch (DicomException e)
        {
            CheckBounds(data, watch, before);
            if (e.InnerException is not (null or DicomException or InvalidDataException))
            {
                throw new FuzzFailureException("the reader's last line of defence caught an unexpected exception", e);
            }

            if (e is DicomReadException r && (r.Offset < 0 || (r.Offset > data.Length && !IsDeflated(data))))
            {
                throw new FuzzFailureException($"error offset {r.Offset} is outside the {data.Length}-byte input", e);
            }

            return Outcome.Rejected;
        }

        CheckBounds(data, watch, before);
        WriteBack(file);
        DecodePixels(data, file);
        return Outcome.Accepted;
    }

    /// <summary>Most bytes decoding the frames of <paramref name="data"/> may allocate: a decoder may not take more than the encoded bytes can describe.</summary>
    public static long DecodeAllocationBound(byte[] data) =>
        (1L << 20) + ((long)data.Length * 512 * (IsDeflated(data) ? 1100 : 1));

    private static long framesDecoded;
    private static long framesRefused;

    /// <summary>Frames decoded so far by <see cref="Run"/>, in this process (for the fuzz run's report).</summary>
    public static long FramesDecoded => Interlocked.Read(ref framesDecoded);

    /// <summary>Frames refused with a <see cref="DicomException"/> so far by <see cref="Run"/>, in this process.</summary>
    public static long FramesRefused => Interlocked.Read(ref framesRefused);

    /// <summary>The managed codecs (stateless; the registry is only read).</summary>
    private static readonly DicomCodecRegistry Codecs = DicomCodecRegistry.CreateDefault();

    private static void DecodePixels(byte[] data, DicomFile file)
    {
        var dataset = file.Dataset;
        if (!dataset.Contains(DicomTag.PixelData) && !dataset.Contains(DicomTag.FloatPixelData) && !dataset.Contains(DicomTag.DoubleFloatPixelData))
        {
            return;
        }

        var watch = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            var pixels = DicomPixelData.Create(file);
            for (int frame = 0; frame < Math.Min(2, pixels.FrameCount); frame++)
            {
                try
                {
                    pixels.DecodeFrame(frame, Codecs);
                    Interlocked.Increment(ref framesDecoded);
                }
                catch (DicomException)
                {
                    Interlocked.Increment(ref framesRefused);
                    // A frame that cannot be decoded: the next one may still be.
                }
            }
        }
        catch (DicomException)
        {
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > DecodeAllocationBound(data))
        {
            throw new FuzzFailureException($"decoding the frames of {data.Length} bytes allocated {allocated} bytes (bound {DecodeAllocationBound(data)})");
        }

        if (watch.Elapsed > SlowParse)
        {
            throw new FuzzFailureException($"decoding the frames of {data.Length} bytes took {watch.Elapsed.TotalMilliseconds:F0} ms");
        }
    }

    /// <summary>Most bytes a read of <paramref name="data"/> may allocate: a constant plus a multiple of what arrived (inflated, for a deflated dataset).</summary>
    public static long AllocationBound(byte[] data) =>
        (2L << 20) + (long)data.Length * (IsDeflated(data) ? 1100 : 64);

    private static void CheckBounds(byte[] data, Stopwatch watch, long allocatedBefore)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        if (allocated > AllocationBound(data))
        {
            throw new FuzzFailureException($"reading {data.Length} bytes allocated {allocated} bytes (bound {AllocationBound(data)})");
        }

        if (watch.Elapsed > SlowParse)
        {
            throw new FuzzFailureException($"reading {data.Length} bytes took {watch.Elapsed.TotalMilliseconds:F0} ms");
        }
    }

    private static void WriteBack(DicomFile file)
    {
        string? json = null;
        try
        {
            json = DicomJsonWriter.Write(file.Dataset);
        }
        catch (DicomException)
        {
        }

        if (json is not null)
        {
            try
            {
                DicomJsonReader.Read(json);
            }
            catch (DicomException)
            {
            }
        }

        try
        {
            file.Write(new MemoryStream());
        }
        catch (DicomException)
        {
        }
    }

    private static bool IsDeflated(byte[] data) =>
        data.AsSpan().IndexOf("1.2.840.10008.1.2.1.99"u8) >= 0 || data.AsSpan().IndexOf("1.2.840.10008.1.2.4.95"u8) >= 0;
}

/// <summary>A fuzz input made the library misbehave without an exception of its own escaping.</summary>
public sealed class FuzzFailureException : Exception
{
    public FuzzFailureException()
    {
    }

    public FuzzFailureException(string message) : base(message)
    {
    }

    public FuzzFailureException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}
