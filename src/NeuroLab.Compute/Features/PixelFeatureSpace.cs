using NeuroLab.Analysis.Features;

namespace NeuroLab.Compute.Features;

/// <summary>Raw pixels: each stimulus resized (area average) to the working resolution and flattened, [n, size²].</summary>
public sealed class PixelFeatureSpace : IFeatureSpace
{
    public string Name => "pixels";

    public string Label => "Raw pixels";

    public string Description => "Raw pixels: each greyscale stimulus resized to the working resolution and flattened (size x size features).";

    public bool NeedsImages => true;

    public IReadOnlyList<FeatureParameter> Parameters { get; } = [ImageFeatureParameters.ImageSize];

    public Task<IReadOnlyList<string>> ValidateAsync(FeatureSpaceParameters parameters, FeatureValidationContext context, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>(ImageFeatureParameters.Check(parameters));

    public string CacheKey(FeatureSpaceParameters parameters, FeatureInput input) =>
        FeatureCacheKey.Of(Name, "v1;" + ImageFeatureParameters.Settings(input), input, images: true, labels: false, fitRows: false);

    public Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        int size = input.ImageSize;
        return Task.FromResult(new FeatureMatrix(PixelFeatures.Extract(input.Images, size, size), $"pixels {size}x{size}"));
    }
}
