using System.Runtime.InteropServices;
using SkiaSharp;

namespace NeuroLab.Formats.Images;

/// <summary>
/// Reads PNG and JPEG images (format detected by magic bytes, not by extension) into float32 arrays
/// [height, width, channels] in C order, scaled to [0, 1] (8-bit: v/255; 16-bit: v/65535), decoded with
/// SkiaSharp (Skia's libpng and libjpeg-turbo). Values are the stored samples: no colour management
/// (embedded ICC profiles and gamma chunks are not applied, as with PIL/NumPy), no EXIF rotation, and
/// alpha is never premultiplied. 16-bit PNGs are decoded through Skia's half-float path, which keeps 11
/// significant bits: values are exact to within 2.5e-4 (about 16 of 65535 levels). Truncated or corrupt
/// files are errors, not partly black images. Sizes are checked from the header before any decoding
/// (see <see cref="ImageReadOptions.MaxPixels"/>).
/// </summary>
public static class ImageReader
{
    /// <summary>Reads the header of the image at <paramref name="path"/> without decoding pixels.</summary>
    /// <exception cref="FormatReadException">Not a PNG or JPEG, or a corrupt or truncated header.</exception>
    public static ImageInfo ReadInfo(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12);
        return ReadInfo(stream, Path.GetFileName(path));
    }

    /// <summary>Reads the header at the current position of <paramref name="stream"/> (left open) without decoding pixels.</summary>
    /// <exception cref="FormatReadException">Not a PNG or JPEG, or a corrupt or truncated header.</exception>
    public static ImageInfo ReadInfo(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        return ImageHeader.Parse(stream, fileName);
    }

    /// <summary>Reads and decodes the image at <paramref name="path"/>.</summary>
    /// <returns>float32 [height, width, channels] in C order, values in [0, 1].</returns>
    /// <exception cref="FormatReadException">Not a PNG or JPEG, corrupt, truncated, or over the size limits.</exception>
    public static NumericArray Read(string path, ImageReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, Path.GetFileName(path), options);
    }

    /// <summary>Reads and decodes an image from <paramref name="stream"/> (read to its end, left open).</summary>
    /// <returns>float32 [height, width, channels] in C order, values in [0, 1].</returns>
    /// <exception cref="FormatReadException">Not a PNG or JPEG, corrupt, truncated, or over the size limits.</exception>
    public static NumericArray Read(Stream stream, string fileName, ImageReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        options ??= ImageReadOptions.Default;
        ArgumentNullException.ThrowIfNull(options.Limits, nameof(options));
        if (options.Width <= 0 || options.Height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Resize width and height must be positive.");
        }

        var bytes = ReadAllBytes(stream, fileName, options.Limits);
        var info = ImageHeader.Parse(new MemoryStream(bytes, writable: false), fileName);
        int channels = options.Color switch
        {
            ImageColorMode.Auto => info.Channels,
            ImageColorMode.Grayscale => 1,
            ImageColorMode.Rgb => 3,
            ImageColorMode.Rgba => 4,
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Color, "Unknown colour mode."),
        };
        var (targetWidth, targetHeight) = TargetSize(info, options);
        CheckSizes(info, options, channels, targetWidth, targetHeight, fileName);

        bool wide = info.BitDepth == 16;
        using var codec = CreateCodec(bytes, fileName);
        if (codec.Info.Width != info.Width || codec.Info.Height != info.Height)
        {
            throw new FormatReadException(fileName, $"corrupt image: the header says {info.Width}x{info.Height} but the decoder sees {codec.Info.Width}x{codec.Info.Height}.");
        }
        // No colour space on 8-bit output means no colour conversion: the stored samples come out as they are.
        // Skia's half-float output needs one; giving the source's own space again converts nothing.
        var decodeInfo = new SKImageInfo(info.Width, info.Height, wide ? SKColorType.RgbaF16 : SKColorType.Rgba8888, SKAlphaType.Unpremul, wide ? codec.Info.ColorSpace ?? SKColorSpace.CreateSrgb() : null);
        using var decoded = new SKBitmap();
        if (!decoded.TryAllocPixels(decodeInfo))
        {
            throw new FormatReadException(fileName, $"not enough memory to decode a {info.Width}x{info.Height} image.");
        }
        var result = codec.GetPixels(decodeInfo, decoded.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new FormatReadException(fileName, result switch
            {
                SKCodecResult.IncompleteInput => $"{info.Format} image data ends early: the file is truncated.",
                SKCodecResult.ErrorInInput => $"corrupt {info.Format} image data.",
                SKCodecResult.InvalidConversion => $"unsupported {info.Format} pixel layout ({info.ColorModel}, {info.BitDepth}-bit).",
                _ => $"could not decode the {info.Format} image ({result}).",
            });
        }

        if (targetWidth == info.Width && targetHeight == info.Height)
        {
            return ToFloat(decoded, info.IsGrayscale, channels, wide);
        }
        using var resized = new SKBitmap();
        if (!resized.TryAllocPixels(decodeInfo.WithSize(targetWidth, targetHeight)) || !decoded.ScalePixels(resized, SkiaSampling.For(info.Width, info.Height, targetWidth, targetHeight)))
        {
            throw new FormatReadException(fileName, $"could not resize the {info.Width}x{info.Height} image to {targetWidth}x{targetHeight}.");
        }
        return ToFloat(resized, info.IsGrayscale, channels, wide);
    }

    private static (int Width, int Height) TargetSize(ImageInfo info, ImageReadOptions options)
    {
        return (options.Width, options.Height) switch
        {
            (null, null) => (info.Width, info.Height),
            ({ } w, { } h) => (w, h),
            ({ } w, null) => (w, ScaledSide(info.Height, w, info.Width)),
            (null, { } h) => (ScaledSide(info.Width, h, info.Height), h),
        };

        static int ScaledSide(int side, int target, int reference) => (int)Math.Clamp(Math.Round((double)side * target / reference), 1, int.MaxValue);
    }

    private static void CheckSizes(ImageInfo info, ImageReadOptions options, int channels, int targetWidth, int targetHeight, string fileName)
    {
        long pixels = (long)info.Width * info.Height;
        if (pixels > options.MaxPixels)
        {
            throw new FormatReadException(fileName, $"image of {info.Width}x{info.Height} = {pixels:N0} pixels is over the limit of {options.MaxPixels:N0} (a decompression bomb, or raise MaxPixels).");
        }
        var limits = options.Limits;
        limits.Check(fileName, [info.Height, info.Width, 4], info.BitDepth == 16 ? NumericType.Float32 : NumericType.UInt8, "decoded image");
        if (targetWidth != info.Width || targetHeight != info.Height)
        {
            // Half-float pixels are 2 bytes per sample; Int16 stands in for their size.
            limits.Check(fileName, [targetHeight, targetWidth, 4], info.BitDepth == 16 ? NumericType.Int16 : NumericType.UInt8, "resized image");
        }
        limits.Check(fileName, [targetHeight, targetWidth, channels], NumericType.Float32, "image");
    }

    private static SKCodec CreateCodec(byte[] bytes, string fileName)
    {
        var codec = SKCodec.Create(new SKMemoryStream(bytes), out var result);
        return codec ?? throw new FormatReadException(fileName, result switch
        {
            SKCodecResult.IncompleteInput => "image header ends early: the file is truncated.",
            SKCodecResult.Unimplemented => "this PNG/JPEG variant is not supported by the decoder.",
            _ => $"corrupt image header ({result}).",
        });
    }

    private static byte[] ReadAllBytes(Stream stream, string fileName, ReadLimits limits)
    {
        long max = Math.Min(limits.MaxArrayBytes, Array.MaxLength);
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining > max)
            {
                throw new FormatReadException(fileName, $"file of {remaining / (1 << 20):N0} MiB is over the limit of {max / (1 << 20):N0} MiB.");
            }
            var bytes = new byte[remaining];
            StreamReading.ReadExactly(stream, bytes, fileName, "the image");
            return bytes;
        }
        using var copy = new MemoryStream();
        var buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            if (copy.Length + n > max)
            {
                throw new FormatReadException(fileName, $"file is over the limit of {max / (1 << 20):N0} MiB.");
            }
            copy.Write(buffer, 0, n);
        }
        return copy.ToArray();
    }

    private static NumericArray ToFloat(SKBitmap bitmap, bool sourceIsGray, int channels, bool wide)
    {
        int width = bitmap.Width;
        int height = bitmap.Height;
        int rowBytes = bitmap.RowBytes;
        var pixels = bitmap.GetPixelSpan();
        var result = new float[(long)width * height * channels];
        var rgba = new float[4];
        long o = 0;
        for (int y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * rowBytes, rowBytes);
            var halves = wide ? MemoryMarshal.Cast<byte, Half>(row) : default;
            for (int x = 0; x < width; x++)
            {
                for (int k = 0; k < 4; k++)
                {
                    // Resampling half floats can overshoot (cubic filters have negative lobes); 8-bit output is clamped by its type.
                    rgba[k] = wide ? Math.Clamp((float)halves[(x * 4) + k], 0f, 1f) : row[(x * 4) + k] / 255f;
                }
                switch (channels)
                {
                    case 1:
                        result[o++] = sourceIsGray ? rgba[0] : (float)((0.299 * rgba[0]) + (0.587 * rgba[1]) + (0.114 * rgba[2]));
                        break;
                    case 3:
                        result[o++] = rgba[0];
                        result[o++] = rgba[1];
                        result[o++] = rgba[2];
                        break;
                    default:
                        result[o++] = rgba[0];
                        result[o++] = rgba[1];
                        result[o++] = rgba[2];
                        result[o++] = rgba[3];
                        break;
                }
            }
        }
        return new NumericArray(NumericType.Float32, [height, width, channels], result, ArrayOrder.C);
    }
}
