using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NeuroLab.Formats;
using NeuroLab.Formats.Nifti;

namespace NeuroLab.Tests.Shared;

/// <summary>
/// Decompression bombs of every upload format: small files whose headers honestly describe a huge decoded
/// array of zeros (so a reader that trusts the header and decodes everything in memory is exposed). Shared by
/// the security regression tests and the hostile-file memory benchmark (bench "hostile").
/// </summary>
public static class HostileFiles
{
    /// <summary>The formats <see cref="Write"/> knows, with a file name each.</summary>
    public static readonly IReadOnlyList<(string Format, string FileName)> All =
    [
        ("nifti", "bomb.nii.gz"),
        ("png", "bomb.png"),
        ("png-interlaced", "bomb-interlaced.png"),
        ("png-wide", "bomb-wide.png"),
        ("jpeg", "bomb.jpg"),
        ("gifti", "bomb.gii"),
        ("npy", "bomb.npy.gz"),
        ("npz", "bomb.npz"),
        ("mat", "bomb.mat"),
        ("mat-many", "bomb-many.mat"),
        ("csv", "bomb.csv.gz"),
    ];

    /// <summary>
    /// Writes the bomb of <paramref name="format"/> to <paramref name="path"/>; <paramref name="decodedBytes"/> is the
    /// approximate decoded size its header declares (the NIfTI, GIFTI, NPY, NPZ and MAT bombs are float32/float64
    /// arrays, the images 8-bit RGB/gray pixels, the CSV a table of zeros).
    /// </summary>
    public static void Write(string format, string path, long decodedBytes)
    {
        switch (format)
        {
            case "nifti":
            {
                long side = (long)Math.Round(Math.Cbrt(decodedBytes / 4.0 / 4)); // [side, side, 4*side] float32
                using var file = File.Create(path);
                using var gz = new GZipStream(file, CompressionLevel.Fastest);
                NiftiWriter.WriteHeader(gz, [side, side, 4 * side], NumericType.Float32, Identity());
                Zeros(gz, side * side * 4 * side * 4);
                break;
            }
            case "png":
            case "png-interlaced":
            {
                int side = (int)Math.Sqrt(decodedBytes / 3.0);
                WritePng(path, side, side, interlaced: format == "png-interlaced");
                break;
            }
            case "png-wide":
                // One row, hundreds of millions of pixels wide: small in total, huge per row.
                WritePng(path, (int)Math.Min(int.MaxValue / 3, decodedBytes / 3), 1, interlaced: false);
                break;
            case "jpeg":
            {
                int side = (int)Math.Sqrt(decodedBytes / 3.0);
                using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(side, side, SkiaSharp.SKColorType.Gray8, SkiaSharp.SKAlphaType.Opaque));
                bitmap.Erase(SkiaSharp.SKColors.Black);
                using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 50);
                File.WriteAllBytes(path, data.ToArray());
                break;
            }
            case "gifti":
            {
                long count = decodedBytes / 4;
                var compressed = new MemoryStream();
                using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
                {
                    Zeros(z, count * 4);
                }
                var xml = new StringBuilder()
                    .Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<GIFTI Version=\"1.0\" NumberOfDataArrays=\"1\">\n")
                    .Append("<DataArray Intent=\"NIFTI_INTENT_NONE\" DataType=\"NIFTI_TYPE_FLOAT32\" ArrayIndexingOrder=\"RowMajorOrder\" Dimensionality=\"1\" ")
                    .Append($"Dim0=\"{count}\" Encoding=\"GZipBase64Binary\" Endian=\"LittleEndian\" ExternalFileName=\"\" ExternalFileOffset=\"\">\n<Data>")
                    .Append(Convert.ToBase64String(compressed.GetBuffer(), 0, (int)compressed.Length))
                    .Append("</Data>\n</DataArray>\n</GIFTI>\n");
                File.WriteAllText(path, xml.ToString());
                break;
            }
            case "npy":
            {
                using var file = File.Create(path);
                using var gz = new GZipStream(file, CompressionLevel.Fastest);
                WriteNpy(gz, decodedBytes / 4);
                break;
            }
            case "npz":
            {
                using var file = File.Create(path);
                using var zip = new ZipArchive(file, ZipArchiveMode.Create);
                using var entry = zip.CreateEntry("x.npy", CompressionLevel.Optimal).Open();
                WriteNpy(entry, decodedBytes / 4);
                break;
            }
            case "mat":
                WriteMat(path, decodedBytes / 8, variables: 1);
                break;
            case "mat-many":
                // Eight variables, each an eighth of the total: every one under a per-array limit, all together over it.
                WriteMat(path, decodedBytes / 8 / 8, variables: 8);
                break;
            case "csv":
            {
                // 1,000 columns of "0": 2 bytes of text, 8 bytes as double.
                var line = Encoding.ASCII.GetBytes(string.Join(',', Enumerable.Repeat("0", 1000)) + "\n");
                long rows = Math.Max(1, decodedBytes / 8000);
                using var file = File.Create(path);
                using var gz = new GZipStream(file, CompressionLevel.Fastest);
                for (long r = 0; r < rows; r++)
                {
                    gz.Write(line);
                }
                break;
            }
            default:
                throw new ArgumentException($"unknown hostile format {format}", nameof(format));
        }
    }

    private static double[,] Identity() => new double[,] { { 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 }, { 0, 0, 0, 1 } };

    private static void Zeros(Stream stream, long bytes)
    {
        var zeros = new byte[1 << 20];
        while (bytes > 0)
        {
            int n = (int)Math.Min(bytes, zeros.Length);
            stream.Write(zeros, 0, n);
            bytes -= n;
        }
    }

    private static void WriteNpy(Stream stream, long count)
    {
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({count / 1000}, 1000), }}";
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        var header = new byte[padded];
        byte[] magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];
        magic.CopyTo(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)(padded - 10));
        Encoding.ASCII.GetBytes(dict).CopyTo(header, 10);
        for (int i = 10 + dict.Length; i < padded - 1; i++)
        {
            header[i] = (byte)' ';
        }
        header[^1] = (byte)'\n';
        stream.Write(header);
        Zeros(stream, count / 1000 * 1000 * 4);
    }

    /// <summary>A MATLAB v5 file with <paramref name="variables"/> compressed double matrices of zeros, [n/1000, 1000] each.</summary>
    private static void WriteMat(string path, long count, int variables)
    {
        using var file = File.Create(path);
        var header = new byte[128];
        Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, hostile test file".PadRight(116)).CopyTo(header, 0);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(124), 0x0100);
        header[126] = (byte)'I';
        header[127] = (byte)'M';
        file.Write(header);
        for (int v = 0; v < variables; v++)
        {
            var matrix = CompressedMatrix($"x{v}", (int)(count / 1000), 1000);
            var tag = new byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(tag, 15); // miCOMPRESSED
            BinaryPrimitives.WriteInt32LittleEndian(tag.AsSpan(4), (int)matrix.Length);
            file.Write(tag);
            file.Write(matrix.GetBuffer(), 0, (int)matrix.Length);
        }
    }

    private static MemoryStream CompressedMatrix(string name, int rows, int cols)
    {
        long dataBytes = (long)rows * cols * 8;
        var matrix = new MemoryStream();
        using (var z = new ZLibStream(matrix, CompressionLevel.Optimal, leaveOpen: true))
        {
            var head = new byte[8 + 16 + 16 + 8 + 8 + 8];
            var h = head.AsSpan();
            // miMATRIX tag: type 14, size of everything after the tag (flags 16 + dims 16 + name 16 + data tag 8 + data).
            BinaryPrimitives.WriteInt32LittleEndian(h, 14);
            BinaryPrimitives.WriteInt32LittleEndian(h[4..], (int)Math.Min(int.MaxValue, 16 + 16 + 16 + 8 + dataBytes));
            BinaryPrimitives.WriteInt32LittleEndian(h[8..], 6); // miUINT32 flags
            BinaryPrimitives.WriteInt32LittleEndian(h[12..], 8);
            BinaryPrimitives.WriteInt32LittleEndian(h[16..], 6); // mxDOUBLE_CLASS
            BinaryPrimitives.WriteInt32LittleEndian(h[24..], 5); // miINT32 dims
            BinaryPrimitives.WriteInt32LittleEndian(h[28..], 8);
            BinaryPrimitives.WriteInt32LittleEndian(h[32..], rows);
            BinaryPrimitives.WriteInt32LittleEndian(h[36..], cols);
            BinaryPrimitives.WriteInt32LittleEndian(h[40..], 1); // miINT8 name, up to 8 characters
            BinaryPrimitives.WriteInt32LittleEndian(h[44..], name.Length);
            Encoding.ASCII.GetBytes(name).CopyTo(h[48..]);
            BinaryPrimitives.WriteInt32LittleEndian(h[56..], 9); // miDOUBLE
            BinaryPrimitives.WriteInt32LittleEndian(h[60..], (int)Math.Min(int.MaxValue, dataBytes));
            z.Write(head);
            Zeros(z, dataBytes);
        }
        return matrix;
    }

    /// <summary>An 8-bit RGB PNG of zeros (filter byte 0 per row), optionally Adam7-interlaced.</summary>
    private static void WritePng(string path, int width, int height, bool interlaced)
    {
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        ihdr[12] = interlaced ? (byte)1 : (byte)0;
        WriteChunk(file, "IHDR", ihdr);
        var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
        {
            // Every pass of an interlaced image, like every row of a plain one, is filter byte 0 and zero samples;
            // writing more zeros than needed is harmless for a plain image only, so count the passes exactly.
            long bytes = interlaced ? Adam7Bytes(width, height) : (long)height * (1 + 3L * width);
            Zeros(z, bytes);
        }
        WriteChunk(file, "IDAT", idat.GetBuffer().AsSpan(0, (int)idat.Length));
        WriteChunk(file, "IEND", []);
    }

    private static long Adam7Bytes(int width, int height)
    {
        (int X0, int Y0, int Dx, int Dy)[] passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];
        long total = 0;
        foreach (var (x0, y0, dx, dy) in passes)
        {
            long w = width > x0 ? (width - x0 + dx - 1) / dx : 0;
            long h = height > y0 ? (height - y0 + dy - 1) / dy : 0;
            if (w > 0 && h > 0)
            {
                total += h * (1 + 3 * w);
            }
        }
        return total;
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        stream.Write(typeBytes);
        stream.Write(data);
        uint crc = Crc32(Crc32(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        stream.Write(crcBytes);
    }

    private static readonly uint[] _crcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++)
        {
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return c;
    }).ToArray();

    private static uint Crc32(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = _crcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc;
    }
}
