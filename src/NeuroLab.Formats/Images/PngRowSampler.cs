using System.Buffers.Binary;
using System.IO.Compression;

namespace NeuroLab.Formats.Images;

/// <summary>
/// Streams a PNG's rows (any colour type and bit depth, plain or Adam7-interlaced) from the file through zlib and the
/// row filters, holding only the current and previous row, and hands each pixel's samples in [0, 1] to a callback.
/// Skia's PNG codec in the SkiaSharp build used here has no row-by-row decoding ("Unimplemented"), and decoding
/// whole images is what a decompression bomb exploits. Follows the PNG specification (https://www.w3.org/TR/png-3/):
/// chunk CRCs are verified and truncated or corrupt image data is an error, as in <see cref="Png16Decoder"/>.
/// Transparency is ignored (previews show colour), as is any colour management.
/// </summary>
internal static class PngRowSampler
{
    /// <summary>
    /// Decodes every row of the PNG at <paramref name="path"/>; <paramref name="pixel"/> gets (x, y, gray or red,
    /// green, blue) for each pixel, green and blue equal to the first value for gray images.
    /// </summary>
    public static void Decode(string path, string fileName, ImageInfo info, Action<int, int, double, double, double> pixel)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var idat = new IdatStream(file, fileName);
        var ihdr = idat.Header;
        int bitDepth = ihdr[8], colorType = ihdr[9];
        bool interlaced = ihdr[12] == 1;
        int samples = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => throw new FormatReadException(fileName, $"corrupt PNG: colour type {colorType}.") };
        int bitsPerPixel = samples * bitDepth;
        int filterUnit = Math.Max(1, bitsPerPixel / 8);
        double max = (1 << bitDepth) - 1;
        var palette = idat.Palette;
        if (colorType == 3 && palette is null)
        {
            throw new FormatReadException(fileName, "corrupt PNG: a palette image without a PLTE chunk.");
        }
        using var inflater = new ZLibStream(idat, CompressionMode.Decompress);
        var passes = interlaced ? Png16Decoder.Adam7 : [(0, 0, 1, 1)];
        foreach (var (x0, y0, dx, dy) in passes)
        {
            int passWidth = info.Width > x0 ? (info.Width - x0 + dx - 1) / dx : 0;
            int passHeight = info.Height > y0 ? (info.Height - y0 + dy - 1) / dy : 0;
            if (passWidth == 0 || passHeight == 0)
            {
                continue;
            }
            int stride = (int)(((long)passWidth * bitsPerPixel + 7) / 8);
            var line = new byte[stride + 1];
            var previous = new byte[stride];
            for (int row = 0; row < passHeight; row++)
            {
                Read(inflater, line, fileName, info);
                var data = line.AsSpan(1);
                Png16Decoder.Unfilter(line[0], data, previous, filterUnit, fileName);
                data.CopyTo(previous);
                int y = y0 + row * dy;
                for (int col = 0; col < passWidth; col++)
                {
                    double a = Sample(data, col * samples, bitDepth) / max;
                    if (colorType == 3)
                    {
                        int index = (int)Sample(data, col, bitDepth);
                        if (index * 3 + 2 >= palette!.Length)
                        {
                            throw new FormatReadException(fileName, $"corrupt PNG: palette index {index} at row {y + 1} is past the {palette.Length / 3}-colour palette.");
                        }
                        pixel(x0 + col * dx, y, palette[index * 3] / 255.0, palette[index * 3 + 1] / 255.0, palette[index * 3 + 2] / 255.0);
                    }
                    else if (samples >= 3)
                    {
                        pixel(x0 + col * dx, y, a, Sample(data, col * samples + 1, bitDepth) / max, Sample(data, col * samples + 2, bitDepth) / max);
                    }
                    else
                    {
                        pixel(x0 + col * dx, y, a, a, a);
                    }
                }
            }
        }
        // Reading past the image data makes zlib check the Adler-32 at the end of the stream.
        Span<byte> probe = stackalloc byte[1];
        Read(inflater, probe, fileName, info, allowEnd: true);
        // zlib stops reading at its end, so the last IDAT chunk's CRC is checked here.
        idat.Finish();
    }

    private static void Read(Stream inflater, Span<byte> buffer, string fileName, ImageInfo info, bool allowEnd = false)
    {
        int got;
        try
        {
            got = StreamReading.ReadUpTo(inflater, buffer);
        }
        catch (InvalidDataException e)
        {
            throw new FormatReadException(fileName, $"corrupt PNG image data ({e.Message}).", e);
        }
        if (got < buffer.Length && !allowEnd)
        {
            throw new FormatReadException(fileName, $"PNG image data ends early: the {info.Width}x{info.Height} image is truncated.");
        }
    }

    /// <summary>The <paramref name="index"/>-th sample of a row of <paramref name="bitDepth"/>-bit samples (big-endian, MSB first).</summary>
    private static uint Sample(ReadOnlySpan<byte> row, int index, int bitDepth) => bitDepth switch
    {
        8 => row[index],
        16 => BinaryPrimitives.ReadUInt16BigEndian(row[(index * 2)..]),
        _ => (uint)(row[index * bitDepth / 8] >> (8 - bitDepth - (index * bitDepth % 8))) & (uint)((1 << bitDepth) - 1),
    };

    /// <summary>The concatenated payloads of a PNG's IDAT chunks, read from the file chunk by chunk with CRCs checked.</summary>
    private sealed class IdatStream : Stream
    {
        private readonly Stream _file;
        private readonly string _fileName;
        private readonly byte[] _chunkHeader = new byte[8];
        private long _left;
        private uint _crc;
        private bool _done;

        public IdatStream(Stream file, string fileName)
        {
            _file = file;
            _fileName = fileName;
            Span<byte> signature = stackalloc byte[8];
            StreamReading.ReadExactly(file, signature, fileName, "the PNG signature");
            // Chunks before the first IDAT: keep IHDR and PLTE, skip (but check) the rest.
            while (true)
            {
                var (type, length) = NextChunk();
                if (type == "IDAT")
                {
                    _left = length;
                    break;
                }
                if (type == "IEND")
                {
                    throw new FormatReadException(fileName, "corrupt PNG: IEND before any IDAT image data.");
                }
                var data = length <= 1 << 20 ? new byte[length] : null;
                if (data is null)
                {
                    // Large ancillary chunks (text, ICC profiles) are checked but not kept.
                    var scratch = new byte[1 << 16];
                    for (long left = length; left > 0;)
                    {
                        int n = (int)Math.Min(left, scratch.Length);
                        StreamReading.ReadExactly(file, scratch.AsSpan(0, n), fileName, $"the {type} chunk");
                        _crc = Png16Decoder.UpdateCrc(_crc, scratch.AsSpan(0, n));
                        left -= n;
                    }
                }
                else
                {
                    StreamReading.ReadExactly(file, data, fileName, $"the {type} chunk");
                    _crc = Png16Decoder.UpdateCrc(_crc, data);
                }
                // Critical chunks (upper-case first letter) must be intact; damaged ancillary chunks (text, ICC profiles)
                // are ignored, as libpng does.
                CheckCrc(type, critical: char.IsUpper(type[0]));
                if (type == "IHDR")
                {
                    Header = data ?? throw new FormatReadException(fileName, "corrupt PNG: oversized IHDR.");
                }
                else if (type == "PLTE")
                {
                    Palette = data;
                }
            }
            if (Header is not { Length: 13 })
            {
                throw new FormatReadException(fileName, "corrupt PNG: missing IHDR.");
            }
        }

        public byte[] Header { get; } = [];

        public byte[]? Palette { get; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_left == 0 && !_done)
            {
                CheckCrc("IDAT");
                if (_file.Position >= _file.Length)
                {
                    // No IEND: tolerated like libpng; missing image data shows up as truncation.
                    _done = true;
                    break;
                }
                var (type, length) = NextChunk();
                if (type == "IDAT")
                {
                    _left = length;
                }
                else
                {
                    _done = true;
                }
            }
            if (_done || buffer.IsEmpty)
            {
                return 0;
            }
            int n = _file.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
            if (n == 0)
            {
                throw new FormatReadException(_fileName, "PNG file ends early inside image data: the file is truncated.");
            }
            _crc = Png16Decoder.UpdateCrc(_crc, buffer[..n]);
            _left -= n;
            return n;
        }

        private (string Type, long Length) NextChunk()
        {
            StreamReading.ReadExactly(_file, _chunkHeader, _fileName, "the next PNG chunk header");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(_chunkHeader);
            if (length > int.MaxValue)
            {
                throw new FormatReadException(_fileName, $"corrupt PNG: chunk length {length:N0} is over the PNG maximum of 2^31-1.");
            }
            _crc = Png16Decoder.UpdateCrc(0xFFFFFFFFu, _chunkHeader.AsSpan(4, 4));
            return (System.Text.Encoding.ASCII.GetString(_chunkHeader, 4, 4), length);
        }

        /// <summary>Reads what is left of the image data, so the last IDAT chunk's CRC is checked.</summary>
        public void Finish()
        {
            Span<byte> scratch = stackalloc byte[4096];
            while (Read(scratch) > 0)
            {
            }
        }

        private void CheckCrc(string type, bool critical = true)
        {
            Span<byte> stored = stackalloc byte[4];
            StreamReading.ReadExactly(_file, stored, _fileName, $"the CRC of the {type} chunk");
            if (critical && (_crc ^ 0xFFFFFFFFu) != BinaryPrimitives.ReadUInt32BigEndian(stored))
            {
                throw new FormatReadException(_fileName, $"corrupt PNG: CRC mismatch in the {type} chunk.");
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
