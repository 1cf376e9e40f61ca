using System.Runtime.InteropServices;

namespace PlaoImaging.Analysis.OnnxRuntime;

/// <summary>
/// Asks the NVIDIA driver (libcuda.so.1, which ONNX Runtime's CUDA provider loads anyway) whether CUDA device
/// <c>deviceId</c> exists, before ONNX Runtime's CUDA provider is loaded: a machine without a driver or a GPU then gets a
/// one-line reason instead of ONNX Runtime's loader errors.
/// </summary>
internal static class CudaProbe
{
    private const int CudaSuccess = 0;

    /// <summary>Null when the driver reports the device; else why CUDA cannot run here.</summary>
    public static unsafe string? WhyNot(int deviceId)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return $"the CUDA build runs on linux-x64 only (this is {RuntimeInformation.RuntimeIdentifier})";
        }

        if (!NativeLibrary.TryLoad("libcuda.so.1", out nint driver))
        {
            return "no NVIDIA driver: libcuda.so.1 cannot be loaded (no GPU, or the driver is not installed)";
        }

        // The driver stays loaded: after cuInit it runs threads of its own, and ONNX Runtime needs it next.
        if (!NativeLibrary.TryGetExport(driver, "cuInit", out nint init) || !NativeLibrary.TryGetExport(driver, "cuDeviceGetCount", out nint getCount))
        {
            return "libcuda.so.1 lacks cuInit or cuDeviceGetCount: not an NVIDIA CUDA driver";
        }

        int status = ((delegate* unmanaged<uint, int>)init)(0);
        if (status != CudaSuccess)
        {
            // 100: CUDA_ERROR_NO_DEVICE; 35: CUDA_ERROR_INSUFFICIENT_DRIVER; 999: unknown (often a driver/module mismatch)
            return $"the NVIDIA driver did not initialise (cuInit returned CUDA error {status}{CudaErrorName(status)})";
        }

        int count = 0;
        status = ((delegate* unmanaged<int*, int>)getCount)(&count);
        if (status != CudaSuccess)
        {
            return $"the NVIDIA driver could not count devices (CUDA error {status}{CudaErrorName(status)})";
        }

        if (deviceId >= count)
        {
            return count == 0 ? "the NVIDIA driver reports no CUDA device" : $"CUDA device {deviceId} was asked for; the driver reports {count} device(s)";
        }

        return null;
    }

    private static string CudaErrorName(int status) => status switch
    {
        100 => ": no CUDA-capable device",
        35 => ": the driver is older than the CUDA runtime needs",
        999 => ": unknown error",
        _ => string.Empty,
    };
}
