using NeuroLab.Analysis.Features;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;

namespace NeuroLab.Compute.Features.ResNet18;

/// <summary>
/// The pooled matrices of the ResNet-18 stages for a set of images, shared by the six feature spaces. A matrix not in the
/// feature cache costs a pass of every image through the whole network, which yields every stage at once: so one pass
/// pools all six stages (the requested grid clipped to each stage's side) and stores each in the feature cache under its
/// own key. The next stages of a hierarchy run are then cache hits, also after a restart; the five extra matrices are
/// small next to the images (grid 2: 256 to 2,048 floats per image).
/// One pass runs at a time (a single lock), so two callers of the same images never compute them twice.
/// </summary>
public sealed class ResNet18PooledFeatures(ResNet18Model model, ContentStore store, FeatureCache cache)
{
    private readonly SemaphoreSlim _pass = new(1, 1);

    private int _passes;

    /// <summary>Passes of images through the network so far (for tests).</summary>
    internal int Passes => _passes;

    /// <summary>The model the matrices come from.</summary>
    public ResNet18Model Model => model;

    /// <summary>
    /// The pooled matrix float32 [images, channels x grid x grid] of <paramref name="stage"/> for the images of
    /// <paramref name="input"/>: from the cache, from the last pass, or from a new pass.
    /// </summary>
    /// <param name="stage">The stage asked for.</param>
    /// <param name="requestedGrid">The cells per side asked for (each stage clips it to its own side).</param>
    /// <param name="input">The stimuli (their image hashes) and the progress receiver.</param>
    /// <param name="ct">Cancels the pass between images and batches; nothing is cached then.</param>
    public async Task<NumericArray> GetAsync(ResNet18Stage stage, int requestedGrid, FeatureInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(input);
        string key = ResNet18FeatureSpace.PooledKey(stage, Clip(stage, requestedGrid), input);
        if (await FromCacheAsync(key, input, ct) is { } ready)
        {
            return ready;
        }
        await _pass.WaitAsync(ct);
        try
        {
            if (await FromCacheAsync(key, input, ct) is { } computedMeanwhile)
            {
                return computedMeanwhile;
            }
            var shas = input.ImageSha256;
            if (shas.Count != input.Labels.Count || shas.Any(s => s is null))
            {
                throw new InvalidOperationException($"{ResNet18FeatureSpace.Prefix}{stage.Name} reads the stimulus images from the store, but not every stimulus names one.");
            }
            var outputs = ResNet18Stage.All.Select(s => new ResNet18Extraction.Output(s, Clip(s, requestedGrid))).ToArray();
            var progress = input.Progress is { } receiver ? new Progress(receiver, shas.Count) : null;
            Interlocked.Increment(ref _passes);
            var result = await ResNet18Extraction.RunAsync(model, shas.Count, (i, token) => ReadAsync(shas[i]!, i, token), outputs, progress, ct);
            var matrices = outputs.Select((o, i) => (Key: ResNet18FeatureSpace.PooledKey(o.Stage, o.Grid, input),
                Matrix: new NumericArray(NumericType.Float32, [shas.Count, o.Width], result.Matrices[i]))).ToList();
            foreach (var (matrixKey, matrix) in matrices)
            {
                await cache.SetAsync(matrixKey, matrix, ct);
            }
            return matrices.Single(m => m.Key == key).Matrix;
        }
        finally
        {
            _pass.Release();
        }
    }

    private static int Clip(ResNet18Stage stage, int grid) => Math.Min(grid, stage.Side);

    /// <summary>The matrix from the feature cache; null when it is not there.</summary>
    private async Task<NumericArray?> FromCacheAsync(string key, FeatureInput input, CancellationToken ct)
    {
        if (await cache.TryGetAsync(key, ct) is not { } found)
        {
            return null;
        }
        input.Progress?.Report(new FeatureProgress((int)found.Shape[0], (int)found.Shape[0]));
        return found;
    }

    private async ValueTask<float[]> ReadAsync(string sha, int index, CancellationToken ct)
    {
        await using var stream = store.OpenRead(sha);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct);
        buffer.Position = 0;
        return ResNet18Model.ReadInput(buffer, $"stimulus {index}");
    }

    private sealed class Progress(IProgress<FeatureProgress> receiver, int total) : IProgress<int>
    {
        public void Report(int value) => receiver.Report(new FeatureProgress(value, total));
    }
}
