using static TorchSharp.torch;

namespace NeuroLab.Analysis.Features;

/// <summary>
/// Resizing by area averaging (the "box" or "INTER_AREA" filter): output pixel <c>o</c> of a
/// <c>in -> out</c> axis covers the input interval <c>[o * in / out, (o + 1) * in / out)</c> and is the
/// average of the input pixels weighted by how much of each falls in it. Integer factors reduce to
/// block means (128 -> 64 averages 2 x 2 blocks); any factor keeps the image mean. Applied separably as
/// <c>A_rows · image · A_columnsᵀ</c>.
/// </summary>
internal static class AreaResample
{
    /// <summary>The <c>[outSize, inSize]</c> averaging matrix; each row sums to 1.</summary>
    public static double[] Weights(int inSize, int outSize)
    {
        var weights = new double[outSize * inSize];
        double scale = (double)inSize / outSize;
        for (int o = 0; o < outSize; o++)
        {
            double start = o * scale;
            double end = (o + 1) * scale;
            int first = (int)Math.Floor(start);
            int last = Math.Min(inSize - 1, (int)Math.Ceiling(end) - 1);
            for (int i = first; i <= last; i++)
            {
                double overlap = Math.Min(end, i + 1) - Math.Max(start, i);
                if (overlap > 0)
                {
                    weights[(o * inSize) + i] = overlap / scale;
                }
            }
        }
        return weights;
    }

    /// <summary>Resizes the last two axes of <paramref name="images"/> <c>[..., height, width]</c>; returns the input when the size already matches.</summary>
    public static Tensor Resize(Tensor images, int height, int width)
    {
        long inHeight = images.shape[^2];
        long inWidth = images.shape[^1];
        if (inHeight == height && inWidth == width)
        {
            return images.alias();
        }
        using var rows = tensor(Weights((int)inHeight, height), [height, inHeight], images.dtype, images.device);
        using var columns = tensor(Weights((int)inWidth, width), [width, inWidth], images.dtype, images.device);
        using var resizedRows = rows.matmul(images);
        return resizedRows.matmul(columns.t());
    }

    /// <summary>Resizes channels-last images <c>[n, height, width, channels]</c>.</summary>
    public static Tensor ResizeChannelsLast(Tensor images, int height, int width)
    {
        if (images.shape[1] == height && images.shape[2] == width)
        {
            return images.alias();
        }
        using var channelsFirst = images.permute(0, 3, 1, 2);
        using var resized = Resize(channelsFirst, height, width);
        return resized.permute(0, 2, 3, 1).contiguous();
    }

    /// <summary>
    /// Greyscale <c>[n, height, width]</c> from an image batch: 3-D input as is, one channel squeezed,
    /// three channels as ITU-R BT.601 luma <c>0.299 R + 0.587 G + 0.114 B</c> (what PIL's <c>convert("L")</c> uses).
    /// </summary>
    public static Tensor Greyscale(Tensor images, ImageStack stack, string parameterName)
    {
        if (!stack.HasChannelAxis)
        {
            return images.alias();
        }
        return stack.Channels switch
        {
            1 => images.squeeze(3),
            3 => (images.select(3, 0) * 0.299) + (images.select(3, 1) * 0.587) + (images.select(3, 2) * 0.114),
            _ => throw new ArgumentException(
                $"Expected greyscale (1 channel) or RGB (3 channels) images, got {stack.Channels} channels.", parameterName),
        };
    }
}
