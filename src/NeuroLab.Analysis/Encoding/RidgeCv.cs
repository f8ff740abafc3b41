using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>
/// Ridge regression encoding models with one alpha per unit chosen by k-fold cross-validation over a grid
/// (Naselaris et al. 2011; the method of himalaya's <c>RidgeCV</c> with per-target alphas, Dupré la Tour et al. 2022).
/// All units of a batch are fitted together with matrix products; the feature side (one eigendecomposition
/// per fold, see the remarks) is computed once and reused for every batch, so memory is bounded by the batch size.
/// </summary>
/// <remarks>
/// <para>Pipeline, for features X <c>[n, p]</c> and responses Y <c>[n, units]</c>:</para>
/// <list type="number">
/// <item>Optionally z-score the feature columns with training statistics (<see cref="Standardizer"/>); the test
/// features get the same transform. Responses are not scaled.</item>
/// <item>Split the training samples into folds (<see cref="RidgeFolds"/>). For each fold and alpha, fit on the
/// other folds (centring features and responses on those rows when <see cref="RidgeCvOptions.FitIntercept"/>) and
/// score the held-out fold per unit (Pearson r by default, or R^2). The CV score of an alpha is the mean over folds.</item>
/// <item>Each unit takes the alpha with the highest CV score (scores within 1e-6 of the best count as tied and the
/// earliest alpha in the grid wins; undefined scores, from a constant held-out response or prediction, count as 0),
/// is refitted on all training samples, and is scored on the test set.</item>
/// </list>
/// <para>Weights solve <c>min |y - b0 - X w|^2 + alpha |w|^2</c>, i.e. <c>w = (X_c' X_c + alpha I)^-1 X_c' y</c> with
/// <c>X_c</c> the centred (standardised) features, computed as <c>V diag(1 / (t + alpha)) V' X_c' y</c> from the
/// eigendecomposition <c>X_c' X_c = V diag(t) V'</c> (equivalently the SVD <c>X_c = U S V'</c>, <c>t = s^2</c>).</para>
/// <para>From a host holding float32 C-order arrays (e.g. .npy read into a NumericArray): features as
/// <c>torch.tensor(data, rows, columns)</c>, responses as <see cref="ResponseSource.FromArray(float[], int, int)"/>
/// (no copy), or a <see cref="ResponseSource"/> subclass that reads column blocks from disk.</para>
/// <para>Cost per batch of m units: one pass <c>X_f' Y_f</c> over the responses (<c>2 n p m</c> flops), two
/// <c>[r, p] x [p, m]</c> products and one float64 <c>[r, r] x [r, m]</c> product per fold, with r = min(training rows, p),
/// and the refit and test products; the number of alphas adds only <c>[alphas, r] x [r, m]</c> products.</para>
/// </remarks>
public static class RidgeCv
{
    /// <summary>Fits every unit of tensors held in memory.</summary>
    /// <param name="trainFeatures">Training features <c>[n, p]</c>, any real dtype.</param>
    /// <param name="trainResponses">Training responses <c>[n, units]</c>, any real dtype.</param>
    /// <param name="testFeatures">Test features <c>[nTest, p]</c>.</param>
    /// <param name="testResponses">Test responses <c>[nTest, units]</c>.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="progress">Receives a report after each fold decomposition and each batch of units.</param>
    /// <param name="cancellationToken">Checked between folds and between batches.</param>
    public static RidgeCvResult Fit(
        Tensor trainFeatures, Tensor trainResponses, Tensor testFeatures, Tensor testResponses,
        RidgeCvOptions? options = null, IProgress<RidgeProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Fit(trainFeatures, ResponseSource.FromTensor(trainResponses), testFeatures, ResponseSource.FromTensor(testResponses), options, progress, cancellationToken);

    /// <summary>Fits every unit, reading responses a batch of units at a time.</summary>
    /// <param name="trainFeatures">Training features <c>[n, p]</c>, any real dtype (converted to float64).</param>
    /// <param name="trainResponses">Training responses <c>[n, units]</c>.</param>
    /// <param name="testFeatures">Test features <c>[nTest, p]</c>.</param>
    /// <param name="testResponses">Test responses <c>[nTest, units]</c>.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="progress">Receives a report after each fold decomposition and each batch of units.</param>
    /// <param name="cancellationToken">Checked between folds and between batches.</param>
    /// <exception cref="ArgumentException">Shapes that disagree, non-finite values (the message names the unit), bad options.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static RidgeCvResult Fit(
        Tensor trainFeatures, ResponseSource trainResponses, Tensor testFeatures, ResponseSource testResponses,
        RidgeCvOptions? options = null, IProgress<RidgeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new RidgeCvOptions();
        double[] alphas = options.CheckedAlphas();
        using var problem = EncodingProblem.Prepare(trainFeatures, trainResponses, testFeatures, testResponses, options.StandardizeFeatures, options.Folds, options.WorkType);
        int units = trainResponses.UnitCount;
        int batchSize = Math.Min(options.UnitBatchSize, units);
        using var solver = new RidgeSolver(
            problem.Features, null, problem.Plan, alphas, options.FitIntercept, options.WorkType,
            step => progress?.Report(new RidgeProgress(RidgeStage.Decomposing, step, problem.Plan.Count + 1)), cancellationToken);

        var cvScores = empty([alphas.Length, units], ScalarType.Float64);
        var weights = options.KeepWeights ? empty([problem.FeatureCount, units], options.WorkType) : null;
        var predictions = options.KeepTestPredictions ? empty([problem.TestSamples, units], options.WorkType) : null;
        var bestIndex = new int[units];
        var intercepts = new double[units];
        var testR = new double[units];
        var testR2 = new double[units];
        try
        {
            for (int first = 0; first < units; first += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int count = Math.Min(batchSize, units - first);
                using var batch = problem.ReadTrainingBatch(first, count, options.FitIntercept, out var shift);
                var scores = solver.CvScores(batch, options.Score, cancellationToken);
                cvScores.narrow(1, first, count).copy_(scores);
                var (best, _) = RidgeSolver.ChooseAlpha(scores);
                var (w, b) = solver.Refit(batch, best);
                var (pred, r, r2) = problem.Test(first, count, w, b, shift);
                best.to_type(ScalarType.Int32).data<int>().CopyTo(bestIndex, first);
                (b + shift).data<double>().CopyTo(intercepts, first);
                r.data<double>().CopyTo(testR, first);
                r2.data<double>().CopyTo(testR2, first);
                weights?.narrow(1, first, count).copy_(w);
                predictions?.narrow(1, first, count).copy_(pred);
                options.BatchCompleted?.Invoke(new RidgeUnitBatch(first, count, w, b + shift, pred));
                progress?.Report(new RidgeProgress(RidgeStage.FittingUnits, first + count, units));
            }
            return new RidgeCvResult(
                alphas, options.Score, cvScores, bestIndex, testR, testR2, weights, intercepts, predictions,
                problem.TakeStandardizer(), problem.Plan.FoldOfSample, solver.FullRank);
        }
        catch
        {
            cvScores.Dispose();
            weights?.Dispose();
            predictions?.Dispose();
            throw;
        }
    }
}
