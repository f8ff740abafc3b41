using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>What a cross-validation fold is scored by when alphas are compared.</summary>
public enum CvScoreKind
{
    /// <summary>Pearson correlation between held-out responses and predictions (the default).</summary>
    PearsonR,

    /// <summary>Coefficient of determination <c>1 - SS_res / SS_tot</c>, <c>SS_tot</c> about the held-out mean (as scikit-learn's <c>r2_score</c>).</summary>
    RSquared,
}

/// <summary>Arithmetic of the response-side products (the feature side is always float64).</summary>
public enum RidgePrecision
{
    /// <summary>float32 responses, cross-products, weights and predictions: half the memory and about twice the speed.</summary>
    Single,

    /// <summary>float64 throughout.</summary>
    Double,
}

/// <summary>Which stage a ridge fit is in, for progress reports.</summary>
public enum RidgeStage
{
    /// <summary>Eigendecomposition of the training features of each fold (feature side only); steps count folds.</summary>
    Decomposing,

    /// <summary>Cross-validation, refit and test scoring of batches of units; steps count units done.</summary>
    FittingUnits,

    /// <summary>Banded ridge only: test predictions and per-band scores of the chosen models; steps count units done.</summary>
    Testing,
}

/// <summary>A progress report: <paramref name="Step"/> of <paramref name="Total"/> done in <paramref name="Stage"/>.</summary>
/// <param name="Stage">The current stage.</param>
/// <param name="Step">Work done in this stage (folds or units).</param>
/// <param name="Total">Work in this stage.</param>
/// <param name="Round">For banded ridge, the band-weight candidate being evaluated (0-based); 0 otherwise.</param>
/// <param name="Rounds">For banded ridge, the number of candidates; 1 otherwise.</param>
public readonly record struct RidgeProgress(RidgeStage Stage, int Step, int Total, int Round = 0, int Rounds = 1);

/// <summary>
/// How training samples are split into cross-validation folds. Folds are formed from training samples only;
/// the test set never takes part in choosing alphas.
/// </summary>
public sealed class RidgeFolds
{
    private readonly Func<int, int[]> _assign;

    private RidgeFolds(string description, Func<int, int[]> assign)
    {
        Description = description;
        _assign = assign;
    }

    /// <summary>A short description, e.g. "5 contiguous folds".</summary>
    public string Description { get; }

    /// <summary>
    /// <paramref name="count"/> contiguous blocks in sample order, as scikit-learn's <c>KFold(shuffle=False)</c>:
    /// the first <c>n mod count</c> folds have one sample more. Keeps temporally adjacent (autocorrelated) samples together.
    /// </summary>
    public static RidgeFolds Contiguous(int count = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        return new RidgeFolds($"{count} contiguous folds", n => ContiguousBlocks(Enumerable.Range(0, n).Select(i => (long)i).ToArray(), count));
    }

    /// <summary>
    /// <paramref name="count"/> folds of a seeded random order: the samples are shuffled by Fisher-Yates driven by
    /// SplitMix64(<paramref name="seed"/>) and the shuffled order is cut into contiguous blocks as <see cref="Contiguous"/>.
    /// </summary>
    public static RidgeFolds Shuffled(int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        return new RidgeFolds($"{count} shuffled folds (seed {seed})", n => ContiguousBlocks(new SplitMix64(seed).Permutation(n), count));
    }

    /// <summary>Folds given per sample, e.g. the run or session of each sample (leave-one-run-out).</summary>
    /// <param name="foldOfSample">Fold index of each training sample, 0..k-1, every index used, k at least 2.</param>
    public static RidgeFolds Explicit(IReadOnlyList<int> foldOfSample)
    {
        ArgumentNullException.ThrowIfNull(foldOfSample);
        int[] copy = [.. foldOfSample];
        return new RidgeFolds($"{(copy.Length == 0 ? 0 : copy.Max() + 1)} given folds", n =>
        {
            if (copy.Length != n)
            {
                throw new ArgumentException($"The fold list has {copy.Length} entries for {n} training samples.", "options");
            }
            return copy;
        });
    }

    /// <summary>The fold of each of <paramref name="samples"/> training samples, checked: at least two folds, none empty.</summary>
    internal int[] Assign(int samples)
    {
        int[] folds = _assign(samples);
        int count = folds.Length == 0 ? 0 : folds.Max() + 1;
        if (folds.Any(f => f < 0) || count < 2)
        {
            throw new ArgumentException($"Cross-validation needs fold indices 0..k-1 with k >= 2 ({Description}).", "options");
        }
        var sizes = new int[count];
        foreach (int f in folds)
        {
            sizes[f]++;
        }
        int empty = Array.IndexOf(sizes, 0);
        if (empty >= 0)
        {
            throw new ArgumentException($"Fold {empty} has no samples ({Description}, {samples} training samples).", "options");
        }
        return folds;
    }

