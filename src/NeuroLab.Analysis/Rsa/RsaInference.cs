using NeuroLab.Analysis.Encoding;

namespace NeuroLab.Analysis.Rsa;

/// <summary>A statistic on the full data with its bootstrap spread.</summary>
/// <param name="Value">The statistic on the full data (not the bootstrap mean).</param>
/// <param name="CiLow">2.5th percentile of the bootstrap distribution (linear interpolation, numpy's default).</param>
/// <param name="CiHigh">97.5th percentile.</param>
/// <param name="StandardError">Standard deviation of the bootstrap distribution (n - 1 denominator).</param>
public sealed record BootstrapEstimate(double Value, double CiLow, double CiHigh, double StandardError);

/// <summary>A bootstrap test of two models' difference.</summary>
/// <param name="ModelA">Index of the first model.</param>
/// <param name="ModelB">Index of the second model (greater than <paramref name="ModelA"/>).</param>
/// <param name="Difference">Value of A minus value of B on the full data.</param>
/// <param name="P">Two-sided bootstrap p: <c>min(1, 2 min((#{d &lt;= 0} + 1)/(B + 1), (#{d &gt;= 0} + 1)/(B + 1)))</c> over the B valid resampled differences d.</param>
/// <param name="PFdr">Benjamini-Hochberg adjusted p over all pairs.</param>
public sealed record PairwiseTest(int ModelA, int ModelB, double Difference, double P, double PFdr);

/// <summary>The result of <see cref="RsaInference.Bootstrap"/>.</summary>
/// <param name="Models">Per model: similarity to the subject-mean RDM with its 95% percentile interval.</param>
/// <param name="Ceiling">The noise ceiling on the full data; null with one subject.</param>
/// <param name="CeilingLower">Bootstrap spread of the lower bound; null with one subject.</param>
/// <param name="CeilingUpper">Bootstrap spread of the upper bound; null with one subject.</param>
/// <param name="Pairwise">Every model pair (A &lt; B).</param>
/// <param name="Resamples">Number of resamples drawn.</param>
public sealed record RsaInferenceResult(
    IReadOnlyList<BootstrapEstimate> Models,
    NoiseCeilingResult? Ceiling,
    BootstrapEstimate? CeilingLower,
    BootstrapEstimate? CeilingUpper,
    IReadOnlyList<PairwiseTest> Pairwise,
    int Resamples);

/// <summary>
/// Bootstrap inference for RSA model comparison (Nili et al. 2014; Schütt et al. 2023, rsatoolbox
/// <c>bootstrap_crossval</c> without cross-validation): each resample draws conditions (stimuli), subjects, or both,
/// with replacement, averages the drawn subjects' RDMs, and compares every model with that mean. A condition drawn
/// twice is treated as two conditions, and the dissimilarity of a condition with its own copy (0 by construction,
/// not a measurement) is left out as missing, as rsatoolbox does. Resample b uses a SplitMix64 generator seeded by
/// the b-th output of <c>SplitMix64(seed)</c>, so results do not depend on thread scheduling; resamples run in
/// parallel with per-thread buffers, and under Spearman and tau-a a resample is ranked by counting precomputed
/// integer keys (models once; the data once per resample when subjects are drawn).
/// </summary>
public static class RsaInference
{
    /// <summary>Bootstrap estimates, noise ceiling and pairwise model tests.</summary>
    /// <param name="models">Model RDMs (condensed, same length as the subjects').</param>
    /// <param name="subjects">One RDM per subject (sessions already averaged).</param>
    /// <param name="method">Comparison method.</param>
    /// <param name="over">What to resample.</param>
    /// <param name="resamples">Number of bootstrap resamples (at least 2).</param>
    /// <param name="seed">Seed; the same seed gives the same result.</param>
    /// <param name="progress">Receives the completed share 0..1 (throttled to about 1% steps).</param>
    /// <param name="ct">Cancels between resamples.</param>
    /// <exception cref="ArgumentException">No models or subjects, lengths differ, the length is not triangular,
    /// fewer than 2 resamples, or a subject bootstrap with one subject.</exception>
    public static RsaInferenceResult Bootstrap(IReadOnlyList<double[]> models, IReadOnlyList<double[]> subjects,
        RdmComparisonMethod method, BootstrapOver over, int resamples, ulong seed, IProgress<double>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(subjects);
        if (models.Count == 0 || subjects.Count == 0)
        {
            throw new ArgumentException("The bootstrap needs at least one model and one subject RDM.", nameof(models));
        }
        int m = subjects[0].Length;
        int n = Rdm.Conditions(m);
        if (models.Concat(subjects).Any(r => r.Length != m))
        {
            throw new ArgumentException($"Every model and subject RDM must have {m} entries (the first subject's).", nameof(models));
        }
        if (resamples < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "At least 2 resamples.");
        }
        bool drawStimuli = over is BootstrapOver.Stimuli or BootstrapOver.Both;
        bool drawSubjects = over is BootstrapOver.Subjects or BootstrapOver.Both;
        if (!Enum.IsDefined(over))
        {
            throw new ArgumentOutOfRangeException(nameof(over), over, "Allowed: Stimuli, Subjects, Both.");
        }
        if (drawSubjects && subjects.Count < 2)
        {
            throw new ArgumentException("A bootstrap over subjects needs at least 2 subjects.", nameof(subjects));
        }

