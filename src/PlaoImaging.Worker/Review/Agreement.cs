using Microsoft.EntityFrameworkCore;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Review;

/// <summary>
/// How readers' signed reviews agree with each model version: per version, the studies signed, their levels by
/// decision, and the Genant grade agreement (linear-weighted κ and exact agreement) between the model's grade and the
/// signed grade over the levels both graded (the model's levels; a rejected level is signed grade 0).
/// </summary>
public static class Agreement
{
    /// <summary>Genant grades 0–3.</summary>
    private const int Grades = 4;

    public static async Task<List<AgreementRow>> ComputeAsync(ResultsDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var signed = await (from r in db.Reviews.AsNoTracking()
                            join a in db.Analyses.AsNoTracking() on r.AnalysisId equals a.Id
                            where r.SignedLevelsJson != null
                            select new { a.ModelVersion, r.SignedLevelsJson }).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. signed.GroupBy(s => s.ModelVersion, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Of(g.Key, [.. g.Select(s => (IReadOnlyList<ReviewLevel>)ReviewService.ReadLevels(s.SignedLevelsJson!))]))];
    }

    /// <summary>The agreement row of one model version's signed reviews (each the list of its signed levels).</summary>
    public static AgreementRow Of(string modelVersion, IReadOnlyList<IReadOnlyList<ReviewLevel>> reviews)
    {
        ArgumentNullException.ThrowIfNull(reviews);
        var levels = reviews.SelectMany(r => r).ToList();
        var model = levels.Where(l => l.Origin == ReviewWords.Model && l.ModelGrade is not null).ToList();
        var pairs = model.Select(l => (A: l.ModelGrade!.Value, B: ReviewRules.CountedGrade(l))).ToList();
        return new AgreementRow(
            modelVersion,
            reviews.Count,
            levels.Count,
            levels.Count(l => l.Decision == ReviewWords.Accepted),
            levels.Count(l => l.Decision == ReviewWords.Rejected),
            levels.Count(l => l.Decision == ReviewWords.Modified && l.Origin == ReviewWords.Model),
            levels.Count(l => l.Origin == ReviewWords.Reader),
            LinearWeightedKappa(pairs),
            pairs.Count == 0 ? null : pairs.Count(p => p.A == p.B) / (double)pairs.Count);
    }

    /// <summary>
    /// Cohen's κ with linear weights (1 − |i − j| / 3) over Genant grades 0–3: (Po − Pe) / (1 − Pe), Po the weighted
    /// observed agreement, Pe the weighted agreement the two raters' marginals give by chance. Null without pairs, or when
    /// Pe is 1 (both raters gave one and the same grade throughout: κ is undefined).
    /// </summary>
    public static double? LinearWeightedKappa(IReadOnlyList<(int A, int B)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            return null;
        }

        static double Weight(int i, int j) => 1.0 - (Math.Abs(i - j) / (double)(Grades - 1));
        double n = pairs.Count;
        var a = new double[Grades];
        var b = new double[Grades];
        double observed = 0;
        foreach (var (x, y) in pairs)
        {
            if (x is < 0 or >= Grades || y is < 0 or >= Grades)
            {
                throw new ArgumentOutOfRangeException(nameof(pairs), $"grades are 0 to {Grades - 1}: ({x}, {y})");
            }

            a[x] += 1 / n;
            b[y] += 1 / n;
            observed += Weight(x, y) / n;
        }

        double chance = 0;
        for (int i = 0; i < Grades; i++)
        {
            for (int j = 0; j < Grades; j++)
            {
                chance += Weight(i, j) * a[i] * b[j];
            }
        }

        return chance >= 1 - 1e-12 ? null : (observed - chance) / (1 - chance);
    }
}
