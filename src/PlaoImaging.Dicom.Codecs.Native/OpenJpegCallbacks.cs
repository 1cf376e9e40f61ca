using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PlaoImaging.Dicom.Codecs.Native;

/// <summary>
/// The callbacks OpenJPEG calls: stream reads, skips and seeks over a pinned managed buffer, writes into a growing
/// managed buffer, and error/warning messages collected for the exception instead of printed. None of them throws
/// (an exception must not unwind into native frames); every length OpenJPEG passes is checked against the buffer.
/// </summary>
internal static unsafe class OpenJpegCallbacks
{
    /// <summary>(OPJ_SIZE_T)-1: OpenJPEG's "end of stream" from a read callback.</summary>
    private static readonly nuint EndOfStream = nuint.MaxValue;

    public static nint ReadFunction => (nint)(delegate* unmanaged[Cdecl]<void*, nuint, void*, nuint>)&Read;

    public static nint SkipFunction => (nint)(delegate* unmanaged[Cdecl]<long, void*, long>)&Skip;

    public static nint SeekFunction => (nint)(delegate* unmanaged[Cdecl]<long, void*, int>)&Seek;

    public static nint WriteFunction => (nint)(delegate* unmanaged[Cdecl]<void*, nuint, void*, nuint>)&Write;

    public static nint WriteSkipFunction => (nint)(delegate* unmanaged[Cdecl]<long, void*, long>)&WriteSkip;

    public static nint WriteSeekFunction => (nint)(delegate* unmanaged[Cdecl]<long, void*, int>)&WriteSeek;

    public static nint ErrorFunction => (nint)(delegate* unmanaged[Cdecl]<byte*, void*, void>)&OnError;

    public static nint WarningFunction => (nint)(delegate* unmanaged[Cdecl]<byte*, void*, void>)&OnWarning;

    public static nint IgnoreFunction => (nint)(delegate* unmanaged[Cdecl]<byte*, void*, void>)&Ignore;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nuint Read(void* buffer, nuint count, void* user)
    {
        var state = (ReadState*)user;
        long remaining = state->Length - state->Position;
        if (remaining <= 0 || buffer is null)
        {
            return EndOfStream;
        }

        long n = count > (nuint)remaining ? remaining : (long)count;
        Buffer.MemoryCopy(state->Data + state->Position, buffer, (long)count, n);
        state->Position += n;
        return (nuint)n;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static long Skip(long count, void* user)
    {
        var state = (ReadState*)user;
        long target = count >= 0
            ? (count > state->Length - state->Position ? state->Length : state->Position + count)
            : (-count > state->Position ? 0 : state->Position + count);
        long moved = target - state->Position;
        if (moved == 0 && count != 0)
        {
            return -1;
        }

        state->Position = target;
        return moved;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Seek(long offset, void* user)
    {
        var state = (ReadState*)user;
        if (offset < 0 || offset > state->Length)
        {
            return 0;
        }

        state->Position = offset;
        return 1;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nuint Write(void* buffer, nuint count, void* user)
    {
        try
        {
            if (GCHandle.FromIntPtr((nint)user).Target is not OutputBuffer output || buffer is null || count > int.MaxValue)
            {
                return EndOfStream;
            }

            return output.Write(new ReadOnlySpan<byte>(buffer, (int)count)) ? count : EndOfStream;
        }
        catch (Exception e) when (e is OutOfMemoryException or InvalidOperationException or ArgumentException)
        {
            return EndOfStream;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static long WriteSkip(long count, void* user)
    {
        try
        {
            return GCHandle.FromIntPtr((nint)user).Target is OutputBuffer output && output.Seek(output.Position + count) ? count : -1;
        }
        catch (Exception e) when (e is OutOfMemoryException or InvalidOperationException or ArgumentException)
        {
            return -1;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int WriteSeek(long offset, void* user)
    {
        try
        {
            return GCHandle.FromIntPtr((nint)user).Target is OutputBuffer output && output.Seek(offset) ? 1 : 0;
        }
        catch (Exception e) when (e is OutOfMemoryException or InvalidOperationException or ArgumentException)
        {
            return 0;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnError(byte* message, void* user) => Log(message, user, isError: true);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnWarning(byte* message, void* user) => Log(message, user, isError: false);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Ignore(byte* message, void* user)
    {
    }

    private static void Log(byte* message, void* user, bool isError)
    {
        try
        {
            if (user is not null && message is not null && GCHandle.FromIntPtr((nint)user).Target is MessageLog log)
            {
                log.Add(Marshal.PtrToStringUTF8((nint)message) ?? string.Empty, isError);
            }
        }
        catch (Exception e) when (e is OutOfMemoryException or InvalidOperationException or ArgumentException)
        {
            // Losing a message is better than unwinding into OpenJPEG.
        }
    }

    /// <summary>A read stream over pinned bytes; lives on the decoding method's stack for the whole decode.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ReadState
    {
        public byte* Data;
        public long Length;
        public long Position;
    }

    /// <summary>Errors and warnings OpenJPEG reported during one call (possibly from its worker threads).</summary>
    public sealed class MessageLog
    {
        private const int MaxMessages = 32;
        private readonly List<string> errors = [];
        private readonly List<string> warnings = [];
        private readonly Lock gate = new();

        public IReadOnlyList<string> Errors
        {
            get
            {
                lock (gate)
                {
                    return [.. errors];
                }
            }
        }

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (gate)
                {
                    return [.. warnings];
                }
            }
        }

        public void Add(string message, bool isError)
        {
            message = message.Trim();
            lock (gate)
            {
                var list = isError ? errors : warnings;
                if (list.Count < MaxMessages && message.Length > 0)
                {
                    list.Add(message);
                }
            }
        }
    }

    /// <summary>The codestream being written by the encoder: random access (OpenJPEG may seek back), grows as needed.</summary>
    public sealed class OutputBuffer
    {
        private const long MaxBytes = int.MaxValue - 1024;
        private byte[] data = new byte[64 * 1024];

        public long Length { get; private set; }

        public long Position { get; private set; }

        public bool Write(ReadOnlySpan<byte> bytes)
        {
            long end = Position + bytes.Length;
            if (end > MaxBytes)
            {
                return false;
            }

            EnsureCapacity(end);
            bytes.CopyTo(data.AsSpan((int)Position));
            Position = end;
            Length = Math.Max(Length, end);
            return true;
        }

        public bool Seek(long position)
        {
            if (position < 0 || position > MaxBytes)
            {
                return false;
            }

            EnsureCapacity(position);
            Position = position;
            Length = Math.Max(Length, position);
            return true;
        }

        public byte[] ToArray() => data.AsSpan(0, (int)Length).ToArray();

        private void EnsureCapacity(long size)
        {
            if (size > data.Length)
            {
                Array.Resize(ref data, (int)Math.Min(MaxBytes, Math.Max(size, (long)data.Length * 2)));
            }
        }
    }
}
