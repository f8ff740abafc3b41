using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Features.ResNet18;
using NeuroLab.Compute.Tests.Datasets;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Tests.Features;

/// <summary>
/// The ResNet-18 feature spaces on real stimuli (Kriegeskorte 92 objects, 175x175 RGB PNG; Kay 2008, 128x128 grey JPEG),
/// checked against ML.NET's own DnnImageFeaturizer pipeline from the same package (Microsoft.ML, ImageAnalytics and
/// OnnxTransformer 6.0.0, Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0: LoadImages, ResizeImages 224x224,
/// ExtractPixels, DnnFeaturizeImage with ResNet18), which decodes, resizes and runs the graphs on its own path.
/// </summary>
public sealed class ResNet18FeatureSpaceTests : IDisposable
{
    private static readonly string[] s_images =
        ["k92/images/00.png", "k92/images/17.png", "k92/images/50.png", "k92/images/91.png", "kay2008-stimuli/stimuli/0.jpg", "kay2008-stimuli/stimuli/1.jpg"];

    private readonly ImportFixture _f = new();
    private readonly FeatureSpaceRegistry _registry;
    private readonly ITestOutputHelper _output;

    public ResNet18FeatureSpaceTests(ITestOutputHelper output)
    {
        _output = output;
        _registry = TestFeatureSpaces.Registry(_f.Database.Factory, _f.Store);
    }

    public void Dispose() => _f.Dispose();

    private async Task<FeatureInput> InputAsync()
    {
        var shas = new List<string?>();
        foreach (var image in s_images)
        {
            await using var file = File.OpenRead(SharedData.Path(image));
            shas.Add((await _f.Store.AddAsync(file)).Sha256);
        }
        return new FeatureInput { Images = empty(0), ImageSize = 0, Labels = [.. s_images.Select(_ => (string?)null)], FitRows = [0, 1, 2, 3], ImageSha256 = shas };
    }

