using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using PlaoImaging.Dicom;
using Xunit;

namespace PlaoImaging.Dicom.Tests.Fuzz;

/// <summary>
/// A bounded, deterministic mutation fuzz run inside the test suite: at least 100,000 mutants of the seeds
/// (System.Random(12345) draws one seed per mutant, so a failure is reproducible from its iteration number alone).
/// Every fourth input is fed through a non-seekable stream. Set PLAO_FUZZ_ITERATIONS for a longer run.
/// </summary>
[Trait("Category", "unit")]
public class MutationFuzzTests(ITestOutputHelper output)
{
    private const int MinimumIterations = 100_000;
    private const int MasterSeed = 12345;

    [Fact]
    [Trait("Category", "slow")]
    public async Task Fuzz_100000MutatedInputs_OnlyTypedErrorsInBoundedTimeAndMemory()
    {
        int iterations = Math.Max(MinimumIterations,
            int.TryParse(Environment.GetEnvironmentVariable("PLAO_FUZZ_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0);
        var seeds = FuzzSeeds.Load();
        var mutator = new DicomMutator(seeds);
        var master = new Random(MasterSeed);
        var iterationSeeds = new int[iterations];
        for (int i = 0; i < iterations; i++)
        {
            iterationSeeds[i] = master.Next();
        }

        var failures = new ConcurrentQueue<string>();
        var inFlight = new ConcurrentDictionary<int, (int Iteration, byte[] Input, long Started)>();
        int accepted = 0;
        long bytes = 0;
        long decodedBefore = DicomFuzzTarget.FramesDecoded;
        long refusedBefore = DicomFuzzTarget.FramesRefused;
        var watch = Stopwatch.StartNew();
        var run = Task.Run(() => Parallel.For(0, iterations, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, (i, state) =>
        {
            var random = new Random(iterationSeeds[i]);
            var (seed, input) = mutator.Next(random);
            bool seekable = (i & 3) != 3;
            int slot = Environment.CurrentManagedThreadId;
            inFlight[slot] = (i, input, Stopwatch.GetTimestamp());
            try
            {
                if (DicomFuzzTarget.Run(input, seekable) == DicomFuzzTarget.Outcome.Accepted)
                {
                    Interlocked.Increment(ref accepted);
                }

                Interlocked.Add(ref bytes, input.Length);
            }
            catch (Exception e)
            {
                failures.Enqueue(Describe(i, seed, seekable, input, e));
                if (failures.Count >= 5)
                {
                    state.Stop();
                }
            }
            finally
            {
                inFlight.TryRemove(slot, out _);
            }
        }));

        var limit = Task.Delay(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
        if (await Task.WhenAny(run, limit) != run)
        {
            Assert.Fail("the fuzz run did not finish in 5 minutes; inputs in flight:\n" +
                        string.Join('\n', inFlight.Values.Select(v => $"iteration {v.Iteration}: {Convert.ToBase64String(v.Input)}")));
        }

        await run;
        output.WriteLine($"{iterations} mutated inputs ({bytes / 1024} KiB) from {seeds.Count} seeds in {watch.Elapsed.TotalSeconds:F1} s; " +
                         $"{accepted} read, {iterations - accepted - failures.Count} refused with a DicomException, {failures.Count} failures; " +
                         $"{DicomFuzzTarget.FramesDecoded - decodedBefore} frames decoded, {DicomFuzzTarget.FramesRefused - refusedBefore} refused with a DicomException");
        Assert.True(failures.IsEmpty, string.Join("\n\n", failures));
    }

    [Fact]
    public void Seeds_AllHandBuiltSeeds_ReadWithoutError()
    {
        foreach (var seed in FuzzSeeds.Load(includeCorpus: false))
        {
            var input = seed.Wrap(seed.Bytes);
            Assert.Equal(DicomFuzzTarget.Outcome.Accepted, DicomFuzzTarget.Run(input));
            Assert.Equal(DicomFuzzTarget.Outcome.Accepted, DicomFuzzTarget.Run(input, seekable: false));
        }
    }

    [Fact]
    public void Seeds_PixelSeeds_EveryFrameDecodesWithManagedCodecs()
    {
        var codecs = PlaoImaging.Dicom.Imaging.DicomCodecRegistry.CreateDefault();
        var seeds = FuzzSeeds.PixelSeeds().ToList();
        Assert.Equal(4, seeds.Count);
        foreach (var seed in seeds)
        {
            var file = DicomFile.Read(new MemoryStream(seed.Bytes));
            var pixels = PlaoImaging.Dicom.Imaging.DicomPixelData.Create(file);
            Assert.True(pixels.IsEncapsulated, seed.Name);
            Assert.Equal(4, seed.ImageValues.Length);
            for (int frame = 0; frame < pixels.FrameCount; frame++)
            {
                Assert.Equal(pixels.Info.FrameBytes, pixels.DecodeFrame(frame, codecs).Bytes.Length);
            }
        }
    }

    [Fact]
    public void Mutator_SameSeed_SameInputs()
    {
        var mutator = new DicomMutator(FuzzSeeds.Load(includeCorpus: false));
        var a = Enumerable.Range(0, 200).Select(i => mutator.Next(new Random(i)).Input).ToList();
        var b = Enumerable.Range(0, 200).Select(i => mutator.Next(new Random(i)).Input).ToList();
        Assert.Equal(a, b);
    }

    private static string Describe(int iteration, FuzzSeed seed, bool seekable, byte[] input, Exception e) =>
        $"iteration {iteration} (master seed {MasterSeed}), seed '{seed.Name}', {(seekable ? "seekable" : "non-seekable")} stream, " +
        $"{input.Length} bytes: {e}\ninput (base64): {Convert.ToBase64String(input)}";
}
