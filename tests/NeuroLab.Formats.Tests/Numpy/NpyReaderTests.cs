using NeuroLab.Formats.Tests.Support;
using System.IO.Compression;
using System.Text;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Formats.Tests.Numpy;

/// <summary>
/// NpyReader against numpy 1.24.2: the real Allen V1 files and fixtures written by numpy.save
/// (Reference/npy_reference.py). Values compare exactly; sums with a relative tolerance of 1e-12
/// (summation order differs from numpy's pairwise sum).
/// </summary>
public sealed class NpyReaderTests
{
    public static TheoryData<string> RealFiles() => [.. NpyTestFiles.Section("real").Select(e => e.GetProperty("file").GetString()!)];

    public static TheoryData<string> Fixtures() => [.. NpyTestFiles.Section("fixtures").Select(e => e.GetProperty("file").GetString()!)];

    public static TheoryData<string> Rejects() => [.. NpyTestFiles.Section("rejects").Select(e => e.GetProperty("file").GetString()!)];

    [Fact]
    public void Read_AllRealAllenFiles_AreCoveredByTheReference()
    {
        var onDisk = Directory.GetFiles(SharedData.Path("allen-v1"), "*.npy").Select(Path.GetFileName).Order();
        var referenced = NpyTestFiles.Section("real").Select(e => Path.GetFileName(e.GetProperty("file").GetString())).Order();
        Assert.Equal(onDisk, referenced);
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Read_RealAllenFile_MatchesNumpy(string file)
    {
        var entry = NpyTestFiles.Section("real").Single(e => e.GetProperty("file").GetString() == file);

        var array = NpyReader.Read(SharedData.Path(file));

        Assert.Equal(NumericType.Float64, array.Type);
        Assert.Equal(ArrayOrder.C, array.Order);
        Assert.Equal(NpyTestFiles.Shape(entry), array.Shape);
        foreach (var sample in entry.GetProperty("samples").EnumerateArray())
        {
            long[] index = [.. sample.GetProperty("index").EnumerateArray().Select(i => i.GetInt64())];
            Assert.Equal(NpyTestFiles.PythonFloat(sample.GetProperty("value").GetString()!), array[index]);
        }
        var values = array.AsSpan<double>();
        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }
        double expectedSum = entry.GetProperty("sum").GetDouble();
        Assert.True(Math.Abs(sum - expectedSum) <= 1e-12 * Math.Max(1, Math.Abs(expectedSum)), $"sum {sum} vs numpy {expectedSum}");
        Assert.Equal(entry.GetProperty("min").GetDouble(), values.ToArray().Min());
        Assert.Equal(entry.GetProperty("max").GetDouble(), values.ToArray().Max());
    }

