using NeuroLab.Analysis.Features;
using static NeuroLab.Analysis.Tests.Features.FeatureFixtures;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Features;

public sealed class PixelFeaturesTests
{
    // Reference: numpy 1.24.2 area averaging by pixel repetition to lcm(in, out) and block means
    // (features_reference.py); here an overlap-weight matrix in float32, so float32 rounding only.
    private const double ResizeTolerance = 1e-6;

    [Fact]
    public void Extract_KayImagesAt32_MatchesNumpyAreaAverage()
    {
        var r = Reference.GetProperty("kay");
        using var images = LoadTensor(r.GetProperty("file").GetString()!);
        AssertAllClose(Doubles(r.GetProperty("pixel_0_0")), Values(images[.., 0, 0]), 0, "decoded pixel (0, 0)");

        using var features = PixelFeatures.Extract(images, 32, 32);
        Assert.Equal([2L, 1024], features.shape);
        Assert.Equal(ScalarType.Float32, features.dtype);
        double[] values = Values(features);
        AssertAllClose(Doubles(r.GetProperty("resized32_first_row_image1")), values.Skip(1024).Take(32).ToArray(), ResizeTolerance, "image 1 row 0");
        double[] sums = [values.Take(1024).Sum(), values.Skip(1024).Sum()];
        AssertAllClose(Doubles(r.GetProperty("resized32_sum")), sums, 1e-3, "resized sums");
        // Area averaging keeps the mean.
        AssertAllClose(Doubles(r.GetProperty("mean")), sums.Select(s => s / 1024).ToArray(), 1e-6, "means");
    }

    [Theory]
    [InlineData(3, 4, "output_3x4")]
    [InlineData(8, 9, "output_8x9")]
    public void Extract_NonIntegerFactors_MatchRepetitionAverage(int height, int width, string key)
    {
        var r = Reference.GetProperty("area_resize");
        double[] input = FlatRows(r.GetProperty("input"));
        using var image = tensor(input.Select(v => (float)v).ToArray(), [1, 5, 7]);
        using var features = PixelFeatures.Extract(image, height, width);
        Assert.Equal([1L, height * width], features.shape);
        AssertAllClose(FlatRows(r.GetProperty(key)), Values(features), ResizeTolerance, key);
    }

    [Fact]
    public void Extract_ChannelsLast_FlattensWithTheChannelFastest()
    {
        // Two 2 x 2 RGB images with value = 100 * image + 10 * pixel + channel.
        var values = new float[2 * 2 * 2 * 3];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (100 * (i / 12)) + (10 * (i % 12 / 3)) + (i % 3);
        }
        using var images = tensor(values, [2, 2, 2, 3]);
        using var same = PixelFeatures.Extract(images);
        Assert.Equal([2L, 12], same.shape);
        AssertAllClose(values.Select(v => (double)v).ToArray(), Values(same), 0, "flattened");

        using var averaged = PixelFeatures.Extract(images, 1, 1);
        Assert.Equal([2L, 3], averaged.shape);
        // Mean over the 4 pixels of 10 * pixel is 15.
        AssertAllClose([15, 16, 17, 115, 116, 117], Values(averaged), 1e-5, "per-channel means");
    }

    [Fact]
    public void Extract_Float64Input_ReturnsAFloat32Copy()
    {
        using var images = tensor(new double[] { 0.25, 0.5, 0.75, 1 }, [1, 2, 2]);
        using var features = PixelFeatures.Extract(images);
        Assert.Equal(ScalarType.Float32, features.dtype);
        AssertAllClose([0.25, 0.5, 0.75, 1], Values(features), 0, "pixels");

        using var single = tensor(new float[] { 1, 2, 3, 4 }, [1, 2, 2]);
        using var copy = PixelFeatures.Extract(single);
        single[0, 0, 0] = tensor(9f);
        Assert.Equal(1f, copy[0, 0].item<float>());
    }

    [Fact]
    public void Extract_BadInput_IsRejectedWithTheProblemNamed()
    {
        using var matrix = zeros(4, 16);
        Assert.Contains("[4, 16]", Assert.Throws<ArgumentException>(() => PixelFeatures.Extract(matrix)).Message, StringComparison.Ordinal);
        using var none = zeros(0, 8, 8);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => PixelFeatures.Extract(none)).Message, StringComparison.Ordinal);
        using var emptyRows = zeros(2, 0, 8);
        Assert.Contains("empty dimension", Assert.Throws<ArgumentException>(() => PixelFeatures.Extract(emptyRows)).Message, StringComparison.Ordinal);
        using var infinite = zeros(2, 8, 8, 3);
        infinite[1, 7, 7, 2] = tensor(float.PositiveInfinity);
        Assert.Contains("Image 1", Assert.Throws<ArgumentException>(() => PixelFeatures.Extract(infinite)).Message, StringComparison.Ordinal);
        using var ints = zeros([2, 8, 8], ScalarType.Int32);
        Assert.Contains("Int32", Assert.Throws<ArgumentException>(() => PixelFeatures.Extract(ints)).Message, StringComparison.Ordinal);
        using var ok = zeros(2, 8, 8);
        Assert.Contains("0 x 4", Assert.Throws<ArgumentException>(() => PixelFeatures.Extract(ok, 0, 4)).Message, StringComparison.Ordinal);
    }
}
