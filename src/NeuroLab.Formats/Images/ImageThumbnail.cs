using SkiaSharp;

namespace NeuroLab.Formats.Images;

/// <summary>Small PNG previews of image arrays, for thumbnails in the web UI.</summary>
public static class ImageThumbnail
{
    /// <summary>Largest <c>maxSide</c> accepted: previews, not full-resolution exports.</summary>
    public const int MaxThumbnailSide = 8192;

    /// <summary>
    /// Encodes <paramref name="image"/> as a PNG no larger than <paramref name="maxSide"/> on its longer
    /// side (aspect ratio kept, never enlarged; shrunk with Skia's trilinear mipmap sampling).
    /// </summary>
    /// <param name="image">
    /// [height, width] or [height, width, channels] with 1 (gray), 3 (RGB) or 4 (RGBA, unpremultiplied)
    /// channels, C or Fortran order. float32/float64 are taken as [0, 1] (clamped; NaN shows black), as
    /// <see cref="ImageReader"/> returns them; uint8 as 0-255; uint16 as 0-65535; bool as black/white.
    /// </param>
    /// <param name="maxSide">Longest side of the preview in pixels, 1 to <see cref="MaxThumbnailSide"/>.</param>
    /// <returns>An 8-bit PNG file: grayscale for one channel, RGB for three, RGBA for four.</returns>
    public static byte[] EncodePng(NumericArray image, int maxSide)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSide, MaxThumbnailSide);
        if (image.Rank is not (2 or 3))
        {
            throw new ArgumentException($"An image is [height, width] or [height, width, channels]; got shape {image.ShapeText}.", nameof(image));
        }
        long heightLong = image.Shape[0];
        long widthLong = image.Shape[1];
        int channels = image.Rank == 3 ? (int)image.Shape[2] : 1;
        if (channels is not (1 or 3 or 4))
        {
            throw new ArgumentException($"An image has 1, 3 or 4 channels; got shape {image.ShapeText}.", nameof(image));
        }
        if (heightLong < 1 || widthLong < 1 || heightLong > int.MaxValue || widthLong > int.MaxValue || heightLong * widthLong > int.MaxValue / 4)
        {
            throw new ArgumentException($"Cannot preview an image of shape {image.ShapeText}.", nameof(image));
        }
        Func<long, byte> toByte = image.Type switch
        {
            NumericType.Float32 or NumericType.Float64 => i => FromUnit(image.GetDouble(i)),
            NumericType.UInt8 => i => ((byte[])image.Data)[i],
            NumericType.UInt16 => i => (byte)((((ushort[])image.Data)[i] + 128) / 257),
            NumericType.Bool => i => ((bool[])image.Data)[i] ? (byte)255 : (byte)0,
            _ => throw new ArgumentException($"Previews take float32/float64 in [0, 1], uint8, uint16 or bool images, not {NumericTypes.Name(image.Type)}.", nameof(image)),
        };

        int height = (int)heightLong;
        int width = (int)widthLong;
        var info = channels == 1
            ? new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque)
            : new SKImageInfo(width, height, SKColorType.Rgba8888, channels == 4 ? SKAlphaType.Unpremul : SKAlphaType.Opaque);
        using var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(info))
        {
            throw new InvalidOperationException($"Could not allocate a {width}x{height} bitmap.");
        }
        var pixels = bitmap.GetPixelSpan();
        int bytesPerPixel = info.BytesPerPixel;
        // Element strides of (row, column, channel) in storage order.
        var (rowStride, columnStride, channelStride) = image.Order == ArrayOrder.C
            ? ((long)width * channels, (long)channels, 1L)
            : (1L, heightLong, heightLong * widthLong);
        // ImageReader's own output (float32, C order) takes a direct path; anything else goes through toByte.
        var direct = image.Type == NumericType.Float32 && image.Order == ArrayOrder.C ? (float[])image.Data : null;
        for (int y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * bitmap.RowBytes, width * bytesPerPixel);
            for (int x = 0; x < width; x++)
            {
                for (int k = 0; k < channels; k++)
                {
                    long index = (y * rowStride) + (x * columnStride) + (k * channelStride);
                    row[(x * bytesPerPixel) + k] = direct is not null ? FromUnit(direct[index]) : toByte(index);
                }
                if (channels == 3)
                {
                    row[(x * bytesPerPixel) + 3] = 255;
                }
            }
        }

        double scale = Math.Min(1.0, (double)maxSide / Math.Max(width, height));
        int targetWidth = Math.Max(1, (int)Math.Round(width * scale));
        int targetHeight = Math.Max(1, (int)Math.Round(height * scale));
        if (targetWidth == width && targetHeight == height)
        {
            return Encode(bitmap);
        }
        using var small = new SKBitmap();
        if (!small.TryAllocPixels(info.WithSize(targetWidth, targetHeight)) || !bitmap.ScalePixels(small, SkiaSampling.For(width, height, targetWidth, targetHeight)))
        {
            throw new InvalidOperationException($"Could not shrink a {width}x{height} image to {targetWidth}x{targetHeight}.");
        }
        return Encode(small);
    }

    private static byte FromUnit(double v) => double.IsNaN(v) ? (byte)0 : (byte)Math.Round(Math.Clamp(v, 0.0, 1.0) * 255.0);

    private static byte[] Encode(SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("Skia could not encode the PNG.");
        return data.ToArray();
    }
}
