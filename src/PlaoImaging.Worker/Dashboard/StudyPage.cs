using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Dashboard;

/// <summary>
/// What the study page shows, read straight from the results database: the study, its latest analysis and that
/// analysis's <see cref="StudyResult"/>, the exports, and which measured image is on screen. The review itself is not
/// here: the page's script reads it from the review API.
/// </summary>
internal sealed class StudyPage
{
    public required StudyRecord Study { get; init; }

    public AnalysisRecord? Analysis { get; init; }

    public StudyResult? Result { get; init; }

    /// <summary>Why the stored result could not be read (then <see cref="Result"/> is null).</summary>
    public string? ResultError { get; init; }

    public IReadOnlyList<ExportRecord> Exports { get; init; } = [];

    /// <summary>Images with measured vertebrae, in the result's order (a radiograph, or the measured MR slices).</summary>
    public IReadOnlyList<ImageResult> Images { get; init; } = [];

    /// <summary>The image on screen (null when there is none).</summary>
    public ImageResult? Image { get; init; }

    /// <summary>Whether the study's received images are still there (retention removes them).</summary>
    public bool ImagesAvailable { get; init; }

    public bool Graded => Study.State == StudyState.Analysed && Result is { Status: StudyStatus.Graded } && Image is not null;

    /// <summary>Loads the study; null when it does not exist. <paramref name="sop"/> and <paramref name="frame"/> choose the image.</summary>
    public static async Task<StudyPage?> LoadAsync(ResultsDbContext db, long id, string? sop, int? frame, CancellationToken cancellationToken)
    {
        var study = await db.Studies.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken).ConfigureAwait(false);
        if (study is null)
        {
            return null;
        }

        var analysis = study.LatestAnalysisId is { } aid
            ? await db.Analyses.AsNoTracking().SingleOrDefaultAsync(a => a.Id == aid, cancellationToken).ConfigureAwait(false)
            : null;
        var exports = await db.Exports.AsNoTracking().Where(x => x.StudyId == id).OrderBy(x => x.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        StudyResult? result = null;
        string? error = null;
        if (analysis?.ResultJson is { } json)
        {
            try
            {
                result = StudyResultJson.Deserialize(json);
            }
            catch (JsonException e)
            {
                error = e.Message;
            }
        }

        var images = result?.Images.Where(i => i.Error is null && i.Measured && i.Vertebrae.Count > 0 && i.Rows > 0 && i.Columns > 0).ToList() ?? [];
        var image = images.FirstOrDefault(i => i.Source.SopInstanceUid == sop && (frame is null || i.Source.Frame == frame))
            ?? images.FirstOrDefault(i => i.Kind == "lateral-radiograph")
            ?? images.OrderByDescending(i => i.Vertebrae.Count).FirstOrDefault();
        bool available = study.ImagesPurgedAt is null;
        return new StudyPage { Study = study, Analysis = analysis, Result = result, ResultError = error, Exports = exports, Images = images, Image = image, ImagesAvailable = available };
    }

    /// <summary>The stored file of an instance of this study (input images only), or null: no image of another study is ever served.</summary>
    public static async Task<string?> InstancePathAsync(ResultsDbContext db, long studyId, string sop, CancellationToken cancellationToken) =>
        await db.Instances.AsNoTracking().Where(i => i.StudyId == studyId && i.SopInstanceUid == sop && i.Kind == InstanceKind.Input)
            .Select(i => i.Path).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
}
