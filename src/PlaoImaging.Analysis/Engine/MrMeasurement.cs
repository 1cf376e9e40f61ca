using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Mr;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Analysis.Selection;
using PlaoImaging.Dicom;

namespace PlaoImaging.Analysis.Engine;

/// <summary>
/// The MR part of a study: per sagittal series, keeps for each level the measurement of the slice the
/// <see cref="MidSagittalChooser"/> chose (other slices stay in the result, not measured, with the reason), then
/// assesses the marrow signal of each chosen level on STIR / fat-saturated T2 (oedema: acute) or T1 (hypointense marrow:
/// supporting evidence only) with the <see cref="OedemaAssessor"/>.
/// </summary>
internal static class MrMeasurement
{
    /// <summary>Image Position (Patient) along the slice normal (row × column cosines), in mm; 0 without geometry.</summary>
    public static double PositionAlongNormal(DicomDataset header) =>
        SliceGeometry.PositionAlongNormal(
            DatasetReading.Numbers(header, DicomTags.ImageOrientationPatient),
            DatasetReading.Numbers(header, DicomTags.ImagePositionPatient)) ?? 0;

    public static List<ImageResult> ChooseAndAssess(
        List<ImageResult> images,
        IReadOnlyList<StudyAnalyzer.ImageWork> work,
        IReadOnlyDictionary<string, ImageLandmarks> found,
        MidSagittalOptions chooserOptions,
        OedemaOptions oedemaOptions)
    {
        var updated = images.ToDictionary(i => i.Source.SopInstanceUid, StringComparer.Ordinal);
        foreach (var series in work.Where(w => w.Decision.Kind == SeriesKind.SagittalMr).GroupBy(w => w.Decision.SeriesInstanceUid, StringComparer.Ordinal))
        {
            var items = series.Where(w => found.ContainsKey(w.Image.Source.SopInstanceUid)
                && w.Image.ImageOrientationPatient is { Count: 6 } && w.Image.ImagePositionPatient is { Count: 3 }).ToList();
            if (items.Count == 0)
            {
                continue;
            }

            var byImage = items.ToDictionary(w => w.Image.Source.SopInstanceUid, StringComparer.Ordinal);
            var slices = items.Select(w => MrSlice.FromImage(w.Image, found[w.Image.Source.SopInstanceUid].Vertebrae)).ToList();
            var choice = MidSagittalChooser.Choose(slices, chooserOptions);
            var chosenLevels = choice.Levels.GroupBy(l => l.SopInstanceUid, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(l => l.Level).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
            string notes = string.Join("; ", choice.Notes);
            foreach (var item in items)
            {
                string sop = item.Image.Source.SopInstanceUid;
                if (!updated.TryGetValue(sop, out var image) || image.Error is not null)
                {
                    continue;
                }

                if (chosenLevels.TryGetValue(sop, out var levels))
                {
                    updated[sop] = image with
                    {
                        Vertebrae = image.Vertebrae.Where(v => levels.Contains(v.Level)).ToList(),
                        Note = $"mid-sagittal choice: {string.Join(", ", image.Vertebrae.Where(v => levels.Contains(v.Level)).Select(v => v.Level))} measured on this slice ({notes})",
                    };
                }
                else
                {
                    updated[sop] = image with { Measured = false, Vertebrae = [], Note = $"not chosen for measurement ({notes})" };
                }
            }

            var sequence = series.First().Decision.MrSequence ?? MrSequence.Unknown;
            if (sequence is not (MrSequence.Stir or MrSequence.T2FatSat or MrSequence.T1))
            {
                continue;
            }

            var marrow = new List<MarrowVertebra>();
            foreach (var source in choice.Levels)
            {
                var measured = updated[source.SopInstanceUid].Vertebrae.FirstOrDefault(v => v.Level == source.Level);
                if (measured is not null && measured.Graded)
                {
                    marrow.Add(new MarrowVertebra(source.Level, byImage[source.SopInstanceUid].Image, source.Vertebra.Points, measured.GenantGrade));
                }
            }

            var assessments = OedemaAssessor.Assess(sequence, marrow, oedemaOptions).ToDictionary(a => a.Level, StringComparer.Ordinal);
            foreach (var source in choice.Levels)
            {
                if (!assessments.TryGetValue(source.Level, out var assessment))
                {
                    continue;
                }

                var image = updated[source.SopInstanceUid];
                updated[source.SopInstanceUid] = image with
                {
                    Vertebrae = image.Vertebrae.Select(v => v.Level != source.Level ? v : v with
                    {
                        Marrow = new MarrowFinding(SequenceName(sequence), assessment.Ratio, assessment.Acute, sequence == MrSequence.T1, assessment.Evidence),
                    }).ToList(),
                };
            }
        }

        return images.Select(i => updated[i.Source.SopInstanceUid]).ToList();
    }

    public static string SequenceName(MrSequence sequence) => sequence switch
    {
        MrSequence.Stir => "STIR",
        MrSequence.T2FatSat => "T2 fat-saturated",
        MrSequence.T1 => "T1",
        MrSequence.T2 => "T2",
        _ => "unknown",
    };
}
