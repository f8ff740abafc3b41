using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>
/// The feature side of ridge regression with per-unit alphas: one eigendecomposition of the training
/// features per cross-validation fold and one for the refit, computed once and shared by every batch of units.
/// </summary>
/// <remarks>
/// <para>
/// Per fold the training features (centred on the fold's training rows when an intercept is fitted) give
/// <c>X_tr' X_tr = V diag(t) V'</c>, with <c>X_tr' X_tr</c> formed as <c>X'X - X_f' X_f</c> from one product over
/// all rows (or, with fewer training rows than features, from the kernel <c>X_tr X_tr'</c>). With <c>b = V' X_tr' y</c> and <c>d_k = 1 / (t_k + alpha)</c> the weights are
/// <c>w = V diag(d) b</c> and the held-out predictions <c>P diag(d) b</c> with <c>P = X_val V</c>; this is the
/// SVD form <c>X_val V diag(s / (s^2 + alpha)) U' y</c> with <c>b = S U' y</c>.
/// </para>
/// <para>
/// Scores need only five sums per unit over the held-out rows: of y, y^2, prediction, prediction^2 and
/// y x prediction. All but the squared predictions are one product with <c>d</c>. The squared predictions,
/// <c>b' D M D b</c> with <c>M = P' P</c>, would cost a <c>[r, r] x [r, units]</c> product per alpha; instead the
/// partial fractions <c>d_k d_l = (d_k - d_l) / (t_l - t_k)</c> turn it into
/// <c>sum_k e_k(alpha) 2 b_k (H b)_k + sum_k d_k^2 M_kk b_k^2</c> with <c>H_kl = M_kl / (t_l - t_k)</c>
/// (antisymmetric, so <c>d_k</c> may be replaced by <c>e_k = d_k - d_max</c>, which removes the cancellation
/// at large alpha): one float64 product per fold for all alphas. Eigenvalues closer than
/// <see cref="ClusterTolerance"/> x the largest are grouped and their block is evaluated directly with the
/// group's mean eigenvalue, so near-degenerate spectra (e.g. balanced dummy features) stay exact to float64 rounding.
/// </para>
/// <para>
/// A feature scale <c>s</c> (square roots of band weights for banded ridge) fits <c>X diag(s)</c>; the response
/// cross-products stay those of the unscaled features because <c>V' diag(s) C</c> = <c>(diag(s) V)' C</c>.
/// </para>
/// </remarks>
internal sealed class RidgeSolver : IDisposable
{
    /// <summary>Eigenvalues below this fraction of the largest are dropped (no signal lies in their directions at any usable alpha).</summary>
    public const double RankTolerance = 1e-12;

    /// <summary>Consecutive eigenvalues closer than this fraction of the largest share a cluster.</summary>
    public const double ClusterTolerance = 1e-9;

    /// <summary>CV scores (r or R^2) within this of a unit's best count as tied; the earliest alpha in the grid wins.</summary>
    /// <remarks>Exact ties are common (r does not change with alpha once predictions only shrink, balanced designs),
    /// and float32 rounding would otherwise pick among them at random.</remarks>
    public const double TieTolerance = 1e-6;

    private readonly FoldBasis[] _folds;
    private readonly Tensor _fullScaledV;
    private readonly Tensor _fullMeanProjection;
    private readonly Tensor _fullShrinkage;
    private readonly Tensor _trainingMean;
    private readonly bool _intercept;
    private readonly ScalarType _workType;

