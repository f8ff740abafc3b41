namespace NeuroLab.Analysis.Networks;

/// <summary>
/// Functional connectivity between regions from their time series [timePoints, rois]: Pearson correlation, its Fisher
/// z transform, and partial correlation from the Ledoit-Wolf shrunk covariance (Ledoit &amp; Wolf 2004, as
/// <c>sklearn.covariance.LedoitWolf</c>).
/// </summary>
public static class FunctionalConnectivity
{
    /// <summary>|r| is clipped to 1 - this before arctanh, so identical series give a large finite z rather than infinity.</summary>
    public const double ClipEpsilon = 1e-7;

    /// <summary>
    /// Pearson r between every pair of columns of <paramref name="series"/> [timePoints, rois] -> [rois, rois], ones on
    /// the diagonal. A constant column has NaN correlations.
    /// </summary>
    public static double[,] Pearson(double[,] series)
    {
        var (centred, t, p) = Centre(series);
        var cov = CrossProducts(centred, t, p);
        var r = new double[p, p];
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                r[i, j] = i == j ? 1 : cov[i, j] / Math.Sqrt(cov[i, i] * cov[j, j]);
            }
        }
        return r;
    }

    /// <summary>
    /// Fisher z = arctanh(r) with |r| clipped to 1 - <see cref="ClipEpsilon"/>; the diagonal is set to 0 (no self
    /// connections in the network). NaN stays NaN.
    /// </summary>
    public static double[,] FisherZ(double[,] r)
    {
        int p = r.GetLength(0);
        var z = new double[p, p];
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                z[i, j] = i == j ? 0 : Math.Atanh(Math.Clamp(r[i, j], -1 + ClipEpsilon, 1 - ClipEpsilon));
            }
        }
        return z;
    }

    /// <summary>
    /// The Ledoit-Wolf shrunk covariance of <paramref name="series"/> [timePoints, rois] and its shrinkage: with the
    /// centred data X (n rows) and S = XᵀX / n, μ = tr(S)/p, the estimate is (1 - δ) S + δ μ I where
    /// δ = min(β, d)/d, d = ‖S - μI‖²_F / p and β = (Σₖ ‖xₖxₖᵀ - S‖²_F / n²) / p (Ledoit &amp; Wolf 2004, eq. 14 as
    /// scikit-learn 1.2 computes it, unblocked).
    /// </summary>
    public static (double[,] Covariance, double Shrinkage) LedoitWolf(double[,] series)
    {
        var (x, n, p) = Centre(series);
        var xtx = CrossProducts(x, n, p);
        double trace = 0;
        for (int i = 0; i < p; i++)
        {
            trace += xtx[i, i] / n;
        }
        double mu = trace / p;
        // β_ = Σ (X²)ᵀX² ; δ_ = Σ (XᵀX)² / n²
        double betaSum = 0;
        var squares = new double[p];
        for (int k = 0; k < n; k++)
        {
            double rowSum = 0;
            for (int i = 0; i < p; i++)
            {
                squares[i] = x[k, i] * x[k, i];
                rowSum += squares[i];
            }
            betaSum += rowSum * rowSum;
        }
        double deltaSum = 0;
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                deltaSum += xtx[i, j] * xtx[i, j];
            }
        }
        deltaSum /= (double)n * n;
        double beta = (betaSum / n - deltaSum) / ((double)p * n);
        double delta = (deltaSum - 2 * mu * trace + p * mu * mu) / p;
        beta = Math.Min(beta, delta);
        double shrinkage = beta == 0 ? 0 : beta / delta;
        var cov = new double[p, p];
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                cov[i, j] = (1 - shrinkage) * xtx[i, j] / n + (i == j ? shrinkage * mu : 0);
            }
        }
        return (cov, shrinkage);
    }

    /// <summary>
    /// Partial correlation of every pair of regions given all others: from the precision P = Σ⁻¹ of the Ledoit-Wolf
    /// covariance, ρᵢⱼ = -Pᵢⱼ / √(Pᵢᵢ Pⱼⱼ), ones on the diagonal [rois, rois].
    /// </summary>
    public static double[,] PartialCorrelation(double[,] series)
    {
        var precision = SymmetricPositiveDefinite.Inverse(LedoitWolf(series).Covariance);
        int p = precision.GetLength(0);
        var r = new double[p, p];
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                r[i, j] = i == j ? 1 : -precision[i, j] / Math.Sqrt(precision[i, i] * precision[j, j]);
            }
        }
        return r;
    }

    /// <summary>
    /// Sliding-window connectivity: Fisher z of the Pearson r in windows of <paramref name="window"/> time points every
    /// <paramref name="step"/> points (the last window that fits ends the list).
    /// </summary>
    public static IReadOnlyList<double[,]> SlidingWindows(double[,] series, int window, int step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 3);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        int t = series.GetLength(0), p = series.GetLength(1);
        var result = new List<double[,]>();
        for (int start = 0; start + window <= t; start += step)
        {
            var part = new double[window, p];
            for (int k = 0; k < window; k++)
            {
                for (int i = 0; i < p; i++)
                {
                    part[k, i] = series[start + k, i];
                }
            }
            result.Add(FisherZ(Pearson(part)));
        }
        return result;
    }

    private static (double[,] Centred, int Rows, int Columns) Centre(double[,] series)
    {
        int t = series.GetLength(0), p = series.GetLength(1);
        var centred = new double[t, p];
        for (int i = 0; i < p; i++)
        {
            double mean = 0;
            for (int k = 0; k < t; k++)
            {
                mean += series[k, i];
            }
            mean /= t;
            for (int k = 0; k < t; k++)
            {
                centred[k, i] = series[k, i] - mean;
            }
        }
        return (centred, t, p);
    }

    /// <summary>XᵀX of a [rows, columns] matrix.</summary>
    private static double[,] CrossProducts(double[,] x, int rows, int columns)
    {
        var result = new double[columns, columns];
        var row = new double[columns];
        for (int k = 0; k < rows; k++)
        {
            for (int i = 0; i < columns; i++)
            {
                row[i] = x[k, i];
            }
            for (int i = 0; i < columns; i++)
            {
                double xi = row[i];
                for (int j = i; j < columns; j++)
                {
                    result[i, j] += xi * row[j];
                }
            }
        }
        for (int i = 0; i < columns; i++)
        {
            for (int j = 0; j < i; j++)
            {
                result[i, j] = result[j, i];
            }
        }
        return result;
    }
}

