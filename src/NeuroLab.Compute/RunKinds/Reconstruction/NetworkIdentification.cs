using NeuroLab.Analysis.Reconstruction;
using NeuroLab.Compute.Features.ResNet18;

namespace NeuroLab.Compute.RunKinds.Reconstruction;

/// <summary>
/// 2-way identification in the feature space of an early and a late ResNet-18 stage (the role AlexNet(2) and AlexNet(5)
/// play in MindEye's table): reconstructions and targets go through the network (<see cref="ResNet18Model.InputFromGrey"/>),
/// layer1's maps average-pooled to 14 x 14 cells (64 x 196 = 12,544 features; the full 56 x 56 maps would cost 200,704
/// floats per image) and layer4's full 7 x 7 maps (25,088 features), then <see cref="ReconstructionMetrics.TwoWayIdentification"/>.
/// </summary>
public static class NetworkIdentification
{
    /// <summary>The early stage's name (metrics.csv: identification_resnet18_layer1).</summary>
    public const string EarlyStage = "layer1";

    /// <summary>The late stage's name (metrics.csv: identification_resnet18_layer4).</summary>
    public const string LateStage = "layer4";

    /// <summary>Cells per side the early stage is pooled to.</summary>
    public const int EarlyGrid = 14;

    private const int Batch = 16;

    /// <summary>Per image, the early and the late stage's 2-way identification; null when the network is absent or there is no distractor.</summary>
    public static (double[] Early, double[] Late)? Compute(ResNet18Model? network, float[] reconstructions, float[] targets, int n, int h, int w, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reconstructions);
        ArgumentNullException.ThrowIfNull(targets);
        if (network is not { IsAvailable: true } || n < 2)
        {
            return null;
        }
        var early = ResNet18Stage.All.Single(s => s.Name == EarlyStage);
        var late = ResNet18Stage.All.Single(s => s.Name == LateStage);
        int earlyWidth = early.Channels * EarlyGrid * EarlyGrid, lateWidth = late.Channels * late.Side * late.Side;
        var (reconEarly, reconLate) = Features(reconstructions);
        var (targetEarly, targetLate) = Features(targets);
        return (ReconstructionMetrics.TwoWayIdentification(reconEarly, targetEarly, n, earlyWidth),
            ReconstructionMetrics.TwoWayIdentification(reconLate, targetLate, n, lateWidth));

        (float[] Early, float[] Late) Features(float[] images)
        {
            var e = new float[(long)n * earlyWidth];
            var l = new float[(long)n * lateWidth];
            for (int start = 0; start < n; start += Batch)
            {
                ct.ThrowIfCancellationRequested();
                int count = Math.Min(Batch, n - start);
                var inputs = new float[count * ResNet18Model.InputLength];
                for (int i = 0; i < count; i++)
                {
                    ResNet18Model.InputFromGrey(images.AsSpan((start + i) * h * w, h * w), h, w).CopyTo(inputs, i * ResNet18Model.InputLength);
                }
                network.RunBatch(inputs, count, [early, late], (stage, values) =>
                {
                    for (int i = 0; i < count; i++)
                    {
                        if (stage == 0)
                        {
                            int mapLength = early.Channels * early.Side * early.Side;
                            ResNet18FeatureSpace.AveragePool(values.Slice(i * mapLength, mapLength), early.Channels, early.Side, EarlyGrid, e.AsSpan((start + i) * earlyWidth, earlyWidth));
                        }
                        else
                        {
                            values.Slice(i * lateWidth, lateWidth).CopyTo(l.AsSpan((start + i) * lateWidth, lateWidth));
                        }
                    }
                });
            }
            return (e, l);
        }
    }
}
