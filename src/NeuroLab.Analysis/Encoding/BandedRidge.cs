using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>Settings of <see cref="BandedRidge.Fit(IReadOnlyList{Tensor}, ResponseSource, IReadOnlyList{Tensor}, ResponseSource, BandedRidgeOptions?, IProgress{RidgeProgress}?, CancellationToken)"/>.</summary>
public sealed record BandedRidgeOptions
{
    /// <summary>Candidate overall regularisation strengths (as <see cref="RidgeCvOptions.Alphas"/>).</summary>
    public IReadOnlyList<double> Alphas { get; init; } = RidgeCvOptions.DefaultAlphas;

    /// <summary>How training samples are split for cross-validation (default 5 contiguous folds).</summary>
    public RidgeFolds Folds { get; init; } = RidgeFolds.Contiguous(5);

    /// <summary>The per-fold score averaged over folds (default Pearson r).</summary>
    public CvScoreKind Score { get; init; } = CvScoreKind.PearsonR;

    /// <summary>Fit an unpenalised intercept per unit (default on).</summary>
    public bool FitIntercept { get; init; } = true;

    /// <summary>Z-score every feature column with training statistics before weighting the bands (default on).</summary>
    public bool StandardizeFeatures { get; init; } = true;

    /// <summary>Units per batch.</summary>
    public int UnitBatchSize { get; init; } = RidgeCvOptions.DefaultUnitBatchSize;

    /// <summary>Arithmetic of the response-side products (default float32).</summary>
    public RidgePrecision Precision { get; init; } = RidgePrecision.Single;

    /// <summary>Number of band-weight candidates: equal weights first, then Dirichlet samples (ignored when <see cref="BandWeights"/> is given).</summary>
    public int Candidates { get; init; } = 20;

    /// <summary>Dirichlet concentration of the sampled band weights (1 = uniform on the simplex; smaller favours one dominant band).</summary>
    public double Concentration { get; init; } = 1.0;

    /// <summary>Seed of the SplitMix64 generator that draws the band weights.</summary>
    public ulong Seed { get; init; }

    /// <summary>Explicit band-weight candidates, one weight per band each (non-negative, not all zero; normalised to sum 1).</summary>
    public IReadOnlyList<IReadOnlyList<double>>? BandWeights { get; init; }
}

