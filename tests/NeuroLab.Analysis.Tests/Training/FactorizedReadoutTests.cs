using System.Text.Json;
using NeuroLab.Analysis.Training;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Training;

/// <summary>The forward pass against <c>Reference/readout_reference.py</c> (numpy 1.24.2 einsum in float64).</summary>
[Collection(LibtorchGeneratorCollection.Name)]
public sealed class FactorizedReadoutTests
{
    // float32 forward vs float64 reference on drives of order 1-10: the differences pass at 1e-6 (checked); 1e-5 leaves room for other BLAS builds.
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData(ReadoutNonlinearity.Identity)]
    [InlineData(ReadoutNonlinearity.EluPlusOne)]
    [InlineData(ReadoutNonlinearity.Softplus)]
    public void Forward_FixedWeights_MatchesNumpyEinsum(ReadoutNonlinearity nonlinearity)
    {
        var reference = LoadReference();
        int[] shape = [.. reference.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32())];
        int n = shape[0], c = shape[1], h = shape[2], w = shape[3], units = shape[4];
        using var readout = new FactorizedReadout(c, h, w, units, nonlinearity);
        using (no_grad())
        {
            readout.Mask.copy_(tensor(Floats(reference, "mask"), [units, h, w]));
            readout.Features.copy_(tensor(Floats(reference, "features"), [units, c]));
            readout.Bias.copy_(tensor(Floats(reference, "bias"), [units]));
        }
        using var x = tensor(Floats(reference, "x"), [n, c, h, w]);
        using var output = readout.forward(x);

        Assert.Equal([(long)n, units], output.shape);
        double[] expected = [.. reference.GetProperty("outputs").GetProperty(nonlinearity.ToString()).EnumerateArray().Select(v => v.GetDouble())];
        float[] actual = output.data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"output {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    [Fact]
    public void Constructor_SameSeed_SameWeightsAndNamedParameters()
    {
        using var a = new FactorizedReadout(3, 4, 5, 2, seed: 9);
        using var b = new FactorizedReadout(3, 4, 5, 2, seed: 9);
        Assert.Equal(["mask", "features", "bias"], a.named_parameters().Select(p => p.name));
        Assert.Equal(a.Mask.data<float>().ToArray(), b.Mask.data<float>().ToArray());
        Assert.Equal(a.Features.data<float>().ToArray(), b.Features.data<float>().ToArray());
    }

    private static JsonElement LoadReference() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Analysis.Tests", "Reference", "readout_reference.json"))).RootElement;

    private static float[] Floats(JsonElement reference, string name) =>
        [.. reference.GetProperty(name).EnumerateArray().Select(v => (float)v.GetDouble())];
}
