namespace NeuroLab.Analysis.Captions;

/// <summary>Measured low-level properties of an image and the words they give.</summary>
/// <param name="Luminance">Mean intensity (0..1).</param>
/// <param name="Contrast">RMS contrast: standard deviation of intensity.</param>
/// <param name="OrientationShares">Share of gradient energy whose edges run horizontal, 45°, vertical, 135° (sums to 1).</param>
/// <param name="FineShare">Share of the image's (mean-removed) power above a quarter of the Nyquist frequency.</param>
/// <param name="Centroid">Centre of local contrast energy as fractions of width and height (0.5, 0.5 is the middle).</param>
/// <param name="Caption">The description.</param>
public sealed record ImageDescription(double Luminance, double Contrast, double[] OrientationShares, double FineShare, (double X, double Y) Centroid, string Caption);

/// <summary>
/// Describes greyscale images in words from measured low-level statistics, for stimuli that come without captions
/// or labels (e.g. the Allen natural scenes): brightness, contrast, dominant edge orientation (structure tensor of
/// Sobel gradients), coarse vs fine structure (power spectrum) and where the contrast is. Deterministic and checkable;
/// it describes what early visual cortex responds to, not objects (the paper's multimodal captioner is not available
/// offline; see docs/decisions).
/// </summary>
public static class ImageDescriber
{
    private static readonly string[] OrientationWords = ["horizontal", "oblique-45", "vertical", "oblique-135"];

    /// <summary>Describes an image given as intensities in [0, 1], row-major [height, width].</summary>
    public static ImageDescription Describe(ReadOnlySpan<float> pixels, int height, int width)
    {
        if (height < 3 || width < 3 || pixels.Length != height * width)
        {
            throw new ArgumentException($"Expected a [height >= 3, width >= 3] image, got {pixels.Length} values for {height}x{width}.", nameof(pixels));
        }
        double mean = 0;
        foreach (var p in pixels)
        {
            mean += p;
        }
        mean /= pixels.Length;
        double variance = 0;
        foreach (var p in pixels)
        {
            variance += (p - mean) * (p - mean);
        }
        double contrast = Math.Sqrt(variance / pixels.Length);

        // Sobel gradients; an edge runs perpendicular to its gradient. Orientation energy in four bins of edge angle.
        var shares = new double[4];
        double energy = 0, cx = 0, cy = 0;
        for (int y = 1; y < height - 1; y++)
        {
            for (int x = 1; x < width - 1; x++)
            {
                int o = y * width + x;
                double nw = pixels[o - width - 1], n = pixels[o - width], ne = pixels[o - width + 1];
                double w = pixels[o - 1], e0 = pixels[o + 1];
                double sw = pixels[o + width - 1], s = pixels[o + width], se = pixels[o + width + 1];
                double gx = ne + 2 * e0 + se - nw - 2 * w - sw;
                double gy = sw + 2 * s + se - nw - 2 * n - ne;
                double e = gx * gx + gy * gy;
                if (e <= 0)
                {
                    continue;
                }
                // Gradient angle in image coordinates (y down); the edge is at +90°. Fold to [0, 180).
                double edge = (Math.Atan2(-gy, gx) * 180 / Math.PI + 90 + 360) % 180;
                int bin = (int)Math.Round(edge / 45) % 4;
                shares[bin] += e;
                energy += e;
                cx += e * x;
                cy += e * y;
            }
        }
        if (energy > 0)
        {
            for (int b = 0; b < 4; b++)
            {
                shares[b] /= energy;
            }
        }
        var centroid = energy > 0 ? (cx / energy / (width - 1), cy / energy / (height - 1)) : (0.5, 0.5);
        double fine = FineShare(pixels, height, width, mean);

        var words = new List<string>
        {
            mean < 0.35 ? "dark" : mean > 0.65 ? "bright" : "mid-grey",
            contrast < 0.08 ? "low-contrast" : contrast > 0.22 ? "high-contrast" : "moderate-contrast",
        };
        int dominant = Array.IndexOf(shares, shares.Max());
        var parts = new List<string> { $"{words[0]} {words[1]} scene" };
        if (energy > 0 && contrast >= 0.02)
        {
            parts.Add(shares[dominant] > 0.4 ? $"mostly {OrientationWords[dominant]} edges" : "mixed orientations");
            parts.Add(fine > 0.5 ? "fine-texture" : fine < 0.2 ? "coarse-structure" : "medium-scale structure");
            var place = Place(centroid);
            if (place is not null)
            {
                parts.Add($"contrast in the {place}");
            }
        }
        return new ImageDescription(mean, contrast, shares, fine, centroid, string.Join(", ", parts));
    }

    private static string? Place((double X, double Y) c)
    {
        string vertical = c.Y < 0.4 ? "upper" : c.Y > 0.6 ? "lower" : "";
        string horizontal = c.X < 0.4 ? "left" : c.X > 0.6 ? "right" : "";
        // Hyphenated so that a place is one word for keyword statistics ("lower-left", not "lower" and "left").
        return (vertical, horizontal) switch
        {
            ("", "") => null,
            ("", _) => $"{horizontal}-side",
            (_, "") => $"{vertical}-half",
            _ => $"{vertical}-{horizontal}",
        };
    }

    /// <summary>Share of mean-removed spectral power at radial frequencies above a quarter of Nyquist (direct DFT; images here are small).</summary>
    private static double FineShare(ReadOnlySpan<float> pixels, int height, int width, double mean)
    {
        // Separable DFT: rows then columns, on at most 64x64 samples (strided) to bound the cost.
        int sy = Math.Max(1, height / 64), sx = Math.Max(1, width / 64);
        int h = height / sy, w = width / sx;
        var re = new double[h, w];
        var im = new double[h, w];
        var tmpRe = new double[h, w];
        var tmpIm = new double[h, w];
        for (int y = 0; y < h; y++)
        {
            for (int v = 0; v < w; v++)
            {
                double sr = 0, si = 0;
                for (int x = 0; x < w; x++)
                {
                    double value = pixels[y * sy * width + x * sx] - mean;
                    double angle = -2 * Math.PI * v * x / w;
                    sr += value * Math.Cos(angle);
                    si += value * Math.Sin(angle);
                }
                tmpRe[y, v] = sr;
                tmpIm[y, v] = si;
            }
        }
        for (int v = 0; v < w; v++)
        {
            for (int u = 0; u < h; u++)
            {
                double sr = 0, si = 0;
                for (int y = 0; y < h; y++)
                {
                    double angle = -2 * Math.PI * u * y / h;
                    double c = Math.Cos(angle), s = Math.Sin(angle);
                    sr += tmpRe[y, v] * c - tmpIm[y, v] * s;
                    si += tmpRe[y, v] * s + tmpIm[y, v] * c;
                }
                re[u, v] = sr;
                im[u, v] = si;
            }
        }
        double total = 0, high = 0;
        for (int u = 0; u < h; u++)
        {
            for (int v = 0; v < w; v++)
            {
                double fu = Math.Min(u, h - u) / (double)h, fv = Math.Min(v, w - v) / (double)w;
                double power = re[u, v] * re[u, v] + im[u, v] * im[u, v];
                total += power;
                if (Math.Sqrt(fu * fu + fv * fv) > 0.125)
                {
                    high += power;
                }
            }
        }
        return total > 0 ? high / total : 0;
    }
}
