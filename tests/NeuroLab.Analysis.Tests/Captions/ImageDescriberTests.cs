using NeuroLab.Analysis.Captions;

namespace NeuroLab.Analysis.Tests.Captions;

public sealed class ImageDescriberTests
{
    private static float[] Image(int size, Func<int, int, double> f)
    {
        var pixels = new float[size * size];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                pixels[y * size + x] = (float)Math.Clamp(f(y, x), 0, 1);
            }
        }
        return pixels;
    }

    [Theory]
    [InlineData(true, "vertical")]
    [InlineData(false, "horizontal")]
    public void Gratings_NameTheirOrientation(bool vertical, string word)
    {
        var pixels = Image(32, (y, x) => 0.5 + 0.4 * Math.Sin(2 * Math.PI * 3 * (vertical ? x : y) / 32.0));
        var d = Describe(pixels, 32);
        Assert.Contains($"mostly {word} edges", d.Caption, StringComparison.Ordinal);
        Assert.True(d.OrientationShares[vertical ? 2 : 0] > 0.9);
        Assert.Contains("high-contrast", d.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void SpatialFrequency_CoarseVersusFine()
    {
        var coarse = Describe(Image(32, (y, x) => 0.5 + 0.4 * Math.Sin(2 * Math.PI * 1 * x / 32.0)), 32);
        var fine = Describe(Image(32, (y, x) => 0.5 + 0.4 * Math.Sin(2 * Math.PI * 12 * x / 32.0)), 32);
        Assert.Contains("coarse-structure", coarse.Caption, StringComparison.Ordinal);
        Assert.Contains("fine-texture", fine.Caption, StringComparison.Ordinal);
        Assert.True(fine.FineShare > 0.9 && coarse.FineShare < 0.1);
    }

    [Fact]
    public void UniformBrightImage_IsBrightLowContrast_WithNothingElseToSay()
    {
        var d = Describe(Image(16, (_, _) => 0.9), 16);
        Assert.Equal("bright low-contrast scene", d.Caption);
        Assert.Equal(0.9, d.Luminance, 1e-6);
    }

    [Fact]
    public void ContrastInTheUpperLeft_IsPlaced()
    {
        var d = Describe(Image(32, (y, x) => y < 10 && x < 10 ? ((x + y) % 2 == 0 ? 1 : 0) : 0.2), 32);
        Assert.Contains("contrast in the upper-left", d.Caption, StringComparison.Ordinal);
        Assert.Contains("dark", d.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void BadShapes_AreRefused() =>
        Assert.Throws<ArgumentException>(() => ImageDescriber.Describe(new float[10], 2, 5));

    private static ImageDescription Describe(float[] pixels, int size) => ImageDescriber.Describe(pixels, size, size);
}

public sealed class BrainScubaTests
{
    [Fact]
    public void Projection_IsTheSoftmaxWeightedMeanOfThePool_ClosedForm()
    {
        // Two orthogonal pool items and a weight at 60 degrees from the first, 30 from the second:
        // cos = (0.5, 0.866); softmax with tau = 2 gives p = (e^1, e^1.732) / sum; projection = normalise(p1 e1 + p2 e2).
        float[][] pool = [[1, 0], [0, 1]];
        float[] w = [0.5f, (float)Math.Sqrt(3) / 2];
        var projected = BrainScuba.Project(w, pool, temperature: 2);
        double p1 = Math.Exp(1.0), p2 = Math.Exp(Math.Sqrt(3));
        double norm = Math.Sqrt(p1 * p1 + p2 * p2);
        Assert.Equal(p1 / norm, projected[0], 1e-6);
        Assert.Equal(p2 / norm, projected[1], 1e-6);
        // A high temperature snaps to the nearest pool item.
        Assert.Equal([0f, 1f], BrainScuba.Project(w, pool, temperature: 500), (a, b) => Math.Abs(a - b) < 1e-6);
        // The scale of the weights does not matter.
        Assert.Equal(projected, BrainScuba.Project([5f, 5f * (float)Math.Sqrt(3)], pool, temperature: 2), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void Nearest_OrdersByCosine_AndBadPoolsAreRefused()
    {
        float[][] pool = [[1, 0], [0.8f, 0.6f], [0, 1]];
        Assert.Equal([1, 0], BrainScuba.Nearest([0.7f, 0.7f], pool, 2).Select(p => p.Index));
        Assert.Throws<ArgumentException>(() => BrainScuba.Project([1f, 0f], []));
        Assert.Throws<ArgumentException>(() => BrainScuba.Project([1f, 0f, 0f], pool));
    }
}
