namespace NeuroLab.Analysis.Rsa;

/// <summary>
/// The covariance of RDM entries under iid condition noise (Diedrichsen et al. 2021, rsatoolbox <c>_get_v</c> with
/// <c>sigma_k = I</c>): <c>V = (C C')∘(C C')</c>, C the pairwise-contrast matrix, i.e. <c>V[(i,j),(i,j)] = 4</c>,
/// 1 for two pairs sharing one condition, 0 for disjoint pairs. It is never formed: <c>(V x)_(i,j) = 2 x_ij + R_i + R_j</c>
/// with R the row sums of the square form of x, so one product costs O(m). <see cref="Solve"/> finds <c>V^-1 b</c>
/// restricted to the valid entries by conjugate gradients; V's eigenvalues are 2n, n and 2 (and interlace inside
/// that range on a subset), so it converges in a few dozen steps.
/// </summary>
internal readonly struct RdmCovariance(int conditions)
{
    private const double Tolerance = 1e-12;

    /// <summary>x = V^-1 b on the entries valid (not NaN) in <paramref name="maskA"/> and <paramref name="maskB"/>; b must be 0 elsewhere.</summary>
    public void Solve(double[] b, double[] maskA, double[]? maskB, double[] x, double[] r, double[] p, double[] ap, ref double[] rowSum)
    {
        int m = maskA.Length;
        if (rowSum.Length < conditions)
        {
            rowSum = new double[conditions];
        }
        Array.Clear(x, 0, m);
        Array.Copy(b, r, m);
        Array.Copy(b, p, m);
        double rs = Rdm.Dot(r.AsSpan(0, m), r.AsSpan(0, m));
        double stop = Tolerance * Tolerance * rs;
        for (int iteration = 0; iteration < 10 * conditions + 100 && rs > stop; iteration++)
        {
            Apply(p, maskA, maskB, ap, rowSum);
            double alpha = rs / Rdm.Dot(p.AsSpan(0, m), ap.AsSpan(0, m));
            for (int k = 0; k < m; k++)
            {
                x[k] += alpha * p[k];
                r[k] -= alpha * ap[k];
            }
            double next = Rdm.Dot(r.AsSpan(0, m), r.AsSpan(0, m));
            double beta = next / rs;
            for (int k = 0; k < m; k++)
            {
                p[k] = r[k] + (beta * p[k]);
            }
            rs = next;
        }
    }

    private void Apply(double[] v, double[] maskA, double[]? maskB, double[] into, double[] rowSum)
    {
        int n = conditions;
        Array.Clear(rowSum, 0, n);
        int k = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++, k++)
            {
                rowSum[i] += v[k];
                rowSum[j] += v[k];
            }
        }
        k = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++, k++)
            {
                bool valid = !double.IsNaN(maskA[k]) && (maskB is null || !double.IsNaN(maskB[k]));
                into[k] = valid ? (2 * v[k]) + rowSum[i] + rowSum[j] : 0;
            }
        }
    }
}
