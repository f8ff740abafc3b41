using NeuroLab.Analysis.Features;
using static NeuroLab.Analysis.Tests.Features.FeatureFixtures;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Features;

public sealed class TorchScriptFeaturesTests
{
    // Reference: the eager model in Debian's python3-torch 1.13.1 (tools/torchscript/make_fixture.py), saved as
    // TorchScript and run here by libtorch 2.10 through TorchSharp 0.107; float32 throughout.
    private const double OutputTolerance = 1e-5;

    /// <summary>What make_fixture.py fed the models: 128 -> 32 area average, then (x - 0.5) / 0.25.</summary>
    private static readonly TorchScriptInputOptions s_fixtureInput = new() { Height = 32, Width = 32, Mean = [0.5], Std = [0.25] };

    private static readonly int[][] s_outputShapes = [[2, 4, 16, 16], [2, 8, 8, 8], [2, 8, 1, 1], [2, 3]];

    [Theory]
    [InlineData("tiny_cnn_tuple.pt")]
    [InlineData("tiny_cnn_list.pt")]
    public void Extract_EveryOutput_MatchesPyTorch(string model)
    {
        using var features = TorchScriptFeatures.Load(FixturePath(model), s_fixtureInput);
        using var images = LoadTensor("kay_0_1.npy");
        for (int output = 0; output < 4; output++)
        {
            using var expected = LoadTensor($"torchscript_layer{output}.npy");
            Assert.Equal(s_outputShapes[output].Select(d => (long)d), expected.shape);
            using var actual = features.Extract(images, output);
            Assert.Equal([2L, expected.numel() / 2], actual.shape);
            Assert.Equal(ScalarType.Float32, actual.dtype);
            AssertAllClose(Values(expected), Values(actual), OutputTolerance, $"{model} output {output}");
        }
    }

    [Fact]
    public void Extract_TracedSingleTensorModel_MatchesPyTorch()
    {
        // The prepared input straight from Python ([2, 1, 32, 32] as [n, h, w, c] with c = 1 after a permute),
        // so this checks the model alone, independent of the resizing and normalisation options.
        using var input = LoadTensor("torchscript_input.npy");
        using var channelsLast = input.permute(0, 2, 3, 1).contiguous();
        using var features = TorchScriptFeatures.Load(FixturePath("tiny_cnn_tensor.pt"));
        using var logits = features.Extract(channelsLast);
        using var expected = LoadTensor("torchscript_layer3.npy");
        AssertAllClose(Values(expected), Values(logits), OutputTolerance, "logits");
    }

    [Fact]
    public void DescribeOutputs_TupleModel_ListsEveryShape()
    {
        using var features = TorchScriptFeatures.Load(FixturePath("tiny_cnn_tuple.pt"), s_fixtureInput);
        using var images = LoadTensor("kay_0_1.npy");
        var shapes = features.DescribeOutputs(images);
        Assert.Equal(s_outputShapes.Select(s => s.Select(d => (long)d)), shapes);
        Assert.Equal("tiny_cnn_tuple.pt", features.FileName);
    }

    [Fact]
    public void Extract_BatchesAndChannelConversion_GiveTheSameFeatures()
    {
        using var grey = LoadTensor("kay_0_1.npy");
        using var three = cat([grey, grey.flip(2), grey.flip(1)], 0);
        using var features = TorchScriptFeatures.Load(FixturePath("tiny_cnn_tuple.pt"), s_fixtureInput);
        var log = new ProgressLog<FeatureProgress>();
        using var together = features.Extract(three, 1);
        using var oneByOne = features.Extract(three, 1, batchSize: 1, progress: log);
        AssertAllClose(Values(together), Values(oneByOne), 1e-6, "batch size 1 vs 32");
        Assert.Equal(Enumerable.Range(1, 6).Select(i => new FeatureProgress(i, 6)), log.Reports);

        // RGB with R = G = B reduced to the model's single channel by BT.601 luma.
        using var rgb = stack([grey, grey, grey], 3);
        using var fromRgb = TorchScriptFeatures.Load(FixturePath("tiny_cnn_tuple.pt"), s_fixtureInput with { Channels = 1 });
        using var expected = LoadTensor("torchscript_layer3.npy");
        using var logits = fromRgb.Extract(rgb, 3);
        AssertAllClose(Values(expected), Values(logits), OutputTolerance, "logits from RGB");
    }

