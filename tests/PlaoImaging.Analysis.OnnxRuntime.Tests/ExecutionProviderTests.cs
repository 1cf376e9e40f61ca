using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Analysis.OnnxRuntime.Tests;

/// <summary>
/// Provider choice in both build flavours. Without a usable GPU (the CPU build, or the CUDA build on a machine without
/// an NVIDIA driver or device), Auto runs on CPU and logs why once, and Cuda is a typed error. With one, the GPU tests
/// run and the fallback tests say they were skipped.
/// </summary>
[Trait("Category", "unit")]
public sealed class ExecutionProviderTests
{
    /// <summary>Null when the CUDA build finds a CUDA device here; else why CUDA cannot run.</summary>
    private static string? NoCuda => OnnxModelRunner.IsCudaBuild ? CudaProbe.WhyNot(0) : "CPU build";

    [Fact]
    public void Create_AutoWithoutUsableGpu_RunsOnCpuAndLogsTheReasonOnce()
    {
        if (NoCuda is null)
        {
            Assert.Skip("a CUDA device is present: Auto is checked by Create_AutoWithGpu_RunsOnCudaOrSaysWhyNot");
        }

        var logger = new ListLogger();
        using var runner = OnnxModelRunner.Create(TestModels.V1(), TestModels.Cpu() with { Provider = OnnxExecutionProvider.Auto }, logger);
        Assert.Equal("cpu (2 intra-op threads)", runner.ExecutionProvider);
        var reasons = logger.Entries.Where(e => e.EventId is 4101 or 4102).ToList();
        var reason = Assert.Single(reasons);
        TestContext.Current.TestOutputHelper?.WriteLine($"{reason.Level} {reason.EventId}: {reason.Message}");
        Assert.Contains(OnnxModelRunner.IsCudaBuild ? CudaProbe.WhyNot(0)! : "CPU build", reason.Message, StringComparison.Ordinal);
        Assert.Equal([1, 1, 112, 88], runner.Detect(TestModels.Input(1))["heatmap"].Shape);
    }

    [Fact]
    public void Create_CudaWithoutUsableGpu_ThrowsExecutionProviderUnavailable()
    {
        if (NoCuda is null)
        {
            Assert.Skip("a CUDA device is present: CUDA is checked by Create_CudaWithGpu_MatchesCpu");
        }

        var options = TestModels.Cpu() with { Provider = OnnxExecutionProvider.Cuda, DeviceId = 0 };
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => OnnxModelRunner.Create(TestModels.V1(), options));
        TestContext.Current.TestOutputHelper?.WriteLine(e.Message);
        Assert.Equal("cuda:0", e.Provider);
        Assert.StartsWith("execution provider cuda:0 is not available: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(OnnxModelRunner.IsCudaBuild ? CudaProbe.WhyNot(0)! : "-p:PlaoOnnxFlavour=cuda", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_CudaProviderThatCannotLoad_ThrowsExecutionProviderUnavailableNotOnnxRuntimeException()
    {
        // Past the driver probe, straight into ONNX Runtime's CUDA provider: what a GPU host without cuDNN or cuBLAS sees.
        if (NoCuda is null)
        {
            Assert.Skip("a CUDA device is present: the CUDA provider may load here");
        }

        var options = TestModels.Cpu() with { Provider = OnnxExecutionProvider.Cuda, ProbeCudaDriver = false };
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => OnnxModelRunner.Create(TestModels.V1(), options));
        TestContext.Current.TestOutputHelper?.WriteLine(e.Message);
        Assert.Equal("cuda:0", e.Provider);
        if (OnnxModelRunner.IsCudaBuild)
        {
            Assert.Contains("CUDA provider could not be loaded", e.Message, StringComparison.Ordinal);
            Assert.IsType<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(e.InnerException);
        }
    }

    [Fact]
    public void Create_AutoWhenTheCudaProviderCannotLoad_RunsOnCpuAndWarnsOnce()
    {
        if (NoCuda is null)
        {
            Assert.Skip("a CUDA device is present: the CUDA provider may load here");
        }

        var logger = new ListLogger();
        var options = TestModels.Cpu() with { Provider = OnnxExecutionProvider.Auto, ProbeCudaDriver = false };
        using var runner = OnnxModelRunner.Create(TestModels.V1(), options, logger);
        Assert.Equal("cpu (2 intra-op threads)", runner.ExecutionProvider);
        var said = Assert.Single(logger.Entries, e => e.EventId is 4101 or 4102);
        TestContext.Current.TestOutputHelper?.WriteLine($"{said.Level} {said.EventId}: {said.Message}");
        Assert.Equal(OnnxModelRunner.IsCudaBuild ? 4102 : 4101, said.EventId);
    }

    [Fact]
    public void BuildFlavour_MatchesTheOnnxRuntimeLibraryShipped()
    {
        // The CUDA package's libonnxruntime.so exports the CUDA provider entry point; the CPU package's does not.
        Assert.Contains(OnnxModelRunner.BuildFlavour, new[] { "cpu", "cuda" });
        var dir = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        if (!OperatingSystem.IsLinux() || !Directory.Exists(dir))
        {
            Assert.Skip("not a linux-x64 build output");
        }

        Assert.Equal(OnnxModelRunner.IsCudaBuild, File.Exists(Path.Combine(dir, "libonnxruntime_providers_cuda.so")));
        var ort = System.Runtime.InteropServices.NativeLibrary.Load(Path.Combine(dir, "libonnxruntime.so"));
        Assert.Equal(
            OnnxModelRunner.IsCudaBuild,
            System.Runtime.InteropServices.NativeLibrary.TryGetExport(ort, "OrtSessionOptionsAppendExecutionProvider_CUDA", out _));
    }

    [Fact]
    public void Create_AutoWithGpu_RunsOnCudaOrSaysWhyNot()
    {
        if (NoCuda is { } why)
        {
            Assert.Skip($"no usable GPU here ({why})");
        }

        var logger = new ListLogger();
        using var runner = OnnxModelRunner.Create(TestModels.V1(), new OnnxRunnerOptions { Provider = OnnxExecutionProvider.Auto }, logger);
        if (runner.ExecutionProvider != "cuda:0")
        {
            // The driver has a device but ONNX Runtime's CUDA provider did not load (a CUDA library missing): said once, as a warning.
            Assert.Single(logger.Entries, e => e.EventId == 4102);
        }
        else
        {
            Assert.Single(logger.Entries, e => e.EventId == 4103);
        }
    }

    [Fact]
    public void Create_CudaWithGpu_MatchesCpu()
    {
        if (NoCuda is { } why)
        {
            Assert.Skip($"no usable GPU here ({why})");
        }

        using var gpu = OnnxModelRunner.Create(TestModels.V1(), new OnnxRunnerOptions { Provider = OnnxExecutionProvider.Cuda });
        using var cpu = OnnxModelRunner.Create(TestModels.V1(), TestModels.Cpu());
        Assert.Equal("cuda:0", gpu.ExecutionProvider);
        var input = TestModels.Input(2, seed: 1);
        var expected = cpu.Detect(input);
        var got = gpu.Detect(input);
        foreach (var (name, tensor) in expected)
        {
            float worst = RunTests.MaxAbsDiff(tensor.Span, got[name].Span);
            Assert.True(worst <= 1e-3f, $"output {name}: CUDA and CPU differ by up to {worst:g3}");
        }
    }
}
