using static TorchSharp.torch;

namespace NeuroLab.Analysis.Glm;

/// <summary>
/// First-level fits of several runs of one session, each with its own design over the same condition
/// list, combined per condition by fixed effects as nilearn's <c>compute_fixed_effects</c> does by default
/// (not precision weighted): the mean of the run betas, with variance <c>sum(var_r) / m^2</c> over the
/// <c>m</c> runs in which the condition has events.
/// </summary>
public static class MultiRunGlm
{
    /// <summary>Fits each run in turn and keeps only its condition rows, so runs can be streamed.</summary>
    /// <param name="runs">BOLD <c>[scans, voxels]</c> and design per run; every run has the same voxels. The
    /// sequence is read once; a lazy sequence may dispose each run's tensor after it has been fitted.</param>
    /// <param name="conditions">The condition list every design was built with, in the same order.</param>
    /// <param name="voxelBatchSize">Voxels per batch within a run.</param>
    /// <exception cref="ArgumentException">No runs, a design whose conditions differ, or differing voxel counts.</exception>
    public static MultiRunFit Fit(
        IEnumerable<(Tensor Bold, DesignMatrix Design)> runs,
        IReadOnlyList<string> conditions,
        int voxelBatchSize = FirstLevelGlm.DefaultVoxelBatchSize)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(conditions);
        var runBetas = new List<Tensor>();
        var runVariances = new List<Tensor>();
        var runEmptyColumns = new List<IReadOnlyList<int>>();
        try
        {
            int run = 0;
            foreach (var (bold, design) in runs)
            {
                ArgumentNullException.ThrowIfNull(bold);
                ArgumentNullException.ThrowIfNull(design);
                if (!design.Conditions.SequenceEqual(conditions, StringComparer.Ordinal))
                {
                    throw new ArgumentException(
                        $"Run {run} has conditions [{string.Join(", ", design.Conditions)}], expected [{string.Join(", ", conditions)}].", nameof(runs));
                }
                if (runBetas.Count > 0 && bold.shape[^1] != runBetas[0].shape[1])
                {
                    throw new ArgumentException($"Run {run} has {bold.shape[^1]} voxels, run 0 has {runBetas[0].shape[1]}.", nameof(runs));
                }
                using var fit = FirstLevelGlm.Fit(bold, design, voxelBatchSize);
                using var scope = NewDisposeScope();
                var betas = fit.Betas.narrow(0, 0, conditions.Count).clone();
                double[,] covariance = fit.UnscaledCovariance;
                var diagonal = Enumerable.Range(0, conditions.Count).Select(c => covariance[c, c]).ToArray();
                var variances = fit.ResidualVariance.unsqueeze(0) * tensor(diagonal, ScalarType.Float64, betas.device).unsqueeze(1);
                runBetas.Add(betas.MoveToOuterDisposeScope());
                runVariances.Add(variances.MoveToOuterDisposeScope());
                runEmptyColumns.Add(fit.EmptyColumns);
                run++;
            }
            if (runBetas.Count == 0)
            {
                throw new ArgumentException("Give at least one run.", nameof(runs));
            }
            return Combine(conditions, runBetas, runVariances, runEmptyColumns);
        }
        catch
        {
            runBetas.ForEach(t => t.Dispose());
            runVariances.ForEach(t => t.Dispose());
            throw;
        }
    }

    private static MultiRunFit Combine(IReadOnlyList<string> conditions, List<Tensor> runBetas, List<Tensor> runVariances, List<IReadOnlyList<int>> runEmptyColumns)
    {
        long voxels = runBetas[0].shape[1];
        var device = runBetas[0].device;
        var betas = full([conditions.Count, voxels], double.NaN, ScalarType.Float64, device);
        var variance = full([conditions.Count, voxels], double.NaN, ScalarType.Float64, device);
        var runsPerCondition = new int[conditions.Count];
        using (var scope = NewDisposeScope())
        {
            for (int c = 0; c < conditions.Count; c++)
            {
                var estimating = Enumerable.Range(0, runBetas.Count).Where(r => !runEmptyColumns[r].Contains(c)).ToList();
                runsPerCondition[c] = estimating.Count;
                if (estimating.Count > 0)
                {
                    double m = estimating.Count;
                    betas[c].copy_(stack(estimating.Select(r => runBetas[r][c])).sum(dim: 0L) / m);
                    variance[c].copy_(stack(estimating.Select(r => runVariances[r][c])).sum(dim: 0L) / (m * m));
                }
            }
        }
        return new MultiRunFit(conditions, runBetas, runVariances, betas, variance, runsPerCondition);
    }
}

/// <summary>Per-run and fixed-effects betas of <see cref="MultiRunGlm.Fit"/>. Owns its tensors: dispose it.</summary>
public sealed class MultiRunFit : IDisposable
{
    internal MultiRunFit(
        IReadOnlyList<string> conditions, IReadOnlyList<Tensor> runBetas, IReadOnlyList<Tensor> runBetaVariances,
        Tensor betas, Tensor betaVariance, IReadOnlyList<int> runsPerCondition)
    {
        Conditions = [.. conditions];
        RunBetas = runBetas;
        RunBetaVariances = runBetaVariances;
        Betas = betas;
        BetaVariance = betaVariance;
        RunsPerCondition = runsPerCondition;
    }

    /// <summary>Condition names, the row order of every tensor here.</summary>
    public IReadOnlyList<string> Conditions { get; }

    /// <summary>Per run, condition betas <c>[conditions, voxels]</c>, float64; NaN rows for conditions absent from that run.</summary>
    public IReadOnlyList<Tensor> RunBetas { get; }

    /// <summary>Per run, the variance of each condition beta <c>s2 (X'X)^-1_cc</c>, <c>[conditions, voxels]</c>, float64.</summary>
    public IReadOnlyList<Tensor> RunBetaVariances { get; }

    /// <summary>Fixed-effects betas <c>[conditions, voxels]</c>, float64: the mean over the runs that estimate each
    /// condition (NaN where none does). This is the voxels-by-conditions response set, transposed.</summary>
    public Tensor Betas { get; }

    /// <summary>Fixed-effects variance of <see cref="Betas"/>, <c>sum(var_r) / m^2</c>, float64.</summary>
    public Tensor BetaVariance { get; }

    /// <summary>How many runs estimated each condition (the <c>m</c> above).</summary>
    public IReadOnlyList<int> RunsPerCondition { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in RunBetas.Concat(RunBetaVariances))
        {
            t.Dispose();
        }
        Betas.Dispose();
        BetaVariance.Dispose();
    }
}
