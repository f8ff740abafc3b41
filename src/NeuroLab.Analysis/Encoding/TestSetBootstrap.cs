using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>
/// Bootstrap over the test set (Efron and Tibshirani 1993, percentile intervals): how much a test correlation would
/// move with another draw of test stimuli of the same size. Resampling is by cluster (a test stimulus with all its
/// trials), so repeated trials of one image are never treated as independent. A resample is a vector of counts (how
/// often each test row is drawn), so every resample's Pearson r of every unit comes from five weighted sums, computed as
/// matrix products [resamples, rows] x [rows, units] in float64 on mean-centred data, units in batches so memory stays
/// bounded (resamples x batch values per sum).
/// </summary>
public static class TestSetBootstrap
{
    /// <summary>Resamples when a caller does not choose.</summary>
    public const int DefaultResamples = 200;

    /// <summary>Units per batch of the weighted sums.</summary>
    private const int UnitBatch = 4096;

    /// <summary>
    /// The counts of <paramref name="resamples"/> cluster resamples: row b draws as many clusters as there are, with
    /// replacement, each draw <c>SplitMix64(seed).Next() mod clusters</c> (clusters numbered in order of first
    /// appearance), and every test row counts as often as its cluster was drawn.
    /// </summary>
    /// <param name="clusterOfRow">Per test row, the stimulus (any id) it belongs to.</param>
    /// <param name="resamples">How many resamples.</param>
    /// <param name="seed">The generator's seed (the run's seed makes the intervals reproducible).</param>
    /// <returns>float64 [resamples, rows].</returns>
    public static Tensor Counts(IReadOnlyList<int> clusterOfRow, int resamples, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(clusterOfRow);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resamples);
        var ids = new Dictionary<int, int>();
        var cluster = clusterOfRow.Select(c => ids.TryGetValue(c, out int i) ? i : ids[c] = ids.Count).ToArray();
        int clusters = ids.Count, rows = cluster.Length;
        var random = new SplitMix64(seed);
        var counts = new double[resamples * rows];
        var drawn = new int[clusters];
        for (int b = 0; b < resamples; b++)
        {
            Array.Clear(drawn);
            for (int d = 0; d < clusters; d++)
            {
                drawn[(int)(random.Next() % (ulong)clusters)]++;
            }
            for (int r = 0; r < rows; r++)
            {
                counts[(b * rows) + r] = drawn[cluster[r]];
            }
        }
        return tensor(counts, [resamples, rows], ScalarType.Float64);
    }

    /// <summary>
    /// Pearson r between <paramref name="predictions"/> and <paramref name="responses"/> ([rows, units]) of every unit
    /// under each resample's counts <paramref name="counts"/> [resamples, rows]: the correlation of the resampled rows, each
    /// repeated as often as it was drawn. NaN where a resample leaves a unit's predictions or responses constant.
    /// </summary>
    /// <returns>float64 [resamples, units].</returns>
    public static Tensor Correlations(Tensor predictions, Tensor responses, Tensor counts)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(counts);
        if (predictions.dim() != 2 || !predictions.shape.SequenceEqual(responses.shape) || counts.dim() != 2 || counts.shape[1] != predictions.shape[0])
        {
            throw new ArgumentException($"predictions and responses must be [rows, units] of one shape and counts [resamples, rows] (got {Shape(predictions)}, {Shape(responses)}, {Shape(counts)}).");
        }
        long units = predictions.shape[1], resamples = counts.shape[0];
        var result = empty([resamples, units], ScalarType.Float64);
        using var scope = NewDisposeScope();
        var w = counts.to_type(ScalarType.Float64);
        var total = w.sum(1, keepdim: true);
        for (long first = 0; first < units; first += UnitBatch)
        {
            using var batchScope = NewDisposeScope();
            long count = Math.Min(UnitBatch, units - first);
            // Centring on the full test set first keeps the weighted moments free of cancellation.
            var p = predictions.narrow(1, first, count).to_type(ScalarType.Float64);
            var y = responses.narrow(1, first, count).to_type(ScalarType.Float64);
            p = p - p.mean([0], keepdim: true);
            y = y - y.mean([0], keepdim: true);
            var mp = w.mm(p) / total;
            var my = w.mm(y) / total;
            var cov = (w.mm(p * y) / total) - (mp * my);
            var vp = (w.mm(p * p) / total) - (mp * mp);
            var vy = (w.mm(y * y) / total) - (my * my);
            // Variances below rounding level of the data count as zero (a constant resample): r is undefined there.
            var tiny = 1e-12 * ((p * p).mean([0], keepdim: true) * (y * y).mean([0], keepdim: true)).sqrt();
            var r = cov / (vp * vy).sqrt();
            r = where((vp * vy).sqrt() <= tiny, tensor(double.NaN, ScalarType.Float64), r);
            result.narrow(1, first, count).copy_(r.clamp(-1, 1));
        }
        return result;
    }

    /// <summary>The <paramref name="q"/> quantile (0..1) of the finite values, linear between order statistics (NumPy's default); NaN when none is finite.</summary>
    public static double Quantile(IEnumerable<double> values, double q)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
