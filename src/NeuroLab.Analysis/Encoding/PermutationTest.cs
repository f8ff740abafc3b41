using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>Which correlations count as at least as extreme as the observed one.</summary>
public enum PermutationAlternative
{
    /// <summary>One-sided: permuted r &gt;= observed r (a model is only useful if it predicts positively).</summary>
    Greater,

    /// <summary>Two-sided: |permuted r| &gt;= |observed r|.</summary>
    TwoSided,
}

/// <summary>
/// Permutation test of the test-set Pearson correlation of every unit: the rows of the predictions are shuffled
/// (the same permutations for all units, drawn by Fisher-Yates from SplitMix64(seed)), and
/// <c>p = (1 + #{permuted r at least as extreme}) / (1 + permutations)</c>, so p is never 0. Permuted correlations within
/// 1e-12 of the observed one count as ties (as extreme). Combine with <see cref="FalseDiscoveryRate"/> for maps.
/// </summary>
public static class PermutationTest
{
    /// <summary>Units per batch by default.</summary>
    public const int DefaultUnitBatchSize = 4096;

    /// <summary>Runs the test.</summary>
    /// <param name="predictions">Predicted test responses <c>[samples, units]</c>, any real dtype.</param>
    /// <param name="responses">Observed test responses, same shape.</param>
    /// <param name="permutations">Number of permutations (at least 1).</param>
    /// <param name="seed">Seed of the permutations.</param>
    /// <param name="alternative">One-sided (default) or two-sided.</param>
    /// <param name="unitBatchSize">Units per batch.</param>
    /// <param name="cancellationToken">Checked between batches of permutations.</param>
    /// <exception cref="ArgumentException">Shapes that disagree, fewer than 3 samples, or non-finite values.</exception>
    public static PermutationResult Run(
        Tensor predictions, Tensor responses, int permutations = 1000, ulong seed = 0,
        PermutationAlternative alternative = PermutationAlternative.Greater, int unitBatchSize = DefaultUnitBatchSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentOutOfRangeException.ThrowIfLessThan(permutations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(unitBatchSize, 1);
        if (predictions.dim() != 2 || !predictions.shape.SequenceEqual(responses.shape) || predictions.shape[0] < 3)
        {
            throw new ArgumentException(
                $"Predictions [{string.Join(", ", predictions.shape)}] and responses [{string.Join(", ", responses.shape)}] must both be [samples >= 3, units].", nameof(predictions));
        }
        int samples = (int)predictions.shape[0];
        int units = (int)predictions.shape[1];
        var random = new SplitMix64(seed);
        var orders = Enumerable.Range(0, permutations).Select(_ => random.Permutation(samples)).ToArray();
        var observed = new double[units];
        var pValues = new double[units];
        using var permutationRows = tensor(orders.SelectMany(o => o).ToArray(), [permutations, samples]);
        for (int first = 0; first < units; first += unitBatchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(unitBatchSize, units - first);
            var p = Standardize(predictions.narrow(1, first, count), nameof(predictions));
            var y = Standardize(responses.narrow(1, first, count), nameof(responses));
            var r = (p * y).sum(dim: 0L);
            var threshold = (alternative == PermutationAlternative.TwoSided ? r.abs() : r) - 1e-12;
            var extreme = zeros(count, ScalarType.Float64);
            for (int k = 0; k < permutations; k++)
            {
                if (k % 64 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
                using var inner = NewDisposeScope();
                var permuted = (p.index_select(0, permutationRows[k]) * y).sum(dim: 0L);
                extreme.add_((alternative == PermutationAlternative.TwoSided ? permuted.abs() : permuted).ge(threshold));
            }
            r.data<double>().CopyTo(observed, first);
            ((extreme + 1) / (permutations + 1)).data<double>().CopyTo(pValues, first);
        }
        return new PermutationResult(observed, pValues, permutations, seed, alternative);
    }

    /// <summary>Columns centred and scaled to unit length (float64), so r is a column-wise dot product; constant columns become 0.</summary>
    private static Tensor Standardize(Tensor columns, string name)
    {
        var x = columns.to_type(ScalarType.Float64);
        if (!isfinite(x).all().item<bool>())
        {
            throw new ArgumentException("Values must be finite.", name);
        }
        x = x - x.mean([0L], keepdim: true);
        var norm = x.square().sum([0L], keepdim: true).sqrt();
        return x / where(norm.le(0), ones_like(norm), norm);
    }
}

/// <summary>Result of <see cref="PermutationTest.Run"/>.</summary>
/// <param name="ObservedR">Test Pearson r per unit (0 for constant columns).</param>
/// <param name="PValues">Permutation p-value per unit, in <c>[1 / (permutations + 1), 1]</c>.</param>
/// <param name="Permutations">Permutations drawn.</param>
/// <param name="Seed">Their seed.</param>
/// <param name="Alternative">One- or two-sided.</param>
public sealed record PermutationResult(IReadOnlyList<double> ObservedR, IReadOnlyList<double> PValues, int Permutations, ulong Seed, PermutationAlternative Alternative);
