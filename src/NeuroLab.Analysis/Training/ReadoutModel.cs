using NeuroLab.Analysis.Encoding;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Training;

/// <summary>Predictions of a <see cref="ReadoutModel"/> for a labelled set and their per-unit accuracy.</summary>
/// <param name="Predictions">Predicted responses, float32 <c>[n, units]</c>; owned by this object.</param>
/// <param name="R">Pearson r per unit between responses and predictions (0 where undefined: a constant response or prediction).</param>
public sealed record ReadoutPrediction(Tensor Predictions, double[] R) : IDisposable
{
    /// <summary>Mean of <see cref="R"/> over units.</summary>
    public double MeanR => R.Length == 0 ? 0 : R.Average();

    /// <inheritdoc />
    public void Dispose() => Predictions.Dispose();
}

/// <summary>A trained <see cref="FactorizedReadout"/> (the best epoch's weights) with the history of its training.</summary>
public sealed class ReadoutModel : IDisposable
{
    internal ReadoutModel(FactorizedReadout readout, IReadOnlyList<EpochProgress> history, int bestEpoch, double bestValidationMeanR, bool stoppedEarly)
    {
        Readout = readout;
        Readout.eval();
        History = history;
        BestEpoch = bestEpoch;
        BestValidationMeanR = bestValidationMeanR;
        StoppedEarly = stoppedEarly;
    }

    /// <summary>The network (in evaluation mode).</summary>
    public FactorizedReadout Readout { get; }

    /// <summary>One entry per epoch trained.</summary>
    public IReadOnlyList<EpochProgress> History { get; }

    /// <summary>The epoch whose weights this model holds (0 if none was trained).</summary>
    public int BestEpoch { get; }

    /// <summary>Validation mean Pearson r of <see cref="BestEpoch"/>.</summary>
    public double BestValidationMeanR { get; }

    /// <summary>True when early stopping ended the training.</summary>
    public bool StoppedEarly { get; }

    /// <summary>Predicts responses in evaluation mode without gradients.</summary>
    /// <param name="features">Feature maps <c>[n, c, h, w]</c>, floating point, finite.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <returns>A new float32 tensor <c>[n, units]</c>.</returns>
    /// <exception cref="ArgumentException">Wrong shape or non-finite values (the message says which).</exception>
    public Tensor Predict(Tensor features, int batchSize = 256)
    {
        ReadoutData.CheckFeatures(features, nameof(features), Readout);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Readout.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return PredictInBatches(Readout, features.to_type(ScalarType.Float32), batchSize).MoveToOuterDisposeScope();
    }

    /// <summary>Predicts responses and scores them against the observed ones.</summary>
    /// <param name="features">Feature maps <c>[n, c, h, w]</c>, n ≥ 2.</param>
    /// <param name="responses">Observed responses <c>[n, units]</c>.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <exception cref="ArgumentException">Shapes that disagree or non-finite values.</exception>
    public ReadoutPrediction Predict(Tensor features, Tensor responses, int batchSize = 256)
    {
        ReadoutData.CheckFeatures(features, nameof(features), Readout, minimumSamples: 2);
        ReadoutData.CheckResponses(responses, nameof(responses), features, nameof(features), Readout, nonNegative: false);
        var predictions = Predict(features, batchSize);
        using var scope = NewDisposeScope();
        var (r, _) = EncodingScores.PearsonAndR2(responses, predictions);
        return new ReadoutPrediction(predictions, r.data<double>().ToArray());
    }

    /// <inheritdoc />
    public void Dispose() => Readout.Dispose();

    internal static Tensor PredictInBatches(FactorizedReadout readout, Tensor x, int batchSize)
    {
        long n = x.shape[0];
        if (n <= batchSize)
        {
            return readout.forward(x);
        }
        var output = empty([n, readout.Units], ScalarType.Float32);
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(batchSize, n - start);
            output.narrow(0, start, count).copy_(readout.forward(x.narrow(0, start, count)));
        }
        return output;
    }
}
