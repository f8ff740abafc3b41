using NeuroLab.Analysis.Encoding;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.Runs;
using static TorchSharp.torch;

namespace NeuroLab.Compute.RunKinds.Reconstruction;

/// <summary>What a ridge decoder predicted for the test images: one row per test image (dataset test order) and the fit.</summary>
/// <param name="Order">The stimulus (dataset order) of each test image.</param>
/// <param name="Predicted">float32 [test images, width], row-major: single-trial predictions of a stimulus averaged.</param>
/// <param name="Fit">The ridge fit (chosen alphas, test scores), disposed with this record.</param>
internal sealed record DecodedTestImages(long[] Order, float[] Predicted, RidgeCvResult Fit) : IDisposable
{
    public void Dispose() => Fit.Dispose();
}

/// <summary>
/// The ridge step the ridge-based reconstruction kinds share: each target column (a pixel, a feature) is a ridge regression
/// on all units' responses, its alpha chosen by cross-validated R² on the training samples; the test samples are predicted
/// and averaged per test image.
/// </summary>
internal static class RidgeDecoding
{
    /// <summary>
    /// Fits <paramref name="trainTargets"/> [training samples, width] from the training samples' responses and predicts the
    /// test samples (<paramref name="testTargets"/> [test samples, width] only score the fit). <paramref name="what"/> names
    /// the columns in progress reports ("pixels", "features").
    /// </summary>
    public static DecodedTestImages Decode(
        EncodingSamples.Samples samples, EncodingRidgeParameters encoding, Tensor trainTargets, Tensor testTargets, string what, RunContext context)
    {
        var (_, trainResponses, testResponses) = samples.ResponseTensors();
        var options = encoding.RidgeOptions(samples.Folds) with { KeepWeights = false, KeepTestPredictions = true, Score = CvScoreKind.RSquared };
        var fit = RidgeCv.Fit(trainResponses, trainTargets, testResponses, testTargets, options,
            new EncodingJobSupport.SynchronousProgress<RidgeProgress>(rp => context.Report(rp.Stage == RidgeStage.Decomposing ? "decomposing folds" : $"fitting {what}", rp.Step, rp.Total)),
            context.Cancellation);
        var (order, predicted) = samples.AverageByTestStimulus(fit.TestPredictions!.to_type(ScalarType.Float32).contiguous().data<float>().ToArray(), (int)trainTargets.shape[1]);
        return new DecodedTestImages(order, predicted, fit);
    }
}

/// <summary>
/// Features z-scored with the training rows' means and deviations (population), as the feature decoders fit them: the ridge
/// fits are unchanged per feature, and correlations over features weigh every feature alike.
/// </summary>
internal sealed record FeatureScaling(Tensor Mean, Tensor Std)
{
    /// <summary>The scaling of <paramref name="train"/> [training rows, features]; constant features keep deviation 1.</summary>
    public static FeatureScaling FromTraining(Tensor train)
    {
        var std = train.std([0], unbiased: false, keepdim: true);
        return new(train.mean([0], keepdim: true), where(std > 1e-12, std, ones_like(std)));
    }

    /// <summary>(x - mean) / std, row by row.</summary>
    public Tensor Standardise(Tensor x) => (x - Mean) / Std;

    /// <summary>z * std + mean for rows <paramref name="z"/> [rows, features] (row-major): back in the feature space's own units.</summary>
    public float[] Restore(float[] z, int features)
    {
        using var scope = NewDisposeScope();
        return (tensor(z, [z.Length / features, features]) * Std + Mean).contiguous().data<float>().ToArray();
    }
}
