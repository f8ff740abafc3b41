using System.Numerics;
using NeuroLab.Analysis.Encoding;

namespace NeuroLab.Analysis.Reconstruction;

/// <summary>
/// The field's scores of reconstructed images (MindEye2, Scotti et al. 2024, Table 1; Du et al. 2017, Table 2): per image
/// PixCorr, SSIM and MSE on greyscale pixels, 2-way identification in a feature space, retrieval ranks among candidates,
/// and means with bootstrap intervals over images. Images are float32 <c>[n, h, w]</c> row-major, values in 0..1 unless
/// another data range is given; features are float32 <c>[rows, d]</c>. Every method checks its shapes and throws
/// <see cref="ArgumentException"/> naming the mismatch. All arithmetic is float64.
/// </summary>
public static class ReconstructionMetrics
{
    /// <summary>
    /// Pixelwise Pearson correlation of each reconstruction with its target,
    /// <c>r = sum (x - mean x)(y - mean y) / sqrt(sum (x - mean x)^2 sum (y - mean y)^2)</c> over the h*w pixels.
    /// </summary>
    /// <param name="reconstructions">float32 [n, h, w].</param>
    /// <param name="targets">float32 [n, h, w], the originals on the same grid.</param>
    /// <param name="n">Images.</param>
    /// <param name="h">Rows per image.</param>
    /// <param name="w">Columns per image.</param>
    /// <returns>[n]; NaN for an image whose reconstruction or target is constant (the correlation is undefined).</returns>
    public static double[] PixCorr(ReadOnlySpan<float> reconstructions, ReadOnlySpan<float> targets, int n, int h, int w)
    {
        int size = CheckImages(reconstructions, targets, n, h, w);
        var result = new double[n];
        for (int i = 0; i < n; i++)
        {
            result[i] = Pearson(reconstructions.Slice(i * size, size), targets.Slice(i * size, size));
        }
        return result;
    }

