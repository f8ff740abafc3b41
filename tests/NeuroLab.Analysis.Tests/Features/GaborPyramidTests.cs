using NeuroLab.Analysis.Features;
using static NeuroLab.Analysis.Tests.Features.FeatureFixtures;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Features;

public sealed class GaborPyramidTests
{
    // Reference: the same filter bank in numpy 1.24.2 float64, each filter placed at its position and dotted
    // with the image (features_reference.py); here float32 strided conv2d. Energies reach ~7 and the float32
    // differences seen are ~2e-6.
    private const double ReferenceTolerance = 1e-4;

    [Fact]
    public void Transform_KayImages_MatchesNumpyReference()
    {
        var r = Reference.GetProperty("gabor").GetProperty("kay64");
        using var images = LoadTensor(r.GetProperty("images").GetString()!);
        Assert.Equal([2L, 128, 128], images.shape);
        using var pyramid = new GaborPyramid();
        Assert.Equal(r.GetProperty("features").GetInt32(), pyramid.FeatureCount);
        using var energies = pyramid.Transform(images);
        Assert.Equal([2L, 2728], energies.shape);
        Assert.Equal(ScalarType.Float32, energies.dtype);
        using var expected = LoadTensor(r.GetProperty("file").GetString()!);
        AssertAllClose(Values(expected), Values(energies), ReferenceTolerance, "Kay energies");
    }

    [Fact]
    public void Transform_AllenScene31_MatchesNumpyReference()
    {
        var r = Reference.GetProperty("gabor").GetProperty("allen31");
        using var images = LoadTensor(r.GetProperty("images").GetString()!);
        using var pyramid = new GaborPyramid(new GaborPyramidOptions { Size = 31, CyclesPerImage = Doubles(r.GetProperty("cycles")) });
        using var energies = pyramid.Transform(images);
        Assert.Equal(r.GetProperty("features").GetInt32(), pyramid.FeatureCount);
        using var expected = LoadTensor(r.GetProperty("file").GetString()!);
        AssertAllClose(Values(expected), Values(energies), ReferenceTolerance, "Allen energies");
    }
}
