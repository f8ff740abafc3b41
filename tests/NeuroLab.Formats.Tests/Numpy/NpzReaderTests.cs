using NeuroLab.Formats.Tests.Support;
using System.Buffers.Binary;
using System.IO.Compression;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Formats.Tests.Numpy;

/// <summary>
/// NpzReader against archives numpy 1.24.2 wrote with numpy.savez (stored) and numpy.savez_compressed
/// (deflate), plus hand-made hostile archives. Sums compare with a relative tolerance of 1e-12.
/// </summary>
public sealed class NpzReaderTests
{
    public static TheoryData<string> Archives() => [.. NpyTestFiles.Section("npz").Select(e => e.GetProperty("file").GetString()!)];

    [Theory]
    [MemberData(nameof(Archives))]
    public void Read_NumpyArchive_MatchesNamesOrderShapesAndValues(string file)
    {
        var entry = NpyTestFiles.Section("npz").Single(e => e.GetProperty("file").GetString() == file);

        var arrays = NpzReader.Read(NpyTestFiles.Fixture(file));

        var expected = entry.GetProperty("arrays").EnumerateArray().ToList();
        Assert.Equal(expected.Select(a => a.GetProperty("name").GetString()), arrays.Keys);
        foreach (var a in expected)
        {
            var name = a.GetProperty("name").GetString()!;
            var array = arrays[name];
            Assert.Equal(NpyTestFiles.Shape(a), array.Shape);
            Assert.Equal(NpyReaderTests.ExpectedType(a.GetProperty("descr").GetString()!), array.Type);
            Assert.Equal(a.GetProperty("fortran_order").GetBoolean() ? ArrayOrder.Fortran : ArrayOrder.C, array.Order);
            if (a.TryGetProperty("values", out var values))
            {
                NpyTestFiles.AssertValues(array, NpyTestFiles.Strings(values), $"{file}/{name}");
            }
            double sum = NpyTestFiles.RealSum(array);
            double expectedSum = a.GetProperty("sum").GetDouble();
            Assert.True(Math.Abs(sum - expectedSum) <= 1e-12 * Math.Max(1, Math.Abs(expectedSum)), $"{name}: sum {sum} vs {expectedSum}");
        }
    }

    [Fact]
    public void Read_ForwardOnlyStream_ReadsCompressedArchive()
    {
        var bytes = File.ReadAllBytes(NpyTestFiles.Fixture("arrays_compressed.npz"));

        var arrays = NpzReader.Read(new ForwardOnlyStream(bytes), "arrays_compressed.npz");

        Assert.Equal(5, arrays.Count);
        Assert.Equal(1.25, arrays["zeta"][1, 2]);
    }

    [Fact]
    public void Read_ArchiveOfRealFiles_MatchesTheNpyFiles()
    {
        var bytes = Zip(CompressionLevel.Optimal,
            ("Allen_train_input.npy", File.ReadAllBytes(SharedData.Path("allen-v1/Allen_train_input.npy"))),
            ("notes.txt", "not an array"u8.ToArray()),
            ("sub/Allen_test_output.npy", File.ReadAllBytes(SharedData.Path("allen-v1/Allen_test_output.npy"))));

        var arrays = NpzReader.Read(new MemoryStream(bytes), "allen.npz");

        Assert.Equal(["Allen_train_input", "sub/Allen_test_output"], arrays.Keys);
        Assert.Equal(NpyReader.Read(SharedData.Path("allen-v1/Allen_train_input.npy")).AsSpan<double>().ToArray(), arrays["Allen_train_input"].AsSpan<double>().ToArray());
        Assert.Equal([18L, 212L], arrays["sub/Allen_test_output"].Shape);
    }