        int k = models.Count, s = subjects.Count;
        bool rankOnly = RankedRdm.NeedsKeys(method);
        var preparedModels = models.Select(x => RankedRdm.Prepare(x, method)).ToArray();
        var mean = Rdm.Mean(subjects);
        var preparedMean = RankedRdm.Prepare(mean, method);
        var preparedSubjects = subjects.Select(x => RankedRdm.Prepare(x, method)).ToArray();
        var full = new double[k];
        new RdmComparer(method).CompareAll(preparedModels, preparedMean, full);
        NoiseCeilingResult? ceiling = s >= 2 ? RsaNoiseCeiling.Compute(preparedSubjects, subjects, method, new RdmComparer(method), new double[s]) : null;

        var seeds = new ulong[resamples];
        var master = new SplitMix64(seed);
        for (int b = 0; b < resamples; b++)
        {
            seeds[b] = master.Next();
        }
        var estimates = new double[resamples * k];
        var ceilingDraws = ceiling is null ? null : new double[resamples * 2];
        int done = 0, reported = 0;
        Parallel.For(0, resamples, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => new Resampler(n, k, s, method, rankOnly),
            (b, _, w) =>
            {
                w.Draw(seeds[b], drawStimuli, drawSubjects);
                w.Run(preparedModels, preparedSubjects, subjects, preparedMean, mean, drawSubjects, estimates.AsSpan(b * k, k));
                if (ceilingDraws is not null)
                {
                    var c = w.Ceiling(preparedSubjects, subjects);
                    ceilingDraws[2 * b] = c.Lower;
                    ceilingDraws[(2 * b) + 1] = c.Upper;
                }
                int now = Interlocked.Increment(ref done);
                if (progress is not null && now * 100L / resamples > Volatile.Read(ref reported))
                {
                    Interlocked.Exchange(ref reported, (int)(now * 100L / resamples));
                    progress.Report((double)now / resamples);
                }
                return w;
            },
            _ => { });

        var perModel = new BootstrapEstimate[k];
        for (int i = 0; i < k; i++)
        {
            perModel[i] = Estimate(full[i], Column(estimates, k, i));
        }
        var pairs = new List<(int A, int B, double Diff, double P)>();
        for (int a = 0; a < k; a++)
        {
            for (int b = a + 1; b < k; b++)
            {
                var d = new List<double>(resamples);
                for (int r = 0; r < resamples; r++)
                {
                    double v = estimates[(r * k) + a] - estimates[(r * k) + b];
                    if (!double.IsNaN(v))
                    {
                        d.Add(v);
                    }
                }
                pairs.Add((a, b, full[a] - full[b], TwoSidedP(d)));
            }
        }
        var q = pairs.Count == 0 ? [] : FalseDiscoveryRate.BenjaminiHochberg([.. pairs.Select(p => p.P)]);
        var pairwise = pairs.Select((p, i) => new PairwiseTest(p.A, p.B, p.Diff, p.P, q[i])).ToArray();
        return new RsaInferenceResult(
            perModel,
            ceiling,
            ceiling is null ? null : Estimate(ceiling.Lower, Column(ceilingDraws!, 2, 0)),
            ceiling is null ? null : Estimate(ceiling.Upper, Column(ceilingDraws!, 2, 1)),
            pairwise,
            resamples);
    }

    /// <summary>
    /// The condensed-index map of a stimulus resample: for the new pair (a, b), a &lt; b, of the n drawn conditions,
    /// the original entry of (sample[a], sample[b]), or -1 where both are the same original condition (a self-pair).
    /// </summary>
    internal static void ResampleIndex(ReadOnlySpan<int> sample, int originalConditions, int[] map)
    {
        int n = sample.Length, k = 0;
        for (int a = 0; a < n; a++)
        {
            for (int b = a + 1; b < n; b++)
            {
                int i = sample[a], j = sample[b];
                map[k++] = i == j ? -1 : i < j ? Rdm.Index(i, j, originalConditions) : Rdm.Index(j, i, originalConditions);
            }
        }
    }

    internal static double Percentile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
    }

    private static BootstrapEstimate Estimate(double value, double[] draws)
    {
        var valid = draws.Where(d => !double.IsNaN(d)).Order().ToArray();
        if (valid.Length < 2)
        {
            return new BootstrapEstimate(value, double.NaN, double.NaN, double.NaN);
        }
        double mean = valid.Average();
        double se = Math.Sqrt(valid.Sum(v => (v - mean) * (v - mean)) / (valid.Length - 1));
        return new BootstrapEstimate(value, Percentile(valid, 0.025), Percentile(valid, 0.975), se);
    }

    private static double TwoSidedP(List<double> d)
    {
        if (d.Count == 0)
        {
            return 1;
        }
        int below = d.Count(v => v <= 0), above = d.Count(v => v >= 0);
        return Math.Min(1, 2 * Math.Min(below + 1, above + 1) / (double)(d.Count + 1));
    }

    private static double[] Column(double[] rows, int width, int column)
    {
        var c = new double[rows.Length / width];
        for (int r = 0; r < c.Length; r++)
        {
            c[r] = rows[(r * width) + column];
        }
        return c;
    }
}
