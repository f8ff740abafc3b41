using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NeuroLab.Formats.Matlab;

namespace NeuroLab.Formats.Tests.Matlab;

/// <summary>Locates the committed fixtures and the reference JSON written by Reference/mat_reference.py.</summary>
internal static class MatTestFiles
{
    private static readonly Lazy<JsonDocument> _reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "mat_reference.json"))));

    public static readonly string[] RealFiles =
    [
        "k92/92_brainRDMs.mat",
        "k92/92_modelRDMs.mat",
        "k92/Kriegeskorte_Neuron2008_supplementalData.mat",
        "k92/modelRDMs_A2020.mat",
        "vangerven-digits/digit69_28x28.mat",
    ];

    /// <summary>Absolute path of a fixture in tests/NeuroLab.Formats.Tests/Fixtures/mat.</summary>
    public static string Fixture(string name) =>
        Support.TestFiles.Fixture("mat", name);

    /// <summary>The summary scipy 1.10.1 (or the h5py reader, for v7.3) produced for a real file.</summary>
    public static JsonElement RealReference(string relative) => _reference.Value.RootElement.GetProperty("real").GetProperty(relative);

    /// <summary>The summary for a fixture file.</summary>
    public static JsonElement FixtureReference(string name) => _reference.Value.RootElement.GetProperty("fixtures").GetProperty(name);
}

/// <summary>
/// Compares what <see cref="MatReader"/> read with the summaries in mat_reference.json. Values and
/// samples must match exactly (both sides hold the same IEEE values; the JSON keeps the shortest
/// round-trip text); sums allow a relative 1e-9 of the sum of magnitudes (summation order differs).
/// </summary>
internal static class MatReferenceComparer
{
    public const double SumTolerance = 1e-9;

    public static void AssertFile(MatFile file, JsonElement expected, bool checkUnsupported = true)
    {
        Assert.Equal(expected.GetProperty("header").GetString(), file.HeaderText);
        Assert.Equal(expected.GetProperty("version").GetInt32(), file.Version);
        var order = expected.GetProperty("order").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(order, file.Variables.Keys.ToList());
        if (expected.TryGetProperty("globals", out var globals))
        {
            Assert.Equal(globals.EnumerateArray().Select(e => e.GetString()!).ToList(), file.GlobalNames.ToList());
        }
        if (checkUnsupported)
        {
            var unsupported = expected.GetProperty("unsupported").EnumerateArray().Select(e => e.GetString()!).Order().ToList();
            Assert.Equal(unsupported, file.Unsupported.Select(u => u.Name).Order().ToList());
        }
        var variables = expected.GetProperty("variables");
        foreach (var name in order)
        {
            AssertValue(file.Variables[name], variables.GetProperty(name), name);
        }
    }

    public static void AssertValue(MatValue actual, JsonElement expected, string path)
    {
        var kind = expected.GetProperty("kind").GetString();
        var shape = Longs(expected.GetProperty("shape"));
        switch (kind)
        {
            case "numeric":
                var numeric = Assert.IsType<MatNumeric>(actual);
                AssertNumeric(numeric, expected, shape, path);
                break;
            case "char":
                var chars = Assert.IsType<MatChar>(actual);
                Assert.True(shape.SequenceEqual(chars.Shape), $"{path}: shape {chars.ShapeText}, expected {string.Join("x", shape)}");
                Assert.Equal(expected.GetProperty("rows").EnumerateArray().Select(e => e.GetString()!).ToList(), chars.Rows.ToList());
                break;
            case "cell":
                var cell = Assert.IsType<MatCell>(actual);
                Assert.True(shape.SequenceEqual(cell.Shape), $"{path}: shape {cell.ShapeText}, expected {string.Join("x", shape)}");
                var items = expected.GetProperty("items").EnumerateArray().ToList();
                Assert.Equal(items.Count, cell.Items.Count);
                for (int k = 0; k < items.Count; k++)
                {
                    AssertValue(cell.Items[k], items[k], $"{path}{{{k + 1}}}");
                }
                break;
            case "struct":
                var structure = Assert.IsType<MatStruct>(actual);
                Assert.True(shape.SequenceEqual(structure.Shape), $"{path}: shape {structure.ShapeText}, expected {string.Join("x", shape)}");
                var fields = expected.GetProperty("fields").EnumerateArray().Select(e => e.GetString()!).ToList();
                Assert.Equal(fields, structure.FieldNames.ToList());
                var elements = expected.GetProperty("elements").EnumerateArray().ToList();
                Assert.Equal(elements.Count, structure.Elements.Count);
                for (int k = 0; k < elements.Count; k++)
                {
                    Assert.Equal(fields, structure.Elements[k].Keys.ToList());
                    foreach (var field in fields)
                    {
                        AssertValue(structure.Elements[k][field], elements[k].GetProperty(field), $"{path}({k + 1}).{field}");
                    }
                }
                break;
            default:
                Assert.Fail($"{path}: unexpected kind {kind} in the reference");
                break;
        }
    }

