using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>
/// The outcome of <see cref="RidgeCv.Fit(Tensor, ResponseSource, Tensor, ResponseSource, RidgeCvOptions?, IProgress{RidgeProgress}?, CancellationToken)"/>.
/// Owns its tensors (and the feature standardiser): dispose it.
/// </summary>
public sealed class RidgeCvResult : IDisposable
{
    private readonly Standardizer? _standardizer;
    private readonly int[] _bestAlphaIndex;

    internal RidgeCvResult(
        double[] alphas, CvScoreKind score, Tensor cvScores, int[] bestAlphaIndex, double[] testR, double[] testR2,
        Tensor? weights, double[] intercepts, Tensor? testPredictions, Standardizer? standardizer, int[] foldOfSample, int rank)
    {
        Alphas = alphas;
        Score = score;
        CvScores = cvScores;
        _bestAlphaIndex = bestAlphaIndex;
        BestAlpha = [.. bestAlphaIndex.Select(i => alphas[i])];
        TestR = testR;
        TestR2 = testR2;
        Weights = weights;
        Intercepts = intercepts;
        TestPredictions = testPredictions;
        _standardizer = standardizer;
        FoldOfSample = foldOfSample;
        Rank = rank;
    }

    /// <summary>The alpha grid, in the order of the rows of <see cref="CvScores"/>.</summary>
    public IReadOnlyList<double> Alphas { get; }

    /// <summary>What <see cref="CvScores"/> holds.</summary>
    public CvScoreKind Score { get; }

    /// <summary>Mean over folds of the held-out score, <c>[alphas, units]</c>, float64: the "CV score per alpha" curve of each unit.</summary>
    public Tensor CvScores { get; }

    /// <summary>Index into <see cref="Alphas"/> of each unit's chosen alpha <c>[units]</c>.</summary>
    public IReadOnlyList<int> BestAlphaIndex => _bestAlphaIndex;

    /// <summary>Each unit's chosen alpha <c>[units]</c>.</summary>
    public IReadOnlyList<double> BestAlpha { get; }

    /// <summary>Pearson r between test responses and test predictions per unit <c>[units]</c> (0 where undefined).</summary>
    public IReadOnlyList<double> TestR { get; }

    /// <summary>Test R^2 per unit <c>[units]</c> (<c>1 - SS_res / SS_tot</c>, about the test mean; 0 where undefined).</summary>
    public IReadOnlyList<double> TestR2 { get; }

    /// <summary>
    /// Weights <c>[features, units]</c> (float32, or float64 with <see cref="RidgePrecision.Double"/>) on the standardised
    /// features (z-scores when <see cref="RidgeCvOptions.StandardizeFeatures"/>); null when not kept.
    /// </summary>
    public Tensor? Weights { get; }

    /// <summary>Intercept per unit <c>[units]</c> (0 without <see cref="RidgeCvOptions.FitIntercept"/>).</summary>
    public IReadOnlyList<double> Intercepts { get; }

    /// <summary>Test predictions <c>[test samples, units]</c> in the weights' dtype; null when not kept.</summary>
    public Tensor? TestPredictions { get; }

    /// <summary>The cross-validation fold of each training sample.</summary>
    public IReadOnlyList<int> FoldOfSample { get; }

    /// <summary>Eigen-directions of the training features used by the refit (at most min(samples, features)).</summary>
    public int Rank { get; }

    /// <summary>Mean over units of <see cref="TestR"/>.</summary>
    public double MeanTestR => TestR.Average();

    /// <summary>Predicts responses <c>[samples, units]</c> for new raw features <c>[samples, features]</c> (standardised as the training features were).</summary>
    /// <exception cref="InvalidOperationException">The weights were not kept.</exception>
    public Tensor Predict(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (Weights is null)
        {
            throw new InvalidOperationException("The weights were not kept (RidgeCvOptions.KeepWeights is off).");
        }
        using var scope = NewDisposeScope();
        var x = features.to_type(ScalarType.Float64);
        if (_standardizer is not null)
        {
            x = _standardizer.Transform(x);
        }
        var predictions = x.to_type(Weights.dtype).mm(Weights).add_(tensor(Intercepts.ToArray()).to_type(Weights.dtype));
        return predictions.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CvScores.Dispose();
        Weights?.Dispose();
        TestPredictions?.Dispose();
        _standardizer?.Dispose();
    }
}