/// <summary>
/// Banded ridge regression: two or more feature spaces ("bands", e.g. Gabor energies and semantic embeddings), each
/// with its own regularisation, as in himalaya's <c>MultipleKernelRidgeCV</c> with random search (Dupré la Tour et
/// al. 2022), solved here in primal form, which suits modest total feature counts.
/// </summary>
/// <remarks>
/// <para>A candidate is a vector of band weights <c>gamma</c> on the simplex. For each candidate the bands are scaled,
/// <c>X_gamma = [sqrt(gamma_1) X_1, ..., sqrt(gamma_B) X_B]</c>, and fitted by <see cref="RidgeCv"/>'s cross-validated
/// ridge over the alpha grid; this equals ridge with penalty <c>sum_b (alpha / gamma_b) |w_b|^2</c> on the unscaled
/// (standardised) features, i.e. a per-band alpha <c>alpha / gamma_b</c> (infinite, the band left out, where gamma_b = 0).
/// Each unit keeps the candidate and alpha with the best mean CV score; a later candidate replaces an earlier one only
/// when it scores more than 1e-6 higher. Candidates are equal weights followed by Dirichlet samples, or given explicitly.</para>
/// <para>Per-band contributions on the test set are split R^2 scores (himalaya's <c>r2_score_split</c> with
/// <c>include_correlation=True</c>): with test responses y and each band's prediction <c>p_b = X_b,test w_b</c> centred
/// on the test set, <c>R2_b = sum_i (2 y_i p_b,i - p_b,i sum_c p_c,i) / sum_i y_i^2</c>. They add up to
/// <c>1 - |y - sum_b p_b|^2 / |y|^2</c>, the test R^2 of the joint prediction once its mean offset on the test set is
/// removed (equal to <see cref="BandedRidgeResult.TestR2"/> when the prediction's test mean matches the responses').
/// A band can have a negative share when its prediction is anti-correlated with the rest of the model's error.</para>
/// </remarks>
public static class BandedRidge
{
    /// <summary>Fits tensors held in memory.</summary>
    /// <param name="trainBands">Per band its training features <c>[n, p_b]</c>.</param>
    /// <param name="trainResponses">Training responses <c>[n, units]</c>.</param>
    /// <param name="testBands">Per band its test features <c>[nTest, p_b]</c>.</param>
    /// <param name="testResponses">Test responses <c>[nTest, units]</c>.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="progress">Reports per candidate (<see cref="RidgeProgress.Round"/>) its decompositions and units, then the test pass.</param>
    /// <param name="cancellationToken">Checked between folds and batches.</param>
    public static BandedRidgeResult Fit(
        IReadOnlyList<Tensor> trainBands, Tensor trainResponses, IReadOnlyList<Tensor> testBands, Tensor testResponses,
        BandedRidgeOptions? options = null, IProgress<RidgeProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Fit(trainBands, ResponseSource.FromTensor(trainResponses), testBands, ResponseSource.FromTensor(testResponses), options, progress, cancellationToken);

    /// <summary>Fits every unit, reading responses a batch of units at a time (once per candidate and once for the test pass).</summary>
    /// <param name="trainBands">Per band its training features <c>[n, p_b]</c>, any real dtype.</param>
    /// <param name="trainResponses">Training responses <c>[n, units]</c>.</param>
    /// <param name="testBands">Per band its test features <c>[nTest, p_b]</c>.</param>
    /// <param name="testResponses">Test responses <c>[nTest, units]</c>.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="progress">Reports per candidate (<see cref="RidgeProgress.Round"/>) its decompositions and units, then the test pass.</param>
    /// <param name="cancellationToken">Checked between folds and batches.</param>
    /// <exception cref="ArgumentException">No bands, bands whose rows or columns disagree, bad candidates or other bad inputs.</exception>
    public static BandedRidgeResult Fit(
        IReadOnlyList<Tensor> trainBands, ResponseSource trainResponses, IReadOnlyList<Tensor> testBands, ResponseSource testResponses,
        BandedRidgeOptions? options = null, IProgress<RidgeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new BandedRidgeOptions();
        var ridge = new RidgeCvOptions
        {
            Alphas = options.Alphas,
            Folds = options.Folds,
            UnitBatchSize = options.UnitBatchSize,
        };
        double[] alphas = ridge.CheckedAlphas();
        int[] bandSizes = CheckBands(trainBands, testBands);
        double[][] candidates = Candidates(options, bandSizes.Length);
        var workType = options.Precision == RidgePrecision.Double ? ScalarType.Float64 : ScalarType.Float32;

        Tensor trainFeatures;
        Tensor testFeatures;
        using (var scope = NewDisposeScope())
        {
            trainFeatures = cat([.. trainBands.Select(b => b.to_type(ScalarType.Float64))], 1).DetachFromDisposeScope();
            testFeatures = cat([.. testBands.Select(b => b.to_type(ScalarType.Float64))], 1).DetachFromDisposeScope();
        }
        using var problem = EncodingProblem.Prepare(trainFeatures, trainResponses, testFeatures, testResponses, options.StandardizeFeatures, options.Folds, workType);
        trainFeatures.Dispose();
        testFeatures.Dispose();

        int units = trainResponses.UnitCount;
        int batchSize = Math.Min(options.UnitBatchSize, units);
        int rounds = candidates.Length;
        var cvScores = full([rounds, alphas.Length, units], double.NaN, ScalarType.Float64);
        var weights = zeros([problem.FeatureCount, units], workType);
        var predictions = empty([problem.TestSamples, units], workType);
        var bandR2 = empty([bandSizes.Length, units], ScalarType.Float64);
        var bestScore = Enumerable.Repeat(double.NegativeInfinity, units).ToArray();
        var bestCandidate = new int[units];
        var bestAlpha = new int[units];
        var intercepts = new double[units];
        var testR = new double[units];
        var testR2 = new double[units];
        try
        {
            for (int c = 0; c < rounds; c++)
            {
                int round = c;
                using var scale = ColumnScale(candidates[c], bandSizes);
                using var solver = new RidgeSolver(
                    problem.Features, scale, problem.Plan, alphas, options.FitIntercept, workType,
                    step => progress?.Report(new RidgeProgress(RidgeStage.Decomposing, step, problem.Plan.Count + 1, round, rounds)), cancellationToken);
                for (int first = 0; first < units; first += batchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    int count = Math.Min(batchSize, units - first);
                    using var batch = problem.ReadTrainingBatch(first, count, options.FitIntercept, out var shift);
                    var scores = solver.CvScores(batch, options.Score, cancellationToken);
                    cvScores[c].narrow(1, first, count).copy_(scores);
                    var (index, best) = RidgeSolver.ChooseAlpha(scores);
                    double[] candidateBest = best.data<double>().ToArray();
                    bool[] better = [.. candidateBest.Select((s, u) => s > bestScore[first + u] + RidgeSolver.TieTolerance)];
                    if (!better.Any(b => b))
                    {
                        progress?.Report(new RidgeProgress(RidgeStage.FittingUnits, first + count, units, round, rounds));
                        continue;
                    }
                    var (w, b) = solver.Refit(batch, index);
                    var mask = tensor(better).unsqueeze(0);
                    var block = weights.narrow(1, first, count);
                    block.copy_(where(mask, w, block));
                    long[] chosen = index.data<long>().ToArray();
                    double[] offsets = (b + shift).data<double>().ToArray();
                    for (int u = 0; u < count; u++)
                    {
                        if (better[u])
                        {
                            bestScore[first + u] = candidateBest[u];
                            bestCandidate[first + u] = c;
                            bestAlpha[first + u] = (int)chosen[u];
                            intercepts[first + u] = offsets[u];
                        }
                    }
                    progress?.Report(new RidgeProgress(RidgeStage.FittingUnits, first + count, units, round, rounds));
                }
            }
            for (int first = 0; first < units; first += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int count = Math.Min(batchSize, units - first);
                using var responses = problem.ReadTestUnits(first, count);
                var w = weights.narrow(1, first, count);
                var prediction = problem.TestFeatures.mm(w).add_(tensor(intercepts[first..(first + count)]).to_type(workType));
                var (r, r2) = EncodingScores.PearsonAndR2(responses, prediction);
                predictions.narrow(1, first, count).copy_(prediction);
                r.data<double>().CopyTo(testR, first);
                r2.data<double>().CopyTo(testR2, first);
                bandR2.narrow(1, first, count).copy_(SplitR2(responses, problem.TestFeatures, w, bandSizes));
                progress?.Report(new RidgeProgress(RidgeStage.Testing, first + count, units, rounds - 1, rounds));
            }
            return new BandedRidgeResult(
                bandSizes, candidates, alphas, options.Score, cvScores, bestCandidate, bestAlpha, bestScore, testR, testR2,
                bandR2, weights, intercepts, predictions, problem.TakeStandardizer());
        }
        catch
        {
            foreach (var t in new[] { cvScores, weights, predictions, bandR2 })
            {
                t.Dispose();
            }
            throw;
        }
    }

    /// <summary>Split R^2 per band <c>[bands, units]</c> (see the class remarks).</summary>
    private static Tensor SplitR2(Tensor responses, Tensor testFeatures, Tensor weights, int[] bandSizes)
    {
        using var scope = NewDisposeScope();
        var y = responses.to_type(ScalarType.Float64);
        y = y - y.mean([0L], keepdim: true);
        var sst = y.square().sum(dim: 0L);
        var parts = new List<Tensor>();
        int offset = 0;
        foreach (int size in bandSizes)
        {
            var part = testFeatures.narrow(1, offset, size).mm(weights.narrow(0, offset, size)).to_type(ScalarType.Float64);
            parts.Add(part - part.mean([0L], keepdim: true));
            offset += size;
        }
        var total = stack(parts).sum(dim: 0L);
        var split = stack([.. parts.Select(p => ((2 * y * p) - (p * total)).sum(dim: 0L) / sst)]);
        return where(sst.le(0).unsqueeze(0).expand_as(split), zeros_like(split), split).MoveToOuterDisposeScope();
    }

    private static Tensor ColumnScale(double[] bandWeights, int[] bandSizes) =>
        tensor(bandWeights.SelectMany((g, b) => Enumerable.Repeat(Math.Sqrt(g), bandSizes[b])).ToArray(), ScalarType.Float64);

    private static int[] CheckBands(IReadOnlyList<Tensor> trainBands, IReadOnlyList<Tensor> testBands)
    {
        ArgumentNullException.ThrowIfNull(trainBands);
        ArgumentNullException.ThrowIfNull(testBands);
        if (trainBands.Count == 0 || testBands.Count != trainBands.Count)
        {
            throw new ArgumentException($"Give at least one band, the same number for training and test ({trainBands.Count} and {testBands.Count}).", nameof(trainBands));
        }
        var sizes = new int[trainBands.Count];
        for (int b = 0; b < sizes.Length; b++)
        {
            var train = trainBands[b] ?? throw new ArgumentNullException(nameof(trainBands));
            var test = testBands[b] ?? throw new ArgumentNullException(nameof(testBands));
            if (train.dim() != 2 || test.dim() != 2 || train.shape[1] != test.shape[1] || train.shape[1] < 1
                || train.shape[0] != trainBands[0].shape[0] || test.shape[0] != testBands[0].shape[0])
            {
                throw new ArgumentException(
                    $"Band {b}: training [{string.Join(", ", train.shape)}] and test [{string.Join(", ", test.shape)}] features must be [samples, p_b] " +
                    "with the same p_b, and every band must have the same samples.", nameof(trainBands));
            }
            sizes[b] = (int)train.shape[1];
        }
        return sizes;
    }

    /// <summary>The band-weight candidates, each normalised to sum 1.</summary>
    private static double[][] Candidates(BandedRidgeOptions options, int bands)
    {
        if (options.BandWeights is { } given)
        {
            if (given.Count == 0)
            {
                throw new ArgumentException("BandWeights must hold at least one candidate.", nameof(options));
            }
            return [.. given.Select((g, i) =>
            {
                if (g is null || g.Count != bands || g.Any(v => !double.IsFinite(v) || v < 0) || g.Sum() <= 0)
                {
                    throw new ArgumentException($"Band-weight candidate {i} needs {bands} non-negative finite weights, not all zero.", nameof(options));
                }
                double sum = g.Sum();
                return g.Select(v => v / sum).ToArray();
            })];
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Candidates, 1, nameof(options));
        if (!double.IsFinite(options.Concentration) || options.Concentration <= 0)
        {
            throw new ArgumentException("The Dirichlet concentration must be positive.", nameof(options));
        }
        if (bands == 1)
        {
            return [[1.0]];
        }
        var random = new SplitMix64(options.Seed);
        var candidates = new List<double[]> { Enumerable.Repeat(1.0 / bands, bands).ToArray() };
        while (candidates.Count < options.Candidates)
        {
            double[] draw = [.. Enumerable.Range(0, bands).Select(_ => random.NextGamma(options.Concentration))];
            double sum = draw.Sum();
            if (sum > 0)
            {
                candidates.Add([.. draw.Select(v => v / sum)]);
            }
        }
        return [.. candidates];
    }
}

/// <summary>The outcome of a <see cref="BandedRidge"/> fit. Owns its tensors: dispose it.</summary>
public sealed class BandedRidgeResult : IDisposable
{
    private readonly Standardizer? _standardizer;