    /// <param name="features">Standardised training features <c>[n, p]</c>, float64.</param>
    /// <param name="columnScale">Optional scale per feature <c>[p]</c>, float64.</param>
    /// <param name="plan">The folds.</param>
    /// <param name="alphas">The alpha grid.</param>
    /// <param name="intercept">Centre features and responses on each fit's training rows.</param>
    /// <param name="workType">Dtype of the response-side products.</param>
    /// <param name="foldDone">Called with the number of decompositions done (folds, then the refit).</param>
    /// <param name="cancellationToken">Checked between decompositions.</param>
    public RidgeSolver(Tensor features, Tensor? columnScale, FoldPlan plan, double[] alphas, bool intercept, ScalarType workType, Action<int>? foldDone, CancellationToken cancellationToken)
    {
        _intercept = intercept;
        _workType = workType;
        Alphas = alphas;
        _folds = new FoldBasis[plan.Count];
        using var scope = NewDisposeScope();
        var alphaColumn = tensor(alphas, ScalarType.Float64).unsqueeze(1);
        var scaled = columnScale is null ? features : features * columnScale;
        long n = scaled.shape[0];
        long p = scaled.shape[1];
        var columnSum = scaled.sum(dim: 0L);
        // With at least as many rows as features, every Gram matrix comes from X'X minus the fold's X_f'X_f.
        var gram = n - plan.Sizes.Max() >= p ? scaled.t().mm(scaled) : null;
        try
        {
            for (int f = 0; f < plan.Count; f++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var foldScope = NewDisposeScope();
                var validation = plan.ValidationRows(scaled, f);
                long nValidation = validation.shape[0];
                long nTraining = n - nValidation;
                var validationSum = validation.sum(dim: 0L);
                var mean = intercept ? (columnSum - validationSum) / nTraining : zeros(p, ScalarType.Float64);
                Tensor v, t, m, g;
                if (gram is not null)
                {
                    var validationGram = validation.t().mm(validation);
                    var trainingGram = gram - validationGram;
                    if (intercept)
                    {
                        // Centre both on the training mean: X_c'X_c = X'X - n mx mx' (training) and
                        // X_val,c'X_val,c = X_val'X_val - mx s' - s mx' + n_val mx mx' (s = validation column sums).
                        trainingGram.sub_(mean.outer(mean).mul_(nTraining));
                        var cross = mean.outer(validationSum);
                        validationGram = validationGram - cross - cross.t() + mean.outer(mean).mul_(nValidation);
                    }
                    (v, t) = Decompose(trainingGram);
                    m = v.t().mm(validationGram).mm(v);
                    g = v.t().mv(validationSum - (mean * nValidation));
                }
                else
                {
                    var training = plan.TrainingRows(scaled, f) - mean;
                    (v, t) = DecomposeKernel(training);
                    var projected = (validation - mean).mm(v);
                    m = projected.t().mm(projected);
                    g = projected.sum(dim: 0L);
                }
                _folds[f] = new FoldBasis(v, t, mean, m, g, (int)nValidation, columnScale, alphaColumn, workType);
                foldDone?.Invoke(f + 1);
            }
            cancellationToken.ThrowIfCancellationRequested();
            var fullMean = intercept ? columnSum / n : zeros(p, ScalarType.Float64);
            var (fullV, fullT) = gram is not null
                ? Decompose(intercept ? gram - fullMean.outer(fullMean).mul_(n) : gram)
                : DecomposeKernel(intercept ? scaled - fullMean : scaled);
            _fullScaledV = Scale(fullV, columnScale).to_type(workType).DetachFromDisposeScope();
            _fullMeanProjection = fullV.t().mv(fullMean).to_type(workType).DetachFromDisposeScope();
            _fullShrinkage = (1.0 / (fullT.unsqueeze(0) + alphaColumn)).t().to_type(workType).contiguous().DetachFromDisposeScope();
            _trainingMean = (intercept ? features.mean([0L]) : zeros(p, ScalarType.Float64)).DetachFromDisposeScope();
            FullRank = (int)fullT.shape[0];
            foldDone?.Invoke(plan.Count + 1);
        }
        catch
        {
            foreach (var fold in _folds)
            {
                fold?.Dispose();
            }
            throw;
        }
    }

    public double[] Alphas { get; }

    /// <summary>Number of eigen-directions kept in the refit on all training rows.</summary>
    public int FullRank { get; }

