using NeuroLab.Compute.Features;
using NeuroLab.Compute.Features.ResNet18;
using NeuroLab.Compute.Tests.Datasets;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Tests.Features;

/// <summary>
/// The fast ResNet-18 path: the preprocessing graph done in C#, batches through the graph made batch-dynamic, and one
/// pass of the images serving every stage. References: the package's own preprocessing graph run by ONNX Runtime 1.32.0
/// (exact), and the same images run one at a time (1e-4: batched convolutions may sum in another order).
/// </summary>
public sealed class ResNet18ExtractionTests : IDisposable
{
    private static readonly string[] s_images =
        ["k92/images/00.png", "k92/images/17.png", "k92/images/50.png", "k92/images/91.png", "kay2008-stimuli/stimuli/0.jpg", "kay2008-stimuli/stimuli/1.jpg"];

    private readonly ImportFixture _f = new();
    private readonly ResNet18Model _model = new();

    public void Dispose()
    {
        _model.Dispose();
        _f.Dispose();
    }

    private static float[] Read(string image)
    {
        using var file = File.OpenRead(SharedData.Path(image));
        return ResNet18Model.ReadInput(file, image);
    }

    [Fact]
    public void Preprocess_RealImages_EqualsThePackagesPreprocessingGraphExactly()
    {
        var mean = _model.MeanImage();
        foreach (var image in s_images)
        {
            var input = Read(image);
            var ours = new float[ResNet18Model.InputLength];
            ResNet18Model.Preprocess(input, mean, ours);
            Assert.Equal(_model.RunPreprocessGraph(input), ours);
        }
    }

    [Fact]
    public void RunBatch_SixImages_EqualsOneImageAtATimeWithin1e4()
    {
        var inputs = s_images.Select(Read).ToArray();
        var batch = _model.RunBatch([.. inputs.SelectMany(i => i)], inputs.Length, ResNet18Stage.All);
        double worst = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            var single = _model.Run(inputs[i], ResNet18Stage.All);
            for (int s = 0; s < ResNet18Stage.All.Count; s++)
            {
                int size = single[s].Length;
                Assert.Equal(inputs.Length * size, batch[s].Length);
                for (int j = 0; j < size; j++)
                {
                    worst = Math.Max(worst, Math.Abs(single[s][j] - batch[s][(i * size) + j]));
                }
            }
        }
        Assert.True(worst <= 1e-4, $"largest difference between batch and one by one {worst}");
    }

    [Fact]
    public async Task RunAsync_BatchesOfFourWithThreeReaders_EqualsPoolingEachImageAlone()
    {
        var outputs = ResNet18Stage.All.Select(s => new ResNet18Extraction.Output(s, Math.Min(3, s.Side))).ToArray();
        var done = new List<int>();
        var result = await ResNet18Extraction.RunAsync(_model, s_images.Length, (i, _) => ValueTask.FromResult(Read(s_images[i])), outputs,
            new SyncProgress(done), CancellationToken.None, batchSize: 4, readers: 3);
        Assert.Equal([4, 6], done);
        for (int i = 0; i < s_images.Length; i++)
        {
            var single = _model.Run(Read(s_images[i]), ResNet18Stage.All);
            for (int o = 0; o < outputs.Length; o++)
            {
                var (stage, grid, width) = (outputs[o].Stage, outputs[o].Grid, outputs[o].Width);
                var expected = new float[width];
                ResNet18FeatureSpace.AveragePool(single[o], stage.Channels, stage.Side, grid, expected);
                var actual = result.Matrices[o].AsSpan(i * width, width).ToArray();
                Assert.All(Enumerable.Range(0, width), j => Assert.True(Math.Abs(expected[j] - actual[j]) <= 1e-4, $"{stage.Name} image {i} feature {j}"));
            }
        }
    }

    [Fact]
    public async Task RunAsync_ReaderFails_ThrowsTheReadersException()
    {
        var outputs = new[] { new ResNet18Extraction.Output(ResNet18Stage.All[^1], 1) };
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ResNet18Extraction.RunAsync(_model, 5,
            (i, _) => i == 3 ? throw new InvalidDataException("bad image 3") : ValueTask.FromResult(new float[ResNet18Model.InputLength]), outputs, null, CancellationToken.None, batchSize: 2));
        Assert.Equal("bad image 3", error.Message);
    }

    private async Task<(ResNet18PooledFeatures Pooled, FeatureInput Input)> SetUpAsync()
    {
        var shas = new List<string?>();
        foreach (var image in s_images)
        {
            await using var file = File.OpenRead(SharedData.Path(image));
            shas.Add((await _f.Store.AddAsync(file)).Sha256);
        }
        var input = new FeatureInput { Images = empty(0), ImageSize = 0, Labels = [.. s_images.Select(_ => (string?)null)], FitRows = [0, 1, 2, 3], ImageSha256 = shas };
        return (new ResNet18PooledFeatures(_model, _f.Store, new FeatureCache(_f.Store)), input);
    }

    [Fact]
    public async Task Compute_EveryStageOfAHierarchy_RunsTheNetworkOncePerGrid()
    {
        var (pooled, input) = await SetUpAsync();
        var spaces = ResNet18Stage.All.Select(s => new ResNet18FeatureSpace(s, pooled)).ToArray();
        var first = new Dictionary<string, float[]>();
        foreach (var space in spaces)
        {
            var matrix = await space.ComputeAsync(new FeatureSpaceParameters(), input, CancellationToken.None);
            first[space.Name] = matrix.Values.data<float>().ToArray();
        }
        Assert.Equal(1, pooled.Passes);
        // Each stage asked for is now in the feature cache: a fresh instance (a restarted server) reads them all without a pass.
        var restarted = new ResNet18PooledFeatures(_model, _f.Store, new FeatureCache(_f.Store));
        foreach (var space in ResNet18Stage.All.Select(s => new ResNet18FeatureSpace(s, restarted)))
        {
            Assert.Equal(first[space.Name], (await space.ComputeAsync(new FeatureSpaceParameters(), input, CancellationToken.None)).Values.data<float>().ToArray());
        }
        Assert.Equal(0, restarted.Passes);

        await spaces[4].ComputeAsync(new FeatureSpaceParameters { PoolGrid = 3 }, input, CancellationToken.None);
        await spaces[1].ComputeAsync(new FeatureSpaceParameters { PoolGrid = 3 }, input, CancellationToken.None);
        Assert.Equal(2, pooled.Passes);
    }

    [Fact]
    public async Task Compute_SameStageTwiceAtOnce_RunsOnePass()
    {
        var (pooled, input) = await SetUpAsync();
        var space = new ResNet18FeatureSpace(ResNet18Stage.All[2], pooled);
        var both = await Task.WhenAll(
            Task.Run(() => space.ComputeAsync(new FeatureSpaceParameters(), input, CancellationToken.None)),
            Task.Run(() => space.ComputeAsync(new FeatureSpaceParameters(), input, CancellationToken.None)));
        Assert.Equal(1, pooled.Passes);
        Assert.Equal(both[0].Values.data<float>().ToArray(), both[1].Values.data<float>().ToArray());
    }

    private sealed class SyncProgress(List<int> done) : IProgress<int>
    {
        public void Report(int value) => done.Add(value);
    }
}