    internal BandedRidgeResult(
        int[] bandSizes, double[][] candidates, double[] alphas, CvScoreKind score, Tensor cvScores, int[] bestCandidate, int[] bestAlphaIndex,
        double[] bestCvScore, double[] testR, double[] testR2, Tensor bandR2, Tensor weights, double[] intercepts, Tensor testPredictions,
        Standardizer? standardizer)
    {
        BandSizes = bandSizes;
        BandWeights = candidates;
        Alphas = alphas;
        Score = score;
        CvScores = cvScores;
        BestCandidate = bestCandidate;
        BestAlphaIndex = bestAlphaIndex;
        BestAlpha = [.. bestAlphaIndex.Select(i => alphas[i])];
        BestCvScore = bestCvScore;
        TestR = testR;
        TestR2 = testR2;
        BandR2 = bandR2;
        Weights = weights;
        Intercepts = intercepts;
        TestPredictions = testPredictions;
        _standardizer = standardizer;
    }

    /// <summary>Features per band, in the column order of <see cref="Weights"/>.</summary>
    public IReadOnlyList<int> BandSizes { get; }

    /// <summary>The band-weight candidates <c>[candidates][bands]</c>, each summing to 1.</summary>
    public IReadOnlyList<IReadOnlyList<double>> BandWeights { get; }

