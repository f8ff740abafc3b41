namespace NeuroLab.Analysis.Rsa;

/// <summary>The crossnobis computation behind <see cref="Rdm.Crossnobis"/>; see its summary for the formulas.</summary>
internal static class CrossnobisEstimator
{
    public static double[] Compute(ReadOnlySpan<float> patterns, int rows, int p, IReadOnlyList<int> conditionOfRow, IReadOnlyList<int> runOfRow, int n, bool noiseNormalise)
    {
        ArgumentNullException.ThrowIfNull(conditionOfRow);
        ArgumentNullException.ThrowIfNull(runOfRow);
        if (conditionOfRow.Count != rows || runOfRow.Count != rows)
        {
            throw new ArgumentException($"{rows} pattern rows need {rows} condition and run labels; got {conditionOfRow.Count} and {runOfRow.Count}.", nameof(conditionOfRow));
        }
        if (n < 2)
        {
            throw new ArgumentException("An RDM needs at least 2 conditions.", nameof(n));
        }
        var x = Rdm.Rows(patterns, rows, p);
        int[] runLabels = [.. runOfRow.Distinct().Order()];
        var runIndex = runLabels.Select((r, i) => (r, i)).ToDictionary(t => t.r, t => t.i);
        int runs = runLabels.Length;

        // Condition-by-run means (null where the condition is absent from the run) and condition means over all rows.
        var sums = new double[n, runs][];
        var counts = new int[n, runs];
        var conditionMean = new double[n][];
        var conditionCount = new int[n];
        for (int row = 0; row < rows; row++)
        {
            int c = conditionOfRow[row];
            if (c < 0 || c >= n)
            {
                throw new ArgumentException($"Row {row} has condition {c}; conditions are 0..{n - 1}.", nameof(conditionOfRow));
            }
            int r = runIndex[runOfRow[row]];
            sums[c, r] ??= new double[p];
            conditionMean[c] ??= new double[p];
            Add(sums[c, r], x[row]);
            Add(conditionMean[c], x[row]);
            counts[c, r]++;
            conditionCount[c]++;
        }
        for (int c = 0; c < n; c++)
        {
            int present = Enumerable.Range(0, runs).Count(r => counts[c, r] > 0);
            if (present < 2)
            {
                throw new ArgumentException($"Condition {c} occurs in {present} run(s); crossnobis needs every condition in at least 2 runs.", nameof(runOfRow));
            }
            Scale(conditionMean[c], 1.0 / conditionCount[c]);
            for (int r = 0; r < runs; r++)
            {
                if (counts[c, r] > 0)
                {
                    Scale(sums[c, r], 1.0 / counts[c, r]);
                }
            }
        }

        if (noiseNormalise)
        {
            var residuals = new double[rows][];
            for (int row = 0; row < rows; row++)
            {
                residuals[row] = [.. x[row]];
                Add(residuals[row], conditionMean[conditionOfRow[row]], -1);
            }
            var chol = Cholesky(ShrinkageEyeCovariance(residuals, rows - n, p), p);
            for (int c = 0; c < n; c++)
            {
                for (int r = 0; r < runs; r++)
                {
                    if (sums[c, r] is { } mu)
                    {
                        ForwardSolve(chol, p, mu);
                    }
                }
            }
        }

        // After whitening z = L^-1 mu, (mu_a - mu_b) Lambda (mu_a' - mu_b')' = (z_a - z_b) . (z_a' - z_b').
        var result = new double[Rdm.Size(n)];
        Parallel.For(0, n, a =>
        {
            var da = new double[p];
            var db = new double[p];
            for (int b = a + 1; b < n; b++)
            {
                double total = 0;
                int pairs = 0;
                for (int r = 0; r < runs; r++)
                {
                    if (sums[a, r] is null || sums[b, r] is null)
                    {
                        continue;
                    }
                    Difference(sums[a, r], sums[b, r], da);
                    for (int s = r + 1; s < runs; s++)
                    {
                        if (sums[a, s] is null || sums[b, s] is null)
                        {
                            continue;
                        }
                        Difference(sums[a, s], sums[b, s], db);
                        total += Rdm.Dot(da, db);
                        pairs++;
                    }
                }
                result[Rdm.Index(a, b, n)] = pairs == 0 ? double.NaN : total / pairs / p;
            }
        });
        return result;
    }

