namespace PlaoImaging.Dicom;

/// <summary>
/// Memory for the large values of files that are read one after another, reused from one file to the next. A file
/// read with a pool (<see cref="DicomReadOptions.ValuePool"/>) takes the arrays for its values of at least
/// <see cref="MinimumLength"/> bytes from the pool, and gives them back when it is disposed
/// (<see cref="DicomFile.Dispose"/>); a file that is never disposed leaves its arrays to the garbage collector, as a
/// file read without a pool does.
/// </summary>
/// <remarks>
/// Why: a fresh large array is what reading a file into memory costs most. The runtime takes such arrays from memory
/// it has just committed, so the process pays a page fault (and the kernel a page of zeroes) for every 4 KiB when the
/// value is read into it, and the large-object heap triggers a full collection every few megabytes of them. Reading a
/// few hundred files of 0.1 to 10 MB in full cost two to three times the CPU time of DCMTK, whose allocator hands freed
/// memory straight back; with the arrays reused, the same reads cost about what copying the bytes costs (bench/README.md,
/// "Part 10 parse").
/// <para>
/// Arrays come in size classes four to an octave (a value of n bytes gets an array of at most 1.25 n bytes, a class
/// up to twice its size when that is what the pool holds), so files of similar geometry share them. A value only ever
/// sees its own bytes: the part of a reused array beyond the value is cleared wherever an earlier value had written
/// it, so no byte of one file can be seen through another's values, not even through the array behind their memory.
/// The pool keeps at most <see cref="MaxRetainedBytes"/> bytes of idle arrays (the classes holding the most are
/// emptied first when a returned array would exceed it), and <see cref="Clear"/> lets go of all of them. One pool may
/// serve files read on several threads at once.
/// </para>
/// </remarks>
public sealed class DicomValuePool
{
    /// <summary>
    /// Values shorter than this get ordinary arrays: the runtime hands small ones out of warm memory, and below this
    /// the pool's bookkeeping would cost about what it saves.
    /// </summary>
    public const int MinimumLength = 8 * 1024;

    private const int ClassesPerOctave = 4;

    // Two bits of mantissa above the leading one: classes 2^k, 1.25 * 2^k, 1.5 * 2^k, 1.75 * 2^k.
    private const int ClassCount = 32 * ClassesPerOctave;

    private readonly Lock gate = new();
    private readonly Stack<Entry>?[] classes = new Stack<Entry>?[ClassCount];
    private readonly long[] classBytes = new long[ClassCount];
    private long retained;

    /// <summary>A pool that keeps up to <paramref name="maxRetainedBytes"/> bytes of idle arrays (default 256 MiB).</summary>
    public DicomValuePool(long maxRetainedBytes = 256L * 1024 * 1024)
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

    /// <summary>Lets go of every idle array (values in use are not affected).</summary>
    public void Clear()
    {
        lock (gate)
        {
            Array.Clear(classes);
            Array.Clear(classBytes);
            retained = 0;
        }
    }

    /// <summary>
    /// An array of at least <paramref name="length"/> bytes (<paramref name="length"/> of at least
    /// <see cref="MinimumLength"/>) whose bytes from <paramref name="length"/> on are zero; the first
    /// <paramref name="length"/> bytes are the caller's to fill.
    /// </summary>
    internal byte[] Rent(int length)
    {
        int wanted = ClassOf(length);
        Entry? found = null;
        if (wanted >= 0)
        {
            lock (gate)
            {
                for (int c = wanted; c < Math.Min(ClassCount, wanted + ClassesPerOctave); c++)
                {
                    if (classes[c] is { Count: > 0 } stack)
                    {
                        found = stack.Pop();
                        classBytes[c] -= found.Value.Array.Length;
                        retained -= found.Value.Array.Length;
                        break;
                    }
                }
            }
        }

        if (found is { } entry)
        {
            if (entry.Written > length)
            {
                Array.Clear(entry.Array, length, entry.Written - length);
            }

            return entry.Array;
        }

        long size = wanted >= 0 ? ClassSize(wanted) : length;
        var array = GC.AllocateUninitializedArray<byte>(size <= Array.MaxLength ? (int)size : length);
        array.AsSpan(length).Clear();
        return array;
    }

    /// <summary>Takes back an array from <see cref="Rent"/> whose first <paramref name="written"/> bytes were used.</summary>
    internal void Return(byte[] array, int written)
    {
        int c = ClassOf(array.Length);
        if (c < 0 || ClassSize(c) != array.Length || array.Length > MaxRetainedBytes)
        {
            return;
        }

        lock (gate)
        {
            while (retained + array.Length > MaxRetainedBytes)
            {
                int fullest = 0;
                for (int i = 1; i < ClassCount; i++)
                {
                    if (classBytes[i] > classBytes[fullest])
                    {
                        fullest = i;
                    }
                }

                var dropped = classes[fullest]!.Pop();
                classBytes[fullest] -= dropped.Array.Length;
                retained -= dropped.Array.Length;
            }

            (classes[c] ??= new Stack<Entry>()).Push(new Entry(array, written));
            classBytes[c] += array.Length;
            retained += array.Length;
        }
    }

    /// <summary>The smallest class that holds <paramref name="length"/> bytes; -1 below <see cref="MinimumLength"/>.</summary>
    private static int ClassOf(long length)
    {
        if (length < MinimumLength)
        {
            return -1;
        }

        int octave = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)length);
        int step = (int)((length - (1L << octave)) >> (octave - 2));
        if (ClassSizeOf(octave, step) < length)
        {
            step++;
        }

        int c = (octave * ClassesPerOctave) + step;
        return c < ClassCount ? c : -1;
    }

    private static long ClassSize(int c) => ClassSizeOf(c / ClassesPerOctave, c % ClassesPerOctave);

    private static long ClassSizeOf(int octave, int step) => (1L << octave) + ((long)step << (octave - 2));

    private readonly record struct Entry(byte[] Array, int Written);
}
