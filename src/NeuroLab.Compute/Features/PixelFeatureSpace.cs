using NeuroLab.Analysis.Features;

namespace NeuroLab.Compute.Features;

/// <summary>Raw pixels: each stimulus resized (area average) to the working resolution and flattened, [n, size²].</summary>
public sealed class PixelFeatureSpace : ImageOnlyFeatureSpace
{
    public override string Name => "pixels";

    public override string Label => "Raw pixels";

    public override string Description => "Raw pixels: each greyscale stimulus resized to the working resolution and flattened (size x size features).";

    public override Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        int size = input.ImageSize;
        return Task.FromResult(new FeatureMatrix(PixelFeatures.Extract(input.Images, size, size), $"pixels {size}x{size}"));
    }
}
