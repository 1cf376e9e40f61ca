using PlaoImaging.Tests.Shared;

namespace PlaoImaging.Dicom.Network.Tests.Support;

/// <summary>A fresh scratch folder (under artifacts/scratch) removed when the test ends.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public ScratchFolder(string name)
    {
        Path = Peers.ScratchDirectory("nettest-" + name);
    }

    public string Path { get; }

    /// <summary>A sub-folder, created.</summary>
    public string Sub(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
