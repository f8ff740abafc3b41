using System.Runtime.InteropServices;
using SkiaSharp;

namespace NeuroLab.Formats.Images;

/// <summary>
/// Decodes an image row by row (PNG with <see cref="PngRowSampler"/>, JPEG with Skia's scanline decoder, both reading from the file) into a box-averaged picture of at
/// most <c>maxSide</c> pixels a side, so checking and previewing an image of any declared size holds one row and
/// the small picture, never the whole image. Baseline JPEGs are decoded at reduced size by libjpeg-turbo's DCT
/// scaling (1/2 to 1/8) when that still covers the picture. Values are the stored 8-bit samples in [0, 1] with no
/// colour management, like <see cref="ImageReader"/>; interlaced PNGs are streamed pass by pass. Progressive JPEGs are
/// buffered whole by libjpeg (all coefficients), so callers check their size against a budget first.
/// </summary>
public static class ImageSampler
{
    /// <summary>
    /// Decodes every row of the image at <paramref name="path"/> (so truncation and corrupt data are found) and
    /// returns float32 [height', width', channels], the aspect ratio kept and the longer side at most <paramref name="maxSide"/>; channels as
    /// <see cref="ImageInfo.Channels"/> (1 for gray, else 3).
    /// </summary>
    /// <exception cref="FormatReadException">Corrupt or truncated image data.</exception>
    public static NumericArray Sample(string path, string fileName, ImageInfo info, int maxSide)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 1);
        if (info.Format == ImageFormat.Png)
        {
            var picture = new BoxAverage(info.Width, info.Height, info.Width, info.Height, info.Channels, maxSide);
            PngRowSampler.Decode(path, fileName, info, picture.Add);
            return picture.Result();
        }
        return SampleJpeg(path, fileName, info, maxSide);
    }

    private static NumericArray SampleJpeg(string path, string fileName, ImageInfo info, int maxSide)
    {
        using var codec = SKCodec.Create(path, out var created)
            ?? throw new FormatReadException(fileName, created == SKCodecResult.IncompleteInput ? "image header ends early: the file is truncated." : $"corrupt image header ({created}).");
        if (codec.Info.Width != info.Width || codec.Info.Height != info.Height)
        {
            throw new FormatReadException(fileName, $"corrupt image: the header says {info.Width}x{info.Height} but the decoder sees {codec.Info.Width}x{codec.Info.Height}.");
        }
        // DCT scaling: decode no larger than needed.
        var size = codec.Info.Size;
        float scale = Math.Min(1f, (float)maxSide / Math.Max(size.Width, size.Height));
        if (scale < 1f && !info.MultiPass)
        {
            var scaled = codec.GetScaledDimensions(scale);
            if (scaled.Width >= Math.Min(maxSide, size.Width) || scaled.Height >= Math.Min(maxSide, size.Height))
            {
                size = scaled;
            }
        }
        var rowInfo = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul, null);
        var start = codec.StartScanlineDecode(rowInfo);
        if (start != SKCodecResult.Success || codec.ScanlineOrder != SKCodecScanlineOrder.TopDown)
        {
            throw new FormatReadException(fileName, $"the {info.Format} image cannot be decoded row by row ({start}).");
        }
        int width = size.Width, height = size.Height;
        var picture = new BoxAverage(width, height, info.Width, info.Height, info.Channels, maxSide);
        var row = new byte[width * 4L];
        var handle = GCHandle.Alloc(row, GCHandleType.Pinned);
        try
        {
            for (int y = 0; y < height; y++)
            {
                if (codec.GetScanlines(handle.AddrOfPinnedObject(), 1, row.Length) != 1)
                {
                    throw new FormatReadException(fileName, $"{info.Format} image data ends early at row {y + 1} of {height}: the file is truncated or corrupt.");
                }
                for (int x = 0; x < width; x++)
                {
                    int p = x * 4;
                    picture.Add(x, y, row[p] / 255.0, row[p + 1] / 255.0, row[p + 2] / 255.0);
                }
            }
        }
        finally
        {
            handle.Free();
        }
        return picture.Result();
    }

    /// <summary>
    /// Averages pixels arriving in any order (rows, interlace passes) into a picture of the source's aspect ratio with
    /// its longer side at most maxSide; gray output takes the first value of each pixel.
    /// </summary>
    private sealed class BoxAverage
    {
        private readonly int _width;
        private readonly int _height;
        private readonly int _channels;
        private readonly int _outWidth;
        private readonly int _outHeight;
        private readonly double[] _sums;
        private readonly int[] _counts;

        /// <param name="width">Width of the decoded pixels (the scaled size for DCT-scaled JPEGs).</param>
        /// <param name="height">Height of the decoded pixels.</param>
        /// <param name="sourceWidth">The image's own width (sets the aspect ratio).</param>
        /// <param name="sourceHeight">The image's own height.</param>
        /// <param name="channels">1 (gray) or 3.</param>
        /// <param name="maxSide">Longest side of the picture.</param>
        public BoxAverage(int width, int height, int sourceWidth, int sourceHeight, int channels, int maxSide)
        {
            _width = width;
            _height = height;
            _channels = channels;
            double shrink = Math.Min(1.0, (double)maxSide / Math.Max(sourceWidth, sourceHeight));
            _outWidth = (int)Math.Clamp(Math.Round(sourceWidth * shrink), 1, width);
            _outHeight = (int)Math.Clamp(Math.Round(sourceHeight * shrink), 1, height);
            _sums = new double[(long)_outWidth * _outHeight * channels];
            _counts = new int[_outWidth * _outHeight];
        }

        public void Add(int x, int y, double r, double g, double b)
        {
            int cell = (int)((long)y * _outHeight / _height) * _outWidth + (int)((long)x * _outWidth / _width);
            _counts[cell]++;
            long o = (long)cell * _channels;
            _sums[o] += r;
            if (_channels == 3)
            {
                _sums[o + 1] += g;
                _sums[o + 2] += b;
            }
        }

        /// <summary>float32 [height', width', channels] in [0, 1].</summary>
        public NumericArray Result()
        {
            var result = new float[_sums.Length];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = (float)(_sums[i] / Math.Max(1, _counts[i / _channels]));
            }
            return new NumericArray(NumericType.Float32, [_outHeight, _outWidth, _channels], result, ArrayOrder.C);
        }
    }
}