    private static int[] ContiguousBlocks(long[] order, int count)
    {
        int n = order.Length;
        if (n < count)
        {
            throw new ArgumentException($"{count} folds need at least {count} training samples, got {n}.", "options");
        }
        var folds = new int[n];
        int start = 0;
        for (int f = 0; f < count; f++)
        {
            int size = (n / count) + (f < n % count ? 1 : 0);
            for (int i = start; i < start + size; i++)
            {
                folds[order[i]] = f;
            }
            start += size;
        }
        return folds;
    }
}

/// <summary>Settings of <see cref="RidgeCv.Fit(Tensor, ResponseSource, Tensor, ResponseSource, RidgeCvOptions?, IProgress{RidgeProgress}?, CancellationToken)"/>.</summary>
public sealed record RidgeCvOptions
{
    /// <summary>Units per batch by default: 64 MB of float32 responses per 8000 samples.</summary>
    public const int DefaultUnitBatchSize = 2048;

    /// <summary>The default alpha grid, <c>10^0 .. 10^6</c> in 13 log-spaced steps (for z-scored features the useful range scales with the sample count).</summary>
    public static IReadOnlyList<double> DefaultAlphas { get; } = LogSpace(0, 6, 13);

    /// <summary>Candidate regularisation strengths, each positive and finite; CV scores within 1e-6 of the best count as tied and the earlier alpha wins.</summary>
    public IReadOnlyList<double> Alphas { get; init; } = DefaultAlphas;

    /// <summary>How training samples are split for cross-validation (default 5 contiguous folds).</summary>
    public RidgeFolds Folds { get; init; } = RidgeFolds.Contiguous(5);

    /// <summary>The per-fold score averaged over folds to choose each unit's alpha (default Pearson r).</summary>
    public CvScoreKind Score { get; init; } = CvScoreKind.PearsonR;

    /// <summary>Fit an unpenalised intercept per unit (features and responses centred on each fit's training rows). Default on.</summary>
    public bool FitIntercept { get; init; } = true;

    /// <summary>Z-score feature columns with training statistics (<see cref="Standardizer"/>) before fitting. Default on.</summary>
    public bool StandardizeFeatures { get; init; } = true;

    /// <summary>Units per batch: bounds memory to about <c>samples x batch</c> responses plus <c>features x batch</c> products per fold.</summary>
    public int UnitBatchSize { get; init; } = DefaultUnitBatchSize;

    /// <summary>Arithmetic of the response-side products (default float32).</summary>
    public RidgePrecision Precision { get; init; } = RidgePrecision.Single;

    /// <summary>Keep all weights <c>[features, units]</c> in the result (default on). Turn off for whole-brain fits and use <see cref="BatchCompleted"/>.</summary>
    public bool KeepWeights { get; init; } = true;

    /// <summary>Keep all test predictions <c>[test samples, units]</c> in the result (default on).</summary>
    public bool KeepTestPredictions { get; init; } = true;

    /// <summary>Called after each batch of units with that batch's weights and predictions (tensors valid only during the call), e.g. to stream them to disk.</summary>
    public Action<RidgeUnitBatch>? BatchCompleted { get; init; }

    internal static double[] LogSpace(double startExponent, double stopExponent, int count) =>
        [.. Enumerable.Range(0, count).Select(i => Math.Pow(10, startExponent + ((stopExponent - startExponent) * i / (count - 1))))];

    internal double[] CheckedAlphas()
    {
        ArgumentNullException.ThrowIfNull(Alphas, nameof(Alphas));
        if (Alphas.Count == 0 || Alphas.Any(a => !double.IsFinite(a) || a <= 0))
        {
            throw new ArgumentException("Alphas must be a non-empty list of positive finite numbers.", "options");
        }
        ArgumentNullException.ThrowIfNull(Folds, nameof(Folds));
        ArgumentOutOfRangeException.ThrowIfLessThan(UnitBatchSize, 1, nameof(UnitBatchSize));
        return [.. Alphas];
    }

    internal ScalarType WorkType => Precision == RidgePrecision.Double ? ScalarType.Float64 : ScalarType.Float32;
}

/// <summary>One batch of fitted units, passed to <see cref="RidgeCvOptions.BatchCompleted"/>. Its tensors belong to the fit and are valid only during the call.</summary>
/// <param name="FirstUnit">Index of the batch's first unit.</param>
/// <param name="Count">Units in the batch.</param>
/// <param name="Weights">Weights <c>[features, Count]</c> on the standardised features.</param>
/// <param name="Intercepts">Intercepts <c>[Count]</c>, float64.</param>
/// <param name="TestPredictions">Predictions on the test samples <c>[test samples, Count]</c>.</param>
public sealed record RidgeUnitBatch(int FirstUnit, int Count, Tensor Weights, Tensor Intercepts, Tensor TestPredictions);