    private sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }

    private static float[][] MlNetFeatures(string modelDirectory)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(s_images.Select(i => new ImagePath { Path = SharedData.Path(i) }));
        var pipeline = ml.Transforms.LoadImages("Image", "", nameof(ImagePath.Path))
            .Append(ml.Transforms.ResizeImages("Image", 224, 224))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn, modelDirectory), "Pixels"));
        return [.. pipeline.Fit(data).Transform(data).GetColumn<float[]>("Features")];
    }

    [Fact]
    public async Task Pool_RealImages_EqualsMlNetDnnImageFeaturizerWithin1e4()
    {
        var space = _registry.Get("resnet18:pool");
        var progress = new List<int>();
        var input = await InputAsync();
        input = new FeatureInput { Images = input.Images, ImageSize = 0, Labels = input.Labels, FitRows = input.FitRows, ImageSha256 = input.ImageSha256, Progress = new Progress(progress) };
        var ours = (await space.ComputeAsync(new FeatureSpaceParameters(), input, CancellationToken.None)).Values;
        Assert.Equal([s_images.Length, 512L], ours.shape);
        var expected = MlNetFeatures(new ResNet18Model().Directory);
        var actual = ours.data<float>().ToArray();
        double worst = 0;
        for (int i = 0; i < s_images.Length; i++)
        {
            for (int j = 0; j < 512; j++)
            {
                worst = Math.Max(worst, Math.Abs(expected[i][j] - actual[(i * 512) + j]));
            }
        }
        _output.WriteLine($"largest absolute difference from ML.NET over {s_images.Length} images x 512: {worst:E2}");
        Assert.True(worst <= 1e-4, $"largest difference from ML.NET {worst}");
        Assert.Equal(s_images.Length, progress[^1]);

        // The second computation of the same images comes from the content-store cache, equal to the bit.
        var again = (await space.ComputeAsync(new FeatureSpaceParameters(), input, CancellationToken.None)).Values;
        Assert.Equal(actual, again.data<float>().ToArray());
        // One pass cached every stage's matrix (the pool asked for, the five others for a hierarchy run's next stages).
        Assert.Equal(ResNet18Stage.All.Count, Directory.GetFiles(Path.Combine(_f.Store.Root, "feature-cache")).Length);
    }

    private sealed class Progress(List<int> done) : IProgress<NeuroLab.Analysis.Features.FeatureProgress>
    {
        public void Report(NeuroLab.Analysis.Features.FeatureProgress value) => done.Add(value.ImagesDone);
    }

    [Fact]
    public async Task Run_EveryStage_HasTheGraphsShapeAndLayer4MeanIsPool()
    {
        using var model = new ResNet18Model();
        await using var file = File.OpenRead(SharedData.Path(s_images[0]));
        var outputs = model.Run(ResNet18Model.ReadInput(file, "00.png"), ResNet18Stage.All);
        int[] sizes = [64 * 56 * 56, 64 * 56 * 56, 128 * 28 * 28, 256 * 14 * 14, 512 * 7 * 7, 512];
        Assert.Equal(sizes, outputs.Select(o => o.Length));
        var layer4 = outputs[4];
        var pool = outputs[5];
        for (int c = 0; c < 512; c++)
        {
            float mean = layer4.AsSpan(c * 49, 49).ToArray().Average();
            Assert.True(Math.Abs(mean - pool[c]) <= 1e-4, $"channel {c}: mean of layer4 {mean}, pool {pool[c]}");
        }
    }

    [Fact]
    public void PassTooLarge_BigGridOnManyImages_IsRefusedNamingTheSize_Grid2Fits()
    {
        // Grid 7: 64*49 + 64*49 + 128*49 + 256*49 + 512*49 + 512 = 50,688 floats per image; 73,000 images (NSD) = 13.8 GiB.
        Assert.Equal("poolGrid 7 gives 50,688 features per image over the six stages (one pass pools them all): 73,000 images take 13.8 GiB, more than 2 GiB. Choose a smaller poolGrid.",
            ResNet18FeatureSpace.PassTooLarge(73_000, 7));
        // Grid 2: 256 + 256 + 512 + 1,024 + 2,048 + 512 = 4,608 floats per image: 73,000 images = 1.25 GiB.
        Assert.Null(ResNet18FeatureSpace.PassTooLarge(73_000, 2));
    }

    [Fact]
    public void AveragePool_Grid2Of7_EqualsTorchAdaptiveAvgPool2d()
    {
        // Reference: libtorch 2.10.0 (TorchSharp 0.107.0) adaptive_avg_pool2d; tolerance 1e-6 (float32 sums of up to 16 values).
        var random = new Random(3);
        var map = Enumerable.Range(0, 3 * 7 * 7).Select(_ => (float)random.NextDouble()).ToArray();
        foreach (int grid in new[] { 1, 2, 3, 7 })
        {
            var ours = new float[3 * grid * grid];
            ResNet18FeatureSpace.AveragePool(map, 3, 7, grid, ours);
            using var reference = nn.functional.adaptive_avg_pool2d(tensor(map, [1, 3, 7, 7]), [grid, grid]);
            var expected = reference.data<float>().ToArray();
            for (int i = 0; i < ours.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - ours[i]) <= 1e-6, $"grid {grid}, element {i}: {expected[i]} vs {ours[i]}");
            }
        }
    }

    [Fact]
    public async Task Layer4_DefaultGridAndPca_GivesBoundedFeatures()
    {
        var input = await InputAsync();
        var pooled = await _registry.Get("resnet18:layer4").ComputeAsync(new FeatureSpaceParameters(), input, CancellationToken.None);
        Assert.Equal([s_images.Length, 512L * 2 * 2], pooled.Values.shape);
        var reduced = await _registry.Get("resnet18:layer4").ComputeAsync(new FeatureSpaceParameters { FeaturePcaComponents = 10 }, input, CancellationToken.None);
        // PCA on the 4 training stimuli keeps at most 3 components.
        Assert.Equal([s_images.Length, 3L], reduced.Values.shape);
    }

    [Fact]
    public async Task Compute_Cancelled_ThrowsAndCachesNothing()
    {
        var input = await InputAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _registry.Get("resnet18:layer1").ComputeAsync(new FeatureSpaceParameters(), input, cancelled.Token));
        Assert.False(Directory.Exists(Path.Combine(_f.Store.Root, "feature-cache")));
    }

    [Fact]
    public void Registry_ResNetStages_AreNamedWithAColonAndAnUnknownStageIsRefusedWithTheAllowedNames()
    {
        Assert.Equal(["resnet18:stem", "resnet18:layer1", "resnet18:layer2", "resnet18:layer3", "resnet18:layer4", "resnet18:pool"],
            _registry.Names.Where(n => n.StartsWith(ResNet18FeatureSpace.Prefix, StringComparison.Ordinal)));
        var problem = Assert.Single(_registry.CheckNames("features", ["resnet18:layer5"]));
        Assert.Contains("unknown feature space 'resnet18:layer5'", problem, StringComparison.Ordinal);
        Assert.Contains("resnet18:layer4", problem, StringComparison.Ordinal);
    }
}
