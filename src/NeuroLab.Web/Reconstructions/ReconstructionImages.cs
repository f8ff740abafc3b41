using SkiaSharp;

namespace NeuroLab.Web.Reconstructions;

/// <summary>
/// PNGs of reconstruction galleries: one image enlarged with nearest-neighbour (a 28x28 digit stays crisp), and the
/// whole gallery as a labelled grid (originals above reconstructions) of bounded size.
/// </summary>
public static class ReconstructionImages
{
    /// <summary>Side the single images are enlarged to, at least (integer factors only).</summary>
    public const int ShownSide = 112;

    /// <summary>Longest side of one cell of the grid.</summary>
    public const int GridCell = 84;

    /// <summary>Images per row of the grid.</summary>
    public const int GridColumns = 10;

    /// <summary>Most test images in one grid (the first ones in test order); keeps the PNG bounded.</summary>
    public const int GridMaxImages = 200;

    private const int Gap = 4;
    private const int LabelWidth = 176;

    /// <summary>The integer nearest-neighbour factor that brings an image of this size to at least <see cref="ShownSide"/>.</summary>
    public static int Scale(int height, int width) => Math.Max(1, (int)Math.Ceiling((double)ShownSide / Math.Max(height, width)));

    /// <summary>0..1 to a grey level (values outside are clipped, NaN is black).</summary>
    public static byte Grey(float value) => float.IsFinite(value) ? (byte)Math.Round(Math.Clamp(value, 0f, 1f) * 255f) : (byte)0;

    /// <summary>One greyscale image [h, w] in 0..1 as a PNG enlarged <see cref="Scale"/> times.</summary>
    public static byte[] Png(ReadOnlySpan<float> pixels, int height, int width)
    {
        int s = Scale(height, width);
        using var bitmap = new SKBitmap(new SKImageInfo(width * s, height * s, SKColorType.Gray8, SKAlphaType.Opaque));
        var target = bitmap.GetPixelSpan();
        for (int y = 0; y < height * s; y++)
        {
            for (int x = 0; x < width * s; x++)
            {
                target[(y * bitmap.RowBytes) + x] = Grey(pixels[((y / s) * width) + (x / s)]);
            }
        }
        return Encode(bitmap);
    }

    /// <summary>
    /// The gallery as one PNG: blocks of <see cref="GridColumns"/> images, each an "original" row above a
    /// "reconstruction" row (and a "retrieved" row when the run has retrieved images), labelled on the left.
    /// </summary>
    public static byte[] Grid(ReconstructionGallery gallery)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        int n = Math.Min(gallery.Count, GridMaxImages);
        var rows = gallery.ShowsRetrieved
            ? new[] { ("original", GalleryImage.Target), ("reconstruction", GalleryImage.Reconstruction), ("retrieved", GalleryImage.Retrieved) }
            : new[] { ("original", GalleryImage.Target), ("reconstruction", GalleryImage.Reconstruction) };
        double f = (double)GridCell / Math.Max(gallery.Height, gallery.Width);
        int cellW = Math.Max(1, (int)Math.Round(gallery.Width * f));
        int cellH = Math.Max(1, (int)Math.Round(gallery.Height * f));
        int columns = Math.Max(1, Math.Min(n, GridColumns));
        int blocks = Math.Max(1, (n + columns - 1) / columns);
        int blockHeight = (rows.Length * (cellH + Gap)) + (2 * Gap);
        int width = LabelWidth + (columns * (cellW + Gap)) + Gap;
        int height = (blocks * blockHeight) + Gap;

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var cell = new SKBitmap(new SKImageInfo(cellW, cellH, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int i = 0; i < n; i++)
        {
            int block = i / columns;
            int column = i % columns;
            for (int r = 0; r < rows.Length; r++)
            {
                int top = (block * blockHeight) + Gap + (r * (cellH + Gap));
                if (rows[r].Item2 == GalleryImage.Retrieved && gallery.Items[i].RetrievedIndex is null)
                {
                    continue;
                }
                FillCell(cell, gallery.Image(i, rows[r].Item2), gallery.Height, gallery.Width);
                using var image = SKImage.FromBitmap(cell);
                canvas.DrawImage(image, LabelWidth + (column * (cellW + Gap)), top, new SKSamplingOptions(SKFilterMode.Nearest), null);
            }
        }
        canvas.Flush();
        for (int block = 0; block < blocks; block++)
        {
            for (int r = 0; r < rows.Length; r++)
            {
                int top = (block * blockHeight) + Gap + (r * (cellH + Gap));
                PixelFont.Draw(bitmap, rows[r].Item1, Gap, top + ((cellH - (2 * PixelFont.GlyphHeight)) / 2), 2);
            }
        }
        return Encode(bitmap);
    }

    /// <summary>Where pixel (row, column) of test image <paramref name="index"/>'s row <paramref name="row"/> lies in <see cref="Grid"/> (for tests and scripts).</summary>
    public static (int X, int Y) GridPixel(ReconstructionGallery gallery, int index, int row, int y, int x)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        double f = (double)GridCell / Math.Max(gallery.Height, gallery.Width);
        int cellW = Math.Max(1, (int)Math.Round(gallery.Width * f));
        int cellH = Math.Max(1, (int)Math.Round(gallery.Height * f));
        int rowsPerBlock = gallery.ShowsRetrieved ? 3 : 2;
        int columns = Math.Max(1, Math.Min(Math.Min(gallery.Count, GridMaxImages), GridColumns));
        int blockHeight = (rowsPerBlock * (cellH + Gap)) + (2 * Gap);
        int left = LabelWidth + ((index % columns) * (cellW + Gap));
        int top = ((index / columns) * blockHeight) + Gap + (row * (cellH + Gap));
        // The centre of the cell pixels that sample (y, x).
        return (left + (int)((x + 0.5) * f), top + (int)((y + 0.5) * f));
    }

    private static void FillCell(SKBitmap cell, ReadOnlySpan<float> pixels, int height, int width)
    {
        var target = cell.GetPixelSpan();
        for (int y = 0; y < cell.Height; y++)
        {
            int sy = Math.Min(height - 1, (int)((long)y * height / cell.Height));
            for (int x = 0; x < cell.Width; x++)
            {
                int sx = Math.Min(width - 1, (int)((long)x * width / cell.Width));
                byte g = Grey(pixels[(sy * width) + sx]);
                int o = (y * cell.RowBytes) + (x * 4);
                target[o] = g;
                target[o + 1] = g;
                target[o + 2] = g;
                target[o + 3] = 255;
            }
        }
    }

    private static byte[] Encode(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
