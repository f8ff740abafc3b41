using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Features;
using NeuroLab.Compute.Datasets;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Tests.Datasets;
using NeuroLab.Data.Datasets;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;
using NeuroLab.Formats.Onnx;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Tests.Features;

/// <summary>
/// The <c>onnx</c> space on tiny graphs written in the test (<see cref="OnnxTestModels"/>: Conv 3x3 + Relu +
/// GlobalAveragePool with known weights). Reference: the closed form of that network computed here in double
/// precision; tolerance 1e-5 absolute (float32 arithmetic in ONNX Runtime 1.32.0).
/// </summary>
public sealed class OnnxFeatureSpaceTests : IDisposable
{
    private const int N = 20, Side = 12;
    private readonly ImportFixture _f = new();
    private readonly string _temp = Directory.CreateTempSubdirectory("neurolab-onnx-").FullName;
    private readonly float[] _pixels;
    private readonly FeatureSpaceRegistry _registry;

    public OnnxFeatureSpaceTests()
    {
        // 8-bit steps with a 0 and a 1 in every image, so the importer's per-image min-max scaling keeps them as they are.
        var random = new Random(5);
        _pixels = [.. Enumerable.Range(0, N * Side * Side).Select(_ => (float)(Math.Round(random.NextDouble() * 255) / 255))];
        for (int i = 0; i < N; i++)
        {
            _pixels[i * Side * Side] = 0;
            _pixels[(i * Side * Side) + 1] = 1;
        }
        _registry = TestFeatureSpaces.Registry(_f.Database.Factory, _f.Store);
    }

    public void Dispose()
    {
        _f.Dispose();
        Directory.Delete(_temp, recursive: true);
    }

    private sealed record Imported(Guid DatasetId, Guid ModelId, List<FeatureStimulus> Stimuli, List<string?> Shas);

