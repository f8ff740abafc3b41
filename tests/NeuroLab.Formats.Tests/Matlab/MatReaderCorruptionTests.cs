using System.Buffers.Binary;
using System.IO.Compression;
using NeuroLab.Formats.Matlab;

namespace NeuroLab.Formats.Tests.Matlab;

/// <summary>
/// Seeded corruption of the real files: truncation, flipped bytes, and length/dimension/type fields
/// overwritten with huge, negative or odd values. Only <see cref="FormatReadException"/> may escape and
/// no case may allocate far beyond the (tightened) limits.
/// </summary>
public sealed class MatReaderCorruptionTests
{
    // Tight limits: the largest real array is 8.5 MB decoded.
    private static readonly ReadLimits _limits = new() { MaxArrayBytes = 32L << 20, MaxElements = 8L << 20 };

    // Arrays under the limits, their class conversions and the parser's own buffers stay far below this.
    private const long MaxAllocatedBytesPerCase = 400L << 20;

    private static readonly uint[] _fieldValues =
    [
        0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x7FFFFFF8, 0, 1, 3, 0x00010000, 0x00040005, 0x0FFFFFFF, 0xFFFF0009,
    ];

    private static readonly Lazy<(string Name, byte[] Compressed, byte[] Expanded, int[] MatrixOffsets)[]> _files = new(() =>
        [.. MatTestFiles.RealFiles.Select(relative =>
        {
            var bytes = File.ReadAllBytes(SharedData.Path(relative));
            var expanded = Expand(bytes);
            return (Path.GetFileName(relative), bytes, expanded, MatrixOffsets(expanded));
        })]);

    [Fact]
    public void Read_SeededCorruptionOfRealFiles_OnlyFormatReadException()
    {
        var rng = new Random(731);
        var failures = new List<string>();
        int rejected = 0;
        const int Cases = 400;
        for (int c = 0; c < Cases; c++)
        {
            var (name, compressed, expanded, offsets) = _files.Value[c % _files.Value.Length];
            // Half the cases corrupt the file as stored (zlib streams); half corrupt an uncompressed
            // copy, so the damage reaches tags, flags, dimensions and field names directly.
            bool useExpanded = (c / _files.Value.Length) % 2 == 1;
            var bytes = (byte[])(useExpanded ? expanded : compressed).Clone();
            var description = Mutate(bytes, useExpanded ? offsets : [], rng, out var length);
            var mutated = bytes[..length];
            var label = $"case {c}: {name} ({(useExpanded ? "uncompressed" : "as stored")}) {description}";
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                MatReader.Read(new MemoryStream(mutated), name, _limits);
            }
            catch (FormatReadException e)
            {
                rejected++;
                if (!e.Message.StartsWith(name + ": ", StringComparison.Ordinal))
                {
                    failures.Add($"{label}: message does not start with the file name: {e.Message}");
                }
            }
            catch (Exception e)
            {
                failures.Add($"{label}: {e.GetType().Name}: {e.Message}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > MaxAllocatedBytesPerCase)
            {
                failures.Add($"{label}: allocated {allocated / (1 << 20)} MiB");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // Most corruptions must be detected (a flipped data byte can leave a valid file).
        Assert.True(rejected > Cases / 2, $"only {rejected} of {Cases} corrupted files were rejected");
    }

    [Fact]
    public void Read_SeededCorruptionOfV73Fixture_OnlyFormatReadException()
    {
        var original = File.ReadAllBytes(MatTestFiles.Fixture("v73.mat"));
        var rng = new Random(7373);
        var failures = new List<string>();
        for (int c = 0; c < 120; c++)
        {
            var bytes = (byte[])original.Clone();
            var description = Mutate(bytes, [], rng, out var length, minOffset: 512);
            try
            {
                MatReader.Read(new MemoryStream(bytes[..length]), "v73.mat", _limits);
            }
            catch (FormatReadException)
            {
            }
            catch (Exception e)
            {
                failures.Add($"case {c}: {description}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string Mutate(byte[] bytes, int[] matrixOffsets, Random rng, out int length, int minOffset = 128)
    {
        length = bytes.Length;
        switch (rng.Next(5))
        {
            case 0:
                length = rng.Next(0, bytes.Length);
                return $"truncated to {length} bytes";
            case 1:
                {
                    int flips = rng.Next(1, 9);
                    for (int k = 0; k < flips; k++)
                    {
                        bytes[rng.Next(bytes.Length)] ^= (byte)rng.Next(1, 256);
                    }
                    return $"{flips} random bytes flipped";
                }
            case 2:
                {
                    // A field near the start of a (nested) matrix: tag length, flags, class, dims, name, field names.
                    int at = matrixOffsets.Length > 0
                        ? matrixOffsets[rng.Next(matrixOffsets.Length)] + (4 * rng.Next(24))
                        : minOffset + (4 * rng.Next(Math.Min(64, (bytes.Length - minOffset) / 4)));
                    at = Math.Min(at, bytes.Length - 4);
                    var value = _fieldValues[rng.Next(_fieldValues.Length)];
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value);
                    return $"uint32 at {at} set to 0x{value:X8}";
                }
            case 3:
                {
                    // Header fields: version, endian indicator, first element's type and length.
                    int at = new[] { 124, 126, 128, 132, minOffset + 4, minOffset + 8 }[rng.Next(6)];
                    var value = _fieldValues[rng.Next(_fieldValues.Length)];
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Math.Min(at, bytes.Length - 4)), value);
                    return $"header uint32 at {at} set to 0x{value:X8}";
                }
            default:
                {
                    int at = rng.Next(minOffset, bytes.Length - 16);
                    int count = rng.Next(1, 16);
                    rng.NextBytes(bytes.AsSpan(at, count));
                    length = rng.Next(2) == 0 ? bytes.Length : rng.Next(at, bytes.Length);
                    return $"{count} random bytes at {at}, length {length}";
                }
        }
    }

    /// <summary>The same file with every miCOMPRESSED variable replaced by its uncompressed miMATRIX.</summary>
    private static byte[] Expand(byte[] file)
    {
        using var output = new MemoryStream();
        output.Write(file, 0, 128);
        int offset = 128;
        while (offset + 8 <= file.Length)
        {
            int type = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(offset));
            int length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(offset + 4));
            if (type == MatBytes.MiCompressed)
            {
                using var zlib = new ZLibStream(new MemoryStream(file, offset + 8, length), CompressionMode.Decompress);
                zlib.CopyTo(output);
            }
            else
            {
                output.Write(file, offset, 8 + length);
            }
            offset += 8 + length;
        }
        return output.ToArray();
    }

    /// <summary>8-aligned offsets where an miMATRIX tag starts (top-level and nested), found by scanning.</summary>
    private static int[] MatrixOffsets(byte[] file)
    {
        var offsets = new List<int>();
        for (int at = 128; at + 16 <= file.Length; at += 8)
        {
            // miMATRIX tag followed by the miUINT32 array-flags tag of 8 bytes.
            if (BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at)) == MatBytes.MiMatrix
                && BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at + 8)) == MatBytes.MiUInt32
                && BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at + 12)) == 8)
            {
                offsets.Add(at);
            }
        }
        return [.. offsets];
    }
}
