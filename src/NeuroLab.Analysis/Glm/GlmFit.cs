using static TorchSharp.torch;

namespace NeuroLab.Analysis.Glm;

/// <summary>
/// The least-squares fit of one run (see <see cref="FirstLevelGlm.Fit"/>). Owns its tensors: dispose it.
/// Contrasts follow the usual OLS formulas: effect <c>c'b</c>, its variance <c>s2 c'(X'X)^-1 c</c>,
/// t = effect / sqrt(variance) with <see cref="DegreesOfFreedom"/> degrees of freedom.
/// </summary>
public sealed class GlmFit : IDisposable
{
    private readonly double[,] _unscaledCovariance;

    internal GlmFit(DesignMatrix design, Tensor betas, Tensor residualVariance, int degreesOfFreedom, IReadOnlyList<int> emptyColumns, double[,] unscaledCovariance)
    {
        Design = design;
        Betas = betas;
        ResidualVariance = residualVariance;
        DegreesOfFreedom = degreesOfFreedom;
        EmptyColumns = emptyColumns;
        _unscaledCovariance = unscaledCovariance;
    }

    /// <summary>The design that was fitted.</summary>
    public DesignMatrix Design { get; }

    /// <summary>Betas <c>[regressors, voxels]</c>, float64, in design column order; NaN rows for <see cref="EmptyColumns"/>.</summary>
    public Tensor Betas { get; }

    /// <summary>Residual variance per voxel <c>[voxels]</c>, float64: residual sum of squares / <see cref="DegreesOfFreedom"/>.</summary>
    public Tensor ResidualVariance { get; }

    /// <summary>Scans minus the number of estimated (non-empty) regressors.</summary>
    public int DegreesOfFreedom { get; }

    /// <summary>Indices of all-zero design columns (conditions without events in this run); not estimated.</summary>
    public IReadOnlyList<int> EmptyColumns { get; }

    /// <summary><c>(X'X)^-1</c> <c>[regressors, regressors]</c>, a copy; NaN rows and columns for <see cref="EmptyColumns"/>.</summary>
    public double[,] UnscaledCovariance => (double[,])_unscaledCovariance.Clone();

    /// <summary>The contrast estimate <c>c'b</c> per voxel <c>[voxels]</c>, float64.</summary>
    /// <param name="contrast">One weight per design column (see <see cref="DesignMatrix.Contrast"/>).</param>
    /// <exception cref="ArgumentException">Wrong length, all zero, non-finite, or a weight on an empty column.</exception>
    public Tensor Effect(double[] contrast)
    {
        CheckContrast(contrast);
        using var scope = NewDisposeScope();
        var effect = zeros(Betas.shape[1], ScalarType.Float64, Betas.device);
        for (int j = 0; j < contrast.Length; j++)
        {
            if (contrast[j] != 0)
            {
                effect.add_(Betas[j], alpha: contrast[j]);
            }
        }
        return effect.MoveToOuterDisposeScope();
    }

    /// <summary>The variance of <see cref="Effect"/> per voxel: <c>s2 c'(X'X)^-1 c</c>, float64.</summary>
    public Tensor EffectVariance(double[] contrast)
    {
        CheckContrast(contrast);
        double quadratic = 0;
        for (int i = 0; i < contrast.Length; i++)
        {
            for (int j = 0; j < contrast.Length; j++)
            {
                if (contrast[i] != 0 && contrast[j] != 0)
                {
                    quadratic += contrast[i] * _unscaledCovariance[i, j] * contrast[j];
                }
            }
        }
        return ResidualVariance * quadratic;
    }

    /// <summary>The t statistic per voxel, float64; infinite or NaN where the residual variance is 0.</summary>
    public Tensor TStatistic(double[] contrast)
    {
        using var scope = NewDisposeScope();
        return (Effect(contrast) / EffectVariance(contrast).sqrt()).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Betas.Dispose();
        ResidualVariance.Dispose();
    }

    private void CheckContrast(double[] contrast)
    {
        ArgumentNullException.ThrowIfNull(contrast);
        if (contrast.Length != Design.RegressorCount)
        {
            throw new ArgumentException($"The contrast has {contrast.Length} weights for {Design.RegressorCount} columns.", nameof(contrast));
        }
        if (!contrast.All(double.IsFinite) || contrast.All(w => w == 0))
        {
            throw new ArgumentException("Contrast weights must be finite and not all zero.", nameof(contrast));
        }
        var weightedEmpty = EmptyColumns.Where(j => contrast[j] != 0).Select(j => Design.ColumnNames[j]).ToList();
        if (weightedEmpty.Count > 0)
        {
            throw new ArgumentException(
                $"The contrast weights column(s) {string.Join(", ", weightedEmpty)}, which have no events in this run.", nameof(contrast));
        }
    }
}
