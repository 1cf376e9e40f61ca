using System.Diagnostics;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Json;
using PlaoImaging.Dicom.Tests.Support;

namespace PlaoImaging.Dicom.Tests.Fuzz;

/// <summary>
/// One fuzz input through the library: parse it as a Part 10 file; when that succeeds, write it back as DICOM JSON
/// (and read that JSON again) and as a Part 10 file. The library may refuse with a <see cref="DicomException"/>;
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
        return Outcome.Accepted;
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
