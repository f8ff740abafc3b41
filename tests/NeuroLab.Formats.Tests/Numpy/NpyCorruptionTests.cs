using NeuroLab.Formats.Tests.Support;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Formats.Tests.Numpy;

/// <summary>
/// Seeded corruption of the real Allen .npy files (and archives built from them): truncations, flipped
/// bytes, hostile header fields. Only <see cref="FormatReadException"/> may escape, and no case may
/// allocate much more than the limits allow.
/// </summary>
public sealed class NpyCorruptionTests
{
    private const int Cases = 400;
    private static readonly ReadLimits _limits = new() { MaxArrayBytes = 16 << 20 };

    private static readonly string[] _hostileShapes =
    [
        "(-1, 961)", "(99999999999, 99999999999)", "(4611686018427387904, 4)", "(9223372036854775807,)",
        "(2147483647, 2147483647)", "(0,)", "()", "(1,)", "(3000000, 1000)", "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)",
        "(100, -961)", "(1e9,)", "(None,)", "[100, 961]", "(100 961)", "(", "((((((((((((((((((((1))))))))))))))))))))", "('a',)",
    ];

    private static readonly string[] _hostileDescrs =
    [
        "'<f4'", "'>f8'", "'|O'", "'<U8'", "'<c16'", "'|b1'", "'<f2'", "'x'", "''", "'<f8", "None", "[('a', '<f8')]",
        "'|V8'", "'<M8[ns]'", "'<f16'", "'<i0'", "'<i99999999999'", "'\\u00e9'", "b'<f8'",
    ];

