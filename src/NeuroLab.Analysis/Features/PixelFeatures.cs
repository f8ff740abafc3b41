using static TorchSharp.torch;

namespace NeuroLab.Analysis.Features;

/// <summary>
/// Raw pixels as a feature space: each image, optionally downsampled by area averaging, flattened in
/// C order to one row. Images <c>[n, h, w]</c> give <c>[n, h * w]</c> (row-major: feature
/// <c>r * w + c</c> is pixel (r, c)); images <c>[n, h, w, c]</c> give <c>[n, h * w * c]</c> with the
/// channel varying fastest (feature <c>(r * w + col) * c + channel</c>), as a NumPy <c>reshape(n, -1)</c>.
/// </summary>
public static class PixelFeatures
{
    /// <summary>Flattens each image at its own size.</summary>
    /// <param name="images">Images as documented on <see cref="ImageStack"/>.</param>
    /// <returns>A new float32 tensor <c>[n, h * w * channels]</c>.</returns>
    /// <exception cref="ArgumentException">See <see cref="ImageStack.Describe"/>.</exception>
    public static Tensor Extract(Tensor images)
    {
        var stack = ImageStack.Describe(images);
        return Extract(images, stack.Height, stack.Width);
    }

    /// <summary>Downsamples (or upsamples) every image to <paramref name="height"/> x <paramref name="width"/>
    /// by area averaging (see <see cref="AreaResample"/>; 128 -> 64 averages 2 x 2 blocks), then flattens.</summary>
    /// <param name="images">Images as documented on <see cref="ImageStack"/>.</param>
    /// <param name="height">Output rows, at least 1.</param>
    /// <param name="width">Output columns, at least 1.</param>
    /// <returns>A new float32 tensor <c>[n, height * width * channels]</c>.</returns>
    /// <exception cref="ArgumentException">See <see cref="ImageStack.Describe"/>; a size below 1.</exception>
    public static Tensor Extract(Tensor images, int height, int width)
    {
        var stack = ImageStack.Describe(images);
        if (height < 1 || width < 1)
        {
            throw new ArgumentException($"The output size must be at least 1 x 1, got {height} x {width}.", nameof(height));
        }
        using var scope = NewDisposeScope();
        var values = images.to_type(ScalarType.Float32);
        var resized = stack.HasChannelAxis
            ? AreaResample.ResizeChannelsLast(values, height, width)
            : AreaResample.Resize(values, height, width);
        return resized.reshape(stack.Count, -1).clone().MoveToOuterDisposeScope();
    }
}
