namespace NeuroLab.Analysis.Training;

/// <summary>The data term of the training loss.</summary>
public enum ReadoutLoss
{
    /// <summary>Mean squared error <c>mean((r - y)²)</c> over samples and units.</summary>
    MeanSquaredError,

    /// <summary>Poisson negative log-likelihood without the constant <c>log y!</c>: <c>mean(r - y·log(r + 1e-8))</c> over samples and
    /// units, for spike counts or rates. Needs a positive output nonlinearity and non-negative responses.</summary>
    Poisson,
}

/// <summary>Settings of <see cref="ReadoutTrainer"/>.</summary>
/// <remarks>
/// The minimised objective per mini-batch is <c>loss(r, y) + MaskL1 · Σ|M| / units + FeatureL1 · Σ|W| / units</c>
/// (see <see cref="FactorizedReadout"/> for M and W), minimised with Adam (Kingma and Ba 2015).
/// </remarks>
public sealed record ReadoutTrainingOptions
{
    /// <summary>Output nonlinearity of the model (default identity).</summary>
    public ReadoutNonlinearity Nonlinearity { get; init; } = ReadoutNonlinearity.Identity;

    /// <summary>Data term (default mean squared error).</summary>
    public ReadoutLoss Loss { get; init; } = ReadoutLoss.MeanSquaredError;

    /// <summary>Most epochs (full passes over the training samples) in total, counting those before a resume (default 200).</summary>
    public int MaxEpochs { get; init; } = 200;

    /// <summary>Samples per mini-batch (default 64; the last batch of an epoch may be smaller).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam learning rate (default 5e-3).</summary>
    public double LearningRate { get; init; } = 5e-3;

    /// <summary>Adam β1 (default 0.9).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam β2 (default 0.999, PyTorch's default; TorchSharp's <c>optim.Adam</c> factory defaults to 0.99).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>L1 weight on the spatial masks, per unit (default 0).</summary>
    public double MaskL1 { get; init; }

    /// <summary>L1 weight on the feature weights, per unit (default 0).</summary>
    public double FeatureL1 { get; init; }

    /// <summary>Early stopping: stop after this many epochs without a better validation mean Pearson r (default 10).</summary>
    public int Patience { get; init; } = 10;

    /// <summary>An epoch counts as better when its validation mean r exceeds the best so far by more than this (default 0).</summary>
    public double MinImprovement { get; init; }

    /// <summary>Seed of the initial weights and of the per-epoch shuffling (default 0).</summary>
    public ulong Seed { get; init; }

    /// <summary>Samples per forward pass when scoring the validation set and predicting (default 256).</summary>
    public int EvaluationBatchSize { get; init; } = 256;

    internal void Validate()
    {
        if (!Enum.IsDefined(Nonlinearity))
        {
            throw new ArgumentException($"Unknown output nonlinearity {Nonlinearity}.", "options");
        }
        if (!Enum.IsDefined(Loss))
        {
            throw new ArgumentException($"Unknown loss {Loss}.", "options");
        }
        if (Loss == ReadoutLoss.Poisson && Nonlinearity == ReadoutNonlinearity.Identity)
        {
            throw new ArgumentException("The Poisson loss needs a positive output; choose the EluPlusOne or Softplus nonlinearity.", "options");
        }
        Require(MaxEpochs >= 1, $"MaxEpochs must be at least 1, got {MaxEpochs}.");
        Require(BatchSize >= 1, $"BatchSize must be at least 1, got {BatchSize}.");
        Require(EvaluationBatchSize >= 1, $"EvaluationBatchSize must be at least 1, got {EvaluationBatchSize}.");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"LearningRate must be positive, got {LearningRate}.");
        Require(Beta1 >= 0 && Beta1 < 1, $"Beta1 must lie in [0, 1), got {Beta1}.");
        Require(Beta2 >= 0 && Beta2 < 1, $"Beta2 must lie in [0, 1), got {Beta2}.");
        Require(MaskL1 >= 0 && double.IsFinite(MaskL1), $"MaskL1 must be a non-negative number, got {MaskL1}.");
        Require(FeatureL1 >= 0 && double.IsFinite(FeatureL1), $"FeatureL1 must be a non-negative number, got {FeatureL1}.");
        Require(Patience >= 1, $"Patience must be at least 1, got {Patience}.");
        Require(MinImprovement >= 0 && double.IsFinite(MinImprovement), $"MinImprovement must be a non-negative number, got {MinImprovement}.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message, "options");
        }
    }
}

/// <summary>What one training epoch achieved, reported after the epoch.</summary>
/// <param name="Epoch">Epoch number, from 1.</param>
/// <param name="MaxEpochs">The most epochs the run may take.</param>
/// <param name="TrainLoss">Mean data loss over the epoch's mini-batches, weighted by batch size (as the weights moved; without the L1 terms).</param>
/// <param name="TrainPenalty">Mean L1 penalty over the epoch's mini-batches.</param>
/// <param name="ValidationLoss">Data loss on the validation set after the epoch (evaluation mode).</param>
/// <param name="ValidationMeanR">Mean over units of the validation Pearson r (0 for a unit whose r is undefined).</param>
/// <param name="BestValidationMeanR">Best validation mean r so far, this epoch included.</param>
/// <param name="BestEpoch">Epoch of <paramref name="BestValidationMeanR"/>.</param>
/// <param name="StopsEarly">True when this epoch ends the run by early stopping.</param>
public sealed record EpochProgress(
    int Epoch, int MaxEpochs, double TrainLoss, double TrainPenalty, double ValidationLoss, double ValidationMeanR,
    double BestValidationMeanR, int BestEpoch, bool StopsEarly);
