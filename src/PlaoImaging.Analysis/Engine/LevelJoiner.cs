using PlaoImaging.Analysis.Results;

namespace PlaoImaging.Analysis.Engine;

/// <summary>
/// Joins the measured images of a study into one row per level: the radiograph's heights and grade (from the
/// radiograph where that level's detection scored highest) beside the MR's grade (likewise, over the chosen slices of
/// every sagittal series) and the MR's acute flag (acute when a fluid-sensitive series showed oedema at that level).
/// Levels come out in anatomical order.
/// </summary>
public static class LevelJoiner
{
    public static IReadOnlyList<LevelResult> Join(IReadOnlyList<ImageResult> images, IReadOnlyList<string> levelOrder)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(levelOrder);
        var usable = images.Where(i => i.Error is null && i.Measured).ToList();
        var radiographs = Best(usable.Where(i => i.Kind != "sagittal-mr"));
        var mr = Best(usable.Where(i => i.Kind == "sagittal-mr"));
        var acute = usable.Where(i => i.Kind == "sagittal-mr")
            .SelectMany(i => i.Vertebrae.Where(v => v.Marrow is { SupportingOnly: false }).Select(v => (Image: i, Vertebra: v)))
            .GroupBy(x => x.Vertebra.Level, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(x => x.Vertebra.Marrow!.Acute).ThenByDescending(x => x.Vertebra.Marrow!.Ratio ?? 0).First(), StringComparer.Ordinal);
        var supporting = usable.Where(i => i.Kind == "sagittal-mr")
            .SelectMany(i => i.Vertebrae.Where(v => v.Marrow is { SupportingOnly: true }).Select(v => v))
            .GroupBy(v => v.Level, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Marrow!, StringComparer.Ordinal);

        var result = new List<LevelResult>();
        foreach (string level in levelOrder)
        {
            RadiographLevel? cr = null;
            MrLevel? mrLevel = null;
            if (radiographs.TryGetValue(level, out var r))
            {
                cr = new RadiographLevel(r.Image.Source.SopInstanceUid, r.Image.Source.Frame, r.Vertebra.GenantGrade, r.Vertebra.Deformity, r.Vertebra.Heights);
            }

            if (mr.TryGetValue(level, out var m))
            {
                acute.TryGetValue(level, out var fluid);
                supporting.TryGetValue(level, out var t1);
                var marrow = fluid.Vertebra?.Marrow;
                string? evidence = string.Join("; ", new[] { marrow?.Evidence, t1?.Evidence }.Where(e => e is not null));
                mrLevel = new MrLevel(
                    m.Image.Source.SopInstanceUid,
                    m.Image.Source.Frame,
                    m.Image.MrSequence,
                    m.Vertebra.GenantGrade,
                    m.Vertebra.Deformity,
                    m.Vertebra.Heights,
                    marrow?.Acute ?? false,
                    marrow?.Ratio,
                    evidence.Length == 0 ? null : evidence);
            }

            if (cr is not null || mrLevel is not null)
            {
                result.Add(new LevelResult(level, cr, mrLevel));
            }
        }

        return result;
    }

    private static Dictionary<string, (ImageResult Image, VertebraResult Vertebra)> Best(IEnumerable<ImageResult> images) =>
        images.SelectMany(i => i.Vertebrae.Select(v => (Image: i, Vertebra: v)))
            .GroupBy(x => x.Vertebra.Level, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(x => x.Vertebra.Score).First(), StringComparer.Ordinal);
}