    [Fact]
    public void Read_AllenTrainInput_Is100By961()
    {
        var array = NpyReader.Read(SharedData.Path("allen-v1/Allen_train_input.npy"));

        Assert.Equal([100L, 961L], array.Shape);
        Assert.Equal(14.0, array[0, 0]);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Read_NumpyFixture_MatchesShapeOrderAndValues(string file)
    {
        var entry = NpyTestFiles.Section("fixtures").Single(e => e.GetProperty("file").GetString() == file);

        var array = NpyReader.Read(NpyTestFiles.Fixture(file));

        Assert.Equal(NpyTestFiles.Shape(entry), array.Shape);
        bool fortran = entry.GetProperty("fortran_order").GetBoolean();
        Assert.Equal(fortran ? ArrayOrder.Fortran : ArrayOrder.C, array.Order);
        var descr = entry.GetProperty("descr").GetString()!;
        Assert.Equal(ExpectedType(descr), array.Type);
        NpyTestFiles.AssertValues(array, NpyTestFiles.Strings(entry.GetProperty("values")), file);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void ReadHeader_NumpyFixture_ReportsVersionDescrAndDataOffset(string file)
    {
        var entry = NpyTestFiles.Section("fixtures").Single(e => e.GetProperty("file").GetString() == file);
        using var stream = File.OpenRead(NpyTestFiles.Fixture(file));

        var header = NpyReader.ReadHeader(stream, file);

        int[] version = [.. entry.GetProperty("version").EnumerateArray().Select(v => v.GetInt32())];
        Assert.Equal(version[0], header.MajorVersion);
        Assert.Equal(entry.GetProperty("descr").GetString(), header.Descr);
        Assert.Equal(stream.Position, header.DataOffset);
        Assert.Equal(stream.Length - header.DataOffset, header.DataBytes);
        // numpy aligns the data to 64 bytes.
        Assert.Equal(0, header.DataOffset % 64);
    }

    [Fact]
    public void Read_HalfFloat_WidensToFloat32AndHeaderSaysSo()
    {
        var path = NpyTestFiles.Fixture("dtype_le_f2.npy");
        using var stream = File.OpenRead(path);

        var header = NpyReader.ReadHeader(stream, "dtype_le_f2.npy");
        var array = NpyReader.Read(path);

        Assert.True(header.StoredAsFloat16);
        Assert.Equal(2, header.StoredElementSize);
        Assert.Equal(NumericType.Float32, header.Type);
        Assert.Equal(NumericType.Float32, array.Type);
        Assert.Equal(65504f, array.AsSpan<float>()[2]);
    }

    [Fact]
    public void Read_BigEndianFortranInt16_KeepsOrderAndConvertsBytes()
    {
        var array = NpyReader.Read(NpyTestFiles.Fixture("fortran_be_i2_2x3x4.npy"));

        Assert.Equal(NumericType.Int16, array.Type);
        Assert.Equal(ArrayOrder.Fortran, array.Order);
        // numpy: (arange(24).reshape(2, 3, 4) * 111 - 1000)[1, 2, 3] = 23 * 111 - 1000
        Assert.Equal(1553, array[1, 2, 3]);
        // Fortran storage: the first index varies fastest.
        Assert.Equal(12 * 111 - 1000, array.AsSpan<short>()[1]);
    }

    [Fact]
    public void Read_ScalarAndEmptyArrays_HaveNumpyShapes()
    {
        var scalar = NpyReader.Read(NpyTestFiles.Fixture("scalar_f8.npy"));
        var empty = NpyReader.Read(NpyTestFiles.Fixture("empty_i8_0x3.npy"));

        Assert.Empty(scalar.Shape);
        Assert.Equal(1, scalar.Length);
        Assert.Equal(2.718281828459045, scalar.AsSpan<double>()[0]);
        Assert.Equal([0L, 3L], empty.Shape);
        Assert.Equal(0, empty.Length);
    }

    [Theory]
    [MemberData(nameof(Rejects))]
    public void Read_NonNumericDtype_ThrowsNamingTheDtype(string file)
    {
        var entry = NpyTestFiles.Section("rejects").Single(e => e.GetProperty("file").GetString() == file);

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(NpyTestFiles.Fixture(file)));

        Assert.Equal(file, e.FileName);
        Assert.Contains(entry.GetProperty("descr_in_message").GetString()!, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ObjectArray_NeverUnpicklesAndSaysWhy()
    {
        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(NpyTestFiles.Fixture("object.npy")));

        Assert.Contains("pickled", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ForwardOnlyStream_ReadsAndLeavesStreamAfterArray()
    {
        var first = File.ReadAllBytes(NpyTestFiles.Fixture("dtype_be_f8.npy"));
        var second = File.ReadAllBytes(NpyTestFiles.Fixture("v3_i4_2x2.npy"));
        using var stream = new ForwardOnlyStream([.. first, .. second]);

        var a = NpyReader.Read(stream, "two.npy");
        var b = NpyReader.Read(stream, "two.npy");

        Assert.Equal(NumericType.Float64, a.Type);
        Assert.Equal(Math.E, a[1, 1]);
        Assert.Equal(NumericType.Int32, b.Type);
        Assert.Equal(-4, b.AsSpan<int>()[(int)b.FlatIndex(1, 1)]);
    }

    [Fact]
    public void Read_GzippedNpyPath_IsDetectedByMagic()
    {
        var path = Path.Combine(Path.GetTempPath(), $"neurolab-{Guid.NewGuid():N}.npy");
        try
        {
            using (var file = File.Create(path))
            using (var gz = new GZipStream(file, CompressionLevel.Fastest))
            {
                gz.Write(File.ReadAllBytes(NpyTestFiles.Fixture("fortran_f4_3x4.npy")));
            }

            var array = NpyReader.Read(path);

            Assert.Equal([3L, 4L], array.Shape);
            Assert.Equal(ArrayOrder.Fortran, array.Order);
            Assert.Equal(11 * 1.5 - 2, array[2, 3]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_Python2LongIntegersInShape_AreAccepted()
    {
        var bytes = WithHeader("{'descr': '<i2', 'fortran_order': False, 'shape': (2L, 1L), }", [1, 0, 2, 0]);

        var array = NpyReader.Read(new MemoryStream(bytes), "py2.npy");

        Assert.Equal([2L, 1L], array.Shape);
        Assert.Equal(2, array[1, 0]);
    }

    [Fact]
    public void Read_EmptyFile_SaysEmpty()
    {
        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new MemoryStream([]), "empty.npy"));

        Assert.Contains("empty", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WrongMagic_SaysNotNpy()
    {
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new MemoryStream(png), "image.npy"));

        Assert.Equal("image.npy", e.FileName);
        Assert.Contains("\\x93NUMPY", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedRealFile_SaysFileEndsEarlyBeforeAllocating()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("allen-v1/Allen_train_input.npy"));

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new MemoryStream(bytes[..1000]), "Allen_train_input.npy"));

        Assert.Contains("file ends early", e.Reason, StringComparison.Ordinal);
        Assert.Contains("[100, 961]", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedNonSeekable_SaysFileEndsEarly()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("allen-v1/Allen_test_output.npy"));

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new ForwardOnlyStream(bytes[..5000]), "Allen_test_output.npy"));

        Assert.Contains("file ends early", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedInsideMagic_SaysFileEndsEarly()
    {
        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new MemoryStream([0x93, (byte)'N', (byte)'U']), "cut.npy"));

        Assert.Contains("file ends early", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderLengthPastFileEnd_SaysSo()
    {
        var bytes = File.ReadAllBytes(NpyTestFiles.Fixture("dtype_le_f8.npy"));
        bytes[8] = 0xff;
        bytes[9] = 0xff;

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new MemoryStream(bytes), "long.npy"));

        Assert.Contains("header length field says", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HugeVersion2HeaderLength_IsRefusedBeforeAllocating()
    {
        var bytes = File.ReadAllBytes(NpyTestFiles.Fixture("v2_f8.npy"));
        bytes[8] = 0xff;
        bytes[9] = 0xff;
        bytes[10] = 0xff;
        bytes[11] = 0x7f;

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new ForwardOnlyStream(bytes), "v2.npy"));

        Assert.Contains("are accepted", e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 0)]
    [InlineData(1, 1)]
    [InlineData(0, 0)]
    public void Read_UnknownVersion_NamesTheVersion(byte major, byte minor)
    {
        var bytes = File.ReadAllBytes(NpyTestFiles.Fixture("dtype_le_f8.npy"));
        bytes[6] = major;
        bytes[7] = minor;

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new MemoryStream(bytes), "v.npy"));

