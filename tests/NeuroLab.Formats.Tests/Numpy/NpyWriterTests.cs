using System.Globalization;
using System.Text;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Formats.Tests.Numpy;

/// <summary>
/// NpyWriter: byte-for-byte equality with files numpy 1.24.2's numpy.save wrote for the same arrays
/// (Reference/npy_reference.py, "written"), and round trips through NpyReader.
/// </summary>
public sealed class NpyWriterTests
{
    public static TheoryData<string> Written() => [.. NpyTestFiles.Section("written").Select(e => e.GetProperty("file").GetString()!)];

    public static TheoryData<NumericType, ArrayOrder> TypesAndOrders()
    {
        var data = new TheoryData<NumericType, ArrayOrder>();
        foreach (var type in Enum.GetValues<NumericType>())
        {
            data.Add(type, ArrayOrder.C);
            data.Add(type, ArrayOrder.Fortran);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Written))]
    public void Write_SameArrayAsNumpySave_WritesIdenticalBytes(string file)
    {
        var entry = NpyTestFiles.Section("written").Single(e => e.GetProperty("file").GetString() == file);
        var type = NpyReaderTests.ExpectedType(entry.GetProperty("descr").GetString()!);
        var order = entry.GetProperty("fortran_order").GetBoolean() ? ArrayOrder.Fortran : ArrayOrder.C;
        var array = new NumericArray(type, NpyTestFiles.Shape(entry), Parse(type, NpyTestFiles.Strings(entry.GetProperty("storage_values"))), order);
        var stream = new MemoryStream();

        NpyWriter.Write(stream, array);

        var expected = File.ReadAllBytes(NpyTestFiles.Fixture(file));
        Assert.Equal(Encoding.Latin1.GetString(expected[..Math.Min(128, expected.Length)]), Encoding.Latin1.GetString(stream.ToArray()[..Math.Min(128, (int)stream.Length)]));
        Assert.Equal(expected, stream.ToArray());
    }

    [Theory]
    [MemberData(nameof(TypesAndOrders))]
    public void Write_ThenRead_RoundTripsTypeShapeOrderAndValues(NumericType type, ArrayOrder order)
    {
        long[] shape = [3, 2, 4];
        var random = new Random(7);
        int stored = 24 * (NumericTypes.IsComplex(type) ? 2 : 1);
        var data = Array.CreateInstance(NumericTypes.ClrType(type), stored);
        var original = new NumericArray(type, shape, data, order);
        random.NextBytes(original.AsBytesSpan());
        if (data is bool[] flags)
        {
            for (int i = 0; i < flags.Length; i++)
            {
                flags[i] = random.Next(2) == 1;
            }
        }
        var stream = new MemoryStream();

        NpyWriter.Write(stream, original);
        stream.Position = 0;
        var back = NpyReader.Read(stream, "roundtrip.npy");

        Assert.Equal(type, back.Type);
        Assert.Equal(shape, back.Shape);
        Assert.Equal(order, back.Order);
        Assert.Equal(original.AsBytesSpan().ToArray(), back.AsBytesSpan().ToArray());
        Assert.Equal(stream.Length, stream.Position);
    }

    [Fact]
    public void Write_FortranArrayWithOneLongAxis_IsWrittenAsCOrderLikeNumpy()
    {
        var array = new NumericArray(NumericType.Float32, [1, 5], new float[] { 1, 2, 3, 4, 5 }, ArrayOrder.Fortran);
        var stream = new MemoryStream();

        NpyWriter.Write(stream, array);
        stream.Position = 0;
        var back = NpyReader.Read(stream, "row.npy");

        Assert.Equal(ArrayOrder.C, back.Order);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5 }, back.AsSpan<float>().ToArray());
    }

    [Fact]
    public void Write_Path_CreatesReadableFileAlignedTo64Bytes()
    {
        var path = Path.Combine(Path.GetTempPath(), $"neurolab-{Guid.NewGuid():N}.npy");
        try
        {
            var array = new NumericArray(NumericType.Float64, [2, 2], new double[] { 1, 2, 3, 4 });

            NpyWriter.Write(path, array);
            using var stream = File.OpenRead(path);
            var header = NpyReader.ReadHeader(stream, "written.npy");

            Assert.Equal(1, header.MajorVersion);
            Assert.Equal("<f8", header.Descr);
            Assert.Equal(128, header.DataOffset);
            Assert.Equal(128 + 32, new FileInfo(path).Length);
            Assert.Equal(4.0, NpyReader.Read(path)[1, 1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Write_RealAllenArray_RoundTripsExactly()
    {
        var original = NpyReader.Read(SharedData.Path("allen-v1/Allen_test_output_big.npy"));
        var stream = new MemoryStream();

        NpyWriter.Write(stream, original);
        stream.Position = 0;
        var back = NpyReader.Read(stream, "copy.npy");

        Assert.Equal(original.Shape, back.Shape);
        Assert.Equal(original.AsSpan<double>().ToArray(), back.AsSpan<double>().ToArray());
    }

    private static Array Parse(NumericType type, string[] values) => type switch
    {
        NumericType.Bool => values.Select(v => v == "1").ToArray(),
        NumericType.UInt8 => values.Select(v => byte.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        NumericType.Int8 => values.Select(v => sbyte.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        NumericType.UInt16 => values.Select(v => ushort.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        NumericType.Int16 => values.Select(v => short.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        NumericType.UInt32 => values.Select(v => uint.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        NumericType.Int32 => values.Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        NumericType.UInt64 => values.Select(v => ulong.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        NumericType.Int64 => values.Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        NumericType.Float32 or NumericType.Complex64 => values.Select(v => (float)NpyTestFiles.PythonFloat(v)).ToArray(),
        _ => values.Select(NpyTestFiles.PythonFloat).ToArray(),
    };
}
