using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>
/// Noise ceiling from repeated presentations, as in the Natural Scenes Dataset (Allen et al. 2022, Nat. Neurosci.):
/// <c>ncsnr = sqrt(max(var_total - var_noise, 0)) / sqrt(var_noise)</c> and
/// <c>NC = 100 ncsnr^2 / (ncsnr^2 + 1/n)</c>, the percentage of variance a perfect model could explain in responses
/// averaged over <c>n</c> trials.
/// </summary>
/// <remarks>
/// <c>var_noise</c> is the variance across repeats of each stimulus (divisor repeats - 1), averaged over stimuli;
/// <c>var_total</c> is the variance of all single trials pooled (divisor repeats x stimuli - 1). NSD z-scores its
/// betas first, so there <c>var_total</c> is 1 and the signal variance is <c>1 - var_noise</c>; the general form here
/// equals that on z-scored data. Units with no trial-to-trial variability get a ceiling of 100 (NaN if they have no
/// variance at all).
/// </remarks>
public static class NoiseCeiling
{
    /// <summary>Computes the noise ceiling of every unit.</summary>
    /// <param name="trials">Single-trial responses <c>[repeats, stimuli, units]</c>, any real dtype, at least 2 repeats.</param>
    /// <param name="averagedTrials">Trials averaged in the responses the model is scored on (<c>n</c>); defaults to the number of repeats.</param>
    /// <exception cref="ArgumentException">Wrong rank, fewer than two repeats, non-finite values, or <paramref name="averagedTrials"/> below 1.</exception>
    public static NoiseCeilingResult Compute(Tensor trials, int? averagedTrials = null)
    {
        ArgumentNullException.ThrowIfNull(trials);
        if (trials.dim() != 3 || trials.shape[0] < 2 || trials.shape[1] < 1 || trials.shape[2] < 1 || trials.dtype == ScalarType.Bool || trials.is_complex())
        {
            throw new ArgumentException($"Expected real single trials [repeats >= 2, stimuli, units], got {trials.dtype} [{string.Join(", ", trials.shape)}].", nameof(trials));
        }
        int n = averagedTrials ?? (int)trials.shape[0];
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(averagedTrials));
        using var scope = NewDisposeScope();
        var t = trials.to_type(ScalarType.Float64);
        if (!isfinite(t).all().item<bool>())
        {
            throw new ArgumentException("The trials contain NaN or infinite values.", nameof(trials));
        }
        double[] noise = t.var(0L, unbiased: true).mean([0L]).data<double>().ToArray();
        double[] total = t.reshape(-1, t.shape[2]).var(0L, unbiased: true).data<double>().ToArray();
        var ncsnr = new double[noise.Length];
        var ceiling = new double[noise.Length];
        for (int u = 0; u < noise.Length; u++)
        {
            double signal = Math.Max(total[u] - noise[u], 0);
            if (noise[u] > 0)
            {
                ncsnr[u] = Math.Sqrt(signal) / Math.Sqrt(noise[u]);
                double snr2 = ncsnr[u] * ncsnr[u];
                ceiling[u] = 100 * snr2 / (snr2 + (1.0 / n));
            }
            else
            {
                ncsnr[u] = signal > 0 ? double.PositiveInfinity : double.NaN;
                ceiling[u] = signal > 0 ? 100 : double.NaN;
            }
        }
        return new NoiseCeilingResult(noise, total, ncsnr, ceiling, n);
    }
}

/// <summary>Per-unit noise ceiling (see <see cref="NoiseCeiling"/>).</summary>
/// <param name="NoiseVariance">Mean over stimuli of the variance across repeats <c>[units]</c>.</param>
/// <param name="TotalVariance">Variance of all single trials <c>[units]</c>.</param>
/// <param name="Ncsnr">Noise-ceiling signal-to-noise ratio <c>[units]</c>.</param>
/// <param name="CeilingPercent">NC in percent of variance <c>[units]</c>.</param>
/// <param name="AveragedTrials">The <c>n</c> the ceiling refers to.</param>
public sealed record NoiseCeilingResult(
    IReadOnlyList<double> NoiseVariance, IReadOnlyList<double> TotalVariance, IReadOnlyList<double> Ncsnr, IReadOnlyList<double> CeilingPercent, int AveragedTrials)
{
    /// <summary>
    /// Model accuracy as a fraction of the ceiling, <c>100 R^2 / NC</c> per unit (NaN where the ceiling is 0 or NaN).
    /// Pass the variance explained on responses averaged over <see cref="AveragedTrials"/> trials: test R^2, or the
    /// squared test correlation r^2.
    /// </summary>
    public double[] FractionOfCeiling(IReadOnlyList<double> explainedVariance)
    {
        ArgumentNullException.ThrowIfNull(explainedVariance);
        if (explainedVariance.Count != CeilingPercent.Count)
        {
            throw new ArgumentException($"{explainedVariance.Count} scores for {CeilingPercent.Count} units.", nameof(explainedVariance));
        }
        return [.. explainedVariance.Select((r2, u) => CeilingPercent[u] > 0 ? 100 * r2 / CeilingPercent[u] : double.NaN)];
    }
}
