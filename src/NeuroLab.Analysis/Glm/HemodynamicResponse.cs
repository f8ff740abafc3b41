namespace NeuroLab.Analysis.Glm;

/// <summary>
/// A hemodynamic response kernel sampled every <c>tr / oversampling</c> seconds, starting at 0 s.
/// <see cref="DesignMatrix.Build"/> calls it with the run's repetition time and its oversampling factor,
/// so the kernel always matches the fine time grid of the regressors.
/// </summary>
/// <param name="tr">Repetition time in seconds (nilearn takes the smallest frame-time difference).</param>
/// <param name="oversampling">Fine grid points per repetition time.</param>
/// <returns>Kernel samples; <c>[1.0]</c> means no convolution (nilearn's <c>hrf_model=None</c>).</returns>
public delegate double[] HrfModel(double tr, int oversampling);

/// <summary>
/// Double-gamma hemodynamic response functions, sampled exactly as nilearn 0.10-0.11 samples them
/// (<c>nilearn.glm.first_level.hemodynamic_models._gamma_difference_hrf</c>), which follows SPM's
/// <c>spm_hrf.m</c>:
/// <code>
/// dt   = tr / oversampling
/// t_i  = i * timeLength / (N - 1),  i = 0 .. N-1,  N = rint(timeLength / dt)     (numpy.linspace)
/// h_i  = g(t_i; delay/dispersion, loc = dt, scale = dispersion)
///        - ratio * g(t_i; undershoot/uDispersion, loc = dt, scale = uDispersion)
/// g(t; a, loc, s) = ((t - loc)/s)^(a-1) exp(-(t - loc)/s) / (Gamma(a) s)  for t &gt; loc, else 0
/// hrf  = h / sum(h)
/// </code>
/// Two nilearn details are kept on purpose so designs match nilearn's: the grid spacing is
/// <c>timeLength / (N - 1)</c> (not exactly <c>dt</c>) and both gammas start at <c>loc = dt</c>.
/// </summary>
public static class HemodynamicResponse
{
    /// <summary>Peak-to-undershoot ratio in nilearn's <c>spm_hrf</c>: SPM's 1/6 rounded to 0.167.</summary>
    public const double NilearnSpmRatio = 0.167;

    /// <summary>Peak-to-undershoot ratio of SPM's <c>spm_hrf.m</c> (parameter p(5) = 6).</summary>
    public const double SpmRatio = 1.0 / 6.0;

    /// <summary>
    /// The SPM canonical HRF as nilearn's <c>spm_hrf(t_r, oversampling, time_length)</c> returns it:
    /// peak gamma shape 6, undershoot gamma shape 16, scale 1, ratio <see cref="NilearnSpmRatio"/>
    /// (nilearn's 0.167; use <see cref="DoubleGamma"/> with <see cref="SpmRatio"/> for SPM's exact 1/6 —
    /// samples differ by at most 4.2e-6 at TR 2.5 s), normalised to sum 1.
    /// </summary>
    /// <param name="tr">Repetition time in seconds.</param>
    /// <param name="oversampling">Samples per repetition time.</param>
    /// <param name="timeLength">Kernel length in seconds.</param>
    /// <returns><c>rint(timeLength * oversampling / tr)</c> samples.</returns>
    public static double[] SpmCanonical(double tr, int oversampling = 50, double timeLength = 32) =>
        DoubleGamma(tr, oversampling, timeLength, delay: 6, undershoot: 16, dispersion: 1, undershootDispersion: 1, ratio: NilearnSpmRatio);

    /// <summary>
    /// A difference of two gamma densities (see the class summary for the formula), normalised to sum 1.
    /// </summary>
    /// <param name="tr">Repetition time in seconds.</param>
    /// <param name="oversampling">Samples per repetition time.</param>
    /// <param name="timeLength">Kernel length in seconds.</param>
    /// <param name="delay">Peak gamma: shape is <c>delay / dispersion</c>.</param>
    /// <param name="undershoot">Undershoot gamma: shape is <c>undershoot / undershootDispersion</c>.</param>
    /// <param name="dispersion">Scale of the peak gamma, in seconds.</param>
    /// <param name="undershootDispersion">Scale of the undershoot gamma, in seconds.</param>
    /// <param name="ratio">Weight of the undershoot gamma.</param>
    /// <exception cref="ArgumentOutOfRangeException">Non-positive or non-finite timing or shape parameters.</exception>
    /// <exception cref="ArgumentException">The kernel would have fewer than two samples, or sums to zero.</exception>
    public static double[] DoubleGamma(
        double tr, int oversampling, double timeLength,
        double delay, double undershoot, double dispersion, double undershootDispersion, double ratio)
    {
        RequirePositive(tr, nameof(tr));
        ArgumentOutOfRangeException.ThrowIfLessThan(oversampling, 1);
        RequirePositive(timeLength, nameof(timeLength));
        RequirePositive(delay, nameof(delay));
        RequirePositive(undershoot, nameof(undershoot));
        RequirePositive(dispersion, nameof(dispersion));
        RequirePositive(undershootDispersion, nameof(undershootDispersion));
        if (!double.IsFinite(ratio))
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "The ratio must be finite.");
        }

        double dt = tr / oversampling;
        double count = Math.Round(timeLength / dt, MidpointRounding.ToEven); // numpy.rint
        if (count < 2 || count > int.MaxValue)
        {
            throw new ArgumentException(
                $"A {timeLength} s kernel at {dt} s steps has {count} samples; need at least 2 (and a sane number).", nameof(timeLength));
        }

        double[] times = Sampling.Linspace(0, timeLength, (int)count);
        var hrf = new double[times.Length];
        for (int i = 0; i < hrf.Length; i++)
        {
            hrf[i] = GammaPdf(times[i], delay / dispersion, dt, dispersion)
                - ratio * GammaPdf(times[i], undershoot / undershootDispersion, dt, undershootDispersion);
        }
        double sum = hrf.Sum();
        if (sum == 0 || !double.IsFinite(sum))
        {
            throw new ArgumentException($"The kernel sums to {sum} and cannot be normalised; check the ratio.", nameof(ratio));
        }
        for (int i = 0; i < hrf.Length; i++)
        {
            hrf[i] /= sum;
        }
        return hrf;
    }

    /// <summary>Gamma density with shape <paramref name="shape"/>, location and scale, as scipy.stats.gamma.pdf.</summary>
    internal static double GammaPdf(double t, double shape, double location, double scale)
    {
        double x = (t - location) / scale;
        if (x < 0)
        {
            return 0;
        }
        if (x == 0)
        {
            return shape > 1 ? 0 : shape == 1 ? 1 / scale : double.PositiveInfinity;
        }
        return Math.Exp((shape - 1) * Math.Log(x) - x - LogGamma(shape)) / scale;
    }

    /// <summary>
    /// ln Gamma(x) for x &gt; 0 by the Lanczos approximation (g = 7, 9 terms; relative error about 1e-15),
    /// with the reflection formula below 0.5.
    /// </summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }
        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        double z = x - 1;
        double sum = c[0];
        for (int k = 1; k < c.Length; k++)
        {
            sum += c[k] / (z + k);
        }
        double t = z + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((z + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }

    private static void RequirePositive(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be positive and finite.");
        }
    }
}
