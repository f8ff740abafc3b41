using System.Globalization;
using NeuroLab.Analysis.Features;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Features;

/// <summary>
/// PCA of pixels: the principal components of the training stimuli's pixels (<see cref="FeatureInput.FitRows"/>),
/// every stimulus projected onto them; at most one fewer component than there are training stimuli.
/// </summary>
public sealed class PcaFeatureSpace : IFeatureSpace
{
    public string Name => "pca";

    public string Label => "PCA of pixels";

    public string Description => "PCA of pixels: principal components fitted on the training stimuli only, so held-out stimuli never shape the space.";

    public bool NeedsImages => true;

    public IReadOnlyList<FeatureParameter> Parameters { get; } =
    [
        ImageFeatureParameters.ImageSize,
        new("pcaComponents", "integer", "Principal components kept (at most one fewer than the training stimuli).", "100", 1, FeatureSpaceParameters.MaxPcaComponents),
    ];

    public Task<IReadOnlyList<string>> ValidateAsync(FeatureSpaceParameters parameters, FeatureValidationContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var problems = ImageFeatureParameters.Check(parameters);
        Runs.RunParameterChecks.InRange(problems, "pcaComponents", parameters.PcaComponents, 1, FeatureSpaceParameters.MaxPcaComponents);
        return Task.FromResult<IReadOnlyList<string>>(problems);
    }

    public string CacheKey(FeatureSpaceParameters parameters, FeatureInput input) =>
        FeatureCacheKey.Of(Name, string.Create(CultureInfo.InvariantCulture, $"v1;{ImageFeatureParameters.Settings(input)};k={parameters.PcaComponents}"), input, images: true, labels: false, fitRows: true);

    public Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);
        int size = input.ImageSize;
        var flat = PixelFeatures.Extract(input.Images, size, size);
        var (projected, k, variance) = FitTransform(flat, input.FitRows, parameters.PcaComponents);
        return Task.FromResult(new FeatureMatrix(projected, $"PCA of {size}x{size} pixels, {k} components, {variance:0.000} of variance"));
    }

    /// <summary>
    /// PCA fitted on the rows <paramref name="fitRows"/> of <paramref name="features"/> [nStimuli, nFeatures] only, every
    /// row projected: at most <paramref name="components"/> components and one fewer than the distinct training rows.
    /// </summary>
    /// <returns>The projection [nStimuli, k], k, and the fraction of the training variance kept.</returns>
    internal static (Tensor Projected, int Components, double Variance) FitTransform(Tensor features, long[] fitRows, int components)
    {
        int k = Math.Min(components, fitRows.Distinct().Count() - 1);
        using var pca = PcaFeatures.Fit(features.index_select(0, tensor(fitRows)), k);
        return (pca.Transform(features), k, pca.ExplainedVarianceRatio.Sum());
    }
}