    /// <summary>The alpha grid.</summary>
    public IReadOnlyList<double> Alphas { get; }

    /// <summary>What the CV scores hold.</summary>
    public CvScoreKind Score { get; }

    /// <summary>Mean CV score <c>[candidates, alphas, units]</c>, float64.</summary>
    public Tensor CvScores { get; }

    /// <summary>Index into <see cref="BandWeights"/> of each unit's chosen candidate.</summary>
    public IReadOnlyList<int> BestCandidate { get; }

    /// <summary>Index into <see cref="Alphas"/> of each unit's chosen alpha.</summary>
    public IReadOnlyList<int> BestAlphaIndex { get; }

    /// <summary>Each unit's chosen overall alpha.</summary>
    public IReadOnlyList<double> BestAlpha { get; }

    /// <summary>Each unit's best mean CV score.</summary>
    public IReadOnlyList<double> BestCvScore { get; }

    /// <summary>Test Pearson r per unit.</summary>
    public IReadOnlyList<double> TestR { get; }

    /// <summary>Test R^2 per unit.</summary>
    public IReadOnlyList<double> TestR2 { get; }

    /// <summary>Split test R^2 per band <c>[bands, units]</c>, float64 (see <see cref="BandedRidge"/>'s remarks).</summary>
    public Tensor BandR2 { get; }

