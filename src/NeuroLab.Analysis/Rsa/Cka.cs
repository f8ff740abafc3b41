namespace NeuroLab.Analysis.Rsa;

/// <summary>
/// Centered kernel alignment (Kornblith, Norouzi, Lee and Hinton 2019, "Similarity of neural network
/// representations revisited", ICML): with K and L the n x n Gram matrices of two representations of the same n
/// stimuli and H the centring matrix, <c>CKA = &lt;HKH, HLH&gt;_F / (||HKH||_F ||HLH||_F)</c>, invariant to
/// orthogonal transforms and isotropic scaling of either representation; p and q may differ.
/// </summary>
public static class Cka
{
    /// <summary>Linear CKA, <c>K = X X'</c> (equals <c>||Y_c'X_c||_F^2 / (||X_c'X_c||_F ||Y_c'Y_c||_F)</c> of the column-centred data).</summary>
    /// <param name="x">Row-major <c>[n stimuli, p]</c>.</param>
    /// <param name="n">Stimuli (rows of both).</param>
    /// <param name="p">Columns of x.</param>
    /// <param name="y">Row-major <c>[n stimuli, q]</c>.</param>
    /// <param name="q">Columns of y.</param>
    public static double Linear(ReadOnlySpan<float> x, int n, int p, ReadOnlySpan<float> y, int q) =>
        Align(LinearGram(Rdm.Rows(x, n, p)), LinearGram(Rdm.Rows(y, n, q)), n);

    /// <summary>RBF-kernel CKA, <c>K_ij = exp(-|x_i - x_j|^2 / (2 sigma^2))</c> with
    /// <c>sigma^2 = sigmaFraction^2 * median_ij |x_i - x_j|^2</c>, the median taken over the full n x n matrix of squared
    /// distances (diagonal zeros included), exactly as Kornblith et al.'s <c>gram_rbf(x, threshold)</c>; i.e. sigma is
    /// <paramref name="sigmaFraction"/> times the median distance.</summary>
    /// <param name="x">Row-major <c>[n stimuli, p]</c>.</param>
    /// <param name="n">Stimuli.</param>
    /// <param name="p">Columns of x.</param>
    /// <param name="y">Row-major <c>[n stimuli, q]</c>.</param>
    /// <param name="q">Columns of y.</param>
    /// <param name="sigmaFraction">Bandwidth as a fraction of the median distance (0.8 in most of the paper's experiments).</param>
    public static double Rbf(ReadOnlySpan<float> x, int n, int p, ReadOnlySpan<float> y, int q, double sigmaFraction = 0.8)
    {
        if (!(sigmaFraction > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(sigmaFraction), sigmaFraction, "The bandwidth fraction must be positive.");
        }
        return Align(RbfGram(Rdm.Rows(x, n, p), sigmaFraction), RbfGram(Rdm.Rows(y, n, q), sigmaFraction), n);
    }

    private static double[] LinearGram(double[][] rows)
    {
        int n = rows.Length;
        var g = new double[n * n];
        Parallel.For(0, n, i =>
        {
            for (int j = 0; j <= i; j++)
            {
                g[(i * n) + j] = g[(j * n) + i] = Rdm.Dot(rows[i], rows[j]);
            }
        });
        return g;
    }

    private static double[] RbfGram(double[][] rows, double fraction)
    {
        int n = rows.Length;
        var dot = LinearGram(rows);
        var d2 = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                d2[(i * n) + j] = dot[(i * n) + i] + dot[(j * n) + j] - (2 * dot[(i * n) + j]);
            }
        }
        var sorted = d2.Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]);
        double scale = 2 * fraction * fraction * median;
        for (int k = 0; k < d2.Length; k++)
        {
            d2[k] = Math.Exp(-d2[k] / scale);
        }
        return d2;
    }

    private static double Align(double[] k, double[] l, int n)
    {
        Centre(k, n);
        Centre(l, n);
        return Rdm.Dot(k, l) / Math.Sqrt(Rdm.Dot(k, k) * Rdm.Dot(l, l));
    }

    /// <summary>H G H in place: subtract row and column means, add back the grand mean.</summary>
    internal static void Centre(double[] g, int n)
    {
        var rowMean = new double[n];
        double grand = 0;
        for (int i = 0; i < n; i++)
        {
            rowMean[i] = Rdm.Sum(g.AsSpan(i * n, n)) / n;
            grand += rowMean[i];
        }
        grand /= n;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                g[(i * n) + j] += grand - rowMean[i] - rowMean[j];
            }
        }
    }
}
