using System.Numerics;

namespace NeuroLab.Analysis.Rsa;

/// <summary>
/// Representational dissimilarity matrices (Kriegeskorte, Mur and Bandettini 2008) as condensed vectors: the upper
/// triangle of the symmetric n x n matrix in row-major order, <c>(0,1), (0,2), ..., (0,n-1), (1,2), ...</c> — the
/// order of MATLAB's and scipy's <c>squareform</c> — of length <c>n(n-1)/2</c>. Pattern matrices are row-major
/// <c>[n conditions, p channels]</c>. NaN marks a missing dissimilarity.
/// </summary>
public static class Rdm
{
    /// <summary>The condensed length <c>n(n-1)/2</c> for <paramref name="conditionCount"/> conditions.</summary>
    public static int Size(int conditionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(conditionCount);
        return checked(conditionCount * (conditionCount - 1) / 2);
    }

    /// <summary>The number of conditions n whose condensed length is <paramref name="condensedLength"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a triangular number n(n-1)/2 with n &gt;= 2.</exception>
    public static int Conditions(int condensedLength)
    {
        int n = (int)Math.Round((1 + Math.Sqrt(1 + (8.0 * condensedLength))) / 2);
        if (condensedLength < 1 || (long)n * (n - 1) / 2 != condensedLength)
        {
            throw new ArgumentException($"An RDM vector of length {condensedLength} is not the upper triangle of a square matrix (lengths are n(n-1)/2: 1, 3, 6, 10, ...).", nameof(condensedLength));
        }
        return n;
    }

    /// <summary>Index of cell (i, j), i &lt; j, in the condensed vector of n conditions.</summary>
    public static int Index(int i, int j, int n) => (i * ((2 * n) - i - 1) / 2) + j - i - 1;

    /// <summary>The condensed vector of a square RDM.</summary>
    /// <param name="square">Row-major <c>[n, n]</c>.</param>
    /// <param name="n">Number of conditions.</param>
    /// <exception cref="ArgumentException">The matrix is not n x n, a diagonal cell is not 0, or (i, j) and (j, i)
    /// differ by more than 1e-6 relative to the larger magnitude (NaN pairs are accepted); the message names the first bad cell.</exception>
    public static double[] Condense(ReadOnlySpan<double> square, int n)
    {
        if (n < 2 || square.Length != n * n)
        {
            throw new ArgumentException($"A square RDM of {n} conditions needs {n}x{n} = {n * n} values; got {square.Length}.", nameof(square));
        }
        var v = new double[Size(n)];
        int k = 0;
        for (int i = 0; i < n; i++)
        {
            double d = square[(i * n) + i];
            if (d != 0 && !double.IsNaN(d))
            {
                throw new ArgumentException($"The RDM's diagonal cell ({i}, {i}) is {d}; a condition's dissimilarity to itself must be 0.", nameof(square));
            }
            for (int j = i + 1; j < n; j++)
            {
                double a = square[(i * n) + j], b = square[(j * n) + i];
                bool bothNaN = double.IsNaN(a) && double.IsNaN(b);
                if (!bothNaN && !(Math.Abs(a - b) <= 1e-6 * Math.Max(Math.Abs(a), Math.Abs(b))))
                {
                    throw new ArgumentException($"The RDM is not symmetric: cell ({i}, {j}) is {a} but ({j}, {i}) is {b}.", nameof(square));
                }
                v[k++] = a;
            }
        }
        return v;
    }