        Assert.Contains($"version {major}.{minor}", e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(-1, 3)", "negative dimension")]
    [InlineData("(99999999999, 99999999999)", "too large")]
    [InlineData("(300000000,)", "over the limit")]
    [InlineData("(99999999999999999999999,)", "too large")]
    [InlineData("(2.5,)", "only integers")]
    [InlineData("[2, 3]", "shape must be a tuple")]
    [InlineData("(2, 'a')", "shape must be a tuple")]
    [InlineData("(5)", "shape must be a tuple")]
    public void Read_BadShape_SaysWhatIsWrong(string shape, string expected)
    {
        var bytes = WithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }", new byte[8]);

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new ForwardOnlyStream(bytes), "shape.npy"));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<q8")]
    [InlineData("<f3")]
    [InlineData("<i16")]
    [InlineData("float64")]
    [InlineData("")]
    public void Read_UnknownDtype_NamesIt(string descr)
    {
        var bytes = WithHeader("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (1,), }", new byte[8]);

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new MemoryStream(bytes), "dtype.npy"));

        Assert.Contains($"dtype '{descr}'", e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{'descr': '<f8', 'fortran_order': False}", "exactly the keys")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "exactly the keys")]
    [InlineData("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}", "fortran_order must be True or False")]
    [InlineData("{'descr': '<f8', 'fortran_order': __import__('os').system('x'), 'shape': (1,)}", "never evaluated")]
    [InlineData("('descr', '<f8')", "not a dictionary")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), } junk", "unexpected text")]
    [InlineData("{'descr': '<f8, 'fortran_order': False, 'shape': (1,)}", "not a valid Python dictionary")]
    [InlineData("{'descr': 3, 'fortran_order': False, 'shape': (1,)}", "not a dtype string")]
    [InlineData("{'descr': [('x', '<i4'), ('y', '<f8')], 'fortran_order': False, 'shape': (1,)}", "structured dtype [('x', '<i4'), ('y', '<f8')]")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': ((((((((((((((((((1,),),),),),),),),),),),),),),),),),),)}", "nesting is too deep")]
    public void Read_MalformedHeader_SaysWhatIsWrong(string header, string expected)
    {
        var bytes = WithHeader(header, new byte[8]);

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new MemoryStream(bytes), "header.npy"));

        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_InvalidUtf8InVersion3Header_SaysSo()
    {
        var bytes = File.ReadAllBytes(NpyTestFiles.Fixture("v3_i4_2x2.npy"));
        bytes[14] = 0xff;

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(new MemoryStream(bytes), "v3.npy"));

        Assert.Contains("UTF-8", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CorruptGzip_SaysCompressedDataAreCorrupt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"neurolab-{Guid.NewGuid():N}.npy.gz");
        try
        {
            var memory = new MemoryStream();
            using (var gz = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
            {
                gz.Write(File.ReadAllBytes(SharedData.Path("allen-v1/Allen_test_output.npy")));
            }
            var bytes = memory.ToArray();
            // Break the deflate stream: an invalid block type right after the gzip header.
            bytes[10] = 0xff;
            bytes[11] = 0xff;
            File.WriteAllBytes(path, bytes);

            var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(path));

            Assert.Contains("corrupt compressed data", e.Reason, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_ShapeOverCustomLimit_IsRefused()
    {
        var limits = new ReadLimits { MaxArrayBytes = 1000 };

        var e = Assert.Throws<FormatReadException>(() => NpyReader.Read(SharedData.Path("allen-v1/Allen_test_output.npy"), limits));

        Assert.Contains("over the limit", e.Reason, StringComparison.Ordinal);
    }

    internal static NumericType ExpectedType(string descr) => descr[1..] switch
    {
        "b1" => NumericType.Bool,
        "i1" => NumericType.Int8,
        "u1" => NumericType.UInt8,
        "i2" => NumericType.Int16,
        "u2" => NumericType.UInt16,
        "i4" => NumericType.Int32,
        "u4" => NumericType.UInt32,
        "i8" => NumericType.Int64,
        "u8" => NumericType.UInt64,
        "f2" or "f4" => NumericType.Float32,
        "f8" => NumericType.Float64,
        "c8" => NumericType.Complex64,
        "c16" => NumericType.Complex128,
        _ => throw new ArgumentException(descr),
    };

    /// <summary>A version 1.0 .npy with <paramref name="header"/> (padded as numpy pads) and raw data.</summary>
    internal static byte[] WithHeader(string header, byte[] data)
    {
        int hlen = header.Length + 1;
        int padding = 64 - ((10 + hlen) % 64);
        var text = header + new string(' ', padding) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.Add(1);
        bytes.Add(0);
        bytes.Add((byte)(text.Length & 0xff));
        bytes.Add((byte)(text.Length >> 8));
        bytes.AddRange(Encoding.Latin1.GetBytes(text));
        bytes.AddRange(data);
        return [.. bytes];
    }
}
