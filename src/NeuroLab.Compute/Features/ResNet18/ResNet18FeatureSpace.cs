using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using NeuroLab.Analysis.Features;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Features.ResNet18;

/// <summary>
/// A stage of the ImageNet ResNet-18 (<see cref="ResNet18Model"/>) as a feature space <c>resnet18:&lt;stage&gt;</c>: every
/// stimulus image (the original colour file, not the greyscale working copy) through the network, the stage's output
/// average-pooled to a <c>poolGrid</c> x <c>poolGrid</c> grid per channel (adaptive pooling: cell i spans rows
/// floor(i n / g) to ceil((i + 1) n / g)), flattened channel-major, optionally reduced by PCA fitted on the training
/// stimuli only. The pooled matrix is cached in the content store per (model, stage, grid, preprocessing, images); one
/// pass of the images computes every stage (<see cref="ResNet18PooledFeatures"/>).
/// </summary>
public sealed class ResNet18FeatureSpace(ResNet18Stage stage, ResNet18PooledFeatures pooledFeatures) : IFeatureSpace
{
    /// <summary>The prefix of the spaces' names.</summary>
    public const string Prefix = "resnet18:";

    /// <summary>Most cells per side of the pooling grid (layer4's own 7x7).</summary>
    public const int MaxPoolGrid = 7;

    /// <summary>Default cells per side: layer4 gives 512 x 2 x 2 = 2,048 features, the stem 256.</summary>
    public const int DefaultPoolGrid = 2;

    /// <summary>Bump when the preprocessing or pooling changes, so cached matrices are not reused.</summary>
    private const string Version = "v1";

    public ResNet18Stage Stage { get; } = stage;

    public string Name => Prefix + Stage.Name;

    public string Label => $"ResNet-18 (ImageNet) {Stage.Name}";

    public string Description => $"ResNet-18 trained on ImageNet, {Stage.Description}: colour images at 224x224, " +
        (Stage.Side > 1 ? "each channel averaged over a poolGrid x poolGrid grid" : "512 features") + ", optionally reduced by PCA fitted on the training stimuli.";

    public bool NeedsImages => true;

    public IReadOnlyList<FeatureParameter> Parameters => Stage.Side > 1 ? [PoolGridParameter, PcaParameter] : [PcaParameter];

    private static readonly FeatureParameter PoolGridParameter = new("poolGrid", "integer",
        "Spatial average pooling of the stage's output: cells per side of the grid each channel is averaged over (1 = global average).",
        DefaultPoolGrid.ToString(CultureInfo.InvariantCulture), 1, MaxPoolGrid);

    private static readonly FeatureParameter PcaParameter = new("featurePcaComponents", "integer",
        "Principal components of the network features kept (fitted on the training stimuli only); none when not given.",
        null, 1, FeatureSpaceParameters.MaxPcaComponents);

    private int Grid(FeatureSpaceParameters p) => Stage.Side == 1 ? 1 : Math.Min(p.PoolGrid ?? DefaultPoolGrid, Stage.Side);

    public Task<IReadOnlyList<string>> ValidateAsync(FeatureSpaceParameters parameters, FeatureValidationContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var problems = new List<string>();
        Runs.RunParameterChecks.InRange(problems, "poolGrid", parameters.PoolGrid, 1, MaxPoolGrid);
        Runs.RunParameterChecks.InRange(problems, "featurePcaComponents", parameters.FeaturePcaComponents, 1, FeatureSpaceParameters.MaxPcaComponents);
        if (!pooledFeatures.Model.IsAvailable)
        {
            problems.Add($"{Name}: the ResNet-18 graphs are not installed on this server (looked in {pooledFeatures.Model.Directory}; setting {ResNet18Model.DirectorySetting}).");
        }
        if (context is not null && PassTooLarge(context.Stimuli.Count, parameters.PoolGrid ?? DefaultPoolGrid) is { } tooLarge)
        {
            problems.Add($"{Name}: {tooLarge}");
        }
        return Task.FromResult<IReadOnlyList<string>>(problems);
    }

    /// <summary>Most bytes the pooled matrices of one pass (every stage, float32) may take.</summary>
    public const long MaxPassBytes = 2L << 30;

