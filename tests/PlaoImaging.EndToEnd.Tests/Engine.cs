using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.OnnxRuntime;
using PlaoImaging.Dicom.Codecs.Native;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Tests.Shared;

namespace PlaoImaging.EndToEnd.Tests;

/// <summary>The shipped model (v2, two stages) on ONNX Runtime's CPU provider, loaded once for the whole test assembly.</summary>
public class Engine : IDisposable
{
    public Engine()
        : this("plao-vertebra-landmarks-v2.json")
    {
    }

    protected Engine(string manifestFile)
    {
        ManifestPath = Path.Combine(Peers.RepositoryRoot, "models", manifestFile);
        Manifest = ModelManifestReader.Read(ManifestPath);
        Runner = OnnxModelRunner.Create(Manifest, new OnnxRunnerOptions { Provider = OnnxExecutionProvider.Cpu, IntraOpThreads = 2 });
        Model = new ManifestLandmarkModel(Runner);
        Codecs = DicomCodecRegistry.CreateDefault().AddNativeCodecs();
        Analyzer = new StudyAnalyzer(Model, Manifest, Codecs, new StudyAnalyzerOptions { ExecutionProvider = Runner.ExecutionProvider });
    }

    public string ManifestPath { get; }

    public ModelManifest Manifest { get; }

    public OnnxModelRunner Runner { get; }

    public ILandmarkModel Model { get; }

    public DicomCodecRegistry Codecs { get; }

    public StudyAnalyzer Analyzer { get; }

    public static string SampleData => Path.Combine(Peers.RepositoryRoot, "sample-data");

    public void Dispose()
    {
        Runner.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Model v1 (the detector alone): the single-stage path of the engine.</summary>
public sealed class SingleStageEngine() : Engine("plao-vertebra-landmarks-v1.json");
