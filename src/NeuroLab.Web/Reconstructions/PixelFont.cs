using SkiaSharp;

namespace NeuroLab.Web.Reconstructions;

/// <summary>
/// A 5x7 pixel font for the grid's row labels. SkiaSharp's Linux native assets without dependencies find no system
/// fonts (text draws nothing), so the few lowercase letters the labels need are drawn as pixels; others are blank.
/// </summary>
internal static class PixelFont
{
    public const int GlyphWidth = 5;
    public const int GlyphHeight = 7;

    private static readonly Dictionary<char, string[]> Glyphs = new()
    {
        ['a'] = [".....", ".....", ".###.", "....#", ".####", "#...#", ".####"],
        ['c'] = [".....", ".....", ".###.", "#....", "#....", "#....", ".###."],
        ['d'] = ["....#", "....#", ".####", "#...#", "#...#", "#...#", ".####"],
        ['e'] = [".....", ".....", ".###.", "#...#", "#####", "#....", ".###."],
        ['g'] = [".....", ".####", "#...#", "#...#", ".####", "....#", ".###."],
        ['i'] = ["..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."],
        ['l'] = [".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."],
        ['n'] = [".....", ".....", "####.", "#...#", "#...#", "#...#", "#...#"],
        ['o'] = [".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."],
        ['r'] = [".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."],
        ['s'] = [".....", ".....", ".####", "#....", ".###.", "....#", "####."],
        ['t'] = ["..#..", "..#..", "#####", "..#..", "..#..", "..#..", "...##"],
        ['u'] = [".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"],
        ['v'] = [".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
    };

    /// <summary>Writes <paramref name="text"/> in black into an Rgba8888 bitmap, each font pixel <paramref name="scale"/> pixels wide, top-left at (x, y).</summary>
    public static void Draw(SKBitmap bitmap, string text, int x, int y, int scale)
    {
        var pixels = bitmap.GetPixelSpan();
        for (int c = 0; c < text.Length; c++)
        {
            if (!Glyphs.TryGetValue(text[c], out var glyph))
            {
                continue;
            }
            int left = x + (c * (GlyphWidth + 1) * scale);
            for (int gy = 0; gy < GlyphHeight * scale; gy++)
            {
                for (int gx = 0; gx < GlyphWidth * scale; gx++)
                {
                    int px = left + gx;
                    int py = y + gy;
                    if (glyph[gy / scale][gx / scale] == '#' && px < bitmap.Width && py < bitmap.Height)
                    {
                        int o = (py * bitmap.RowBytes) + (px * 4);
                        pixels[o] = 0;
                        pixels[o + 1] = 0;
                        pixels[o + 2] = 0;
                    }
                }
            }
        }
    }
}
