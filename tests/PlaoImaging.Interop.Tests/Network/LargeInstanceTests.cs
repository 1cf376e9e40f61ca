using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// One 100 MiB multi-frame instance (200 frames of 512 x 512 x 16 bit, made with pydicom) through storescu to the real
/// <c>plao listen</c>: it must arrive intact, and the listener must stream it to disk: its peak resident set
/// (/proc/PID/status VmHWM) may grow by far less than the instance over the peak after a tiny instance.
/// </summary>
[Trait("Category", "slow")]
public sealed class LargeInstanceTests
{
    private const int Frames = 200;
    private const long InstanceBytes = Frames * 512L * 512 * 2;

    /// <summary>The most the peak RSS may grow while the large instance is received: under half the instance.</summary>
    private const long AllowedGrowthBytes = 48L * 1024 * 1024;

    [Fact]
    public void Storescu_100MiBMultiFrame_ArrivesIntactAndListenerMemoryStaysFlat()
    {
        Peers.Require("storescu");
        string scratch = Peers.ScratchDirectory("net-large");
        try
        {
            string big = NetworkSources.Big(scratch, Frames);
            string tiny = NetworkSources.Get("ex-u16");
            using var listener = PlaoListener.Start(Path.Combine(scratch, "out"));

            // Baseline: the listener's peak after it has received (and so loaded every code path for) a tiny instance.
            NetworkPeers.Storescu(scratch, listener.Port, [tiny]);
            listener.WaitForStored(1, TimeSpan.FromSeconds(30));
            long? baseline = listener.Process.ProcStatusKb("VmHWM");

            NetworkPeers.Storescu(scratch, listener.Port, [big]);
            listener.WaitForStored(2, TimeSpan.FromSeconds(90));
            long? peak = listener.Process.ProcStatusKb("VmHWM");
            Assert.True(baseline is not null && peak is not null, "cannot read VmHWM of plao listen from /proc");
            listener.StopAndAssertClean();

            var original = DcmtkDump.Of(big, printAll: false);
            string received = NetworkPeers.ExpectedPath(listener.OutDirectory, original);
            Assert.True(File.Exists(received), $"the large instance is not at {received}; stored lines: {string.Join(", ", listener.Stored)}");
            var copy = DcmtkDump.Of(received, printAll: false);
            Assert.Equal(original.TransferSyntax, copy.TransferSyntax);
            string? difference = DcmtkDump.FirstDifference(original, copy);
            Assert.True(difference is null, "the large instance's data set differs (pixel data aside): " + difference);
            var expectedPixels = DcmtkDump.PixelData(big, scratch);
            Assert.Equal(InstanceBytes, expectedPixels.Length);
            Assert.Equal(expectedPixels, DcmtkDump.PixelData(received, scratch));

            long growth = (peak!.Value - baseline!.Value) * 1024;
            TestContext.Current.TestOutputHelper?.WriteLine($"plao listen VmHWM: {baseline} kB after a tiny instance, {peak} kB after the {InstanceBytes / (1024 * 1024)} MiB one (growth {growth / 1024} kB)");
            Assert.True(growth < AllowedGrowthBytes,
                $"plao listen's peak RSS grew by {growth / (1024 * 1024)} MiB (from {baseline / 1024} to {peak / 1024} MiB) while receiving a {InstanceBytes / (1024 * 1024)} MiB instance; "
                + $"allowed: {AllowedGrowthBytes / (1024 * 1024)} MiB. The listener must stream instances to disk.");
        }
        finally
        {
            foreach (var file in Directory.GetFiles(scratch, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).Length > 10_000_000))
            {
                File.Delete(file);
            }
        }
    }
}
