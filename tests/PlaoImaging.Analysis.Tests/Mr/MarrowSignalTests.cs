using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Mr;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Mr;

public sealed class MarrowSignalTests
{
    /// <summary>A square body from (10,10) to (30,30) in model point order (sa, sm, sp, ia, im, ip).</summary>
    internal static ImagePoint[] Square(double left, double top, double size) =>
    [
        new(left, top), new(left + (size / 2), top), new(left + size, top),
        new(left, top + size), new(left + (size / 2), top + size), new(left + size, top + size),
    ];

    internal static SpineImage Image(int rows, int columns, Func<int, int, float> value, string photometric = "MONOCHROME2")
    {
        var values = new float[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                values[(r * columns) + c] = value(r, c);
            }
        }

        return new SpineImage
        {
            Source = new ImageReference("1.2.3", "1.2.3.4", "1.2.3.4.5", "1.2.840.10008.5.1.4.1.1.4", 0),
            Modality = "MR",
            Rows = rows,
            Columns = columns,
            Values = values,
            PhotometricInterpretation = photometric,
        };
    }

    [Fact]
    public void Measure_ShrunkPolygon_StaysOffTheCortex()
    {
        // Marrow 100 inside 12..28, a two-pixel cortex ring of 500 around it.
        var image = Image(64, 64, (r, c) => r is >= 12 and <= 28 && c is >= 12 and <= 28 ? 100 : 500);

        var m = MarrowSignal.Measure(image, Square(10, 10, 20));

        Assert.NotNull(m);
        Assert.Equal(100, m.Mean);
        Assert.Equal(100, m.Median);
        Assert.Equal(17 * 17, m.PixelCount);
    }

    [Fact]
    public void Measure_NoShrink_TakesTheRimToo()
    {
        var image = Image(64, 64, (r, c) => r is >= 12 and <= 28 && c is >= 12 and <= 28 ? 100 : 500);

        var m = MarrowSignal.Measure(image, Square(10, 10, 20), shrink: 0);

        Assert.True(m!.Mean > 100);
    }

    [Fact]
    public void Measure_BandUnderTheEndplate_MeanAndMedianDiffer()
    {
        var image = Image(64, 64, (r, c) => r < 18 ? 400 : 100);

        var m = MarrowSignal.Measure(image, Square(10, 10, 20))!;

        Assert.Equal(100, m.Median);
        Assert.True(m.Mean > 150);
    }

    [Fact]
    public void Measure_OutsideTheImage_Null()
    {
        Assert.Null(MarrowSignal.Measure(Image(64, 64, (r, c) => 1), Square(100, 100, 20)));
    }

    [Fact]
    public void Measure_TooFewPixels_Null()
    {
        Assert.Null(MarrowSignal.Measure(Image(64, 64, (r, c) => 1), Square(10, 10, 2)));
    }

    [Fact]
    public void BodyPolygon_RunsRoundTheBodyAndShrinksTowardTheCentroid()
    {
        var polygon = MarrowSignal.BodyPolygon(Square(10, 10, 20), 0.5);

        Assert.Equal([new(15, 15), new(20, 15), new(25, 15), new(25, 25), new(20, 25), new(15, 25)], polygon);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(7)]
    public void BodyPolygon_NotSixPoints_Throws(int count)
    {
        Assert.Throws<ArgumentException>(() => MarrowSignal.BodyPolygon([.. Enumerable.Repeat(new ImagePoint(0, 0), count)]));
    }
}
