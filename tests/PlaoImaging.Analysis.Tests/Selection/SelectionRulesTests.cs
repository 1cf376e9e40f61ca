using PlaoImaging.Analysis.Selection;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Selection;

public sealed class SelectionRulesTests
{
    [Fact]
    public void ToJson_FromJson_RoundTripsTheDefaults()
    {
        string json = SelectionRules.Default.ToJson();

        var read = SelectionRules.FromJson(json);

        Assert.Equal(json, read.ToJson());
        Assert.Contains("\"lateralViewCodes\"", json, StringComparison.Ordinal);
        Assert.Contains("\"onConflict\": \"Skip\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_EmptyObject_GivesTheDefaults()
    {
        Assert.Equal(SelectionRules.Default.ToJson(), SelectionRules.FromJson("{}").ToJson());
    }

    [Fact]
    public void FromJson_SomeFields_OthersKeepTheirDefaults()
    {
        var rules = SelectionRules.FromJson("""
            {
              // a site that trusts its View Position over stale descriptions
              "onConflict": "TrustStrongest",
              "planeToleranceDegrees": 10,
              "lateralViewPositions": ["LL", "RL", "LATERAL", "SEITLICH"],
            }
            """);

        Assert.Equal(ConflictPolicy.TrustStrongest, rules.OnConflict);
        Assert.Equal(10, rules.PlaneToleranceDegrees);
        Assert.Equal(["LL", "RL", "LATERAL", "SEITLICH"], rules.LateralViewPositions);
        Assert.Equal(SelectionRules.Default.SpineBodyParts, rules.SpineBodyParts);
        Assert.Equal(SelectionRules.Default.StirInversionTimeMaxMs, rules.StirInversionTimeMaxMs);
    }

    [Fact]
    public void FromJson_RulesFromJson_DriveTheSelector()
    {
        var rules = SelectionRules.FromJson("""{ "planeToleranceDegrees": 10 }""");
        double a = 15 * Math.PI / 180;
        var tilted = Headers.Mr([Math.Sin(a), Math.Cos(a), 0, 0, 0, -1]);

        Assert.False(new SeriesSelector(rules).DecideSeries([tilted]).Selected);
        Assert.True(new SeriesSelector().DecideSeries([tilted]).Selected);
    }

    [Theory]
    [InlineData("{ \"planeToleranceDegrees\": ", "$")]
    [InlineData("[1, 2]", "$")]
    [InlineData("null", "$")]
    [InlineData("{ \"lateralViewPosition\": [\"LL\"] }", "$")]
    [InlineData("{ \"planeToleranceDegrees\": \"twenty\" }", "$.planeToleranceDegrees")]
    [InlineData("{ \"onConflict\": \"Guess\" }", "$.onConflict")]
    [InlineData("{ \"planeToleranceDegrees\": 50 }", "planeToleranceDegrees")]
    [InlineData("{ \"planeToleranceDegrees\": 0 }", "planeToleranceDegrees")]
    [InlineData("{ \"stirInversionTimeMinMs\": 300, \"stirInversionTimeMaxMs\": 200 }", "stirInversionTimeMaxMs")]
    [InlineData("{ \"t1MaxEchoTimeMs\": -1 }", "t1MaxEchoTimeMs")]
    [InlineData("{ \"spineBodyParts\": null }", "spineBodyParts")]
    [InlineData("{ \"frontalViewPositions\": [\"AP\", \" \"] }", "frontalViewPositions[1]")]
    [InlineData("{ \"lateralViewCodes\": [\"SCT:399067008\", \"399173006\"] }", "lateralViewCodes[1]")]
    [InlineData("{ \"stirDescriptionPatterns\": [\"(stir\"] }", "stirDescriptionPatterns[0]")]
    public void FromJson_BadInput_TypedErrorNamingTheField(string json, string field)
    {
        var e = Assert.Throws<SelectionRulesException>(() => SelectionRules.FromJson(json));

        Assert.StartsWith(field, e.Field, StringComparison.Ordinal);
        Assert.StartsWith("selection rules: ", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<AnalysisException>(e);
    }

    [Fact]
    public void Constructor_InvalidRulesObject_Throws()
    {
        var rules = SelectionRules.Default with { PlaneToleranceDegrees = 90 };

        Assert.Throws<SelectionRulesException>(() => new SeriesSelector(rules));
    }
}
