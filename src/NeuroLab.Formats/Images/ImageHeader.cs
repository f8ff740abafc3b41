using System.Buffers.Binary;

namespace NeuroLab.Formats.Images;

/// <summary>
/// Parses PNG and JPEG headers without decoding pixels: enough for <see cref="ImageInfo"/> and for the
/// size checks that must happen before a decoder allocates anything.
/// </summary>
internal static class ImageHeader
{
    private static readonly byte[] _pngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Reads the header at the start of <paramref name="stream"/>.</summary>
    public static ImageInfo Parse(Stream stream, string fileName)
    {
        Span<byte> magic = stackalloc byte[8];
        int got = StreamReading.ReadUpTo(stream, magic);
        magic = magic[..got];
        if (magic.StartsWith(_pngSignature))
        {
            return ParsePng(stream, fileName);
        }
        if (magic.Length >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF)
        {
            return ParseJpeg(stream, magic[2..], fileName);
        }
        throw new FormatReadException(fileName, got == 0 ? "empty file: not a PNG or JPEG image." : $"not a PNG or JPEG image{Describe(magic)}.");
    }

    private static string Describe(ReadOnlySpan<byte> magic)
    {
        static bool Starts(ReadOnlySpan<byte> m, string ascii) => m.Length >= ascii.Length && m[..ascii.Length].SequenceEqual(System.Text.Encoding.ASCII.GetBytes(ascii));
        var kind = magic switch
        {
            _ when Starts(magic, "GIF8") => "GIF",
            _ when Starts(magic, "BM") => "BMP",
            _ when Starts(magic, "II*\0") || Starts(magic, "MM\0*") => "TIFF",
            _ when Starts(magic, "RIFF") => "RIFF (WebP?)",
            _ when StreamReading.IsGzip(magic) => "gzip-compressed data",
            _ when magic.Length >= 4 && magic[0] == 0x89 && Starts(magic[1..], "PNG") => "a PNG whose signature was altered (text-mode transfer?)",
            _ => null,
        };
        return kind is null ? "" : $" (it looks like {kind})";
    }