    /// <summary>Ledoit and Wolf (2004) shrinkage of the residual covariance towards <c>m I</c>, m = trace/p
    /// (rsatoolbox <c>noise._covariance_eye</c>): <c>S* = (b2/d2) m I + (1 - b2/d2) S</c>,
    /// <c>d2 = ||S - m I||_F^2</c>, <c>b2 = min(d2, sum_i ||x_i x_i' - S||_F^2 / rows^2)</c>, S = X'X / dof after centring.</summary>
    internal static double[] ShrinkageEyeCovariance(double[][] residuals, int dof, int p)
    {
        int rows = residuals.Length;
        var mean = new double[p];
        foreach (var r in residuals)
        {
            Add(mean, r);
        }
        Scale(mean, 1.0 / rows);
        var centred = residuals.Select(r => { var c = r.ToArray(); Add(c, mean, -1); return c; }).ToArray();
        var s = new double[p * p];
        Parallel.For(0, p, i =>
        {
            for (int j = 0; j <= i; j++)
            {
                double v = 0;
                foreach (var r in centred)
                {
                    v += r[i] * r[j];
                }
                s[(i * p) + j] = s[(j * p) + i] = v / dof;
            }
        });
        double m = 0;
        for (int i = 0; i < p; i++)
        {
            m += s[(i * p) + i];
        }
        m /= p;
        double d2 = 0, sNorm2 = 0;
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                double v = s[(i * p) + j];
                sNorm2 += v * v;
                double e = v - (i == j ? m : 0);
                d2 += e * e;
            }
        }
        // ||x x' - S||^2 = |x|^4 - 2 x'Sx + ||S||^2, without forming x x'.
        double b2 = 0;
        var sx = new double[p];
        foreach (var r in centred)
        {
            for (int i = 0; i < p; i++)
            {
                sx[i] = Rdm.Dot(s.AsSpan(i * p, p), r);
            }
            double xx = Rdm.Dot(r, r);
            b2 += (xx * xx) - (2 * Rdm.Dot(r, sx)) + sNorm2;
        }
        b2 = Math.Min(d2, b2 / ((double)rows * rows));
        double shrink = d2 > 0 ? b2 / d2 : 0;
        for (int i = 0; i < p * p; i++)
        {
            s[i] *= 1 - shrink;
        }
        for (int i = 0; i < p; i++)
        {
            s[(i * p) + i] += shrink * m;
        }
        return s;
    }

    private static double[] Cholesky(double[] a, int p)
    {
        var l = new double[p * p];
        for (int j = 0; j < p; j++)
        {
            double d = a[(j * p) + j] - Rdm.Dot(l.AsSpan(j * p, j), l.AsSpan(j * p, j));
            if (!(d > 0))
            {
                throw new ArgumentException("The noise covariance is not positive definite (too few residual degrees of freedom or constant channels); use noiseNormalise: false.");
            }
            double ljj = Math.Sqrt(d);
            l[(j * p) + j] = ljj;
            int jj = j;
            Parallel.For(j + 1, p, i =>
            {
                l[(i * p) + jj] = (a[(i * p) + jj] - Rdm.Dot(l.AsSpan(i * p, jj), l.AsSpan(jj * p, jj))) / ljj;
            });
        }
        return l;
    }

    private static void ForwardSolve(double[] l, int p, double[] b)
    {
        for (int i = 0; i < p; i++)
        {
            b[i] = (b[i] - Rdm.Dot(l.AsSpan(i * p, i), b.AsSpan(0, i))) / l[(i * p) + i];
        }
    }

    private static void Add(double[] target, double[] x, double factor = 1)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] += factor * x[i];
        }
    }

    private static void Scale(double[] target, double factor)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] *= factor;
        }
    }

    private static void Difference(double[] a, double[] b, double[] into)
    {
        for (int i = 0; i < into.Length; i++)
        {
            into[i] = a[i] - b[i];
        }
    }
}