    /// <summary>
    /// Mean structural similarity per image (Wang et al. 2004): Gaussian window sigma 1.5 (11x11), K1 0.01, K2 0.03,
    /// population covariances, mean over the valid window centres, exactly as
    /// <c>skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
    /// data_range=dataRange)</c> on float64 images; see <see cref="StructuralSimilarity"/>. Defined for constant images
    /// (the constants C1, C2 keep the ratio finite).
    /// </summary>
    /// <param name="reconstructions">float32 [n, h, w].</param>
    /// <param name="targets">float32 [n, h, w].</param>
    /// <param name="n">Images.</param>
    /// <param name="h">Rows per image, at least 11.</param>
    /// <param name="w">Columns per image, at least 11.</param>
    /// <param name="dataRange">Range of the pixel values (1 for 0..1 images), L in C1 = (K1 L)^2, C2 = (K2 L)^2.</param>
    /// <returns>[n], each at most 1 (1 for identical images).</returns>
    public static double[] Ssim(ReadOnlySpan<float> reconstructions, ReadOnlySpan<float> targets, int n, int h, int w, double dataRange = 1.0)
    {
        int size = CheckImages(reconstructions, targets, n, h, w);
        if (h < StructuralSimilarity.WindowSize || w < StructuralSimilarity.WindowSize)
        {
            throw new ArgumentException($"SSIM needs images of at least {StructuralSimilarity.WindowSize}x{StructuralSimilarity.WindowSize} pixels (its Gaussian window); got {h}x{w}.");
        }
        if (!double.IsFinite(dataRange) || dataRange <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dataRange), dataRange, "The data range must be a positive number (1 for pixels in 0..1).");
        }
        var ssim = new StructuralSimilarity(h, w, dataRange);
        var result = new double[n];
        for (int i = 0; i < n; i++)
        {
            result[i] = ssim.Mean(reconstructions.Slice(i * size, size), targets.Slice(i * size, size));
        }
        return result;
    }

    /// <summary>Mean squared error per image, <c>sum (x - y)^2 / (h w)</c>.</summary>
    /// <param name="reconstructions">float32 [n, h, w].</param>
    /// <param name="targets">float32 [n, h, w].</param>
    /// <param name="n">Images.</param>
    /// <param name="h">Rows per image.</param>
    /// <param name="w">Columns per image.</param>
    /// <returns>[n].</returns>
    public static double[] Mse(ReadOnlySpan<float> reconstructions, ReadOnlySpan<float> targets, int n, int h, int w)
    {
        int size = CheckImages(reconstructions, targets, n, h, w);
        var result = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int p = i * size, end = p + size; p < end; p++)
            {
                double d = (double)reconstructions[p] - targets[p];
                sum += d * d;
            }
            result[i] = sum / size;
        }
        return result;
    }

    /// <summary>
    /// 2-way identification (MindEye2's "AlexNet(2)/(5)" columns): per image i, the fraction of the other n - 1 targets j
    /// for which <c>corr(recon_i, target_i) &gt; corr(recon_i, target_j)</c>, Pearson over the d features, a tie counting
    /// one half. Chance is 0.5.
    /// </summary>
    /// <param name="reconFeatures">float32 [n, d], features of the reconstructions.</param>
    /// <param name="targetFeatures">float32 [n, d], features of the targets in the same row order.</param>
    /// <param name="n">Images.</param>
    /// <param name="d">Features per image.</param>
    /// <returns>[n] in 0..1; all NaN when n = 1 (no distractor); NaN for an image whose own correlation is undefined
    /// (constant features). Distractors whose correlation is undefined are left out of that image's fraction.</returns>
    public static double[] TwoWayIdentification(ReadOnlySpan<float> reconFeatures, ReadOnlySpan<float> targetFeatures, int n, int d)
    {
        CheckFeatures(reconFeatures, nameof(reconFeatures), n, d);
        CheckFeatures(targetFeatures, nameof(targetFeatures), n, d);
        var result = new double[n];
        if (n == 1)
        {
            result[0] = double.NaN;
            return result;
        }
        var recon = UnitRows(reconFeatures, n, d);
        var target = UnitRows(targetFeatures, n, d);
        Parallel.For(0, n, i =>
        {
            double own = Dot(recon, i, target, i, d);
            if (double.IsNaN(own))
            {
                result[i] = double.NaN;
                return;
            }
            double wins = 0;
            int compared = 0;
            for (int j = 0; j < n; j++)
            {
                double other = j == i ? double.NaN : Dot(recon, i, target, j, d);
                if (double.IsNaN(other))
                {
                    continue;
                }
                compared++;
                wins += own > other ? 1.0 : own == other ? 0.5 : 0.0;
            }
            result[i] = compared == 0 ? double.NaN : wins / compared;
        });
        return result;
    }

    /// <summary>
    /// Retrieval rank: per image i, the 1-based rank of its own candidate <c>trueIndex[i]</c> among the m candidates
    /// ordered by Pearson correlation with the predicted features, highest first:
    /// <c>1 + #{j != trueIndex[i] : corr(pred_i, cand_j) &gt;= corr(pred_i, cand_true)}</c>, so ties count against the
    /// true candidate (pessimistic). Top-k accuracy is the fraction of ranks &lt;= k; chance is k / m.
    /// </summary>
    /// <param name="predicted">float32 [n, d], features predicted from brain activity.</param>
    /// <param name="candidates">float32 [m, d], features of the candidate pool.</param>
    /// <param name="n">Images.</param>
    /// <param name="m">Candidates.</param>
    /// <param name="d">Features per row.</param>
    /// <param name="trueIndex">[n], the row of image i's own candidate in 0..m-1.</param>
    /// <returns>[n] ranks in 1..m. A candidate whose correlation is undefined (constant features) ranks below every
    /// defined one; an image whose own correlation is undefined gets rank m.</returns>
    public static int[] RetrievalRank(ReadOnlySpan<float> predicted, ReadOnlySpan<float> candidates, int n, int m, int d, IReadOnlyList<int> trueIndex)
    {
        ArgumentNullException.ThrowIfNull(trueIndex);
        CheckFeatures(predicted, nameof(predicted), n, d);
        CheckFeatures(candidates, nameof(candidates), m, d);
        if (trueIndex.Count != n)
        {
            throw new ArgumentException($"trueIndex has {trueIndex.Count} entries; expected one per predicted row ({n}).", nameof(trueIndex));
        }
        for (int i = 0; i < n; i++)
        {
            if (trueIndex[i] < 0 || trueIndex[i] >= m)
            {
                throw new ArgumentException($"trueIndex[{i}] = {trueIndex[i]} is not a candidate row (0..{m - 1}).", nameof(trueIndex));
            }
        }
        var pred = UnitRows(predicted, n, d);
        var cand = UnitRows(candidates, m, d);
        var truth = trueIndex.ToArray();
        var result = new int[n];
        Parallel.For(0, n, i =>
        {
            double own = Dot(pred, i, cand, truth[i], d);
            if (double.IsNaN(own))
            {
                result[i] = m;
                return;
            }
            int rank = 1;
            for (int j = 0; j < m; j++)
            {
                if (j != truth[i] && Dot(pred, i, cand, j, d) >= own)
                {
                    rank++;
                }
            }
            result[i] = rank;
        });
        return result;
    }

    /// <summary>
    /// Per predicted row, the candidate with the highest Pearson correlation (the first of equals; a candidate whose
    /// correlation is undefined never wins over a defined one): the rank-1 candidate of <see cref="RetrievalRank"/>.
    /// </summary>
    /// <returns>[n] candidate rows in 0..m-1; -1 for a row with no defined correlation (a constant prediction retrieves nothing).</returns>
    public static int[] TopCandidate(ReadOnlySpan<float> predicted, ReadOnlySpan<float> candidates, int n, int m, int d)
    {
        CheckFeatures(predicted, nameof(predicted), n, d);
        CheckFeatures(candidates, nameof(candidates), m, d);
        var pred = UnitRows(predicted, n, d);
        var cand = UnitRows(candidates, m, d);
        var top = new int[n];
        Array.Fill(top, -1);
        Parallel.For(0, n, i =>
        {
            double best = double.NegativeInfinity;
            for (int j = 0; j < m; j++)
            {
                double r = Dot(pred, i, cand, j, d);
                if (double.IsFinite(r) && r > best)
                {
                    (best, top[i]) = (r, j);
                }
            }
        });
        return top;
    }

    /// <summary>
    /// The mean over images with a bootstrap 95% percentile interval (Efron and Tibshirani 1993): NaN entries are left
    /// out; each of <paramref name="resamples"/> resamples draws as many values as remain, with replacement, draw k being
    /// <c>values[SplitMix64(seed).Next() mod count]</c> (one generator for all resamples, in order); Low and High are the
    /// 2.5% and 97.5% quantiles of the resample means, linear between order statistics (NumPy's default percentile).
    /// </summary>
    /// <param name="perImage">Per-image scores; NaN entries are skipped.</param>
    /// <param name="resamples">Bootstrap resamples.</param>
    /// <param name="seed">Seed of the draws (same seed, same interval).</param>
    /// <returns>(NaN, NaN, NaN) when no value is finite; (v, v, v) for a single value.</returns>
    public static (double Mean, double Low, double High) MeanWithInterval(IReadOnlyList<double> perImage, int resamples = 1000, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(perImage);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resamples);
        var values = perImage.Where(v => !double.IsNaN(v)).ToArray();
        if (values.Length == 0)
        {
            return (double.NaN, double.NaN, double.NaN);
        }
        double mean = values.Sum() / values.Length;
        var random = new SplitMix64(seed);
        var means = new double[resamples];
        ulong count = (ulong)values.Length;
        for (int b = 0; b < resamples; b++)
        {
            double sum = 0;
            for (int k = 0; k < values.Length; k++)
            {
                sum += values[(int)(random.Next() % count)];
            }
            means[b] = sum / values.Length;
        }
        return (mean, TestSetBootstrap.Quantile(means, 0.025), TestSetBootstrap.Quantile(means, 0.975));
    }

    private static double Pearson(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (IsConstant(x) || IsConstant(y))
        {
            return double.NaN;
        }
        double mx = 0, my = 0;
        for (int p = 0; p < x.Length; p++)
        {
            mx += x[p];
            my += y[p];
        }
        mx /= x.Length;
        my /= y.Length;
        double sxy = 0, sxx = 0, syy = 0;
        for (int p = 0; p < x.Length; p++)
        {
            double a = x[p] - mx, b = y[p] - my;
            sxy += a * b;
            sxx += a * a;
            syy += b * b;
        }
        return sxy / Math.Sqrt(sxx * syy);
    }

    // Exact test: the mean of equal float32 values need not round back to the value, which would leave a tiny variance.
    private static bool IsConstant(ReadOnlySpan<float> values) => values.IndexOfAnyExcept(values[0]) < 0;

    /// <summary>Rows centred and scaled to unit length, so a dot product is their Pearson r; a constant row becomes NaN.</summary>
    private static double[] UnitRows(ReadOnlySpan<float> rows, int count, int d)
    {
        var result = new double[count * d];
        for (int r = 0; r < count; r++)
        {
            var row = rows.Slice(r * d, d);
            var target = result.AsSpan(r * d, d);
            if (IsConstant(row))
            {
                target.Fill(double.NaN);
                continue;
            }
            double mean = 0;
            for (int k = 0; k < d; k++)
            {
                mean += row[k];
            }
            mean /= d;
            double squares = 0;
            for (int k = 0; k < d; k++)
            {
                target[k] = row[k] - mean;
                squares += target[k] * target[k];
            }
            double scale = 1.0 / Math.Sqrt(squares);
            for (int k = 0; k < d; k++)
            {
                target[k] *= scale;
            }
        }
        return result;
    }

    // One fixed summation order for every pair, so identical rows give bit-identical correlations (ties stay ties).
    private static double Dot(double[] a, int rowA, double[] b, int rowB, int d)
    {
        var x = a.AsSpan(rowA * d, d);
        var y = b.AsSpan(rowB * d, d);
        var acc = Vector<double>.Zero;
        int k = 0;
        for (; k <= d - Vector<double>.Count; k += Vector<double>.Count)
        {
            acc += new Vector<double>(x.Slice(k)) * new Vector<double>(y.Slice(k));
        }
        double sum = Vector.Sum(acc);
        for (; k < d; k++)
        {
            sum += x[k] * y[k];
        }
        return Math.Clamp(sum, -1.0, 1.0);
    }

    private static int CheckImages(ReadOnlySpan<float> reconstructions, ReadOnlySpan<float> targets, int n, int h, int w)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(h);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(w);
        long expected = (long)n * h * w;
        if (reconstructions.Length != expected || targets.Length != expected)
        {
            throw new ArgumentException(
                $"Images must be [n, h, w] = [{n}, {h}, {w}] ({expected} values); got {reconstructions.Length} reconstruction values and {targets.Length} target values.");
        }
        return h * w;
    }

    private static void CheckFeatures(ReadOnlySpan<float> features, string name, int rows, int d)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        long expected = (long)rows * d;
        if (features.Length != expected)
        {
            throw new ArgumentException($"{name} must be [{rows}, {d}] ({expected} values); got {features.Length} values.", name);
        }
    }
}
