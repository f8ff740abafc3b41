using NeuroLab.Compute.Features.ResNet18;
using NeuroLab.Compute.RunKinds.Reconstruction;

namespace NeuroLab.Compute.Tests.Reconstruction;

/// <summary>
/// The network input of float greyscale images (bilinear, half-pixel centres, checked by hand) and 2-way identification
/// in ResNet-18's early and late stages (an image set against itself identifies every image).
/// </summary>
public sealed class NetworkIdentificationTests
{
    [Fact]
    public void InputFromGrey_TwoByTwoImage_MatchesHandBilinearValuesInAllThreePlanes()
    {
        // [[0, 1], [0.5, 0.25]] to 224 x 224: scale 2/224; output x maps to (x + 0.5) / 112 - 0.5, clamped at 0.
        float[] grey = [0f, 1f, 0.5f, 0.25f];

        var input = ResNet18Model.InputFromGrey(grey, 2, 2);

        const int plane = 224 * 224;
        Assert.Equal(3 * plane, input.Length);
        // Corners sit left of/above the first centre: the corner pixels exactly.
        Assert.Equal(0f, input[0]);
        Assert.Equal(255f, input[223]);
        Assert.Equal(127.5f, input[223 * 224], 3);
        Assert.Equal(63.75f, input[223 * 224 + 223], 3);
        // Row 0, column 112: source x = 112.5 / 112 - 0.5 = 0.504464..., value 255 x 0.504464 = 128.638...
        double fx = 112.5 / 112 - 0.5;
        Assert.Equal(255 * fx, input[112], 3);
        // Row 112, column 112: both fractions 0.504464; bilinear of the four pixels.
        double top = 0 * (1 - fx) + 1 * fx, bottom = 0.5 * (1 - fx) + 0.25 * fx;
        Assert.Equal(255 * (top * (1 - fx) + bottom * fx), input[112 * 224 + 112], 3);
        for (int i = 0; i < plane; i += 997)
        {
            Assert.Equal(input[i], input[plane + i]);
            Assert.Equal(input[i], input[2 * plane + i]);
        }
    }

    [Fact]
    public void InputFromGrey_224Image_IsTheImageTimes255()
    {
        var grey = Enumerable.Range(0, 224 * 224).Select(i => (i % 251) / 250f).ToArray();

        var input = ResNet18Model.InputFromGrey(grey, 224, 224);

        for (int i = 0; i < grey.Length; i += 13)
        {
            Assert.Equal(grey[i] * 255f, input[i], 3);
        }
    }

    [Fact]
    public void Compute_ImagesAgainstThemselves_IdentifiesEveryImage_AndNullWithoutNetwork()
    {
        using var network = new ResNet18Model();
        Assert.True(network.IsAvailable, "the test machine has the ResNet-18 graphs");
        const int n = 4, side = 16;
        var images = new float[n * side * side];
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < side * side; p++)
            {
                // Four different gratings.
                images[i * side * side + p] = 0.5f + 0.5f * MathF.Sin((p % side) * (i + 1) * 0.7f + (p / side) * (3 - i) * 0.5f);
            }
        }

        var result = NetworkIdentification.Compute(network, images, images, n, side, side, CancellationToken.None);

        Assert.NotNull(result);
        Assert.All(result.Value.Early, v => Assert.Equal(1.0, v));
        Assert.All(result.Value.Late, v => Assert.Equal(1.0, v));
        Assert.Null(NetworkIdentification.Compute(null, images, images, n, side, side, CancellationToken.None));
    }
}
