namespace NeuroLab.Compute.Features;

/// <summary>
/// A feature space computed from the stimulus images alone at the working resolution, with no parameter but
/// <c>imageSize</c> (pixels, Gabor): validation and the cache key come from the images and that size.
/// </summary>
public abstract class ImageOnlyFeatureSpace : IFeatureSpace
{
    public abstract string Name { get; }

    public abstract string Label { get; }

    public abstract string Description { get; }

    public bool NeedsImages => true;

    public IReadOnlyList<FeatureParameter> Parameters { get; } = [ImageFeatureParameters.ImageSize];

    public Task<IReadOnlyList<string>> ValidateAsync(FeatureSpaceParameters parameters, FeatureValidationContext context, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>(ImageFeatureParameters.Check(parameters));

    public string CacheKey(FeatureSpaceParameters parameters, FeatureInput input) =>
        FeatureCacheKey.Of(Name, "v1;" + ImageFeatureParameters.Settings(input), input, images: true, labels: false, fitRows: false);

    public abstract Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct);
}
