namespace NeuroLab.Analysis.Glm;

/// <summary>The families of slow-drift regressors a <see cref="DriftModel"/> can add.</summary>
public enum DriftKind
{
    /// <summary>Discrete cosine basis below a high-pass cut-off (SPM, nilearn <c>drift_model='cosine'</c>).</summary>
    Cosine,

    /// <summary>Orthogonalised polynomials of time (nilearn <c>drift_model='polynomial'</c>).</summary>
    Polynomial,

    /// <summary>No drift regressors (nilearn <c>drift_model=None</c>); the constant is still added.</summary>
    None,
}

/// <summary>
/// Slow-drift (high-pass) regressors of a first-level design, with nilearn's definitions
/// (<c>nilearn.glm.first_level.design_matrix</c>). Every model ends with a constant column named <c>constant</c>;
/// drift columns are named <c>drift_1 .. drift_K</c>.
/// </summary>
public sealed record DriftModel
{
    /// <summary>SPM's default high-pass cut-off, 1/128 Hz.</summary>
    public const double SpmHighPassHz = 1.0 / 128.0;

    private DriftModel(DriftKind kind, double highPassHz, int order)
    {
        Kind = kind;
        HighPassHz = highPassHz;
        Order = order;
    }

    /// <summary>Which family of regressors.</summary>
    public DriftKind Kind { get; }

    /// <summary>Cut-off frequency in Hz (<see cref="DriftKind.Cosine"/> only).</summary>
    public double HighPassHz { get; }

    /// <summary>Highest polynomial degree (<see cref="DriftKind.Polynomial"/> only).</summary>
    public int Order { get; }

    /// <summary>
    /// Cosine drifts (nilearn <c>create_cosine_drift</c>, DCT-II): with <c>n</c> scans and sampling step
    /// <c>dt = (t[n-1] - t[0]) / (n - 1)</c>, <c>K = min(n - 1, floor(2 n highPassHz dt))</c> columns
    /// <c>sqrt(2/n) cos(pi k (s + 0.5) / n)</c> for scan <c>s</c> and <c>k = 1..K</c>.
    /// </summary>
    /// <param name="highPassHz">Cut-off in Hz, default <see cref="SpmHighPassHz"/>.</param>
    public static DriftModel Cosine(double highPassHz = SpmHighPassHz)
    {
        if (!(highPassHz > 0) || !double.IsFinite(highPassHz))
        {
            throw new ArgumentOutOfRangeException(nameof(highPassHz), highPassHz, "The high-pass cut-off must be positive and finite.");
        }
        return new DriftModel(DriftKind.Cosine, highPassHz, 0);
    }

    /// <summary>
    /// Polynomial drifts (nilearn <c>_poly_drift</c>): the powers <c>(t / t_max)^k</c>, <c>k = 0..order</c>,
    /// each orthogonalised against the lower ones (not normalised); the power 0 becomes the constant column.
    /// </summary>
    /// <param name="order">Highest degree, at least 1.</param>
    public static DriftModel Polynomial(int order)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        return new DriftModel(DriftKind.Polynomial, 0, order);
    }

    /// <summary>Only the constant column.</summary>
    public static DriftModel ConstantOnly { get; } = new(DriftKind.None, 0, 0);

    /// <summary>The drift columns followed by the constant, <c>[scans][columns]</c> by column.</summary>
    internal double[][] Columns(IReadOnlyList<double> frameTimes)
    {
        int n = frameTimes.Count;
        var columns = new List<double[]>();
        if (Kind == DriftKind.Cosine)
        {
            double dt = (frameTimes[n - 1] - frameTimes[0]) / (n - 1);
            if (HighPassHz * dt >= 0.5)
            {
                throw new ArgumentException(
                    $"A {HighPassHz} Hz high-pass at {dt} s sampling spans every accessible frequency and would saturate the design.");
            }
            int order = Math.Min(n - 1, (int)Math.Floor(2 * n * HighPassHz * dt));
            double normalizer = Math.Sqrt(2.0 / n);
            for (int k = 1; k <= order; k++)
            {
                columns.Add(Enumerable.Range(0, n).Select(s => normalizer * Math.Cos(Math.PI / n * (s + 0.5) * k)).ToArray());
            }
        }
        else if (Kind == DriftKind.Polynomial)
        {
            double tMax = frameTimes.Max();
            var powers = Enumerable.Range(0, Order + 1)
                .Select(k => frameTimes.Select(t => Math.Pow(t / tMax, k)).ToArray())
                .ToArray();
            Orthogonalize(powers);
            columns.AddRange(powers.Skip(1));
        }
        columns.Add(Enumerable.Repeat(1.0, n).ToArray());
        return [.. columns];
    }

    /// <summary>
    /// Replaces each column by its residual after projection on the preceding (already orthogonal)
    /// columns: nilearn's <c>orthogonalize</c>, done as modified Gram-Schmidt without normalisation.
    /// </summary>
    private static void Orthogonalize(double[][] columns)
    {
        for (int i = 1; i < columns.Length; i++)
        {
            for (int j = 0; j < i; j++)
            {
                double coefficient = Dot(columns[i], columns[j]) / Dot(columns[j], columns[j]);
                for (int s = 0; s < columns[i].Length; s++)
                {
                    columns[i][s] -= coefficient * columns[j][s];
                }
            }
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