    [Fact]
    public void Extract_Cancelled_StopsBeforeTheFirstBatch()
    {
        using var features = TorchScriptFeatures.Load(FixturePath("tiny_cnn_tensor.pt"), s_fixtureInput);
        using var images = LoadTensor("kay_0_1.npy");
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => features.Extract(images, cancellationToken: cancel.Token));
    }

    [Fact]
    public void Load_DictOutput_IsRejectedWithWhatToReturnInstead()
    {
        using var features = TorchScriptFeatures.Load(FixturePath("tiny_cnn_dict.pt"), s_fixtureInput);
        using var images = LoadTensor("kay_0_1.npy");
        var error = Assert.Throws<InvalidDataException>(() => features.Extract(images));
        Assert.Contains("dict", error.Message, StringComparison.Ordinal);
        Assert.Contains("tuple or list of tensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NestedOutput_IsRejectedNamingTheItem()
    {
        using var features = TorchScriptFeatures.Load(FixturePath("tiny_cnn_nested.pt"), s_fixtureInput);
        using var images = LoadTensor("kay_0_1.npy");
        var error = Assert.Throws<InvalidDataException>(() => features.DescribeOutputs(images));
        Assert.Contains("item 1 is a list of tensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_StateDictOrOtherFile_IsRejectedAsNotTorchScript()
    {
        var stateDict = Assert.Throws<InvalidDataException>(() => TorchScriptFeatures.Load(FixturePath("tiny_cnn_state_dict.pt")));
        Assert.Contains("tiny_cnn_state_dict.pt: not a TorchScript model", stateDict.Message, StringComparison.Ordinal);
        Assert.Contains("torch.jit.script", stateDict.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("frame #", stateDict.Message, StringComparison.Ordinal);

        var npy = Assert.Throws<InvalidDataException>(() => TorchScriptFeatures.Load(FixturePath("pca_test.npy")));
        Assert.Contains("zip archive", npy.Message, StringComparison.Ordinal);

        Assert.Throws<FileNotFoundException>(() => TorchScriptFeatures.Load(FixturePath("no_such_model.pt")));
    }

    [Fact]
    public void Extract_BadRequests_AreRejectedWithTheProblemNamed()
    {
        using var features = TorchScriptFeatures.Load(FixturePath("tiny_cnn_tuple.pt"), s_fixtureInput);
        using var images = LoadTensor("kay_0_1.npy");
        var output = Assert.Throws<ArgumentOutOfRangeException>(() => features.Extract(images, 4));
        Assert.Contains("returns 4 output(s), numbered 0 to 3", output.Message, StringComparison.Ordinal);

        // Three channels into a one-channel conv: libtorch's reason is quoted with the input shape.
        using var rgb = stack([images, images, images], 3);
        var channels = Assert.Throws<ArgumentException>(() => features.Extract(rgb));
        Assert.Contains("failed on input [2, 3, 32, 32]", channels.Message, StringComparison.Ordinal);
        Assert.Contains("RuntimeError: Given groups=1, weight of size [4, 1, 3, 3], expected input[2, 3, 32, 32] to have 1 channels", channels.Message, StringComparison.Ordinal);

        using var nan = images.clone();
        nan[1, 5, 5] = tensor(float.NaN);
        Assert.Contains("Image 1 contains NaN", Assert.Throws<ArgumentException>(() => features.Extract(nan)).Message, StringComparison.Ordinal);
        using var none = zeros(0, 128, 128);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => features.Extract(none)).Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => TorchScriptFeatures.Load(FixturePath("tiny_cnn_tuple.pt"), new TorchScriptInputOptions { Channels = 2 }));
        Assert.Throws<ArgumentException>(() => TorchScriptFeatures.Load(FixturePath("tiny_cnn_tuple.pt"), new TorchScriptInputOptions { Std = [0] }));
        using var twoMeans = TorchScriptFeatures.Load(FixturePath("tiny_cnn_tuple.pt"), new TorchScriptInputOptions { Mean = [0.5, 0.5] });
        Assert.Contains("Mean has 2 values for 1-channel input", Assert.Throws<ArgumentException>(() => twoMeans.Extract(images)).Message, StringComparison.Ordinal);
    }
}
