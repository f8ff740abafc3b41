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
        int k = Math.Min(parameters.PcaComponents, input.FitRows.Distinct().Count() - 1);
        using var pca = PcaFeatures.Fit(flat.index_select(0, tensor(input.FitRows)), k);
        return Task.FromResult(new FeatureMatrix(pca.Transform(flat),
            $"PCA of {size}x{size} pixels, {k} components, {pca.ExplainedVarianceRatio.Sum():0.000} of variance"));
    }
}
