using static TorchSharp.torch;

namespace NeuroLab.Compute.Features;

/// <summary>Category labels as a one-hot code [n, categories], categories in order of first appearance; for datasets without images.</summary>
public sealed class LabelFeatureSpace : IFeatureSpace
{
    public string Name => "labels";

    public string Label => "Category labels (one-hot)";

    public string Description => "Category labels: a one-hot code of each stimulus's label; needs no images, every stimulus must be labelled.";

    public bool NeedsImages => false;

    public IReadOnlyList<FeatureParameter> Parameters { get; } = [];

    public Task<IReadOnlyList<string>> ValidateAsync(FeatureSpaceParameters parameters, FeatureValidationContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stimuli = context.Stimuli;
        int unlabelled = stimuli.Count(s => string.IsNullOrWhiteSpace(s.Label));
        int distinct = stimuli.Select(s => s.Label).Where(l => !string.IsNullOrWhiteSpace(l)).Distinct().Count();
        IReadOnlyList<string> problems =
            unlabelled > 0 ? [$"{unlabelled} of {stimuli.Count} stimuli have no label, so label features cannot code them; import labels or use another feature space."]
            : distinct < 2 ? [$"The stimuli carry {distinct} distinct label(s); label features need at least 2 categories."]
            : [];
        return Task.FromResult(problems);
    }

    public string CacheKey(FeatureSpaceParameters parameters, FeatureInput input) =>
        FeatureCacheKey.Of(Name, "v1", input, images: false, labels: true, fitRows: false);

    public Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var labels = input.Labels;
        var categories = labels.Select(l => l!.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var oneHot = zeros(labels.Count, categories.Count);
        for (int s = 0; s < labels.Count; s++)
        {
            oneHot[s, categories.IndexOf(labels[s]!.Trim())] = 1;
        }
        return Task.FromResult(new FeatureMatrix(oneHot, $"category labels, one-hot over {categories.Count} ({string.Join(", ", categories)})"));
    }
}