    private async Task<Imported> ImportAsync(byte[] model, string name = "tiny.onnx")
    {
        var imagesPath = Path.Combine(_temp, "stimuli.npy");
        var modelPath = Path.Combine(_temp, name);
        NpyWriter.Write(imagesPath, new NumericArray(NumericType.Float32, [N, Side, Side], _pixels));
        await File.WriteAllBytesAsync(modelPath, model);
        var dataset = await _f.Importer.ImportAsync(new DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Onnx " + Guid.NewGuid(), null, DatasetSpace.None,
        [
            new ImportSource("stimuli.npy", FileRole.StimulusImages, imagesPath),
            new ImportSource(name, FileRole.Model, modelPath),
        ]));
        var detail = await _f.Datasets.GetAsync(_f.Alice, dataset);
        var file = detail.Files.Single(f => f.Role == FileRole.Model);
        Assert.Equal("onnx", file.Format);
        await using var db = await _f.Database.Factory.CreateDbContextAsync();
        var stimuli = await db.Stimuli.Where(s => s.DatasetId == dataset).OrderBy(s => s.Index).Select(s => new FeatureStimulus(s.ImageSha256, s.Label)).ToListAsync();
        return new Imported(dataset, file.Id, stimuli, [.. stimuli.Select(s => s.ImageSha256)]);
    }

    private async Task<IReadOnlyList<string>> ValidateAsync(Imported data, FeatureSpaceParameters parameters)
    {
        await using var db = await _f.Database.Factory.CreateDbContextAsync();
        return await _registry.ValidateAsync("features", ["onnx"], parameters, new FeatureValidationContext(data.DatasetId, data.Stimuli, db), CancellationToken.None);
    }

    private async Task<FeatureMatrix> ComputeAsync(Imported data, FeatureSpaceParameters parameters, List<FeatureProgress>? progress = null)
    {
        var input = new FeatureInput
        {
            Images = tensor(_pixels, [N, Side, Side]),
            ImageSize = Side,
            Labels = [.. Enumerable.Repeat<string?>(null, N)],
            FitRows = [.. Enumerable.Range(0, N).Select(i => (long)i)],
            ImageSha256 = data.Shas,
            Progress = progress is null ? null : new SyncProgress(progress),
        };
        return await _registry.Get("onnx").ComputeAsync(parameters, input, CancellationToken.None);
    }

    private sealed class SyncProgress(List<FeatureProgress> sink) : IProgress<FeatureProgress>
    {
        public void Report(FeatureProgress value) => sink.Add(value);
    }

    /// <summary>The closed form of the test network for image <paramref name="i"/>: relu(conv) [2, Side-2, Side-2] and its mean per filter.</summary>
    private (double[] Relu, double[] Pool) Reference(int i, int channels, double mean, double std)
    {
        int o = Side - 2;
        var relu = new double[OnnxTestModels.Filters * o * o];
        var pool = new double[OnnxTestModels.Filters];
        for (int f = 0; f < OnnxTestModels.Filters; f++)
        {
            for (int y = 0; y < o; y++)
            {
                for (int x = 0; x < o; x++)
                {
                    double sum = OnnxTestModels.Bias(f);
                    for (int c = 0; c < channels; c++)
                    {
                        for (int ky = 0; ky < 3; ky++)
                        {
                            for (int kx = 0; kx < 3; kx++)
                            {
                                double v = (_pixels[(i * Side * Side) + ((y + ky) * Side) + x + kx] - mean) / std;
                                sum += OnnxTestModels.Weight(f, c, ky, kx) * v;
                            }
                        }
                    }
                    relu[(f * o * o) + (y * o) + x] = Math.Max(0, sum);
                    pool[f] += Math.Max(0, sum) / (o * o);
                }
            }
        }
        return (relu, pool);
    }

    private static void AssertClose(double[] expected, ReadOnlySpan<float> actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < expected.Length; j++)
        {
            Assert.True(Math.Abs(expected[j] - actual[j]) <= tolerance, $"element {j}: expected {expected[j]}, got {actual[j]}");
        }
    }

    [Fact]
    public async Task Compute_ConvReluPoolWithNormalisation_EqualsClosedForm()
    {
        var data = await ImportAsync(OnnxTestModels.ConvReluPool(channels: 3));
        var parameters = new FeatureSpaceParameters { ModelFileId = data.ModelId, InputMean = [0.5], InputStd = [0.25] };
        var progress = new List<FeatureProgress>();

        Assert.Empty(await ValidateAsync(data, parameters));
        var matrix = await ComputeAsync(data, parameters, progress);

        Assert.Equal(new long[] { N, 2 }, matrix.Values.shape);
        var values = matrix.Values.data<float>().ToArray();
        for (int i = 0; i < N; i++)
        {
            // Greyscale stimuli are repeated to the graph's 3 channels.
            AssertClose(Reference(i, 3, 0.5, 0.25).Pool, values.AsSpan(i * 2, 2));
        }
        // The batch dimension is symbolic: 16 images per Run, progress after each.
        Assert.Equal([16, 20], progress.Select(p => p.ImagesDone));
        Assert.Contains("ONNX model tiny.onnx, output pool, input 12x12, 2 features", matrix.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compute_IntermediateOutputByName_EqualsClosedFormRelu()
    {
        var data = await ImportAsync(OnnxTestModels.ConvReluPool(channels: 1, side: Side, batch: 1));
        var parameters = new FeatureSpaceParameters { ModelFileId = data.ModelId, OnnxOutput = "relu" };

        Assert.Empty(await ValidateAsync(data, parameters));
        var matrix = await ComputeAsync(data, parameters);

        int width = 2 * (Side - 2) * (Side - 2);
        Assert.Equal(new long[] { N, width }, matrix.Values.shape);
        var values = matrix.Values.data<float>().ToArray();
        for (int i = 0; i < N; i++)
        {
            AssertClose(Reference(i, 1, 0, 1).Relu, values.AsSpan(i * width, width));
        }
    }

    [Fact]
    public async Task Compute_SecondTime_ComesFromTheCache()
    {
        var data = await ImportAsync(OnnxTestModels.ConvReluPool());
        var parameters = new FeatureSpaceParameters { ModelFileId = data.ModelId, FeaturePcaComponents = 1 };
        var first = (await ComputeAsync(data, parameters)).Values.data<float>().ToArray();
        int blobs = _f.BlobCount;

        var second = await ComputeAsync(data, parameters);

        Assert.Equal(blobs, _f.BlobCount);
        Assert.Equal(first, second.Values.data<float>().ToArray());
        Assert.Contains("PCA to 1 components", second.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_UnknownOutputChannelOrSizeMismatch_RefusedNamingTheGraph()
    {
        var data = await ImportAsync(OnnxTestModels.ConvReluPool(channels: 3, side: Side));

        var unknown = await ValidateAsync(data, new FeatureSpaceParameters { ModelFileId = data.ModelId, OnnxOutput = "fc7" });
        var channels = await ValidateAsync(data, new FeatureSpaceParameters { ModelFileId = data.ModelId, InputChannels = 1 });
        var size = await ValidateAsync(data, new FeatureSpaceParameters { ModelFileId = data.ModelId, ImageSize = 32 });

        Assert.Equal(["onnxOutput 'fc7' is not a tensor of tiny.onnx; its node outputs are: pool, conv, relu."], unknown);
        Assert.Equal(["inputChannels 1 does not match tiny.onnx, whose input 'X' takes 3 channels."], channels);
        Assert.Contains("imageSize 32 does not match tiny.onnx", Assert.Single(size), StringComparison.Ordinal);
        var notAModel = await ValidateAsync(data, new FeatureSpaceParameters { ModelFileId = Guid.NewGuid() });
        Assert.Equal(["modelFileId must name a file of this dataset imported with the role Model (an ONNX model)."], notAModel);
    }

    [Fact]
    public void MatrixTooLarge_MoreThanTheLimit_NamesOutputFeaturesAndSize()
    {
        // A conv output of 64 x 112 x 112 for 10,000 stimuli: 3.0 GiB of float32.
        var problem = NeuroLab.Compute.Features.Onnx.OnnxFeatureSpace.MatrixTooLarge(64 * 112 * 112, 10_000, "conv1", "net.onnx", NeuroLab.Compute.Features.Onnx.OnnxFeatureSpace.MaxMatrixBytes);
        Assert.Equal("onnxOutput 'conv1' of net.onnx gives 802,816 features per image: 10,000 stimuli x 802,816 float32 = 29.91 GiB, more than the 1 GiB a feature matrix may take. Choose a smaller (pooled or later) output or a smaller imageSize.", problem);
        Assert.Null(NeuroLab.Compute.Features.Onnx.OnnxFeatureSpace.MatrixTooLarge(512, 10_000, "pool", "net.onnx", NeuroLab.Compute.Features.Onnx.OnnxFeatureSpace.MaxMatrixBytes));
    }

    [Fact]
    public async Task Validate_TextInputGraph_RefusedAsNotAnImageModel()
    {
        var data = await ImportAsync(OnnxTestModels.TextIdentity(), "text.onnx");

        var problems = await ValidateAsync(data, new FeatureSpaceParameters { ModelFileId = data.ModelId });

        Assert.Equal(["text.onnx: input 'text' is STRING, not an image; an image model takes one FLOAT input [N, C, H, W]."], problems);
    }

    [Fact]
    public async Task Import_GarbageNamedOnnx_RefusedNamingTheFile()
    {
        var path = Path.Combine(_temp, "broken.onnx");
        await File.WriteAllTextAsync(path, "this is not a model, just some text\n");

        var failed = await Assert.ThrowsAsync<DatasetImportException>(() => _f.Importer.ImportAsync(new DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Broken", null, DatasetSpace.None,
            [new ImportSource("broken.onnx", FileRole.Model, path)])));

        Assert.Contains(failed.Problems, p => p.FileName == "broken.onnx" && p.Message.Contains("not an ONNX model", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_TestGraph_ListsInputShapeOutputsAndNodeOutputs()
    {
        var graph = OnnxGraph.Read(OnnxTestModels.ConvReluPool(channels: 3, side: 224), "tiny.onnx");

        var input = Assert.Single(graph.Inputs);
        Assert.Equal(("X", "FLOAT"), (input.Name, input.ElementTypeName));
        Assert.Equal([null, 3, 224, 224], input.Shape!);
        Assert.Equal(["pool"], graph.Outputs);
        Assert.Equal([("conv", "Conv"), ("relu", "Relu"), ("pool", "GlobalAveragePool")], graph.NodeOutputs.Select(o => (o.Name, o.OpType)));
        Assert.Throws<FormatReadException>(() => OnnxGraph.Read("PK\u0003\u0004 zip"u8, "x.onnx"));
    }

    [Fact]
    public async Task Compute_RealResNet18Pool_EqualsTheGraphRunDirectlyOnMeanSubtractedPixels()
    {
        // The package's ResNet18.onnx (IR version 3: weights listed among the graph inputs; input fixed at [1, 3, 224, 224]) on
        // grey 224x224 images with the package's per-channel ImageNet means as inputMean and 1/255 as inputStd (x in [0, 1] ->
        // 255 x - mean). Reference: the same graph run directly with ONNX Runtime 1.32.0 on pixels prepared here.
        // Not compared with resnet18:pool: the package's preprocessing subtracts a mean *image* (its planes vary by ~20 levels),
        // which per-channel constants cannot express.
        var resnet = new NeuroLab.Compute.Features.ResNet18.ResNet18Model();
        const int n = 3, side = 224;
        var random = new Random(7);
        var bytes = new byte[n * side * side];
        random.NextBytes(bytes);
        for (int i = 0; i < n; i++)
        {
            bytes[i * side * side] = 0;
            bytes[(i * side * side) + 1] = 255;
        }
        // The package's mean image, from its preprocessing graph on a zero input (output = -mean, B, G, R planes).
        double[] mean = new double[3];
        using (var prep = new Microsoft.ML.OnnxRuntime.InferenceSession(Path.Combine(resnet.Directory, "ResNetPrepOnnx", "ResNetPreprocess.onnx")))
        {
            var zeros = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>([1, 3, side, side]);
            using var result = prep.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(prep.InputMetadata.Keys.Single(), zeros)]);
            var planes = result.Single().AsEnumerable<float>().ToArray();
            for (int c = 0; c < 3; c++)
            {
                var plane = planes.AsSpan(c * side * side, side * side).ToArray();
                mean[c] = -plane.Average();
            }
        }
        var imagesPath = Path.Combine(_temp, "grey224.npy");
        var modelPath = Path.Combine(_temp, "ResNet18.onnx");
        NpyWriter.Write(imagesPath, new NumericArray(NumericType.UInt8, [n, side, side], bytes));
        File.Copy(Path.Combine(resnet.Directory, "ResNet18Onnx", "ResNet18.onnx"), modelPath);
        var dataset = await _f.Importer.ImportAsync(new DatasetImportRequest(_f.WorkspaceId, _f.Alice, "ResNet18 as ONNX", null, DatasetSpace.None,
        [
            new ImportSource("grey224.npy", FileRole.StimulusImages, imagesPath),
            new ImportSource("ResNet18.onnx", FileRole.Model, modelPath),
        ]));
        var modelId = (await _f.Datasets.GetAsync(_f.Alice, dataset)).Files.Single(f => f.Role == FileRole.Model).Id;
        await using var db = await _f.Database.Factory.CreateDbContextAsync();
        var shas = await db.Stimuli.Where(s => s.DatasetId == dataset).OrderBy(s => s.Index).Select(s => s.ImageSha256).ToListAsync();
        var input = new FeatureInput
        {
            Images = tensor(bytes.Select(b => b / 255f).ToArray(), [n, side, side]),
            ImageSize = 64,
            Labels = [.. Enumerable.Repeat<string?>(null, n)],
            FitRows = [0, 1, 2],
            ImageSha256 = shas,
        };
        var parameters = new FeatureSpaceParameters
        {
            ModelFileId = modelId, OnnxOutput = "Pooling395_Output_0", InputChannels = 3, InputMean = [.. mean.Select(m => m / 255)], InputStd = [1.0 / 255],
        };

        Assert.Empty(await _registry.ValidateAsync("features", ["onnx"], parameters,
            new FeatureValidationContext(dataset, [.. shas.Select(s => new FeatureStimulus(s, null))], db), CancellationToken.None));
        var ours = (await _registry.Get("onnx").ComputeAsync(parameters, input, CancellationToken.None)).Values.data<float>().ToArray();

        // The same graph run directly with ONNX Runtime on 255 x - mean per channel: equal to 1e-4 absolute (float32; features up to ~10).
        var direct = new float[n * 512];
        using (var net = new Microsoft.ML.OnnxRuntime.InferenceSession(modelPath))
        {
            for (int i = 0; i < n; i++)
            {
                var x = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>([1, 3, side, side]);
                for (int c = 0; c < 3; c++)
                {
                    for (int p = 0; p < side * side; p++)
                    {
                        x[0, c, p / side, p % side] = (float)(bytes[(i * side * side) + p] - mean[c]);
                    }
                }
                using var result = net.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("Input247", x)]);
                result.Single().AsEnumerable<float>().ToArray().CopyTo(direct, i * 512);
            }
        }
        double worst = ours.Zip(direct, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-4, $"largest difference from the direct run {worst}");
        // An intermediate tensor by name (added as a graph output): layer4's last ReLU [512, 7, 7], whose spatial mean is the pool.
        var layer4 = (await _registry.Get("onnx").ComputeAsync(parameters with { OnnxOutput = "ReLU393_Output_0" }, input, CancellationToken.None)).Values.data<float>().ToArray();
        Assert.Equal(n * 512 * 49, layer4.Length);
        for (int j = 0; j < n * 512; j++)
        {
            Assert.True(Math.Abs(layer4.AsSpan(j * 49, 49).ToArray().Average() - ours[j]) <= 1e-4, $"image {j / 512}, channel {j % 512}");
        }
    }
}
