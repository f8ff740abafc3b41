using TorchSharp;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Features;

/// <summary>
/// The image layout every feature space accepts: a floating-point tensor <c>[n, height, width]</c>
/// (greyscale) or <c>[n, height, width, channels]</c> (channels last, as images decode), values
/// nominally in [0, 1], at least one image, all values finite.
/// </summary>
/// <param name="Count">Number of images <c>n</c>.</param>
/// <param name="Height">Rows per image.</param>
/// <param name="Width">Columns per image.</param>
/// <param name="Channels">Channels per pixel; 1 for a 3-D tensor.</param>
/// <param name="HasChannelAxis">Whether the tensor is 4-D.</param>
public readonly record struct ImageStack(int Count, int Height, int Width, int Channels, bool HasChannelAxis)
{
    /// <summary>Images scanned per chunk by the finiteness check, so the boolean mask stays small.</summary>
    private const long FiniteCheckChunkElements = 1L << 24;

    /// <summary>Values per image: <c>height * width * channels</c>.</summary>
    public long ValuesPerImage => (long)Height * Width * Channels;

    /// <summary>Checks the layout and that every value is finite, and describes the stack.</summary>
    /// <param name="images">Images as documented on <see cref="ImageStack"/>.</param>
    /// <param name="parameterName">Name reported in the exception.</param>
    /// <exception cref="ArgumentException">Wrong rank or dtype, no images, an empty dimension, or NaN/infinite
    /// values (the message names the first offending image).</exception>
    public static ImageStack Describe(Tensor images, string parameterName = "images")
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() is not (3 or 4))
        {
            throw new ArgumentException(
                $"Expected images [n, height, width] or [n, height, width, channels], got shape {Shape(images)}.", parameterName);
        }
        if (!images.is_floating_point())
        {
            throw new ArgumentException(
                $"Expected floating-point images with values in [0, 1], got {images.dtype} (divide 8-bit images by 255 first).", parameterName);
        }
        if (images.shape[0] == 0)
        {
            throw new ArgumentException($"No images: the batch is empty (shape {Shape(images)}).", parameterName);
        }
        if (images.shape.Skip(1).Any(d => d == 0))
        {
            throw new ArgumentException($"Images have an empty dimension: shape {Shape(images)}.", parameterName);
        }
        if (images.shape.Any(d => d > int.MaxValue))
        {
            throw new ArgumentException($"Image dimensions are too large: shape {Shape(images)}.", parameterName);
        }
        var stack = new ImageStack(
            (int)images.shape[0], (int)images.shape[1], (int)images.shape[2], images.dim() == 4 ? (int)images.shape[3] : 1, images.dim() == 4);
        RequireFinite(images, stack, parameterName);
        return stack;
    }

    /// <summary>Formats a shape as <c>[a, b, c]</c> for messages.</summary>
    internal static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    private static void RequireFinite(Tensor images, ImageStack stack, string parameterName)
    {
        int chunk = (int)Math.Max(1, Math.Min(stack.Count, FiniteCheckChunkElements / stack.ValuesPerImage));
        for (int start = 0; start < stack.Count; start += chunk)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(chunk, stack.Count - start);
            var finitePerImage = isfinite(images.narrow(0, start, count)).reshape(count, -1).all(1);
            if (!finitePerImage.all().item<bool>())
            {
                long first = start + nonzero(finitePerImage.logical_not()).flatten()[0].item<long>();
                throw new ArgumentException($"Image {first} contains NaN or infinite values.", parameterName);
            }
        }
    }
}