    [Fact]
    public void Read_WrongMagic_SaysNotAZip()
    {
        var e = Assert.Throws<FormatReadException>(() => NpzReader.Read(NpyTestFiles.Fixture("dtype_le_f8.npy")));

        Assert.Equal("dtype_le_f8.npy", e.FileName);
        Assert.Contains("zip signature", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedArchive_ThrowsFormatReadException()
    {
        var bytes = File.ReadAllBytes(NpyTestFiles.Fixture("arrays_compressed.npz"));

        var e = Assert.Throws<FormatReadException>(() => NpzReader.Read(new MemoryStream(bytes[..(bytes.Length / 2)]), "cut.npz"));

        Assert.Contains("zip", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BombWithLargeDeclaredSize_IsRefusedBeforeDecompressing()
    {
        // 16 MiB of zeros deflate to about 16 KiB.
        var zeros = new NumericArray(NumericType.Float64, [2 << 20], new double[2 << 20]);
        var npy = new MemoryStream();
        NpyWriter.Write(npy, zeros);
        var bytes = Zip(CompressionLevel.Optimal, ("zeros.npy", npy.ToArray()));
        long before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<FormatReadException>(() => NpzReader.Read(new MemoryStream(bytes), "bomb.npz", new ReadLimits { MaxArrayBytes = 1 << 20 }));

        Assert.Contains("entry 'zeros.npy' declares", e.Reason, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20, "the bomb was inflated");
    }

    [Fact]
    public void Read_EntryDeclaringLessThanItsHeaderNeeds_IsRefused()
    {
        var npy = File.ReadAllBytes(SharedData.Path("allen-v1/Allen_test_output.npy"));
        var bytes = Zip(CompressionLevel.NoCompression, ("a.npy", npy));
        // Claim 1,000 bytes in both the local header (offset 22) and the central directory (offset 24).
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(18), 1000);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(22), 1000);
        int central = FindSignature(bytes, 0x02014b50);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(central + 20), 1000);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(central + 24), 1000);

        var e = Assert.Throws<FormatReadException>(() => NpzReader.Read(new MemoryStream(bytes), "liar.npz"));

        Assert.Contains("entry 'a.npy'", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ArraysOverTheTotalLimit_AreRefused()
    {
        var npy = File.ReadAllBytes(SharedData.Path("allen-v1/Allen_test_input.npy"));
        var bytes = Zip(CompressionLevel.Fastest, ("a.npy", npy), ("b.npy", npy), ("c.npy", npy));

        var e = Assert.Throws<FormatReadException>(() => NpzReader.Read(new MemoryStream(bytes), "many.npz", maxTotalBytes: 300_000));

        Assert.Contains("entry 'c.npy'", e.Reason, StringComparison.Ordinal);
        Assert.Contains("total limit", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnsupportedCompressionMethod_ThrowsFormatReadException()
    {
        var bytes = Zip(CompressionLevel.Optimal, ("a.npy", File.ReadAllBytes(NpyTestFiles.Fixture("dtype_le_f8.npy"))));
        // Method 12 (bzip2) in the local and central headers.
        bytes[8] = 12;
        bytes[FindSignature(bytes, 0x02014b50) + 10] = 12;

        var e = Assert.Throws<FormatReadException>(() => NpzReader.Read(new MemoryStream(bytes), "bzip2.npz"));

        Assert.Equal("bzip2.npz", e.FileName);
    }

    [Fact]
    public void Read_CorruptEntry_NamesTheEntry()
    {
        var bytes = Zip(CompressionLevel.NoCompression, ("a.npy", File.ReadAllBytes(NpyTestFiles.Fixture("dtype_le_f8.npy"))));
        // Break the .npy magic inside the stored entry (local header is 30 bytes + the name).
        bytes[30 + "a.npy".Length + 1] = (byte)'X';

        var e = Assert.Throws<FormatReadException>(() => NpzReader.Read(new MemoryStream(bytes), "bad.npz"));

        Assert.Contains("entry 'a.npy'", e.Reason, StringComparison.Ordinal);
        Assert.Contains("\\x93NUMPY", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateEntryNames_AreRefused()
    {
        var npy = File.ReadAllBytes(NpyTestFiles.Fixture("dtype_le_f8.npy"));
        var bytes = Zip(CompressionLevel.Fastest, ("a.npy", npy), ("a.npy", npy));

        var e = Assert.Throws<FormatReadException>(() => NpzReader.Read(new MemoryStream(bytes), "dup.npz"));

        Assert.Contains("two entries named 'a.npy'", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyArchive_GivesNoArrays()
    {
        var bytes = Zip(CompressionLevel.Fastest);

        var arrays = NpzReader.Read(new MemoryStream(bytes), "empty.npz");

        Assert.Empty(arrays);
    }

    internal static byte[] Zip(CompressionLevel level, params (string Name, byte[] Data)[] entries)
    {
        var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                using var stream = zip.CreateEntry(name, level).Open();
                stream.Write(data);
            }
        }
        return memory.ToArray();
    }

    private static int FindSignature(byte[] bytes, uint signature)
    {
        for (int i = 0; i + 4 <= bytes.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == signature)
            {
                return i;
            }
        }
        throw new InvalidOperationException("signature not found");
    }
}
