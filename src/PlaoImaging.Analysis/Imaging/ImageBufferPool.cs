namespace PlaoImaging.Analysis;

/// <summary>
/// Arrays for reading images one study after another, reused from one image to the next: the bytes of a frame on its
/// way to being decoded, and the modality values of a <see cref="SpineImage"/> (<see cref="SpineImageReader.Read(PlaoImaging.Dicom.DicomFile, int, string?, ImageBufferPool?)"/>).
/// Values arrays have exactly the length asked for (an image's <see cref="SpineImage.Values"/> is one value per pixel,
/// pooled or not) and are handed out only after every element was written by the reader; byte arrays may be longer than
/// asked, and only the part asked for is ever read.
/// </summary>
/// <remarks>
/// Why: an image of a few megapixels is read through arrays of several megabytes each (the frame's bytes, then its
/// values). Fresh, they come from memory the runtime has just committed (a page fault and a page of zeroes every 4 KiB),
/// and a few of them per study make the large-object heap run a full collection every study or two, which in a service
/// also walks everything else it holds. Routed images mostly share a handful of sizes, so reuse is the rule.
/// <para>
/// Arrays below <see cref="MinimumLength"/> elements are not pooled. At most <see cref="MaxRetainedBytes"/> bytes of idle
/// arrays are kept (a returned array that would go over it is left to the collector). One pool may serve several threads.
/// </para>
/// </remarks>
public sealed class ImageBufferPool
{
    /// <summary>Arrays shorter than this (in elements) are ordinary ones: the runtime hands those out of warm memory.</summary>
    public const int MinimumLength = 16 * 1024;

    private readonly Lock gate = new();

    // Idle arrays, the most recently returned last: a rent takes the latest that fits, and the oldest go first when the
    // pool is over its limit, so sizes no longer seen do not hold memory for good.
    private readonly List<Array> idle = [];
    private long retained;

    /// <summary>A pool that keeps up to <paramref name="maxRetainedBytes"/> bytes of idle arrays (default 128 MiB).</summary>
    public ImageBufferPool(long maxRetainedBytes = 128L * 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetainedBytes);
        MaxRetainedBytes = maxRetainedBytes;
    }

    /// <summary>The most bytes of idle arrays the pool keeps.</summary>
    public long MaxRetainedBytes { get; }

    /// <summary>Bytes of idle arrays held now.</summary>
    public long RetainedBytes
    {
        get
        {
            lock (gate)
            {
                return retained;
            }
        }
    }

    /// <summary>A values array of exactly <paramref name="length"/> elements, whose contents are left from its last use: the caller writes every element.</summary>
    public float[] RentValues(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return length >= MinimumLength && Take<float>(length) is { } reused ? reused : GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>
    /// A byte array of at least <paramref name="length"/> bytes (at most a quarter more: lengths are rounded up to one of
    /// four sizes per octave, so frames of about the same size share arrays), contents left from its last use.
    /// </summary>
    public byte[] RentBytes(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length < MinimumLength)
        {
            return GC.AllocateUninitializedArray<byte>(length);
        }

        int size = SizeClass(length);
        return Take<byte>(size) ?? GC.AllocateUninitializedArray<byte>(size);
    }

    /// <summary>Takes back an array from <see cref="RentValues"/> (null is ignored). It must not be used afterwards.</summary>
    public void Return(float[]? array) => Keep(array, sizeof(float));

    /// <summary>Takes back an array from <see cref="RentBytes"/> (null is ignored). It must not be used afterwards.</summary>
    public void Return(byte[]? array) => Keep(array, 1);

    /// <summary>Lets go of every idle array.</summary>
    public void Clear()
    {
        lock (gate)
        {
            idle.Clear();
            retained = 0;
        }
    }

    /// <summary>The length <see cref="RentBytes"/> gives for <paramref name="length"/>: the smallest of 2^k, 1.25·2^k, 1.5·2^k and 1.75·2^k that is at least it (capped at the largest array).</summary>
    public static int SizeClass(int length)
    {
        int octave = 31 - System.Numerics.BitOperations.LeadingZeroCount((uint)length);
        long step = 1L << Math.Max(0, octave - 2);
        long size = (1L << octave) + ((length - (1L << octave) + step - 1) / step * step);
        return (int)Math.Min(size, Array.MaxLength);
    }

    private T[]? Take<T>(int length)
    {
        lock (gate)
        {
            for (int i = idle.Count - 1; i >= 0; i--)
            {
                if (idle[i] is T[] array && array.Length == length)
                {
                    idle.RemoveAt(i);
                    retained -= (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
                    return array;
                }
            }
        }

        return null;
    }

    private void Keep(Array? array, int elementSize)
    {
        if (array is null || array.Length < MinimumLength)
        {
            return;
        }

        long size = (long)array.Length * elementSize;
        if (size > MaxRetainedBytes)
        {
            return;
        }

        lock (gate)
        {
            idle.Add(array);
            retained += size;
            while (retained > MaxRetainedBytes)
            {
                var oldest = idle[0];
                idle.RemoveAt(0);
                retained -= (long)oldest.Length * (oldest is float[] ? sizeof(float) : 1);
            }
        }
    }
}
