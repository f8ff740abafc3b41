using System.Globalization;
using System.Net;
using System.Text;

namespace NeuroLab.Web.Reports;

/// <summary>One line of a chart: y over x (a NaN breaks the line), optionally with an interval [low, high] at each point.</summary>
public sealed record ChartSeries(string Name, double[] X, double[] Y, double[]? Low = null, double[]? High = null);

/// <summary>
/// Small charts drawn on the server as inline SVG, for files that must show figures without scripts or outside
/// resources (the run report): lines and bars with axes, "nice" ticks and axis titles. Every text is HTML-encoded, so
/// the markup can be inserted into a page as it is. No <c>xmlns</c>: inline SVG in HTML5 needs none.
/// </summary>
public static class SvgChart
{
    public const int Width = 640;
    public const int Height = 300;

    private const double Left = 64;
    private const double Right = 16;
    private const double Bottom = 48;
    private static readonly string[] Colors = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00"];

    /// <summary>
    /// Lines through (x, y) of each series; points are marked when a series has at most 60 of them. With
    /// <paramref name="xCategories"/>, x is the 1-based category position and ticks carry the category names.
    /// </summary>
    public static string Line(IReadOnlyList<ChartSeries> series, string xTitle, string yTitle, IReadOnlyList<string>? xCategories = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var xs = series.SelectMany(s => s.X).Where(double.IsFinite).ToList();
        var ys = series.SelectMany(s => s.Y.Concat(s.Low ?? []).Concat(s.High ?? [])).Where(double.IsFinite).ToList();
        if (xs.Count == 0 || ys.Count == 0)
        {
            return Empty(yTitle);
        }
        double top = series.Count > 1 ? 36 : 16;
        var (x0, x1, xTicks) = xCategories is { Count: > 0 }
            ? (0.5, xCategories.Count + 0.5, Enumerable.Range(1, xCategories.Count).Select(i => (double)i).ToArray())
            : Axis(xs.Min(), xs.Max());
        var (y0, y1, yTicks) = Axis(ys.Min(), ys.Max());
        var plot = new Plot(x0, x1, y0, y1, top);
        var svg = Open(yTitle);
        Axes(svg, plot, xTicks, yTicks, xTitle, yTitle, xCategories);
        for (int s = 0; s < series.Count; s++)
        {
            var line = series[s];
            string color = Colors[s % Colors.Length];
            int n = Math.Min(line.X.Length, line.Y.Length);
            var path = new StringBuilder();
            bool pen = false;
            for (int i = 0; i < n; i++)
            {
                if (!double.IsFinite(line.X[i]) || !double.IsFinite(line.Y[i]))
                {
                    pen = false;
                    continue;
                }
                path.Append(pen ? " L" : " M").Append(F(plot.X(line.X[i]))).Append(' ').Append(F(plot.Y(line.Y[i])));
                pen = true;
            }
            if (line.Low is { } low && line.High is { } high)
            {
                for (int i = 0; i < Math.Min(n, Math.Min(low.Length, high.Length)); i++)
                {
                    if (double.IsFinite(line.X[i]) && double.IsFinite(low[i]) && double.IsFinite(high[i]))
                    {
                        double x = plot.X(line.X[i]);
                        svg.Append(CultureInfo.InvariantCulture, $"<path d=\"M{F(x)} {F(plot.Y(low[i]))} V{F(plot.Y(high[i]))} M{F(x - 4)} {F(plot.Y(low[i]))} H{F(x + 4)} M{F(x - 4)} {F(plot.Y(high[i]))} H{F(x + 4)}\" stroke=\"{color}\" fill=\"none\" stroke-width=\"1\"></path>");
                    }
                }
            }
            if (path.Length > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path.ToString().Trim()}\" stroke=\"{color}\" fill=\"none\" stroke-width=\"2\"></path>");
            }
            if (n <= 60)
            {
                for (int i = 0; i < n; i++)
                {
                    if (double.IsFinite(line.X[i]) && double.IsFinite(line.Y[i]))
                    {
                        svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(plot.X(line.X[i]))}\" cy=\"{F(plot.Y(line.Y[i]))}\" r=\"3\" fill=\"{color}\"></circle>");
                    }
                }
            }
            if (series.Count > 1)
            {
                double lx = Left + (s * 150);
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(lx)}\" y=\"10\" width=\"14\" height=\"4\" fill=\"{color}\"></rect>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(lx + 20)}\" y=\"16\" font-size=\"12\">{E(Short(line.Name, 20))}</text>");
            }
        }
        return svg.Append("</svg>").ToString();
    }

    /// <summary>A histogram from bin edges (one more than <paramref name="counts"/>) and counts.</summary>
    public static string Histogram(double[] edges, long[] counts, string xTitle, string yTitle)
    {
        ArgumentNullException.ThrowIfNull(edges);
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Length == 0 || edges.Length != counts.Length + 1 || !edges.All(double.IsFinite))
        {
            return Empty(yTitle);
        }
        var (x0, x1, xTicks) = Axis(edges[0], edges[^1]);
        var (y0, y1, yTicks) = Axis(0, Math.Max(1, counts.Max()));
        var plot = new Plot(x0, x1, y0, y1, 16);
        var svg = Open(yTitle);
        for (int i = 0; i < counts.Length; i++)
        {
            Bar(svg, plot, edges[i], edges[i + 1], counts[i]);
        }
        Axes(svg, plot, xTicks, yTicks, xTitle, yTitle, null);
        return svg.Append("</svg>").ToString();
    }

    /// <summary>One bar per category (e.g. how many units chose each alpha).</summary>
    public static string Bars(IReadOnlyList<string> categories, long[] counts, string xTitle, string yTitle)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Length == 0 || categories.Count != counts.Length)
        {
            return Empty(yTitle);
        }
        var (y0, y1, yTicks) = Axis(0, Math.Max(1, counts.Max()));
        var plot = new Plot(0.5, counts.Length + 0.5, y0, y1, 16);
        var svg = Open(yTitle);
        for (int i = 0; i < counts.Length; i++)
        {
            Bar(svg, plot, i + 0.6, i + 1.4, counts[i]);
        }
        Axes(svg, plot, [.. Enumerable.Range(1, counts.Length).Select(i => (double)i)], yTicks, xTitle, yTitle, categories);
        return svg.Append("</svg>").ToString();
    }

    /// <summary>
    /// Axis limits and ticks at 1, 2 or 5 times a power of ten ("nice numbers", Heckbert, Graphics Gems 1990), about
    /// <paramref name="target"/> of them; the limits are the ticks around the data. A range of one value is widened.
    /// </summary>
    public static (double Min, double Max, double[] Ticks) Axis(double min, double max, int target = 6)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max))
        {
            throw new ArgumentOutOfRangeException(nameof(min), "Axis limits must be finite.");
        }
        if (max < min)
        {
            (min, max) = (max, min);
        }
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }
        double step = Nice((max - min) / Math.Max(1, target - 1));
        // The epsilon keeps 2.7 / 0.1 = 27.000000000000004 from rounding up to an extra tick.
        double lo = Math.Floor((min / step) + 1e-9) * step;
        double hi = Math.Ceiling((max / step) - 1e-9) * step;
        int count = (int)Math.Round((hi - lo) / step) + 1;
        var ticks = Enumerable.Range(0, count).Select(i => Math.Round(lo + (i * step), 12)).Select(t => t == 0 ? 0 : t).ToArray();
        return (lo, hi, ticks);
    }

    /// <summary>A tick label: as many decimals as the tick step needs.</summary>
    public static string TickLabel(double value, double step)
    {
        int decimals = step > 0 ? Math.Clamp((int)-Math.Floor(Math.Log10(step) + 1e-9), 0, 10) : 0;
        var text = value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return text.StartsWith('-') && text.Trim('-', '0', '.').Length == 0 ? text[1..] : text;
    }

    private static double Nice(double range)
    {
        double exponent = Math.Floor(Math.Log10(range));
        double fraction = range / Math.Pow(10, exponent);
        double nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
        return nice * Math.Pow(10, exponent);
    }

    private sealed record Plot(double X0, double X1, double Y0, double Y1, double Top)
    {
        public double X(double x) => Left + ((x - X0) / (X1 - X0) * (Width - Left - Right));

        public double Y(double y) => Height - Bottom - ((y - Y0) / (Y1 - Y0) * (Height - Bottom - Top));
    }

    private static StringBuilder Open(string label) => new StringBuilder()
        .Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{E(label)}\" font-family=\"sans-serif\">");

    private static void Bar(StringBuilder svg, Plot plot, double from, double to, double value)
    {
        double x = plot.X(from);
        double y = plot.Y(value);
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(Math.Max(0.5, plot.X(to) - x - 0.5))}\" height=\"{F(plot.Y(plot.Y0) - y)}\" fill=\"{Colors[0]}\"></rect>");
    }

    private static void Axes(StringBuilder svg, Plot plot, double[] xTicks, double[] yTicks, string xTitle, string yTitle, IReadOnlyList<string>? xCategories)
    {
        double bottom = plot.Y(plot.Y0);
        svg.Append(CultureInfo.InvariantCulture, $"<path d=\"M{F(Left)} {F(plot.Top)} V{F(bottom)} H{F(Width - Right)}\" stroke=\"#444\" fill=\"none\"></path>");
        double yStep = yTicks.Length > 1 ? yTicks[1] - yTicks[0] : 1;
        foreach (var t in yTicks)
        {
            double y = plot.Y(t);
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"M{F(Left - 4)} {F(y)} H{F(Width - Right)}\" stroke=\"#ddd\"></path>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left - 6)}\" y=\"{F(y + 4)}\" font-size=\"11\" text-anchor=\"end\">{E(TickLabel(t, yStep))}</text>");
        }
        // Category labels thin out when they would overlap.
        int every = xCategories is null ? 1 : Math.Max(1, (int)Math.Ceiling(xTicks.Length * 60.0 / (Width - Left - Right)));
        double xStep = xTicks.Length > 1 ? xTicks[1] - xTicks[0] : 1;
        for (int i = 0; i < xTicks.Length; i += every)
        {
            double x = plot.X(xTicks[i]);
            string label = xCategories is null ? TickLabel(xTicks[i], xStep) : Short(xCategories[i], 12);
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"M{F(x)} {F(bottom)} V{F(bottom + 4)}\" stroke=\"#444\"></path>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{F(bottom + 17)}\" font-size=\"11\" text-anchor=\"middle\">{E(label)}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left + ((Width - Left - Right) / 2))}\" y=\"{Height - 8}\" font-size=\"12\" text-anchor=\"middle\">{E(xTitle)}</text>");
        double middle = (plot.Top + bottom) / 2;
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{F(middle)}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {F(middle)})\">{E(yTitle)}</text>");
    }

    private static string Empty(string label) =>
        Open(label).Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height / 2}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#666\">No finite values to draw.</text></svg>").ToString();

    private static string Short(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
