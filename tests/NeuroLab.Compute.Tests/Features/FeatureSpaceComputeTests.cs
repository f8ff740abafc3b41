using NeuroLab.Analysis.Features;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Tests.Datasets;
using NeuroLab.Formats.Numpy;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Tests.Features;

/// <summary>
/// Each registered space gives the matrix the encoding job computed before the registry existed: the same Analysis
/// calls (<see cref="PixelFeatures"/>, <see cref="PcaFeatures"/> fitted on the training rows, <see cref="GaborPyramid"/>
/// with the job's scales, one-hot labels, the uploaded matrix, <see cref="TorchScriptFeatures"/>), on 12 seeded 16x16 images.
/// Exact equality where the computation is the same; 1e-5 absolute for PCA, whose test rows are now projected with all rows.
/// </summary>
public sealed class FeatureSpaceComputeTests : IDisposable
{
    private const int N = 12, Side = 16, Size = 16;
    private static readonly long[] s_train = [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7];
    private static readonly string?[] s_labels = ["face", "house", "cat", "face", "house", "cat", "face", "house", "cat", "face", "house", "cat"];
    private readonly ImportFixture _f = new();
    private readonly string _temp = Directory.CreateTempSubdirectory("neurolab-feature-spaces-").FullName;
    private readonly float[] _pixels;
    private readonly FeatureSpaceRegistry _registry;

    public FeatureSpaceComputeTests()
    {
        var random = new Random(11);
        _pixels = [.. Enumerable.Range(0, N * Side * Side).Select(_ => (float)random.NextDouble())];
        _registry = TestFeatureSpaces.Registry(_f.Database.Factory, _f.Store);
    }

    public void Dispose()
    {
        _f.Dispose();
        Directory.Delete(_temp, recursive: true);
    }

    private Tensor Images() => tensor(_pixels, [N, Side, Side]);

    private FeatureInput Input(Tensor images) => new() { Images = images, ImageSize = Size, Labels = s_labels, FitRows = s_train };

    private async Task<Tensor> ComputeAsync(string space, FeatureSpaceParameters parameters, Tensor images) =>
        (await _registry.Get(space).ComputeAsync(parameters, Input(images), CancellationToken.None)).Values;

    private static void AssertEqual(Tensor expected, Tensor actual, double tolerance = 0)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var a = actual.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(Math.Abs(e[i] - a[i]) <= tolerance, $"element {i}: expected {e[i]}, got {a[i]}");
        }
    }

    [Fact]
    public async Task Pixels_Compute_EqualsPixelFeatures()
    {
        using var images = Images();
        AssertEqual(PixelFeatures.Extract(images, Size, Size), await ComputeAsync("pixels", new(), images));
    }

    [Fact]
    public async Task Pca_Compute_EqualsPcaFittedOnTheTrainingRows()
    {
        using var images = Images();
        var flat = PixelFeatures.Extract(images, Size, Size);
        var trainIndex = tensor(s_train);
        // Before: k = min(pcaComponents, distinct training stimuli - 1), fitted and applied on the training rows.
        using var pca = PcaFeatures.Fit(flat.index_select(0, trainIndex), 7);
        var expected = pca.Transform(flat.index_select(0, trainIndex));

        var actual = await ComputeAsync("pca", new() { PcaComponents = 100 }, images);

        Assert.Equal(new long[] { N, 7 }, actual.shape);
        AssertEqual(expected, actual.index_select(0, trainIndex), 1e-5);
    }

    [Fact]
    public async Task Gabor_Compute_EqualsThePyramidAtTheJobsScales()
    {
        using var images = Images();
        // 16 px keeps 1, 2 and 4 cycles per image (at least 3.2 pixels per cycle).
        using var gabor = new GaborPyramid(new GaborPyramidOptions { Size = Size, CyclesPerImage = [1, 2, 4] });

        var matrix = await _registry.Get("gabor").ComputeAsync(new(), Input(images), CancellationToken.None);

        AssertEqual(gabor.Transform(images, 64), matrix.Values);
        Assert.StartsWith("Gabor pyramid 16x16, 3 scales (1, 2, 4 cycles/image)", matrix.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labels_Compute_IsOneHotInOrderOfFirstAppearance()
    {
        var matrix = await _registry.Get("labels").ComputeAsync(new(), Input(empty(0)), CancellationToken.None);

        var expected = zeros(N, 3);
        for (int s = 0; s < N; s++)
        {
            expected[s, s % 3] = 1;
        }
        AssertEqual(expected, matrix.Values);
        Assert.Equal("category labels, one-hot over 3 (face, house, cat)", matrix.Description);
    }

    [Fact]
    public async Task UploadedMatrixAndTorchScript_Compute_EqualTheFileAndTheModel()
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, N * 5).Select(_ => (float)random.NextDouble()).ToArray();
        string features = Path.Combine(_temp, "features.npy"), responses = Path.Combine(_temp, "responses.npy"), model = Path.Combine(_temp, "tiny_cnn.pt");
        NpyWriter.Write(features, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [N, 5], x));
        NpyWriter.Write(responses, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [N, 2], x.Take(N * 2).ToArray()));
        File.Copy(Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Analysis.Tests", "Fixtures", "features", "tiny_cnn_tuple.pt"), model);
        var dataset = await _f.Importer.ImportAsync(new NeuroLab.Compute.Datasets.DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Spaces", null, NeuroLab.Data.Datasets.DatasetSpace.None,
        [
            new NeuroLab.Compute.Datasets.ImportSource("responses.npy", NeuroLab.Data.Datasets.FileRole.Responses, responses),
            new NeuroLab.Compute.Datasets.ImportSource("features.npy", NeuroLab.Data.Datasets.FileRole.Features, features),
            new NeuroLab.Compute.Datasets.ImportSource("tiny_cnn.pt", NeuroLab.Data.Datasets.FileRole.Model, model),
        ]));
        var files = (await _f.Datasets.GetAsync(_f.Alice, dataset)).Files;
        using var images = Images();

        var uploaded = await ComputeAsync("file", new() { FeatureFileId = files.Single(f => f.Role == NeuroLab.Data.Datasets.FileRole.Features).Id }, images);
        var layer = await ComputeAsync("torchscript", new() { ModelFileId = files.Single(f => f.Role == NeuroLab.Data.Datasets.FileRole.Model).Id, Layer = 3 }, images);

        AssertEqual(tensor(x, [N, 5]), uploaded);
        using var reference = TorchScriptFeatures.Load(model, new() { Height = Size, Width = Size });
        AssertEqual(reference.Extract(images, 3), layer);
    }
}