    /// <summary>The square row-major <c>[n, n]</c> matrix of a condensed RDM, zero diagonal.</summary>
    public static double[] Square(ReadOnlySpan<double> condensed)
    {
        int n = Conditions(condensed.Length);
        var s = new double[n * n];
        int k = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                s[(i * n) + j] = s[(j * n) + i] = condensed[k++];
            }
        }
        return s;
    }

    /// <summary>Correlation distance <c>1 - r(x_i, x_j)</c> between the rows (scipy <c>pdist(..., 'correlation')</c>).
    /// A constant row gives NaN distances.</summary>
    /// <param name="patterns">Row-major <c>[n conditions, p channels]</c>.</param>
    /// <param name="n">Conditions.</param>
    /// <param name="p">Channels (voxels, units).</param>
    public static double[] Correlation(ReadOnlySpan<float> patterns, int n, int p)
    {
        var rows = Rows(patterns, n, p);
        Parallel.For(0, n, i =>
        {
            var r = rows[i];
            double mean = Sum(r) / p;
            for (int c = 0; c < p; c++)
            {
                r[c] -= mean;
            }
            double norm = Math.Sqrt(Dot(r, r));
            for (int c = 0; c < p; c++)
            {
                r[c] /= norm;
            }
        });
        return Pairwise(rows, n, (a, b) => 1 - Dot(a, b));
    }

    /// <summary>Plain (unsquared, unnormalised) Euclidean distance <c>||x_i - x_j||</c> between the rows
    /// (scipy <c>pdist(..., 'euclidean')</c>); no noise normalisation or cross-validation — see <see cref="Crossnobis"/>.</summary>
    /// <param name="patterns">Row-major <c>[n conditions, p channels]</c>.</param>
    /// <param name="n">Conditions.</param>
    /// <param name="p">Channels.</param>
    public static double[] Euclidean(ReadOnlySpan<float> patterns, int n, int p)
    {
        var rows = Rows(patterns, n, p);
        var sq = new double[n];
        for (int i = 0; i < n; i++)
        {
            sq[i] = Dot(rows[i], rows[i]);
        }
        double[] result = new double[Size(n)];
        Parallel.For(0, n, i =>
        {
            int k = Index(i, i + 1, n);
            for (int j = i + 1; j < n; j++)
            {
                // Direct differences, not |a|^2 + |b|^2 - 2ab, so near-identical rows keep their precision.
                result[k++] = Math.Sqrt(SquaredDistance(rows[i], rows[j]));
            }
        });
        return result;
    }

    /// <summary>
    /// Crossnobis RDM (Walther et al. 2016; Nili et al. 2014; rsatoolbox <c>calc_rdm(method='crossnobis')</c>):
    /// with <c>mu_c^r</c> the mean pattern of condition c in run r and <c>Lambda</c> the noise precision,
    /// <c>d(a, b) = mean over run pairs r &lt; s of (mu_a^r - mu_b^r) Lambda (mu_a^s - mu_b^s)' / p</c>, an unbiased
    /// estimate of the squared Mahalanobis distance (0 in expectation when a and b do not differ; can be negative).
    /// Only run pairs in which both a and b occur count; a pair of conditions that never share two runs is NaN.
    /// With <paramref name="noiseNormalise"/>, <c>Lambda</c> is the inverse of the residual covariance (each row minus
    /// its condition's mean over all rows, dof = rows - conditions) shrunk towards a scaled identity by Ledoit and
    /// Wolf (2004) (rsatoolbox <c>cov_from_residuals(method='shrinkage_eye')</c>); otherwise <c>Lambda = I</c>.
    /// </summary>
    /// <param name="patterns">Row-major <c>[rows, p]</c>; each row one condition measured in one run.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="p">Channels.</param>
    /// <param name="conditionOfRow">Condition index 0..conditionCount-1 of each row.</param>
    /// <param name="runOfRow">Run (any integer label) of each row.</param>
    /// <param name="conditionCount">Number of conditions n; the result has n(n-1)/2 entries.</param>
    /// <param name="noiseNormalise">Whiten by the shrinkage noise precision (default) or use the identity.</param>
    /// <exception cref="ArgumentException">Sizes disagree, a condition index is out of range, or a condition occurs in fewer than 2 runs.</exception>
    public static double[] Crossnobis(ReadOnlySpan<float> patterns, int rows, int p, IReadOnlyList<int> conditionOfRow, IReadOnlyList<int> runOfRow, int conditionCount, bool noiseNormalise = true) =>
        CrossnobisEstimator.Compute(patterns, rows, p, conditionOfRow, runOfRow, conditionCount, noiseNormalise);

    /// <summary>Entry-wise mean of several RDMs of one size, ignoring NaN (an entry NaN in every RDM stays NaN).</summary>
    /// <exception cref="ArgumentException">No RDMs, or their lengths differ.</exception>
    public static double[] Mean(IReadOnlyList<double[]> rdms)
    {
        ArgumentNullException.ThrowIfNull(rdms);
        if (rdms.Count == 0)
        {
            throw new ArgumentException("The mean of no RDMs is undefined.", nameof(rdms));
        }
        int m = rdms[0].Length;
        var sum = new double[m];
        var count = new int[m];
        for (int r = 0; r < rdms.Count; r++)
        {
            if (rdms[r].Length != m)
            {
                throw new ArgumentException($"RDM {r} has {rdms[r].Length} entries; RDM 0 has {m}.", nameof(rdms));
            }
            for (int k = 0; k < m; k++)
            {
                double v = rdms[r][k];
                if (!double.IsNaN(v))
                {
                    sum[k] += v;
                    count[k]++;
                }
            }
        }
        for (int k = 0; k < m; k++)
        {
            sum[k] = count[k] == 0 ? double.NaN : sum[k] / count[k];
        }
        return sum;
    }

    internal static double[][] Rows(ReadOnlySpan<float> patterns, int n, int p)
    {
        if (n < 2 || p < 1 || patterns.Length != (long)n * p)
        {
            throw new ArgumentException($"Patterns [{n}, {p}] need {(long)n * p} values (n >= 2, p >= 1); got {patterns.Length}.", nameof(patterns));
        }
        var rows = new double[n][];
        for (int i = 0; i < n; i++)
        {
            var r = new double[p];
            var src = patterns.Slice(i * p, p);
            for (int c = 0; c < p; c++)
            {
                r[c] = src[c];
            }
            rows[i] = r;
        }
        return rows;
    }

    private static double[] Pairwise(double[][] rows, int n, Func<double[], double[], double> distance)
    {
        var result = new double[Size(n)];
        Parallel.For(0, n, i =>
        {
            int k = Index(i, i + 1, n);
            for (int j = i + 1; j < n; j++)
            {
                result[k++] = distance(rows[i], rows[j]);
            }
        });
        return result;
    }

    internal static double Sum(ReadOnlySpan<double> a)
    {
        double s = 0;
        foreach (double v in a)
        {
            s += v;
        }
        return s;
    }

    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int w = Vector<double>.Count, i = 0;
        var acc = Vector<double>.Zero;
        for (; i <= a.Length - w; i += w)
        {
            acc += new Vector<double>(a.Slice(i, w)) * new Vector<double>(b.Slice(i, w));
        }
        double s = Vector.Sum(acc);
        for (; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int w = Vector<double>.Count, i = 0;
        var acc = Vector<double>.Zero;
        for (; i <= a.Length - w; i += w)
        {
            var d = new Vector<double>(a.Slice(i, w)) - new Vector<double>(b.Slice(i, w));
            acc += d * d;
        }
        double s = Vector.Sum(acc);
        for (; i < a.Length; i++)
        {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s;
    }
}
