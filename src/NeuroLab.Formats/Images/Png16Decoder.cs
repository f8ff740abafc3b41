using System.Buffers.Binary;
using System.IO.Compression;

namespace NeuroLab.Formats.Images;

/// <summary>
/// Decodes 16-bit PNGs (colour types gray, RGB, gray+alpha, RGBA; plain or Adam7-interlaced) in managed
/// code, because Skia reduces 16-bit samples to 8 bits while decoding, which would throw away the
/// precision that 16-bit scientific images (microscopy, depth maps) are saved for. Follows the PNG
/// specification (https://www.w3.org/TR/png-3/): chunk CRCs and the zlib Adler-32 are verified, as libpng
/// does. The caller has checked the image size against the limits.
/// </summary>
internal static class Png16Decoder
{
    private static readonly uint[] _crcTable = BuildCrcTable();

    /// <summary>The seven Adam7 passes: first column and row, column and row steps.</summary>
    internal static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    /// <summary>Decodes to unpremultiplied RGBA floats in [0, 1], [height, width, 4] row-major.</summary>
    public static float[] DecodeRgba(byte[] file, ImageInfo info, string fileName)
    {
        int width = info.Width;
        int height = info.Height;
        int colorType = 0;
        bool interlaced = false;
        ushort[]? transparent = null;
        using var compressed = new MemoryStream();
        int pos = 8;
        bool seenEnd = false;
        while (!seenEnd)
        {
            if (pos == file.Length && compressed.Length > 0)
            {
                // No IEND: tolerated like libpng does; missing image data is caught by the inflate below.
                break;
            }
            if (pos + 8 > file.Length)
            {
                throw Truncated(fileName);
            }
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos));
            var type = file.AsSpan(pos + 4, 4);
            if (length > int.MaxValue || pos + 12L + length > file.Length)
            {
                throw Truncated(fileName);
            }
            var data = file.AsSpan(pos + 8, (int)length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos + 8 + (int)length));
            if (Crc(file.AsSpan(pos + 4, 4 + (int)length)) != crc)
            {
                throw new FormatReadException(fileName, $"corrupt PNG: CRC mismatch in the {System.Text.Encoding.ASCII.GetString(type)} chunk at byte {pos:N0}.");
            }
            if (type.SequenceEqual("IHDR"u8))
            {
                colorType = data[9];
                interlaced = data[12] == 1;
            }
            else if (type.SequenceEqual("tRNS"u8))
            {
                transparent = ReadTransparentColor(data, colorType);
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                compressed.Write(data);
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                seenEnd = true;
            }
            pos += 12 + (int)length;
        }

        int channels = colorType switch
        {
            0 => 1,
            2 => 3,
            4 => 2,
            6 => 4,
            _ => throw new FormatReadException(fileName, $"16-bit PNG with colour type {colorType} is not supported."),
        };
        int bytesPerPixel = channels * 2;
        long rawLength = 0;
        foreach (var (w, h) in Passes(width, height, interlaced))
        {
            rawLength += h * (1 + ((long)w * bytesPerPixel));
        }
        if (rawLength > Array.MaxLength)
        {
            throw new FormatReadException(fileName, $"PNG of {width}x{height} is too large to decode.");
        }
        var raw = new byte[rawLength];
        compressed.Position = 0;
        using (var inflater = new ZLibStream(compressed, CompressionMode.Decompress))
        {
            int got;
            try
            {
                got = StreamReading.ReadUpTo(inflater, raw);
                // Reading past the image data makes zlib check the Adler-32 at the end of the stream.
                Span<byte> probe = stackalloc byte[1];
                StreamReading.ReadUpTo(inflater, probe);
            }
            catch (InvalidDataException e)
            {
                throw new FormatReadException(fileName, $"corrupt PNG image data ({e.Message}).", e);
            }
            if (got < raw.Length)
            {
                throw new FormatReadException(fileName, $"PNG image data ends early: the file is truncated ({got:N0} of {raw.Length:N0} bytes decompressed).");
            }
        }

        var rgba = new float[(long)width * height * 4];
        long offset = 0;
        int pass = 0;
        foreach (var (passWidth, passHeight) in Passes(width, height, interlaced))
        {
            var (x0, y0, dx, dy) = interlaced ? Adam7[PassIndex(width, height, pass++)] : (0, 0, 1, 1);
            int stride = passWidth * bytesPerPixel;
            var previous = new byte[stride];
            for (int row = 0; row < passHeight; row++)
            {
                var line = raw.AsSpan((int)offset + 1, stride);
                Unfilter(raw[offset], line, previous, bytesPerPixel, fileName);
                line.CopyTo(previous);
                offset += 1 + stride;
                int y = y0 + (row * dy);
                for (int col = 0; col < passWidth; col++)
                {
                    int x = x0 + (col * dx);
                    Store(line.Slice(col * bytesPerPixel, bytesPerPixel), channels, transparent, rgba.AsSpan((int)((((long)y * width) + x) * 4), 4));
                }
            }
        }
        return rgba;
    }

    private static FormatReadException Truncated(string fileName) => new(fileName, "PNG file ends early: the file is truncated.");

    private static ushort[]? ReadTransparentColor(ReadOnlySpan<byte> data, int colorType) => colorType switch
    {
        0 when data.Length >= 2 => [BinaryPrimitives.ReadUInt16BigEndian(data)],
        2 when data.Length >= 6 => [BinaryPrimitives.ReadUInt16BigEndian(data), BinaryPrimitives.ReadUInt16BigEndian(data[2..]), BinaryPrimitives.ReadUInt16BigEndian(data[4..])],
        _ => null,
    };

    private static void Store(ReadOnlySpan<byte> pixel, int channels, ushort[]? transparent, Span<float> rgba)
    {
        // Divide rather than multiply by 1/65535, so every value is the correctly rounded float32 of v/65535.
        const float Scale = 65535f;
        ushort s0 = BinaryPrimitives.ReadUInt16BigEndian(pixel);
        switch (channels)
        {
            case 1:
            case 2:
                rgba[0] = rgba[1] = rgba[2] = s0 / Scale;
                rgba[3] = channels == 2 ? BinaryPrimitives.ReadUInt16BigEndian(pixel[2..]) / Scale : transparent is not null && transparent[0] == s0 ? 0f : 1f;
                break;
            default:
                ushort s1 = BinaryPrimitives.ReadUInt16BigEndian(pixel[2..]);
                ushort s2 = BinaryPrimitives.ReadUInt16BigEndian(pixel[4..]);
                rgba[0] = s0 / Scale;
                rgba[1] = s1 / Scale;
                rgba[2] = s2 / Scale;
                rgba[3] = channels == 4 ? BinaryPrimitives.ReadUInt16BigEndian(pixel[6..]) / Scale
                    : transparent is { Length: 3 } t && t[0] == s0 && t[1] == s1 && t[2] == s2 ? 0f : 1f;
                break;
        }
    }

    /// <summary>Reverses a PNG row filter in place (also used by <see cref="PngRowSampler"/>).</summary>
    internal static void Unfilter(byte filter, Span<byte> line, ReadOnlySpan<byte> previous, int bpp, string fileName)
    {
        switch (filter)
        {
            case 0:
                return;
            case 1:
                for (int i = bpp; i < line.Length; i++)
                {
                    line[i] += line[i - bpp];
                }
                return;
            case 2:
                for (int i = 0; i < line.Length; i++)
                {
                    line[i] += previous[i];
                }
                return;
            case 3:
                for (int i = 0; i < line.Length; i++)
                {
                    int left = i >= bpp ? line[i - bpp] : 0;
                    line[i] += (byte)((left + previous[i]) >> 1);
                }
                return;
            case 4:
                for (int i = 0; i < line.Length; i++)
                {
                    int a = i >= bpp ? line[i - bpp] : 0;
                    int b = previous[i];
                    int c = i >= bpp ? previous[i - bpp] : 0;
                    int p = a + b - c;
                    int pa = Math.Abs(p - a);
                    int pb = Math.Abs(p - b);
                    int pc = Math.Abs(p - c);
                    line[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }
                return;
            default:
                throw new FormatReadException(fileName, $"corrupt PNG: unknown scanline filter type {filter}.");
        }
    }

    /// <summary>Sizes of the non-empty passes (one pass of the whole image when not interlaced).</summary>
    private static IEnumerable<(int Width, int Height)> Passes(int width, int height, bool interlaced)
    {
        if (!interlaced)
        {
            yield return (width, height);
            yield break;
        }
        foreach (var (x0, y0, dx, dy) in Adam7)
        {
            int w = (width - x0 + dx - 1) / dx;
            int h = (height - y0 + dy - 1) / dy;
            if (w > 0 && h > 0)
            {
                yield return (w, h);
            }
        }
    }

    /// <summary>Index into the Adam7 table of the <paramref name="nonEmpty"/>-th non-empty pass.</summary>
    private static int PassIndex(int width, int height, int nonEmpty)
    {
        for (int p = 0; p < Adam7.Length; p++)
        {
            var (x0, y0, dx, dy) = Adam7[p];
            if (width > x0 && height > y0 && nonEmpty-- == 0)
            {
                return p;
            }
        }
        throw new InvalidOperationException("No such Adam7 pass.");
    }

    private static uint Crc(ReadOnlySpan<byte> data) => UpdateCrc(0xFFFF_FFFF, data) ^ 0xFFFF_FFFF;

    /// <summary>Running CRC-32 (ISO 3309, as PNG uses): start at 0xFFFFFFFF, finish with xor 0xFFFFFFFF.</summary>
    internal static uint UpdateCrc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = _crcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
