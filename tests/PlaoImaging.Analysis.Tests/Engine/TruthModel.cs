using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Tests.Selection;

namespace PlaoImaging.Analysis.Tests.Engine;

/// <summary>
/// An <see cref="ILandmarkModel"/> that answers with the phantom truth beside each sample image (its fully visible
/// vertebrae, score and level confidence 1): the engine's logic judged without the network's errors.
/// </summary>
internal sealed class TruthModel : ILandmarkModel
{
    public ModelIdentity Identity { get; } = new("phantom-truth", "0", new string('0', 64));

    public int Calls { get; private set; }

    public IReadOnlyList<ImageLandmarks> Locate(IReadOnlyList<SpineImage> images, CancellationToken cancellationToken = default)
    {
        Calls++;
        return [.. images.Select(image =>
        {
            string relative = Path.GetRelativePath(SampleStudies.PathOf("."), image.Source.Path!);
            var truth = SampleStudies.Truth(relative).Where(v => v.FullyVisible);
            return new ImageLandmarks([.. truth.Select(v => new VertebraLandmarks(v.Level, 1, 1, v.Points))]);
        })];
    }
}