    private static void AssertNumeric(MatNumeric actual, JsonElement expected, long[] shape, string path)
    {
        var className = expected.GetProperty("class").GetString();
        Assert.True(className == actual.ClassName, $"{path}: class {actual.ClassName}, expected {className}");
        Assert.Equal(className == "logical", actual.IsLogical);
        Assert.True(expected.GetProperty("complex").GetBoolean() == actual.IsComplex, $"{path}: complex flag differs");
        long count = expected.GetProperty("count").GetInt64();
        Assert.Equal(count, actual.Array.Length);
        Assert.Equal(ArrayOrder.Fortran, actual.Array.Order);
        // scipy renders MATLAB's content-less miMATRIX ([] in a cell or struct, 0x0 double) as 1x0.
        bool scipyEmpty = count == 0 && className == "double" && shape.SequenceEqual([1L, 0L]) && actual.Array.Shape.SequenceEqual([0L, 0L]);
        if (!scipyEmpty)
        {
            Assert.True(shape.SequenceEqual(actual.Array.Shape), $"{path}: shape {actual.Array.ShapeText}, expected [{string.Join(", ", shape)}]");
        }
        if (expected.TryGetProperty("values", out var values))
        {
            int k = 0;
            foreach (var v in values.EnumerateArray())
            {
                AssertElement(actual, k, v, path);
                k++;
            }
            Assert.Equal(count, k);
        }
        if (expected.TryGetProperty("imag", out var imag))
        {
            int k = 0;
            foreach (var v in imag.EnumerateArray())
            {
                Assert.Equal(Number(v), Imag(actual.Array, k));
                k++;
            }
        }
        if (expected.TryGetProperty("samples", out var samples))
        {
            foreach (var pair in samples.EnumerateArray())
            {
                AssertElement(actual, pair[0].GetInt64(), pair[1], path);
            }
        }
        if (expected.TryGetProperty("at", out var at))
        {
            // Element (i, j, ...) by MATLAB subscripts, as numpy indexes the MATLAB-shaped array.
            foreach (var pair in at.EnumerateArray())
            {
                var index = Longs(pair[0]);
                var want = Number(pair[1]);
                var got = At(actual.Array, actual.Array.FlatIndex(index));
                Assert.True(want.Equals(got), $"{path}: element ({string.Join(", ", index)}) is {got}, expected {want}");
            }
        }
        if (expected.TryGetProperty("sum", out var sum))
        {
            double total = 0;
            double magnitude = 0;
            for (long i = 0; i < actual.Array.Length; i++)
            {
                var x = At(actual.Array, i);
                total += x;
                magnitude += Math.Abs(x);
            }
            double want = sum.GetDouble();
            Assert.True(Math.Abs(total - want) <= SumTolerance * Math.Max(1, magnitude), $"{path}: sum {total}, expected {want}");
        }
    }

    private static void AssertElement(MatNumeric actual, long index, JsonElement expected, string path)
    {
        switch (actual.Array.Type)
        {
            case NumericType.Int64:
                Assert.Equal(long.Parse(expected.GetRawText(), CultureInfo.InvariantCulture), ((long[])actual.Array.Data)[index]);
                return;
            case NumericType.UInt64:
                Assert.Equal(ulong.Parse(expected.GetRawText(), CultureInfo.InvariantCulture), ((ulong[])actual.Array.Data)[index]);
                return;
            default:
                var want = Number(expected);
                var got = At(actual.Array, index);
                Assert.True(want.Equals(got), $"{path}: element {index} is {got}, expected {want}");
                return;
        }
    }

