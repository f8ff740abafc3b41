using System.Runtime.InteropServices;
using SkiaSharp;

namespace NeuroLab.Formats.Images;

/// <summary>
/// Reads PNG and JPEG images (format detected by magic bytes, not by extension) into float32 arrays
/// [height, width, channels] in C order, scaled to [0, 1] (8-bit: v/255; 16-bit: v/65535), decoded with
/// SkiaSharp (Skia's libpng and libjpeg-turbo). Values are the stored samples: no colour management
/// (embedded ICC profiles and gamma chunks are not applied, as with PIL/NumPy), no EXIF rotation, and
/// alpha is never premultiplied. 16-bit PNGs keep their full precision: Skia would reduce them to 8 bits,
/// so they are decoded by a managed PNG decoder and resized in float32. Truncated or corrupt
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

        if (stream.CanSeek)
        {
            // Reject a wrong or oversized file from its header before reading all of it into memory.
            long start = stream.Position;
            var declared = ImageHeader.Parse(stream, fileName);
            var (declaredWidth, declaredHeight) = TargetSize(declared, options);
            CheckSizes(declared, options, Channels(declared, options), declaredWidth, declaredHeight, fileName);
            stream.Position = start;
        }
        var bytes = ReadAllBytes(stream, fileName, options.Limits);
        var info = ImageHeader.Parse(new MemoryStream(bytes, writable: false), fileName);
        int channels = Channels(info, options);
        var (targetWidth, targetHeight) = TargetSize(info, options);
        CheckSizes(info, options, channels, targetWidth, targetHeight, fileName);

        if (info.BitDepth == 16)
        {
            return ReadSixteenBit(bytes, info, channels, targetWidth, targetHeight, fileName);
        }
        using var codec = CreateCodec(bytes, fileName);
        if (codec.Info.Width != info.Width || codec.Info.Height != info.Height)
        {
            throw new FormatReadException(fileName, $"corrupt image: the header says {info.Width}x{info.Height} but the decoder sees {codec.Info.Width}x{codec.Info.Height}.");
        }
        // No colour space in the target means no colour conversion: the stored samples come out as they are.
        var decodeInfo = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul, null);
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
            return FromRgba8888(decoded, info.IsGrayscale, channels);
        }
        using var resized = new SKBitmap();
        if (!resized.TryAllocPixels(decodeInfo.WithSize(targetWidth, targetHeight)) || !decoded.ScalePixels(resized, SkiaSampling.For(info.Width, info.Height, targetWidth, targetHeight)))
        {
            throw new FormatReadException(fileName, $"could not resize the {info.Width}x{info.Height} image to {targetWidth}x{targetHeight}.");
        }
        return FromRgba8888(resized, info.IsGrayscale, channels);
    }

    private static NumericArray ReadSixteenBit(byte[] bytes, ImageInfo info, int channels, int targetWidth, int targetHeight, string fileName)
    {
        var rgba = Png16Decoder.DecodeRgba(bytes, info, fileName);
        if (targetWidth != info.Width || targetHeight != info.Height)
        {
            // Resample in float32 so the 16-bit precision survives resizing too.
            var floatInfo = new SKImageInfo(info.Width, info.Height, SKColorType.RgbaF32, SKAlphaType.Unpremul, null);
            using var source = new SKBitmap();
            using var target = new SKBitmap();
            if (!source.TryAllocPixels(floatInfo) || !target.TryAllocPixels(floatInfo.WithSize(targetWidth, targetHeight)))
            {
                throw new FormatReadException(fileName, $"not enough memory to resize a {info.Width}x{info.Height} image.");
            }
            rgba.AsSpan().CopyTo(MemoryMarshal.Cast<byte, float>(source.GetPixelSpan()));
            if (!source.ScalePixels(target, SkiaSampling.For(info.Width, info.Height, targetWidth, targetHeight)))
            {
                throw new FormatReadException(fileName, $"could not resize the {info.Width}x{info.Height} image to {targetWidth}x{targetHeight}.");
            }
            rgba = MemoryMarshal.Cast<byte, float>(target.GetPixelSpan()).ToArray();
        }
        var result = new float[(long)targetWidth * targetHeight * channels];
        long o = 0;
        for (long p = 0; p < (long)targetWidth * targetHeight; p++)
        {
            // Cubic filters have negative lobes and can overshoot; 8-bit output is clamped by its type, so clamp here too.
            Emit(result, ref o, Unit(rgba[p * 4]), Unit(rgba[(p * 4) + 1]), Unit(rgba[(p * 4) + 2]), Unit(rgba[(p * 4) + 3]), info.IsGrayscale, channels);
        }
        return new NumericArray(NumericType.Float32, [targetHeight, targetWidth, channels], result, ArrayOrder.C);

        static float Unit(float v) => Math.Clamp(v, 0f, 1f);
    }

    private static int Channels(ImageInfo info, ImageReadOptions options) => options.Color switch
    {
        ImageColorMode.Auto => info.Channels,
        ImageColorMode.Grayscale => 1,
        ImageColorMode.Rgb => 3,
        ImageColorMode.Rgba => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Color, "Unknown colour mode."),
    };

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
        // Intermediate RGBA buffers: 8-bit from Skia, or float32 from the 16-bit PNG decoder.
        var intermediate = info.BitDepth == 16 ? NumericType.Float32 : NumericType.UInt8;
        limits.Check(fileName, [info.Height, info.Width, 4], intermediate, "decoded image");
        if (targetWidth != info.Width || targetHeight != info.Height)
        {
            limits.Check(fileName, [targetHeight, targetWidth, 4], intermediate, "resized image");
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

    private static NumericArray FromRgba8888(SKBitmap bitmap, bool sourceIsGray, int channels)
    {
        // Divide rather than multiply by 1/255, so every value is the correctly rounded float32 of v/255.
        const float Scale = 255f;
        int width = bitmap.Width;
        int height = bitmap.Height;
        int rowBytes = bitmap.RowBytes;
        var pixels = bitmap.GetPixelSpan();
        var result = new float[(long)width * height * channels];
        long o = 0;
        for (int y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * rowBytes, width * 4);
            for (int x = 0; x < row.Length; x += 4)
            {
                Emit(result, ref o, row[x] / Scale, row[x + 1] / Scale, row[x + 2] / Scale, row[x + 3] / Scale, sourceIsGray, channels);
            }
        }
        return new NumericArray(NumericType.Float32, [height, width, channels], result, ArrayOrder.C);
    }

    private static void Emit(float[] result, ref long o, float r, float g, float b, float a, bool sourceIsGray, int channels)
    {
        switch (channels)
        {
            case 1:
                // A gray source has r = g = b exactly; taking r avoids rounding the luma weights' sum.
                result[o++] = sourceIsGray ? r : (float)((0.299 * r) + (0.587 * g) + (0.114 * b));
                break;
            case 3:
                result[o++] = r;
                result[o++] = g;
                result[o++] = b;
                break;
            default:
                result[o++] = r;
                result[o++] = g;
                result[o++] = b;
                result[o++] = a;
                break;
        }
    }
}
