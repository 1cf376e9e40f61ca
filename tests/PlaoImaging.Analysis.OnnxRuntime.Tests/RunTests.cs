using PlaoImaging.Analysis.Inference;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Analysis.OnnxRuntime.Tests;

/// <summary>One CPU runner of the real v1 model, shared by the tests of a class.</summary>
public sealed class V1RunnerFixture : IDisposable
{
    public V1RunnerFixture()
    {
        Logger = new ListLogger();
        Runner = OnnxModelRunner.Create(TestModels.V1(), TestModels.Cpu() with { WarmUp = true }, Logger);
    }

    public OnnxModelRunner Runner { get; }

    public ListLogger Logger { get; }

    public void Dispose() => Runner.Dispose();
}

[Trait("Category", "unit")]
public sealed class RunTests(V1RunnerFixture fixture) : IClassFixture<V1RunnerFixture>
{
    private OnnxModelRunner Runner => fixture.Runner;

    [Fact]
    public void Create_RealV1Model_ChecksLoadsAndWarmsUpOnCpu()
    {
        Assert.Equal("cpu (2 intra-op threads)", Runner.ExecutionProvider);
        Assert.Equal(["detector"], Runner.Stages);
        Assert.Same(Runner.Manifest, Runner.Manifest);
        Assert.Contains(fixture.Logger.Entries, e => e.EventId == 4100 && e.Message.Contains("detector", StringComparison.Ordinal));
        Assert.Contains(fixture.Logger.Entries, e => e.EventId == 4104);
    }

    [Fact]
    public void Run_RealV1Model_ReturnsEveryOutputShapedAsTheManifestSays()
    {
        var outputs = Runner.Detect(TestModels.Input(2));
        Assert.Equal(["heatmap", "offsets", "levels"], outputs.Keys);
        Assert.Equal([2, 1, 112, 88], outputs["heatmap"].Shape);
        Assert.Equal([2, 14, 112, 88], outputs["offsets"].Shape);
        Assert.Equal([2, 18, 112, 88], outputs["levels"].Shape);
        foreach (var t in outputs.Values)
        {
            Assert.Equal(t.Data.Length, t.Length);
            Assert.All(t.Data, v => Assert.True(float.IsFinite(v)));
            Assert.Contains(t.Data, v => v != 0f);
        }
    }

    [Fact]
    [Trait("Category", "slow")]
    public void Run_EightThreadsAtOnce_GiveTheSingleThreadedOutputs()
    {
        const int threads = 8;
        var inputs = Enumerable.Range(0, threads).Select(i => TestModels.Input(1, seed: i)).ToArray();
        var expected = inputs.Select(x => Runner.Detect(x)).ToArray();

        var token = TestContext.Current.CancellationToken;
        var got = new IReadOnlyDictionary<string, Tensor>[threads][];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            got[i] = [Runner.Run("detector", inputs[i], token), Runner.Run("detector", inputs[i], token)];
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());

        for (int i = 0; i < threads; i++)
        {
            foreach (var result in got[i])
            {
                foreach (var (name, tensor) in expected[i])
                {
                    Assert.True(tensor.Span.SequenceEqual(result[name].Span), $"thread {i}: output {name} differs from the single-threaded run");
                }
            }
        }
    }

    [Theory]
    [Trait("Category", "slow")]
    [InlineData(0)]
    [InlineData(2)]
    public void Run_BatchOfThree_EqualsThreeRunsOfOne(int maxBatchSize)
    {
        using var runner = maxBatchSize == 0 ? null : OnnxModelRunner.Create(TestModels.V1(), TestModels.Cpu() with { MaxBatchSize = maxBatchSize });
        var r = runner ?? Runner;
        var batch = TestModels.Input(3, seed: 10);
        var together = r.Detect(batch);
        for (int n = 0; n < 3; n++)
        {
            var alone = r.Detect(TestModels.Input(1, seed: 10 + n));
            foreach (var (name, tensor) in alone)
            {
                var part = together[name].Span.Slice(n * tensor.Length, tensor.Length);
                float worst = MaxAbsDiff(tensor.Span, part);
                Assert.True(worst <= 1e-5f, $"item {n}, output {name}: max |difference| {worst:g3} > 1e-5");
            }
        }
    }

    [Fact]
    public void RunInto_PreallocatedOutputs_AreFilledAgainOnEveryRun()
    {
        var outputs = Runner.AllocateOutputs("detector", 1);
        var first = TestModels.Input(1, seed: 3);
        var second = TestModels.Input(1, seed: 4);
        Runner.RunInto("detector", first, outputs, TestContext.Current.CancellationToken);
        var heatmap = outputs["heatmap"].Span.ToArray();
        Runner.RunInto("detector", second, outputs, TestContext.Current.CancellationToken);
        Assert.Equal(Runner.Detect(second)["heatmap"].Span.ToArray(), outputs["heatmap"].Span.ToArray());
        Runner.RunInto("detector", first, outputs, TestContext.Current.CancellationToken);
        Assert.Equal(heatmap, outputs["heatmap"].Span.ToArray());
    }

    [Fact]
    public void Run_InputLargerThanItsTensor_UsesOnlyTheTensorsPart()
    {
        // Tensor buffers may be pooled and longer than the tensor: only the first Length values are the input.
        var exact = TestModels.Input(1, seed: 5);
        var pooled = new Tensor(new float[exact.Length + 1000], exact.Shape);
        exact.Span.CopyTo(pooled.Data);
        Array.Fill(pooled.Data, 9f, exact.Length, 1000);
        Assert.Equal(Runner.Detect(exact)["levels"].Span.ToArray(), Runner.Detect(pooled)["levels"].Span.ToArray());
    }

    [Fact]
    public void Run_EmptyBatch_ReturnsEmptyOutputs()
    {
        var outputs = Runner.Detect(Tensor.Allocate(0, 1, TestModels.Height, TestModels.Width));
        Assert.All(outputs.Values, t => Assert.Equal(0, t.Length));
        Assert.Equal([0, 18, 112, 88], outputs["levels"].Shape);
    }

    [Fact]
    public void Run_WrongInputShape_ThrowsArgumentExceptionNamingTheShape()
    {
        var e = Assert.Throws<ArgumentException>(() => Runner.Detect(Tensor.Allocate(1, 1, 440, 352)));
        Assert.Contains("[batch, 1, 448, 352]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_UnknownStage_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => Runner.Run("refiner", TestModels.Input(1), TestContext.Current.CancellationToken));
        Assert.Contains("no stage 'refiner'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_CancelledToken_ThrowsOperationCanceled()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Runner.Run("detector", TestModels.Input(1), cancel.Token));
    }

    [Fact]
    public void Run_AfterDispose_ThrowsObjectDisposed()
    {
        var runner = OnnxModelRunner.Create(TestModels.V1(), TestModels.Cpu());
        runner.Dispose();
        runner.Dispose();
        Assert.Throws<ObjectDisposedException>(() => runner.Detect(TestModels.Input(1)));
    }

    internal static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        }

        return worst;
    }
}