    /// <summary>
    /// Element <paramref name="flat"/> as double, dispatching on <see cref="NumericArray.Type"/>: type
    /// patterns on the backing array (as in NumericArray.GetDouble) cannot tell sbyte[] from byte[].
    /// </summary>
    public static double At(NumericArray array, long flat) => array.Type switch
    {
        NumericType.Bool => ((bool[])array.Data)[flat] ? 1 : 0,
        NumericType.UInt8 => ((byte[])array.Data)[flat],
        NumericType.Int8 => ((sbyte[])array.Data)[flat],
        NumericType.UInt16 => ((ushort[])array.Data)[flat],
        NumericType.Int16 => ((short[])array.Data)[flat],
        NumericType.UInt32 => ((uint[])array.Data)[flat],
        NumericType.Int32 => ((int[])array.Data)[flat],
        NumericType.UInt64 => ((ulong[])array.Data)[flat],
        NumericType.Int64 => ((long[])array.Data)[flat],
        NumericType.Float32 => ((float[])array.Data)[flat],
        NumericType.Float64 => ((double[])array.Data)[flat],
        NumericType.Complex64 => ((float[])array.Data)[2 * flat],
        NumericType.Complex128 => ((double[])array.Data)[2 * flat],
        _ => throw new InvalidOperationException("unknown type"),
    };

    private static double Imag(NumericArray array, long index) => array.Data switch
    {
        double[] d => d[(2 * index) + 1],
        float[] f => f[(2 * index) + 1],
        _ => throw new InvalidOperationException("not complex"),
    };

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => throw new InvalidOperationException("unexpected number text " + s),
        }
        : e.GetDouble();

    private static long[] Longs(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetInt64())];
}

/// <summary>Builds little-endian Level 5 MAT-file bytes for targeted bad-input tests.</summary>
internal static class MatBytes
{
    public const int MiInt8 = 1;
    public const int MiUInt8 = 2;
    public const int MiUInt16 = 4;
    public const int MiInt32 = 5;
    public const int MiUInt32 = 6;
    public const int MiDouble = 9;
    public const int MiMatrix = 14;
    public const int MiCompressed = 15;

    public static byte[] Header(string text = "MATLAB 5.0 MAT-file, NeuroLab test", ushort version = 0x0100, string endian = "IM")
    {
        var header = new byte[128];
        Encoding.ASCII.GetBytes(text.PadRight(116)).CopyTo(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(124), version);
        header[126] = (byte)endian[0];
        header[127] = (byte)endian[1];
        return header;
    }

    public static byte[] Element(int type, byte[] payload)
    {
        int pad = (8 - (payload.Length % 8)) % 8;
        var bytes = new byte[8 + payload.Length + pad];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, type);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), payload.Length);
        payload.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] Flags(int cls, int flagBits = 0) => Element(MiUInt32, Int32s(cls | flagBits, 0));

    public static byte[] Dims(params int[] dims) => Element(MiInt32, Int32s(dims));

    public static byte[] Name(string name) => Element(MiInt8, Encoding.ASCII.GetBytes(name));

    public static byte[] Doubles(params double[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        }
        return Element(MiDouble, bytes);
    }

    public static byte[] Int32s(params int[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), values[i]);
        }
        return bytes;
    }

    /// <summary>An miMATRIX element: flags, dims, name, then the given sub-elements.</summary>
    public static byte[] Matrix(string name, int cls, int[] dims, params byte[][] rest) =>
        Element(MiMatrix, [.. Flags(cls), .. Dims(dims), .. Name(name), .. rest.SelectMany(r => r)]);

    public static byte[] DoubleMatrix(string name, int rows, int cols, params double[] values) =>
        Matrix(name, 6, [rows, cols], Doubles(values));

    public static byte[] File(params byte[][] elements) => [.. Header(), .. elements.SelectMany(e => e)];
}

