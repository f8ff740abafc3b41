using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Data;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;

namespace NeuroLab.Compute.Features;

/// <summary>
/// A dataset's stimuli in any feature space, outside a run (the features download): the space's own validation, then
/// its matrix (from the cache where the space keeps one). Fitted spaces (PCA) learn from the stimuli marked "train",
/// or from all stimuli when none is marked. The caller checks that the user may read the dataset.
/// </summary>
public sealed class DatasetFeatures(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, FeatureSpaceRegistry registry)
{
    /// <summary>The outcome: the matrix [stimuli, features] as float32, or the problems (unknown space: <paramref name="Unknown"/>).</summary>
    public sealed record Outcome(NumericArray? Matrix, IReadOnlyList<string> Problems, bool Unknown);

    public async Task<Outcome> ComputeAsync(Guid datasetId, string space, FeatureSpaceParameters parameters, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!registry.TryGet(space, out var featureSpace))
        {
            return new Outcome(null, [registry.UnknownMessage("space", space)], Unknown: true);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stimuli = await db.Stimuli.Where(s => s.DatasetId == datasetId).OrderBy(s => s.Index)
            .Select(s => new { s.ImageSha256, s.Label, s.Split }).ToListAsync(ct);
        if (stimuli.Count == 0)
        {
            return new Outcome(null, ["The dataset has no stimuli."], Unknown: false);
        }
        var problems = await registry.ValidateAsync("space", [space], parameters,
            new FeatureValidationContext(datasetId, [.. stimuli.Select(s => new FeatureStimulus(s.ImageSha256, s.Label))], db), ct);
        if (problems.Count > 0)
        {
            return new Outcome(null, problems, Unknown: false);
        }
        long[] train = [.. Enumerable.Range(0, stimuli.Count).Where(i => stimuli[i].Split == "train").Select(i => (long)i)];
        var shas = stimuli.Select(s => s.ImageSha256).ToList();
        // The greyscale working copies (pixels, PCA, Gabor, TorchScript); the ResNet-18 stages read the original colour files themselves.
        using var images = featureSpace.NeedsImages && featureSpace is not ResNet18.ResNet18FeatureSpace
            ? await EncodingJobSupport.LoadImagesAsync(store, [.. shas.Select(s => s!)], null, ct)
            : TorchSharp.torch.empty(0);
        var input = new FeatureInput
        {
            Images = images,
            ImageSize = images.dim() == 3 ? FeatureInput.WorkingSize(parameters.ImageSize, (int)Math.Min(images.shape[1], images.shape[2])) : 0,
            Labels = [.. stimuli.Select(s => s.Label)],
            FitRows = train.Length > 0 ? train : [.. Enumerable.Range(0, stimuli.Count).Select(i => (long)i)],
            ImageSha256 = shas,
        };
        var matrix = await featureSpace.ComputeAsync(parameters, input, ct);
        using var values = matrix.Values.to_type(TorchSharp.torch.ScalarType.Float32).contiguous();
        return new Outcome(new NumericArray(NumericType.Float32, [values.shape[0], values.shape[1]], values.data<float>().ToArray()), [], Unknown: false);
    }
}
