using static TorchSharp.torch;

namespace NeuroLab.Analysis.Training;

/// <summary>Checks of the tensors handed to the trainer and the model, with messages that name the tensor and the problem.</summary>
internal static class ReadoutData
{
    public static void CheckFeatures(Tensor features, string name, FactorizedReadout readout, int minimumSamples = 1)
    {
        ArgumentNullException.ThrowIfNull(features, name);
        if (features.dim() != 4)
        {
            throw new ArgumentException($"{name} must be feature maps [n, channels, height, width]; got shape {Shape(features)}.", name);
        }
        if (!features.is_floating_point())
        {
            throw new ArgumentException($"{name} must be floating point; got {features.dtype}.", name);
        }
        if (features.shape[1] != readout.Channels || features.shape[2] != readout.Height || features.shape[3] != readout.Width)
        {
            throw new ArgumentException(
                $"{name} has shape {Shape(features)}, i.e. {features.shape[1]} channels of {features.shape[2]} x {features.shape[3]}; " +
                $"the readout expects {readout.Channels} channels of {readout.Height} x {readout.Width}.", name);
        }
        if (features.shape[0] < minimumSamples)
        {
            throw new ArgumentException($"{name} needs at least {minimumSamples} sample(s); got {features.shape[0]}.", name);
        }
        CheckFinite(features, name);
    }

    public static void CheckResponses(Tensor responses, string name, Tensor features, string featuresName, FactorizedReadout readout, bool nonNegative)
    {
        ArgumentNullException.ThrowIfNull(responses, name);
        if (responses.dim() != 2)
        {
            throw new ArgumentException($"{name} must be responses [n, units]; got shape {Shape(responses)}.", name);
        }
        if (responses.shape[0] != features.shape[0])
        {
            throw new ArgumentException($"{name} has {responses.shape[0]} samples but {featuresName} has {features.shape[0]}.", name);
        }
        if (responses.shape[1] != readout.Units)
        {
            throw new ArgumentException($"{name} has {responses.shape[1]} units; the readout predicts {readout.Units}.", name);
        }
        CheckFinite(responses, name);
        if (nonNegative)
        {
            using var negative = responses.lt(0);
            if (negative.any().item<bool>())
            {
                using var where = negative.nonzero();
                throw new ArgumentException(
                    $"{name} has a negative value (first at sample {where[0, 0].item<long>()}, unit {where[0, 1].item<long>()}); the Poisson loss needs counts or rates >= 0.", name);
            }
        }
    }

    public static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    private static void CheckFinite(Tensor t, string name)
    {
        if (!t.is_floating_point())
        {
            return;
        }
        using var scope = NewDisposeScope();
        var bad = isfinite(t).logical_not_();
        if (bad.any().item<bool>())
        {
            long sample = bad.nonzero()[0, 0].item<long>();
            throw new ArgumentException($"{name} contains NaN or infinite values (first at sample {sample}).", name);
        }
    }
}
