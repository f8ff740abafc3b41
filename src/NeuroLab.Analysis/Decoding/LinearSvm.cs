namespace NeuroLab.Analysis.Decoding;

/// <summary>
/// L2-regularised, squared-hinge (L2-loss) linear SVM trained by dual coordinate descent (Hsieh et al. 2008, "A dual
/// coordinate descent method for large-scale linear SVM", LIBLINEAR solver 1): minimise
/// <c>½‖w‖² + C Σ max(0, 1 − yᵢ wᵀxᵢ)²</c> with the bias as an extra feature of value 1 (regularised, as LIBLINEAR and
/// scikit-learn's <c>LinearSVC(intercept_scaling=1)</c>). The dual <c>min ½αᵀQ̄α − eᵀα, α ≥ 0</c>, with
/// <c>Q̄ = Q + I/(2C)</c>, is strictly convex, so the solution does not depend on the visiting order. Multi-class by
/// one-vs-rest (argmax of the decision values); two classes by one machine whose positive class is the second.
/// </summary>
internal static class LinearSvm
{
    private const double Tolerance = 1e-10;
    private const int MaxSweeps = 20_000;

    /// <summary>Weights [machines, features + 1] (bias last) for <paramref name="x"/> [n, p] and labels 0..classes-1.</summary>
    public static double[][] Fit(double[] x, int n, int p, int[] labels, int classes, double c)
    {
        int machines = classes == 2 ? 1 : classes;
        var weights = new double[machines][];
        for (int m = 0; m < machines; m++)
        {
            int positive = classes == 2 ? 1 : m;
            weights[m] = FitBinary(x, n, p, [.. labels.Select(l => l == positive ? 1.0 : -1.0)], c);
        }
        return weights;
    }

    /// <summary>The predicted class of each row of <paramref name="x"/> [n, p].</summary>
    public static int[] Predict(double[][] weights, double[] x, int n, int p)
    {
        var predicted = new int[n];
        for (int i = 0; i < n; i++)
        {
            var row = x.AsSpan(i * p, p);
            if (weights.Length == 1)
            {
                predicted[i] = Decision(weights[0], row) > 0 ? 1 : 0;
                continue;
            }
            int best = 0;
            double max = double.NegativeInfinity;
            for (int m = 0; m < weights.Length; m++)
            {
                double d = Decision(weights[m], row);
                if (d > max)
                {
                    (max, best) = (d, m);
                }
            }
            predicted[i] = best;
        }
        return predicted;
    }

    private static double Decision(double[] w, ReadOnlySpan<double> row)
    {
        double d = w[^1];
        for (int j = 0; j < row.Length; j++)
        {
            d += w[j] * row[j];
        }
        return d;
    }

    private static double[] FitBinary(double[] x, int n, int p, double[] y, double c)
    {
        var w = new double[p + 1];
        var alpha = new double[n];
        double diagonal = 0.5 / c;
        var qii = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sq = 1;
            var row = x.AsSpan(i * p, p);
            for (int j = 0; j < p; j++)
            {
                sq += row[j] * row[j];
            }
            qii[i] = sq + diagonal;
        }
        // A fixed cyclic order: the optimum is unique, only the path to it depends on the order.
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            double pgMax = double.NegativeInfinity, pgMin = double.PositiveInfinity;
            for (int i = 0; i < n; i++)
            {
                var row = x.AsSpan(i * p, p);
                double g = y[i] * Decision(w, row) - 1 + diagonal * alpha[i];
                double pg = alpha[i] == 0 ? Math.Min(g, 0) : g;
                pgMax = Math.Max(pgMax, pg);
                pgMin = Math.Min(pgMin, pg);
                if (Math.Abs(pg) > 1e-14)
                {
                    double old = alpha[i];
                    alpha[i] = Math.Max(old - g / qii[i], 0);
                    double step = (alpha[i] - old) * y[i];
                    for (int j = 0; j < p; j++)
                    {
                        w[j] += step * row[j];
                    }
                    w[p] += step;
                }
            }
            if (pgMax - pgMin <= Tolerance)
            {
                break;
            }
        }
        return w;
    }
}
