namespace NeuroLab.Analysis.Decoding;

/// <summary>
/// L2-regularised, squared-hinge (L2-loss) linear SVM trained by dual coordinate descent (Hsieh et al. 2008, "A dual
/// coordinate descent method for large-scale linear SVM", LIBLINEAR solver 1): minimise
/// <c>½‖w‖² + C Σ max(0, 1 − yᵢ wᵀxᵢ)²</c> with the bias as an extra feature of value 1 (regularised, as LIBLINEAR and
/// scikit-learn's <c>LinearSVC(intercept_scaling=1)</c>). The dual <c>min ½αᵀQ̄α − eᵀα, α ≥ 0</c>, with
/// <c>Q̄ᵢⱼ = yᵢyⱼ(xᵢᵀxⱼ + 1) + δᵢⱼ/(2C)</c>, is strictly convex, so the solution does not depend on the visiting order.
/// The updates run on the Gram matrix (n x n, shared by every class and every C of a fold) rather than on w, since
/// decoding has far more features (voxels) than samples; <c>w = Σ αᵢyᵢxᵢ</c>, so a test row's decision value is
/// <c>Σ αᵢyᵢ(xᵢᵀx + 1)</c>. Multi-class by one-vs-rest (argmax of the decision values); two classes by one machine
/// whose positive class is the second. Stops when the projected gradient's range is at most 1e-4 (or after 1,000 sweeps; scikit-learn's tol and max_iter defaults).
/// </summary>
internal static class LinearSvm
{
    private const double Tolerance = 1e-4;
    private const int MaxSweeps = 1_000;

    /// <summary>The Gram matrix <c>a bᵀ + 1</c> [na, nb] of rows of <paramref name="a"/> [na, p] and <paramref name="b"/> [nb, p].</summary>
    public static double[] Gram(double[] a, int na, double[] b, int nb, int p)
    {
        var gram = new double[na * nb];
        for (int i = 0; i < na; i++)
        {
            var ai = a.AsSpan(i * p, p);
            for (int j = 0; j < nb; j++)
            {
                var bj = b.AsSpan(j * p, p);
                gram[i * nb + j] = Dot(ai, bj) + 1;
            }
        }
        return gram;
    }

    /// <summary>Dual coefficients <c>αᵢyᵢ</c> [machines][n] from the training Gram matrix [n, n] and labels 0..classes-1.</summary>
    public static double[][] Fit(double[] gram, int n, int[] labels, int classes, double c)
    {
        int machines = classes == 2 ? 1 : classes;
        var coefficients = new double[machines][];
        for (int m = 0; m < machines; m++)
        {
            int positive = classes == 2 ? 1 : m;
            coefficients[m] = FitBinary(gram, n, [.. labels.Select(l => l == positive ? 1.0 : -1.0)], c);
        }
        return coefficients;
    }

    /// <summary>The predicted class of each test row from the cross Gram matrix [nTest, n] (test rows against training rows).</summary>
    public static int[] Predict(double[][] coefficients, double[] crossGram, int nTest, int n)
    {
        var predicted = new int[nTest];
        for (int t = 0; t < nTest; t++)
        {
            var row = crossGram.AsSpan(t * n, n);
            if (coefficients.Length == 1)
            {
                predicted[t] = Dot(row, coefficients[0]) > 0 ? 1 : 0;
                continue;
            }
            double max = double.NegativeInfinity;
            for (int m = 0; m < coefficients.Length; m++)
            {
                double d = Dot(row, coefficients[m]);
                if (d > max)
                {
                    (max, predicted[t]) = (d, m);
                }
            }
        }
        return predicted;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int j = 0; j < a.Length; j++)
        {
            sum += a[j] * b[j];
        }
        return sum;
    }

    private static double[] FitBinary(double[] gram, int n, double[] y, double c)
    {
        var alpha = new double[n];
        // f[i] = yᵢ wᵀxᵢ (bias included), kept up to date as α changes.
        var f = new double[n];
        double diagonal = 0.5 / c;
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            double pgMax = double.NegativeInfinity, pgMin = double.PositiveInfinity;
            for (int i = 0; i < n; i++)
            {
                double g = f[i] - 1 + diagonal * alpha[i];
                double pg = alpha[i] == 0 ? Math.Min(g, 0) : g;
                pgMax = Math.Max(pgMax, pg);
                pgMin = Math.Min(pgMin, pg);
                if (Math.Abs(pg) > 1e-14)
                {
                    double old = alpha[i];
                    alpha[i] = Math.Max(old - g / (gram[i * n + i] + diagonal), 0);
                    double step = (alpha[i] - old) * y[i];
                    var column = gram.AsSpan(i * n, n);
                    for (int j = 0; j < n; j++)
                    {
                        f[j] += step * y[j] * column[j];
                    }
                }
            }
            if (pgMax - pgMin <= Tolerance)
            {
                break;
            }
        }
        for (int i = 0; i < n; i++)
        {
            alpha[i] *= y[i];
        }
        return alpha;
    }
}
