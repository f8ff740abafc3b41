using NeuroLab.Compute.Features.ResNet18;
using NeuroLab.Formats.Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Tests.Features;

/// <summary>
/// The ONNX weight reader and the TorchSharp replay of ResNet-18's early stages (the decoder's feature loss), checked
/// against ONNX Runtime running the package's graph (Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0, restored with the
/// build like every ResNet-18 test here) on the same input.
/// </summary>
public sealed class ResNet18StagesTests(ITestOutputHelper output)
{
    [Fact]
    public void OnnxNetwork_HandWrittenModel_ReadsNodesInputsAndWeights()
    {
        var network = OnnxNetwork.Read(OnnxTestModels.ConvReluPool(channels: 3, side: 8), "tiny.onnx");

        Assert.Equal(["Conv", "Relu", "GlobalAveragePool"], network.Nodes.Select(n => n.OpType));
        Assert.Equal(["X", "W", "B"], network.Nodes[0].Inputs);
        Assert.Equal(["conv"], network.Nodes[0].Outputs);
        var w = network.Initializers["W"];
        Assert.Equal([OnnxTestModels.Filters, 3L, 3, 3], w.Dims);
        Assert.Equal(OnnxTestModels.Weight(1, 2, 0, 1), w.Values[(((1 * 3) + 2) * 9) + 1]);
        Assert.Equal([OnnxTestModels.Bias(0), OnnxTestModels.Bias(1)], network.Initializers["B"].Values);
        Assert.Throws<NeuroLab.Formats.FormatReadException>(() => OnnxNetwork.Read("PK\u0003\u0004 zip"u8, "x.onnx"));
    }

    [Fact]
    public void OnnxNetwork_PackageGraph_StemAttributesAsTheGraphDeclaresThem()
    {
        using var model = new ResNet18Model();
        var network = ResNet18Stages.ReadNetwork(model);

        var stem = network.Nodes[0];
        Assert.Equal("Conv", stem.OpType);
        Assert.Equal([2L, 2], stem.Ints("strides", []));
        Assert.Equal([3L, 3, 2, 2], stem.Ints("pads", []));
        Assert.Equal([64L, 3, 7, 7], network.Initializers[stem.Inputs[1]].Dims);
        Assert.Equal("MaxPool", network.Nodes[3].OpType);
        Assert.Equal([1L, 1, 0, 0], network.Nodes[3].Ints("pads", []));
    }

    /// <summary>Tolerance: largest absolute difference over the largest magnitude of ONNX Runtime's output, 1e-4 (float32 sums of up to 1,152 products in another order).</summary>
    [Theory]
    [InlineData("stem")]
    [InlineData("layer1")]
    [InlineData("layer2")]
    public void Stages_GreyImages_EqualOnnxRuntimesOutputOfTheSameTensor(string name)
    {
        using var scope = NewDisposeScope();
        using var model = new ResNet18Model();
        var stage = ResNet18Stage.All.Single(s => s.Name == name);
        // A real grey photograph at the network's own size (Kay 2008 stimulus 0, its R plane as ML.NET feeds it) and a
        // 28 x 28 pattern enlarged to 224 by both paths.
        float[] photo;
        using (var file = File.OpenRead(SharedData.Path("kay2008-stimuli/stimuli/0.jpg")))
        {
            photo = [.. ResNet18Model.ReadInput(file, "0.jpg").AsSpan(0, ResNet18Model.InputSize * ResNet18Model.InputSize).ToArray().Select(v => v / 255f)];
        }
        float[] pattern = [.. Enumerable.Range(0, 28 * 28).Select(i => (float)(0.5 + (0.5 * Math.Sin(i % 28 * 0.7) * Math.Cos(i / 28 * 0.4))))];

        foreach (var (grey, side) in new[] { (photo, ResNet18Model.InputSize), (pattern, 28) })
        {
            var expected = model.Run(ResNet18Model.InputFromGrey(grey, side, side), [stage])[0];
            using var loss = new ResNet18FeatureLoss(model, stage, side, ResNet18Model.InputSize);
            float[] actual;
            using (no_grad())
            {
                actual = loss.forward(tensor(grey, [1, side * side])).data<float>().ToArray();
            }

            Assert.Equal(expected.Length, actual.Length);
            double largest = expected.Max(Math.Abs), worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
            output.WriteLine($"{name}, {side}x{side} image: largest |ORT| {largest:G4}, largest difference {worst:E2} ({worst / largest:E2} relative)");
            Assert.True(worst / largest <= 1e-4, $"{name} at {side}x{side}: largest difference {worst} of {largest}");
        }
    }

    [Fact]
    public void FeatureLoss_GradientReachesTheImage_WeightsStayFrozen()
    {
        using var scope = NewDisposeScope();
        using var model = new ResNet18Model();
        using var loss = new ResNet18FeatureLoss(model, ResNet18Stage.All.Single(s => s.Name == "layer1"), 28, 64);
        var image = full([2, 28 * 28], 0.5f).requires_grad_(true);

        var features = loss.forward(image);
        features.square().mean().backward();

        Assert.Equal([2L, 64 * 16 * 16], features.shape);
        Assert.True(image.grad!.abs().sum().item<float>() > 0);
        Assert.Empty(loss.parameters());
    }
}
