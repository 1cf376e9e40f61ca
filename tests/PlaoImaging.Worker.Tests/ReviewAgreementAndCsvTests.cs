using PlaoImaging.Analysis.Results;
using PlaoImaging.Worker.Review;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>Agreement figures on hand-made cases, and CSV fields: escaping and the formula prefix.</summary>
[Trait("Category", "unit")]
public sealed class ReviewAgreementAndCsvTests
{
    [Fact]
    public void LinearWeightedKappa_HandMadeCases()
    {
        // Perfect agreement over two grades: Po = 1, Pe = ¼(1 + 0 + 0 + 1) = ½ → κ = 1.
        Assert.Equal(1.0, Agreement.LinearWeightedKappa([(0, 0), (3, 3)])!.Value, 12);

        // Grades swapped at the extremes: Po = 0, Pe = ½ → κ = −1.
        Assert.Equal(-1.0, Agreement.LinearWeightedKappa([(0, 3), (3, 0)])!.Value, 12);

        // Half one step apart (weight ⅔): Po = (1 + 1 + ⅔ + ⅔) / 4 = ⅚; marginals ½, ½ on both sides: Pe = ¼(1 + ⅔ + ⅔ + 1) = ⅚ → κ = 0.
        Assert.Equal(0.0, Agreement.LinearWeightedKappa([(0, 0), (1, 1), (0, 1), (1, 0)])!.Value, 12);

        // Po = (1 + 1 + ⅔) / 3 = 8/9; model marginals (⅓ grade 0, ⅔ grade 2), reader (⅓ grade 0, ⅓ grade 1, ⅓ grade 2):
        // Pe = ⅓·⅓·(1 + ⅔ + ⅓) + ⅔·⅓·(⅓ + ⅔ + 1) = 2/9 + 4/9 = ⅔ → κ = (8/9 − ⅔) / (1 − ⅔) = ⅔.
        Assert.Equal(2.0 / 3.0, Agreement.LinearWeightedKappa([(0, 0), (2, 2), (2, 1)])!.Value, 12);

        // Undefined: nothing to compare, or one grade throughout on both sides.
        Assert.Null(Agreement.LinearWeightedKappa([]));
        Assert.Null(Agreement.LinearWeightedKappa([(0, 0), (0, 0)]));
    }

    [Fact]
    public void AgreementOf_SignedLevels_CountsDecisionsAndComparesModelGradeWithSignedGrade()
    {
        static ReviewLevel Level(string name, string decision, int? modelGrade, int grade, string origin = ReviewWords.Model) => new()
        {
            Level = name, SopInstanceUid = "1.2", Origin = origin, Decision = decision, Reason = decision == ReviewWords.Rejected ? "artefact" : null,
            Points = new Dictionary<string, double[]>(), Heights = new Heights(1, 1, 1, "mm"), Ratios = new Ratios(1, 1, null), Grade = grade,
            Deformity = "none", ModelGrade = modelGrade,
        };

        var row = Agreement.Of("2.0.0",
        [
            [Level("T7", ReviewWords.Accepted, 0, 0), Level("T8", ReviewWords.Modified, 2, 1)],
            [Level("L1", ReviewWords.Rejected, 2, 2), Level("L2", ReviewWords.Modified, null, 1, ReviewWords.Reader)],
        ]);

        Assert.Equal(("2.0.0", 2, 4, 1, 1, 1, 1), (row.ModelVersion, row.StudiesSigned, row.Levels, row.Accepted, row.Rejected, row.Modified, row.Added));

        // Pairs (model, signed): (0, 0), (2, 1), (2, 0) — the rejected level counts as grade 0; the added level has no model grade.
        Assert.Equal(1.0 / 3.0, row.ExactGradeAgreement!.Value, 12);
        Assert.Equal(Agreement.LinearWeightedKappa([(0, 0), (2, 1), (2, 0)]), row.GradeKappa);
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("L1", "L1")]
    [InlineData("2.5", "2.5")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-1+2", "'-1+2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("=1,2", "\"'=1,2\"")]
    public void Field_EscapesSeparatorsQuotesAndLineBreaks_AndPrefixesFormulas(string? value, string expected) =>
        Assert.Equal(expected, ResultsCsv.Field(value));
}