    /// <summary>Weights <c>[features, units]</c> on the standardised features, bands concatenated in order.</summary>
    public Tensor Weights { get; }

    /// <summary>Intercept per unit.</summary>
    public IReadOnlyList<double> Intercepts { get; }

    /// <summary>Test predictions <c>[test samples, units]</c>.</summary>
    public Tensor TestPredictions { get; }

    /// <summary>The per-band regularisation of a unit: <c>alpha / gamma_band</c> (positive infinity where the band's weight is 0).</summary>
    public double EffectiveAlpha(int band, int unit) => BestAlpha[unit] / BandWeights[BestCandidate[unit]][band];

    /// <summary>Predicts responses <c>[samples, units]</c> from new raw features given per band.</summary>
    public Tensor Predict(IReadOnlyList<Tensor> bands)
    {
        ArgumentNullException.ThrowIfNull(bands);
        using var scope = NewDisposeScope();
        var x = cat([.. bands.Select(b => b.to_type(ScalarType.Float64))], 1);
        if (_standardizer is not null)
        {
            x = _standardizer.Transform(x);
        }
        return x.to_type(Weights.dtype).mm(Weights).add_(tensor(Intercepts.ToArray()).to_type(Weights.dtype)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CvScores.Dispose();
        BandR2.Dispose();
        Weights.Dispose();
        TestPredictions.Dispose();
        _standardizer?.Dispose();
    }
}
