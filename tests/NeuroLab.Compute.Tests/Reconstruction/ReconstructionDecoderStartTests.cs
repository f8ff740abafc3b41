using NeuroLab.Analysis.Training;
using NeuroLab.Compute.RunKinds.ReconstructionDecoder;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Tests.Reconstruction;

/// <summary>The reconstruction-decoder's ridge start: the decoder before training predicts what per-pixel ridge predicts.</summary>
public sealed class ReconstructionDecoderStartTests
{
    [Fact]
    public void RidgeStart_BeforeTraining_DecoderEqualsClosedFormRidgeWithin1e4()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var x = randn([50, 30], generator: generator);
        x = (x - x.mean([0L], keepdim: true)) / x.std([0L], keepdim: true);
        var pixels = (0.5f + (x.mm(randn([30, 49], generator: generator)) * 0.1f) + (randn([50, 49], generator: generator) * 0.05f)).clamp(0, 1);
        var xNew = randn([12, 30], generator: generator);
        const double alpha = 20;
        var p = new ReconstructionDecoderParameters { Alphas = [alpha], Folds = 5 };

        var (weights, intercepts, median) = ReconstructionDecoderJob.RidgeStart(p, x, pixels, CancellationToken.None);
        using var trainer = new ImageDecoderTrainer(30, 49, new ImageDecoderOptions { Hidden = 32, LinearSkip = true });
        trainer.InitializeFromLinear(weights, intercepts);
        var decoded = trainer.Predict(xNew).to_type(ScalarType.Float64);

        // Reference: ridge with an intercept in closed form, float64 (Hastie et al., ESL 3.4.1):
        // W = (Xc'Xc + alpha I)^-1 Xc'(Y - mean Y), b = mean Y - mean X W, prediction clamped to 0..1 as scored.
        var xd = x.to_type(ScalarType.Float64);
        var yd = pixels.to_type(ScalarType.Float64);
        var xm = xd.mean([0L], keepdim: true);
        var ym = yd.mean([0L], keepdim: true);
        var xc = xd - xm;
        var w = linalg.solve(xc.t().mm(xc) + (eye(30, dtype: ScalarType.Float64) * alpha), xc.t().mm(yd - ym));
        var expected = (xNew.to_type(ScalarType.Float64).mm(w) + (ym - xm.mm(w))).clamp(0, 1);
        double worst = (decoded - expected).abs().max().item<double>();
        Assert.True(worst < 1e-4, $"largest difference from closed-form ridge {worst:E2}");
        Assert.Equal(alpha, median);
        Assert.True(expected.gt(0).logical_and(expected.lt(1)).sum().item<long>() > 500, "most predictions are inside 0..1, so the clamp does not hide a difference");
    }
}
