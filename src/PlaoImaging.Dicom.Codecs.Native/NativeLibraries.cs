using System.Reflection;
using System.Runtime.InteropServices;

namespace PlaoImaging.Dicom.Codecs.Native;

/// <summary>
/// One native library found by trying its usual file names, loaded once on first use. The P/Invoke declarations name it
/// by <see cref="ImportName"/>; the assembly's import resolver hands back the handle loaded here, so nothing is bound
/// before <see cref="EnsureAvailable"/> has checked that the library is present.
/// </summary>
internal sealed class NativeLibraryLoader
{
    private readonly Lazy<(nint Handle, string? Error)> loaded;

    public NativeLibraryLoader(string displayName, string importName, string package, IReadOnlyList<string> candidates)
    {
        DisplayName = displayName;
        ImportName = importName;
        Package = package;
        Candidates = candidates;
        loaded = new Lazy<(nint, string?)>(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The library's name for people: CharLS, OpenJPEG.</summary>
    public string DisplayName { get; }

    /// <summary>The name the P/Invoke declarations use.</summary>
    public string ImportName { get; }

    /// <summary>The Debian package that installs it.</summary>
    public string Package { get; }

    /// <summary>File names tried in order (the versioned Linux soname first).</summary>
    public IReadOnlyList<string> Candidates { get; }

    /// <summary>The loaded library, or zero when none of the candidates loads.</summary>
    public nint Handle => loaded.Value.Handle;

    public bool IsAvailable => Handle != 0;

    /// <summary>Throws <see cref="NativeCodecUnavailableException"/> naming the package unless the library is loaded.</summary>
    /// <param name="feature">What needs the library, e.g. "JPEG-LS decoding".</param>
    /// <param name="frame">The frame concerned, for the message.</param>
    public void EnsureAvailable(string feature, int? frame)
    {
        var (handle, error) = loaded.Value;
        if (handle == 0)
        {
            throw Unavailable(feature, frame, $"could not load {string.Join(", ", Candidates)}: {error}");
        }
    }

    /// <summary>The exception for a library that is absent or unusable.</summary>
    public NativeCodecUnavailableException Unavailable(string feature, int? frame, string detail, Exception? inner = null) =>
        new(frame, DisplayName, Package,
            $"{feature} needs {DisplayName} ({Candidates[0]}): install the Debian package {Package} ({detail})", inner);

    /// <summary>The address of an exported function, or zero.</summary>
    public nint GetExport(string name) =>
        Handle != 0 && NativeLibrary.TryGetExport(Handle, name, out var address) ? address : 0;

    private (nint, string?) Load()
    {
        string? lastError = null;
        foreach (var name in Candidates)
        {
            try
            {
                if (NativeLibrary.TryLoad(name, typeof(NativeLibraryLoader).Assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.AssemblyDirectory, out var handle))
                {
                    return (handle, null);
                }

                lastError = "not found";
            }
            catch (BadImageFormatException e)
            {
                // A file with the name exists but is not a library for this process (wrong architecture).
                lastError = e.Message;
            }
        }

        return (0, lastError ?? "no candidate names");
    }
}

/// <summary>The native libraries the codecs use, and the import resolver that maps their P/Invoke names to them.</summary>
internal static class NativeLibraries
{
    public const string CharLsImport = "plao-charls";
    public const string OpenJpegImport = "plao-openjp2";

    public static readonly NativeLibraryLoader CharLs = new(
        "CharLS", CharLsImport, "libcharls2",
        ["libcharls.so.2", "libcharls.so", "libcharls.2.dylib", "libcharls.dylib", "charls-2-x64.dll", "charls"]);

    public static readonly NativeLibraryLoader OpenJpeg = new(
        "OpenJPEG", OpenJpegImport, "libopenjp2-7",
        ["libopenjp2.so.7", "libopenjp2.so", "libopenjp2.7.dylib", "libopenjp2.dylib", "openjp2"]);

    // Registered when this class is first touched, which every codec does (through CharLs/OpenJpeg) before any call.
    private static readonly bool ResolverRegistered = RegisterResolver();

    /// <summary>Makes sure the resolver is registered (for code that binds without going through a loader).</summary>
    public static bool EnsureResolver() => ResolverRegistered;

    private static bool RegisterResolver()
    {
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
        return true;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) => libraryName switch
    {
        CharLsImport => CharLs.Handle,
        OpenJpegImport => OpenJpeg.Handle,
        _ => 0,
    };
}