    /// <summary>The problem when one pass over <paramref name="images"/> at <paramref name="grid"/> would hold more than <see cref="MaxPassBytes"/>; null otherwise.</summary>
    internal static string? PassTooLarge(long images, int grid)
    {
        long perImage = ResNet18Stage.All.Sum(s => (long)s.Channels * Math.Min(grid, s.Side) * Math.Min(grid, s.Side));
        double bytes = 4.0 * perImage * images;
        return bytes <= MaxPassBytes ? null : string.Create(CultureInfo.InvariantCulture,
            $"poolGrid {grid} gives {perImage:N0} features per image over the six stages (one pass pools them all): {images:N0} images take {bytes / (1 << 30):0.0} GiB, more than {MaxPassBytes >> 30} GiB. Choose a smaller poolGrid.");
    }

    /// <summary>The key of the pooled network features (before PCA): model, stage, grid, preprocessing and the images.</summary>
    private string PooledKey(FeatureSpaceParameters p, FeatureInput input) => PooledKey(Stage, Grid(p), input);

    /// <summary>The key of a stage's pooled network features on a grid of <paramref name="grid"/> cells per side.</summary>
    internal static string PooledKey(ResNet18Stage stage, int grid, FeatureInput input) =>
        FeatureCacheKey.Of(Prefix + stage.Name, $"{Version};model=Microsoft.ML.DnnImageFeaturizer.ResNet18/0.24.0;prep=rgb224-isocrop-mitchell;grid={grid}", input, images: true, labels: false, fitRows: false);

    public string CacheKey(FeatureSpaceParameters parameters, FeatureInput input)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);
        return parameters.FeaturePcaComponents is { } k
            ? FeatureCacheKey.Of(Name, string.Create(CultureInfo.InvariantCulture, $"{PooledKey(parameters, input)};pca={k}"), input, images: false, labels: false, fitRows: true)
            : PooledKey(parameters, input);
    }

    public async Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);
        int grid = Grid(parameters);
        var pooled = await pooledFeatures.GetAsync(Stage, parameters.PoolGrid ?? DefaultPoolGrid, input, ct);
        var features = tensor(pooled.ToFloat32(), [pooled.Shape[0], pooled.Shape[1]]);
        string what = $"ResNet-18 {Stage.Name}, {Stage.Channels} channels x {grid}x{grid} cells = {pooled.Shape[1]} features";
        if (parameters.FeaturePcaComponents is not { } components)
        {
            return new FeatureMatrix(features, what);
        }
        var (projected, k, variance) = PcaFeatureSpace.FitTransform(features, input.FitRows, components);
        return new FeatureMatrix(projected, $"{what}, PCA to {k} components ({variance:0.000} of variance)");
    }

    /// <summary>
    /// Adaptive average pooling of <paramref name="map"/> [channels, side, side] to [channels, grid, grid] (as PyTorch's
    /// adaptive_avg_pool2d: cell i covers rows floor(i side / grid) .. ceil((i + 1) side / grid) - 1).
    /// </summary>
    internal static void AveragePool(ReadOnlySpan<float> map, int channels, int side, int grid, Span<float> result)
    {
        for (int c = 0; c < channels; c++)
        {
            for (int gy = 0; gy < grid; gy++)
            {
                int y0 = gy * side / grid, y1 = (((gy + 1) * side) + grid - 1) / grid;
                for (int gx = 0; gx < grid; gx++)
                {
                    int x0 = gx * side / grid, x1 = (((gx + 1) * side) + grid - 1) / grid;
                    double sum = 0;
                    for (int y = y0; y < y1; y++)
                    {
                        for (int x = x0; x < x1; x++)
                        {
                            sum += map[(c * side * side) + (y * side) + x];
                        }
                    }
                    result[(c * grid * grid) + (gy * grid) + gx] = (float)(sum / ((y1 - y0) * (x1 - x0)));
                }
            }
        }
    }
}

/// <summary>Registers the ResNet-18 stages as feature spaces.</summary>
public static class ResNet18ServiceCollectionExtensions
{
    /// <summary>Adds <c>resnet18:stem</c> .. <c>resnet18:pool</c>, the shared model (loaded on first use), their shared pooled matrices and the feature cache.</summary>
    public static IServiceCollection AddResNet18FeatureSpaces(this IServiceCollection services)
    {
        services.AddSingleton(sp => new ResNet18Model(sp.GetService<Microsoft.Extensions.Configuration.IConfiguration>()));
        services.AddSingleton<FeatureCache>();
        services.AddSingleton<Models.BuiltInModels>();
        services.AddSingleton<ResNet18PooledFeatures>();
        foreach (var stage in ResNet18Stage.All)
        {
            services.AddSingleton<IFeatureSpace>(sp => new ResNet18FeatureSpace(stage, sp.GetRequiredService<ResNet18PooledFeatures>()));
        }
        return services;
    }
}