    [Fact]
    public void NpyReader_SeededCorruptionsOfRealFiles_OnlyThrowFormatReadException()
    {
        var sources = Directory.GetFiles(SharedData.Path("allen-v1"), "*.npy").Order()
            .Concat(new[] { "fortran_be_i2_2x3x4.npy", "v2_f8.npy", "v3_i4_2x2.npy", "dtype_le_f2.npy", "dtype_be_c16.npy", "scalar_f8.npy" }.Select(NpyTestFiles.Fixture))
            .Select(File.ReadAllBytes).ToList();
        var random = new Random(20240607);
        var failures = new List<string>();
        var outcomes = new int[2];

        for (int i = 0; i < Cases; i++)
        {
            var source = sources[random.Next(sources.Count)];
            var (bytes, what) = CorruptNpy(source, random);
            bool seekable = random.Next(4) != 0;
            Probe(i, what, source.Length, failures, outcomes,
                () => NpyReader.Read(seekable ? new MemoryStream(bytes) : new ForwardOnlyStream(bytes), "fuzz.npy", _limits));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(outcomes[1] > Cases / 4, $"only {outcomes[1]} cases were refused; the corruptions are too mild");
    }

    [Fact]
    public void NpzReader_SeededCorruptionsOfArchives_OnlyThrowFormatReadException()
    {
        var small = File.ReadAllBytes(SharedData.Path("allen-v1/Allen_test_output.npy"));
        var medium = File.ReadAllBytes(SharedData.Path("allen-v1/Allen_train_output.npy"));
        var sources = new List<byte[]>
        {
            File.ReadAllBytes(NpyTestFiles.Fixture("arrays.npz")),
            File.ReadAllBytes(NpyTestFiles.Fixture("arrays_compressed.npz")),
            NpzReaderTests.Zip(CompressionLevel.Optimal, ("test_output.npy", small), ("train_output.npy", medium)),
            NpzReaderTests.Zip(CompressionLevel.NoCompression, ("test_output.npy", small), ("train_output.npy", medium)),
        };
        var random = new Random(20240608);
        var failures = new List<string>();
        var outcomes = new int[2];

        for (int i = 0; i < Cases; i++)
        {
            var source = sources[random.Next(sources.Count)];
            var (bytes, what) = CorruptZip(source, random);
            bool seekable = random.Next(4) != 0;
            Probe(i, what, 2 * (small.Length + medium.Length), failures, outcomes,
                () => NpzReader.Read(seekable ? new MemoryStream(bytes) : new ForwardOnlyStream(bytes), "fuzz.npz", _limits));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(outcomes[1] > Cases / 4, $"only {outcomes[1]} cases were refused; the corruptions are too mild");
    }

    private static void Probe(int index, string what, long sourceLength, List<string> failures, int[] outcomes, Action read)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            read();
            outcomes[0]++;
        }
        catch (FormatReadException e)
        {
            outcomes[1]++;
            if (e.FileName is not ("fuzz.npy" or "fuzz.npz") || string.IsNullOrWhiteSpace(e.Reason))
            {
                failures.Add($"case {index} ({what}): message without file name or reason: {e.Message}");
            }
        }
        catch (Exception e)
        {
            failures.Add($"case {index} ({what}): {e.GetType().Name}: {e.Message}");
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long bound = _limits.MaxArrayBytes + (4 * sourceLength) + (4 << 20);
        if (allocated > bound)
        {
            failures.Add($"case {index} ({what}): allocated {allocated:N0} bytes, over {bound:N0}");
        }
    }

    private static (byte[] Bytes, string What) CorruptNpy(byte[] source, Random random)
    {
        var bytes = (byte[])source.Clone();
        int headerEnd = source[6] == 1 ? 10 + BinaryPrimitives.ReadUInt16LittleEndian(source.AsSpan(8)) : 12 + (int)BinaryPrimitives.ReadUInt32LittleEndian(source.AsSpan(8));
        switch (random.Next(8))
        {
            case 0:
                int length = random.Next(source.Length);
                return (bytes[..length], $"truncated to {length}");
            case 1:
                return (Flip(bytes, random, 0, bytes.Length), "flipped bytes anywhere");
            case 2:
                return (Flip(bytes, random, 0, headerEnd), "flipped header bytes");
            case 3:
                uint value = random.Next(3) switch { 0 => 0xffffffff, 1 => 0, _ => (uint)random.Next() };
                if (source[6] == 1)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)value);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), value);
                }
                return (bytes, $"header length {value}");
            case 4:
                var shape = _hostileShapes[random.Next(_hostileShapes.Length)];
                return (ReplaceHeader(source, headerEnd, "'shape': ", shape), $"shape {shape}");
            case 5:
                var descr = _hostileDescrs[random.Next(_hostileDescrs.Length)];
                return (ReplaceHeader(source, headerEnd, "'descr': ", descr), $"descr {descr}");
            case 6:
                bytes[6] = (byte)random.Next(6);
                bytes[7] = (byte)random.Next(2);
                return (bytes, $"version {bytes[6]}.{bytes[7]}");
            default:
                int at = random.Next(10, headerEnd);
                var garbage = new byte[random.Next(1, 16)];
                random.NextBytes(garbage);
                return ([.. bytes[..at], .. garbage, .. bytes[at..]], $"{garbage.Length} bytes inserted at {at}");
        }
    }

    private static byte[] ReplaceHeader(byte[] source, int headerEnd, string key, string value)
    {
        int start = source[6] == 1 ? 10 : 12;
        var header = Encoding.Latin1.GetString(source, start, headerEnd - start);
        int at = header.IndexOf(key, StringComparison.Ordinal) + key.Length;
        int end = key.StartsWith("'shape", StringComparison.Ordinal) ? header.IndexOf(')', at) + 1 : header.IndexOf(',', at);
        var edited = header[..at] + value + header[end..];
        // Rebuild a version 1.0 header around the edited dictionary; the data stay as they were.
        var dict = edited.TrimEnd(' ', '\n');
        return NpyReaderTests.WithHeader(dict, source[headerEnd..]);
    }

    private static byte[] Flip(byte[] bytes, Random random, int from, int to)
    {
        to = Math.Min(to, bytes.Length);
        for (int k = random.Next(1, 5); k > 0 && to > from; k--)
        {
            bytes[random.Next(from, to)] ^= (byte)random.Next(1, 256);
        }
        return bytes;
    }

    private static (byte[] Bytes, string What) CorruptZip(byte[] source, Random random)
    {
        var bytes = (byte[])source.Clone();
        int central = LastIndexOf(bytes, 0x02014b50, bytes.Length);
        int firstCentral = central;
        while (firstCentral > 0 && LastIndexOf(bytes, 0x02014b50, firstCentral) is int previous && previous >= 0)
        {
            firstCentral = previous;
        }
        switch (random.Next(7))
        {
            case 0:
                int length = random.Next(source.Length);
                return (bytes[..length], $"truncated to {length}");
            case 1:
                return (Flip(bytes, random, 0, bytes.Length), "flipped bytes anywhere");
            case 2:
                return (Flip(bytes, random, 0, 200), "flipped bytes in the first local header and .npy header");
            case 3:
                return (Flip(bytes, random, Math.Max(0, firstCentral), bytes.Length), "flipped bytes in the central directory");
            case 4:
                // Compressed/uncompressed sizes of an entry in the central directory.
                uint size = random.Next(3) switch { 0 => 0xffffffff, 1 => 0x7fffffff, _ => (uint)random.Next(0, 1 << 20) };
                int field = random.Next(2) == 0 ? 20 : 24;
                if (central >= 0)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(central + field), size);
                }
                return (bytes, $"central size field +{field} = {size}");
            case 5:
                // Uncompressed size in the first local header, and the compression method.
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(22), (uint)random.Next());
                bytes[8] = (byte)random.Next(0, 20);
                return (bytes, $"local size and method {bytes[8]}");
            default:
                // Local header offset of the last central directory entry.
                uint offset = (uint)random.Next(0, bytes.Length + 100);
                if (central >= 0)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(central + 42), offset);
                }
                return (bytes, $"local header offset {offset}");
        }
    }

    private static int LastIndexOf(byte[] bytes, uint signature, int before)
    {
        for (int i = Math.Min(before, bytes.Length) - 4; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == signature)
            {
                return i;
            }
        }
        return -1;
    }
}