    /// <summary>Mean over folds of the per-fold score of every alpha, <c>[alphas, units]</c>, float64.</summary>
    public Tensor CvScores(ResponseBatch batch, CvScoreKind kind, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var total = zeros([Alphas.Length, batch.Units], ScalarType.Float64);
        for (int f = 0; f < _folds.Length; f++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var foldScope = NewDisposeScope();
            total.add_(_folds[f].Score(batch, f, kind, _intercept));
        }
        return total.div_(_folds.Length).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Weights <c>[p, units]</c> (work dtype, on the unscaled standardised features) and intercepts <c>[units]</c>
    /// (float64, for the responses as given to the batch) of the fit on all training rows with alpha
    /// <c>Alphas[alphaIndex[u]]</c> for unit u.
    /// </summary>
    public (Tensor Weights, Tensor Intercepts) Refit(ResponseBatch batch, Tensor alphaIndex)
    {
        using var scope = NewDisposeScope();
        var b = _fullScaledV.t().mm(batch.Cross);
        var meanResponse = batch.Sum / batch.Samples;
        if (_intercept)
        {
            b.sub_(_fullMeanProjection.outer(meanResponse.to_type(_workType)).mul_(batch.Samples));
        }
        var weights = _fullScaledV.mm(b.mul_(_fullShrinkage.index_select(1, alphaIndex)));
        var intercepts = _intercept
            ? meanResponse - _trainingMean.unsqueeze(0).mm(weights.to_type(ScalarType.Float64)).squeeze(0)
            : zeros(batch.Units, ScalarType.Float64);
        return (weights.MoveToOuterDisposeScope(), intercepts.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        foreach (var fold in _folds)
        {
            fold.Dispose();
        }
        _fullScaledV.Dispose();
        _fullMeanProjection.Dispose();
        _fullShrinkage.Dispose();
        _trainingMean.Dispose();
    }

    /// <summary>Per unit the first alpha (row) whose score is within <see cref="TieTolerance"/> of the best, <c>[units]</c> int64, and that score, float64.</summary>
    public static (Tensor Index, Tensor Score) ChooseAlpha(Tensor scores)
    {
        using var scope = NewDisposeScope();
        var top = scores.max(0L).values;
        var index = scores.ge(top - TieTolerance).to_type(ScalarType.Int32).argmax(0L);
        var chosen = scores.gather(0, index.unsqueeze(0)).squeeze(0);
        return (index.MoveToOuterDisposeScope(), chosen.MoveToOuterDisposeScope());
    }

    /// <summary>Pearson r or R^2 per alpha and unit from the five held-out sums; undefined scores (constant responses or predictions) are 0.</summary>
    internal static Tensor Score(CvScoreKind kind, int n, Tensor sumY, Tensor centredSquaresY, Tensor sumP, Tensor sumPP, Tensor sumYP)
    {
        if (kind == CvScoreKind.PearsonR)
        {
            var covariance = sumYP - (sumY * sumP / n);
            var varianceP = sumPP - (sumP * sumP / n);
            var r = covariance / (centredSquaresY * varianceP).sqrt();
            var undefined = centredSquaresY.le(0).logical_or(varianceP.le(sumPP.abs() * 1e-12));
            return where(undefined, zeros_like(r), r).clamp_(-1, 1);
        }
        var residual = centredSquaresY + (sumY * sumY / n) - (2 * sumYP) + sumPP;
        var r2 = 1 - (residual / centredSquaresY);
        return where(centredSquaresY.le(0).expand_as(r2), zeros_like(r2), r2);
    }

    /// <summary>Eigen-directions <c>V [p, r]</c> and eigenvalues <c>t [r]</c> (ascending) of a Gram matrix, dropping null directions.</summary>
    private static (Tensor V, Tensor T) Decompose(Tensor gram)
    {
        var (t, v) = linalg.eigh(gram);
        return KeepSignificant(v, t);
    }

    /// <summary>The same from the kernel <c>X X'</c> of (centred) rows, for fewer rows than features: <c>V = X' U / sqrt(t)</c>.</summary>
    private static (Tensor V, Tensor T) DecomposeKernel(Tensor rows)
    {
        var (t, u) = linalg.eigh(rows.mm(rows.t()));
        var v = rows.t().mm(u) / t.clamp_min(double.Epsilon).sqrt();
        return KeepSignificant(v, t);
    }

    private static (Tensor V, Tensor T) KeepSignificant(Tensor v, Tensor t)
    {
        double largest = t.shape[0] == 0 ? 0 : t.max().item<double>();
        var keep = nonzero(t.gt(Math.Max(largest, 0) * RankTolerance).logical_and(t.gt(0))).flatten();
        return (v.index_select(1, keep), t.index_select(0, keep));
    }

    private static Tensor Scale(Tensor v, Tensor? columnScale) => columnScale is null ? v : v * columnScale.unsqueeze(1);

    /// <summary>The factors of one fold, with the alpha-dependent diagonal factors folded into <c>[alphas, r]</c> tables.</summary>
    private sealed class FoldBasis : IDisposable
    {
        private readonly Tensor _scaledV;
        private readonly Tensor _meanProjection;
        private readonly Tensor _far;
        private readonly (int Start, int Length, Tensor Block)[] _clusters;
        private readonly Tensor _farTable;
        private readonly Tensor _nearTable;
        private readonly Tensor _shrinkage;
        private readonly Tensor _sumTable;
        private readonly int _validationSamples;

        /// <param name="v">Eigen-directions <c>[p, r]</c> of the fold's (centred) training features.</param>
        /// <param name="t">Their eigenvalues <c>[r]</c>, ascending.</param>
        /// <param name="mean">The training mean the features were centred on <c>[p]</c> (zeros without intercept).</param>
        /// <param name="m">Held-out Gram matrix in eigen coordinates, <c>V' X_val,c' X_val,c V</c> <c>[r, r]</c>.</param>
        /// <param name="g">Held-out column sums in eigen coordinates, <c>V' X_val,c' 1</c> <c>[r]</c>.</param>
        /// <param name="validationSamples">Held-out rows.</param>
        /// <param name="columnScale">Optional feature scale.</param>
        /// <param name="alphaColumn">Alphas <c>[alphas, 1]</c>.</param>
        /// <param name="workType">Dtype of the response-side products.</param>
        public FoldBasis(Tensor v, Tensor t, Tensor mean, Tensor m, Tensor g, int validationSamples, Tensor? columnScale, Tensor alphaColumn, ScalarType workType)
        {
            using var scope = NewDisposeScope();
            _validationSamples = validationSamples;
            int rank = (int)t.shape[0];
            double[] eigen = t.data<double>().ToArray();
            double largest = rank == 0 ? 0 : eigen[^1];
            var cluster = new long[rank];
            for (int k = 1; k < rank; k++)
            {
                cluster[k] = cluster[k - 1] + (eigen[k] - eigen[k - 1] > ClusterTolerance * largest ? 1 : 0);
            }
            var clusterMean = new double[rank];
            var nearWeight = m.diagonal().clone();
            var groups = new List<(int, int, Tensor)>();
            for (int start = 0; start < rank;)
            {
                int end = start;
                while (end + 1 < rank && cluster[end + 1] == cluster[start])
                {
                    end++;
                }
                double mu = eigen[start..(end + 1)].Average();
                for (int k = start; k <= end; k++)
                {
                    clusterMean[k] = mu;
                }
                int length = end - start + 1;
                if (length > 1)
                {
                    // The block's quadratic form b_c' M_cc b_c is formed per batch; its table weight is the plain d^2.
                    groups.Add((start, length, m.narrow(0, start, length).narrow(1, start, length).clone().DetachFromDisposeScope()));
                    nearWeight.narrow(0, start, length).fill_(1);
                }
                start = end + 1;
            }
            _clusters = [.. groups];

            var clusterIds = tensor(cluster);
            var gaps = t.unsqueeze(0) - t.unsqueeze(1);
            var sameCluster = clusterIds.unsqueeze(0).eq(clusterIds.unsqueeze(1));
            _far = where(sameCluster, zeros_like(m), m / gaps).DetachFromDisposeScope();

            var row = t.unsqueeze(0);
            var shrinkage = 1.0 / (row + alphaColumn);
            _shrinkage = shrinkage.DetachFromDisposeScope();
            _farTable = ((largest - row) * shrinkage / (largest + alphaColumn) * 2).DetachFromDisposeScope();
            _nearTable = ((1.0 / (tensor(clusterMean).unsqueeze(0) + alphaColumn)).square() * nearWeight.unsqueeze(0)).DetachFromDisposeScope();
            _sumTable = (shrinkage * g.unsqueeze(0)).DetachFromDisposeScope();
            _meanProjection = v.t().mv(mean).unsqueeze(1).DetachFromDisposeScope();
            _scaledV = Scale(v, columnScale).to_type(workType).DetachFromDisposeScope();
        }

        /// <summary>This fold's score <c>[alphas, units]</c>, float64.</summary>
        public Tensor Score(ResponseBatch batch, int fold, CvScoreKind kind, bool intercept)
        {
            int nValidation = _validationSamples;
            int nTraining = batch.Samples - nValidation;
            var sumValidation = batch.FoldSum[fold];
            var q32 = _scaledV.t().mm(batch.FoldCross[fold]);
            var b = _scaledV.t().mm(batch.Cross).sub_(q32).to_type(ScalarType.Float64);
            var q = q32.to_type(ScalarType.Float64);
            var meanTraining = intercept ? (batch.Sum - sumValidation) / nTraining : zeros(batch.Units, ScalarType.Float64);
            if (intercept)
            {
                // Centre the training responses: X_tr,c' (y - mean) = C_tr - n_tr mean_x mean_y' in eigen coordinates.
                b.sub_(_meanProjection.mm(meanTraining.unsqueeze(0)).mul_(nTraining));
                q.sub_(_meanProjection.mm(sumValidation.unsqueeze(0)));
            }
            var nearProducts = b.square();
            foreach (var (start, length, block) in _clusters)
            {
                var part = b.narrow(0, start, length);
                nearProducts.narrow(0, start, length).copy_(block.mm(part).mul_(part));
            }
            var squares = _farTable.mm(_far.mm(b).mul_(b)).add_(_nearTable.mm(nearProducts));
            var predictionSum = _sumTable.mm(b);
            var crossSum = _shrinkage.mm(q.mul_(b));

            // Predictions are X_val,c w + mean_y: add the intercept's share to the sums.
            var sumP = predictionSum + (meanTraining * nValidation);
            var sumPP = squares + (2 * meanTraining * predictionSum) + (meanTraining.square() * nValidation);
            var sumYP = crossSum + (meanTraining * sumValidation);
            return RidgeSolver.Score(kind, nValidation, sumValidation, batch.FoldCentredSquares[fold], sumP, sumPP, sumYP);
        }

        public void Dispose()
        {
            foreach (var (_, _, block) in _clusters)
            {
                block.Dispose();
            }
            foreach (var t in new[] { _scaledV, _meanProjection, _far, _farTable, _nearTable, _shrinkage, _sumTable })
            {
                t.Dispose();
            }
        }
    }
}
