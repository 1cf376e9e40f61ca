using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Reporting.Presentation;
using PlaoImaging.Reporting.Tests.Sr;

namespace PlaoImaging.Reporting.Tests.Presentation;

/// <summary>The presentation states of the sample studies (analysed with the phantom truth, as the report tests do).</summary>
internal static class SamplePresentationStates
{
    /// <summary>The headers of every file of a sample study.</summary>
    public static IReadOnlyList<DicomDataset> Headers(string folder)
    {
        var (studies, _) = StudyGrouper.Group([Path.Combine(SampleReports.SampleData, folder)]);
        return [.. studies.Single().Files.Select(f => f.Header)];
    }

    public static (StudyResult Result, IReadOnlyList<VertebralPresentationState> States) Create(string folder)
    {
        var (result, _) = SampleReports.Analyse(folder);
        return (result, VertebralPresentationStates.Create(result, Headers(folder)));
    }

    /// <summary>Writes a presentation state as a Part 10 file and returns its path.</summary>
    public static string Save(VertebralPresentationState state, string directory)
    {
        string path = Path.Combine(directory, "PR-" + state.State.Identity.InstanceNumber + ".dcm");
        new DicomFile(state.Dataset).Save(path);
        return path;
    }
}
