using System.Runtime.InteropServices;

namespace PlaoImaging.Worker.Operations;

/// <summary>
/// The CPU time the calling thread has used (user and system), from the kernel's per-thread clock
/// (<c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>, Linux). It splits a service's CPU between the engine and what is
/// around it: a synchronous call measured before and after on one thread, unlike its wall time, leaves out the time
/// the thread waited for a core that other work held.
/// </summary>
public static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>The calling thread's CPU time so far; null where the clock is not available (not Linux, or the call failed).</summary>
    public static TimeSpan? Current()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockThreadCpuTimeId, out var value) != 0)
        {
            return null;
        }

        return TimeSpan.FromTicks(value.Seconds * TimeSpan.TicksPerSecond + value.Nanoseconds / 100);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec value);
}
