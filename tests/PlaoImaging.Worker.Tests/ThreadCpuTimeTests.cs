using PlaoImaging.Worker.Operations;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>The calling thread's CPU clock: it advances while the thread computes and not while it sleeps (so it is not a wall clock).</summary>
[Trait("Category", "unit")]
public sealed class ThreadCpuTimeTests
{
    [Fact]
    public void Current_WhileTheThreadComputes_Advances()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the thread CPU clock is read on Linux only");
        var start = ThreadCpuTime.Current()!.Value;
        double sink = 0;
        long rounds = 0;
        while (ThreadCpuTime.Current()!.Value - start < TimeSpan.FromMilliseconds(20) && rounds < 2_000_000_000)
        {
            for (int i = 0; i < 10_000; i++)
            {
                sink += Math.Sqrt(i + rounds);
            }

            rounds++;
        }

        Assert.True(ThreadCpuTime.Current()!.Value - start >= TimeSpan.FromMilliseconds(20), $"the clock did not advance over {rounds} rounds of work ({sink:E1})");
    }

    [Fact]
    public void Current_WhileTheThreadSleeps_HardlyAdvances()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the thread CPU clock is read on Linux only");
        var start = ThreadCpuTime.Current()!.Value;
        Thread.Sleep(300);
        var used = ThreadCpuTime.Current()!.Value - start;
        Assert.True(used < TimeSpan.FromMilliseconds(100), $"{used.TotalMilliseconds} ms of CPU while sleeping 300 ms: a wall clock, not the thread's");
    }
}