    private static ImageInfo ParsePng(Stream stream, string fileName)
    {
        Span<byte> chunkHeader = stackalloc byte[8];
        StreamReading.ReadExactly(stream, chunkHeader, fileName, "the PNG IHDR chunk header");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(chunkHeader);
        if (!chunkHeader[4..].SequenceEqual("IHDR"u8) || length != 13)
        {
            throw new FormatReadException(fileName, "corrupt PNG: the first chunk must be a 13-byte IHDR header.");
        }
        Span<byte> ihdr = stackalloc byte[13 + 4];
        StreamReading.ReadExactly(stream, ihdr, fileName, "the PNG IHDR chunk");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
        int bitDepth = ihdr[8];
        int colorType = ihdr[9];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
        {
            throw new FormatReadException(fileName, $"corrupt PNG: IHDR declares {width}x{height} pixels (each side must be 1 to 2^31-1).");
        }
        bool valid = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            2 or 4 or 6 => bitDepth is 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            _ => false,
        };
        if (!valid)
        {
            throw new FormatReadException(fileName, $"corrupt PNG: IHDR has colour type {colorType} with bit depth {bitDepth}, which the PNG specification does not allow.");
        }
        if (ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] > 1)
        {
            throw new FormatReadException(fileName, $"corrupt PNG: unknown compression ({ihdr[10]}), filter ({ihdr[11]}) or interlace ({ihdr[12]}) method in IHDR.");
        }

        bool hasTransparencyChunk = false;
        while (true)
        {
            // Ancillary chunks before the first IDAT: only tRNS matters here (transparency for gray, RGB, palette).
            StreamReading.ReadExactly(stream, chunkHeader, fileName, "the next PNG chunk header (no image data found)");
            length = BinaryPrimitives.ReadUInt32BigEndian(chunkHeader);
            if (length > int.MaxValue)
            {
                throw new FormatReadException(fileName, $"corrupt PNG: chunk length {length:N0} is over the PNG maximum of 2^31-1.");
            }
            var type = chunkHeader[4..];
            if (type.SequenceEqual("IDAT"u8))
            {
                break;
            }
            if (type.SequenceEqual("IEND"u8))
            {
                throw new FormatReadException(fileName, "corrupt PNG: IEND before any IDAT image data.");
            }
            if (type.SequenceEqual("tRNS"u8))
            {
                hasTransparencyChunk = true;
            }
            StreamReading.Skip(stream, length + 4L, fileName, "the next PNG chunk");
        }
        var (model, channels, alpha) = colorType switch
        {
            0 => ("gray", 1, hasTransparencyChunk),
            2 => ("RGB", 3, hasTransparencyChunk),
            3 => ("palette", 3, hasTransparencyChunk),
            4 => ("gray+alpha", 1, true),
            _ => ("RGBA", 3, true),
        };
        return new ImageInfo((int)width, (int)height, channels, ImageFormat.Png, bitDepth, model, alpha) { MultiPass = ihdr[12] == 1 };
    }

    private static ImageInfo ParseJpeg(Stream stream, ReadOnlySpan<byte> pending, string fileName)
    {
        // pending holds the bytes already read after SOI (starting with the first marker's 0xFF).
        var reader = new ByteReader(stream, pending, fileName);
        string? adobeModel = null;
        Span<byte> adobe = stackalloc byte[12];
        while (true)
        {
            // Markers are 0xFF, any number of 0xFF fill bytes, then the code. libjpeg tolerates stray bytes
            // before a marker (it warns), so skip them likewise.
            int b = reader.Next("the next JPEG marker (no frame header found)");
            while (b != 0xFF)
            {
                b = reader.Next("the next JPEG marker (no frame header found)");
            }
            int code;
            do
            {
                code = reader.Next("a JPEG marker code");
            }
            while (code == 0xFF);
            if (code is 0x00 or 0x01 or (>= 0xD0 and <= 0xD8))
            {
                continue;
            }
            if (code == 0xD9 || code == 0xDA)
            {
                throw new FormatReadException(fileName, $"corrupt JPEG: {(code == 0xD9 ? "end of image" : "scan data")} before any frame header (SOF).");
            }
            int length = (reader.Next("a JPEG segment length") << 8) | reader.Next("a JPEG segment length");
            if (length < 2)
            {
                throw new FormatReadException(fileName, $"corrupt JPEG: segment 0xFF{code:X2} has length {length}.");
            }
            bool isFrame = code is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (isFrame)
            {
                if (length < 8)
                {
                    throw new FormatReadException(fileName, $"corrupt JPEG: frame header of {length} bytes.");
                }
                int precision = reader.Next("the JPEG frame header");
                int height = (reader.Next("the JPEG frame header") << 8) | reader.Next("the JPEG frame header");
                int width = (reader.Next("the JPEG frame header") << 8) | reader.Next("the JPEG frame header");
                int components = reader.Next("the JPEG frame header");
                if (code is 0xC3 or 0xC7 or 0xCB or 0xCF)
                {
                    throw new FormatReadException(fileName, "lossless JPEG is not supported (only baseline, extended and progressive JPEG).");
                }
                if (precision != 8)
                {
                    throw new FormatReadException(fileName, $"{precision}-bit JPEG is not supported (only 8-bit samples).");
                }
                if (width == 0 || height == 0)
                {
                    throw new FormatReadException(fileName, $"JPEG frame header declares {width}x{height} pixels (a height defined later by a DNL marker is not supported).");
                }
                var model = components switch
                {
                    1 => "gray",
                    3 => adobeModel ?? "YCbCr",
                    4 => "CMYK",
                    _ => throw new FormatReadException(fileName, $"JPEG with {components} colour components is not supported (1, 3 or 4)."),
                };
                return new ImageInfo(width, height, components == 1 ? 1 : 3, ImageFormat.Jpeg, 8, model, false) { MultiPass = code is 0xC2 or 0xC6 or 0xCA or 0xCE };
            }
            if (code == 0xEE && length >= 14)
            {
                // Adobe APP14: transform 0 means 3-component data is RGB, not YCbCr.
                reader.Read(adobe, "the JPEG Adobe segment");
                if (adobe[..5].SequenceEqual("Adobe"u8) && adobe[11] == 0)
                {
                    adobeModel = "RGB";
                }
                reader.Skip(length - 2 - 12, "the JPEG Adobe segment");
                continue;
            }
            reader.Skip(length - 2, $"the JPEG segment 0xFF{code:X2}");
        }
    }

    private sealed class ByteReader(Stream stream, ReadOnlySpan<byte> pending, string fileName)
    {
        private readonly byte[] _pending = pending.ToArray();
        private readonly byte[] _one = new byte[1];
        private int _pendingPosition;

        public int Next(string what)
        {
            if (_pendingPosition < _pending.Length)
            {
                return _pending[_pendingPosition++];
            }
            StreamReading.ReadExactly(stream, _one, fileName, what);
            return _one[0];
        }

        public void Read(Span<byte> buffer, string what)
        {
            for (int i = 0; i < buffer.Length; i++)
            {
                buffer[i] = (byte)Next(what);
            }
        }

        public void Skip(long count, string what)
        {
            while (count > 0 && _pendingPosition < _pending.Length)
            {
                _pendingPosition++;
                count--;
            }
            StreamReading.Skip(stream, count, fileName, what);
        }
    }
}
