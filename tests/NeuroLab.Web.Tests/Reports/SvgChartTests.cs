using System.Xml.Linq;
using NeuroLab.Web.Reports;

namespace NeuroLab.Web.Tests.Reports;

/// <summary>The report's server-side SVG charts: nice ticks, encoded texts, gaps at NaN, well-formed markup.</summary>
public sealed class SvgChartTests
{
    [Theory]
    [InlineData(0.0, 0.87, 0.0, 1.0, 0.2)]
    [InlineData(-0.13, 0.42, -0.2, 0.5, 0.1)]
    [InlineData(0.0, 1234.0, 0.0, 1400.0, 200.0)]
    [InlineData(3.0, 3.0, 2.7, 3.3, 0.1)]
    public void Axis_Range_TicksAtOneTwoFiveTimesAPowerOfTenAroundTheData(double min, double max, double lo, double hi, double step)
    {
        var (from, to, ticks) = SvgChart.Axis(min, max);

        // Reference: Heckbert's nice numbers with about 6 ticks, worked by hand; tolerance 1e-9 for the decimal steps.
        Assert.Equal(lo, from, 1e-9);
        Assert.Equal(hi, to, 1e-9);
        Assert.Equal(lo, ticks[0], 1e-9);
        Assert.Equal(hi, ticks[^1], 1e-9);
        Assert.All(ticks.Zip(ticks.Skip(1)), p => Assert.Equal(step, p.Second - p.First, 1e-9));
    }

    [Theory]
    [InlineData(0.30000000000000004, 0.1, "0.3")]
    [InlineData(-0.0000001, 0.1, "0.0")]
    [InlineData(1200.0, 200.0, "1200")]
    [InlineData(0.05, 0.05, "0.05")]
    public void TickLabel_Value_AsManyDecimalsAsTheStep(double value, double step, string expected) =>
        Assert.Equal(expected, SvgChart.TickLabel(value, step));

    [Fact]
    public void Line_TitlesWithMarkup_AreEncoded_WellFormed_NaNBreaksTheLine()
    {
        var svg = SvgChart.Line(
            [new ChartSeries("a <b>", [1, 2, 3, 4, 5], [0.1, 0.2, double.NaN, 0.4, 0.5]), new ChartSeries("b", [1, 2], [0.3, 0.1], [0.2, 0.0], [0.4, 0.2])],
            "<script>x</script>", "r & more");

        var root = XElement.Parse(svg);
        Assert.Equal("svg", root.Name.LocalName);
        Assert.DoesNotContain("<script", svg, StringComparison.Ordinal);
        var texts = root.Descendants("text").Select(t => t.Value).ToList();
        Assert.Contains("<script>x</script>", texts);
        Assert.Contains("r & more", texts);
        Assert.Contains("a <b>", texts);
        // The first series is drawn in two pieces around its NaN: one path with two moves.
        var lines = root.Elements("path").Where(p => (string?)p.Attribute("stroke-width") == "2").ToList();
        Assert.Equal(2, lines[0].Attribute("d")!.Value.Count(c => c == 'M'));
        Assert.Equal(4 + 2, root.Elements("circle").Count());
    }

    [Fact]
    public void Histogram_Counts_OneBarEach_TallestReachesTheTopTick()
    {
        var svg = SvgChart.Histogram([0, 0.1, 0.2, 0.3], [5, 10, 2], "test r", "units");

        var root = XElement.Parse(svg);
        var bars = root.Elements("rect").ToList();
        Assert.Equal(3, bars.Count);
        double Height(XElement bar) => double.Parse(bar.Attribute("height")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Height(bars[0]) * 2, Height(bars[1]), 0.02);
    }

    [Fact]
    public void Charts_NoFiniteValue_SayNothingToDraw()
    {
        Assert.Contains("No finite values", SvgChart.Line([new ChartSeries("a", [1, 2], [double.NaN, double.NaN])], "x", "y"), StringComparison.Ordinal);
        Assert.Contains("No finite values", SvgChart.Histogram([], [], "x", "y"), StringComparison.Ordinal);
        Assert.Contains("No finite values", SvgChart.Bars([], [], "x", "y"), StringComparison.Ordinal);
    }

    [Fact]
    public void Png_LargerThanTheBound_IsBoxAveragedDown()
    {
        // 256x256, left half 0 and right half 1: halved to 128x128, the columns keep their values.
        var pixels = new float[256 * 256];
        for (int y = 0; y < 256; y++)
        {
            for (int x = 128; x < 256; x++)
            {
                pixels[(y * 256) + x] = 1f;
            }
        }

        using var png = SkiaSharp.SKBitmap.Decode(RunReportService.Png(pixels, 256, 256));

        Assert.Equal((RunReportService.MaxImageSide, RunReportService.MaxImageSide), (png.Width, png.Height));
        Assert.Equal(0, png.GetPixel(10, 10).Red);
        Assert.Equal(255, png.GetPixel(100, 10).Red);
    }
}
