namespace PlaoImaging.Analysis.Morphometry;

/// <summary>Spinal Deformity Index: the sum of grades over its levels; partial when some of them were not measured.</summary>
public sealed record DeformityIndex(int Value, bool Partial, IReadOnlyList<string> MissingLevels);

/// <summary>Fractured vertebrae (grade ≥ 1) at consecutive levels, cranial first; at least two.</summary>
public sealed record AdjacentFractures(IReadOnlyList<string> Levels);

/// <summary>
/// The figures of a spine (one image, or a study with one grade per level): levels measured, fractured vertebrae
/// (grade ≥ 1), the worst grade, the Spinal Deformity Index over T4–L4 (Genant 1993; partial with the missing levels
/// when one of them was not measured) and the runs of adjacent fractures.
/// </summary>
public sealed record SpineSummary(
    int MeasuredLevels,
    int FracturedVertebrae,
    int WorstGrade,
    DeformityIndex SpinalDeformityIndex,
    IReadOnlyList<AdjacentFractures> Runs)
{
    /// <summary>The levels of Genant's Spinal Deformity Index.</summary>
    public static IReadOnlyList<string> DeformityIndexLevels { get; } =
        ["T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12", "L1", "L2", "L3", "L4"];

    /// <summary>
    /// Summarises graded levels. <paramref name="levelOrder"/> gives adjacency (the model's level names, cranial first);
    /// a level given twice counts once with its higher grade; levels not in the order are counted but never adjacent.
    /// </summary>
    public static SpineSummary Of(IEnumerable<(string Level, int Grade)> levels, IReadOnlyList<string> levelOrder, IReadOnlyList<string>? deformityIndexLevels = null)
    {
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(levelOrder);
        var sdiLevels = deformityIndexLevels ?? DeformityIndexLevels;
        var grades = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (level, grade) in levels)
        {
            ArgumentNullException.ThrowIfNull(level);
            grades[level] = grades.TryGetValue(level, out int other) ? Math.Max(other, grade) : grade;
        }

        int fractured = grades.Values.Count(g => g >= 1);
        int worst = grades.Count > 0 ? Math.Max(0, grades.Values.Max()) : 0;
        int sdi = 0;
        var missing = new List<string>();
        foreach (string level in sdiLevels)
        {
            if (grades.TryGetValue(level, out int grade))
            {
                sdi += grade;
            }
            else
            {
                missing.Add(level);
            }
        }

        var runs = new List<AdjacentFractures>();
        var current = new List<string>();
        int previous = int.MinValue;
        for (int i = 0; i < levelOrder.Count; i++)
        {
            string level = levelOrder[i];
            bool fracture = grades.TryGetValue(level, out int grade) && grade >= 1;
            if (fracture && current.Count > 0 && previous == i - 1)
            {
                current.Add(level);
            }
            else
            {
                Close(runs, current);
                current = fracture ? [level] : [];
            }

            previous = fracture ? i : previous;
        }

        Close(runs, current);
        return new SpineSummary(grades.Count, fractured, worst, new DeformityIndex(sdi, missing.Count > 0, missing), runs);
    }

    private static void Close(List<AdjacentFractures> runs, List<string> current)
    {
        if (current.Count >= 2)
        {
            runs.Add(new AdjacentFractures([.. current]));
        }
    }
}