/// <summary>Inverse of a symmetric positive-definite matrix by Cholesky factorisation (A = LLᵀ).</summary>
internal static class SymmetricPositiveDefinite
{
    public static double[,] Inverse(double[,] a)
    {
        int n = a.GetLength(0);
        var l = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            double d = a[j, j];
            for (int k = 0; k < j; k++)
            {
                d -= l[j, k] * l[j, k];
            }
            if (!(d > 0))
            {
                throw new ArgumentException("The matrix is not positive definite.", nameof(a));
            }
            l[j, j] = Math.Sqrt(d);
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i, j];
                for (int k = 0; k < j; k++)
                {
                    s -= l[i, k] * l[j, k];
                }
                l[i, j] = s / l[j, j];
            }
        }
        // Solve L Lᵀ X = I column by column.
        var inverse = new double[n, n];
        var y = new double[n];
        for (int c = 0; c < n; c++)
        {
            for (int i = 0; i < n; i++)
            {
                double s = i == c ? 1 : 0;
                for (int k = 0; k < i; k++)
                {
                    s -= l[i, k] * y[k];
                }
                y[i] = s / l[i, i];
            }
            for (int i = n - 1; i >= 0; i--)
            {
                double s = y[i];
                for (int k = i + 1; k < n; k++)
                {
                    s -= l[k, i] * inverse[k, c];
                }
                inverse[i, c] = s / l[i, i];
            }
        }
        return inverse;
    }
}
