using System.Buffers.Binary;
using System.Text;

namespace NeuroLab.Formats.Onnx;

/// <summary>An attribute of a node (<c>AttributeProto</c>): the scalar or list it holds (the others empty or null).</summary>
public sealed record OnnxAttribute(string Name, float? Float, long? Int, string? String, IReadOnlyList<float> Floats, IReadOnlyList<long> Ints);

/// <summary>A node of the graph (<c>NodeProto</c>): operator, input and output tensor names in order, attributes by name.</summary>
public sealed record OnnxNode(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    /// <summary>The integer list attribute <paramref name="name"/>, or <paramref name="fallback"/> when the node has none.</summary>
    public IReadOnlyList<long> Ints(string name, IReadOnlyList<long> fallback) => Attributes.TryGetValue(name, out var a) && a.Ints.Count > 0 ? a.Ints : fallback;
}

/// <summary>A FLOAT initializer (<c>TensorProto</c>): name, dims and values in row-major order.</summary>
public sealed record OnnxTensor(string Name, IReadOnlyList<long> Dims, float[] Values);

/// <summary>
/// The computation of a serialized ONNX model: its nodes in graph order (operator, inputs, outputs, attributes) and its
/// FLOAT initializers with their values, read from the protobuf bytes so a network's weights can be loaded into another
/// framework. Fields decoded beyond <see cref="OnnxGraph"/>'s: NodeProto input 1, attribute 5; AttributeProto name 1,
/// f 2, i 3, s 4, floats 7, ints 8 (packed or not); TensorProto dims 1, data_type 2, float_data 4 (packed or not),
/// name 8, raw_data 9 (little-endian), data_location 14. Initializers of other element types are left out; weights kept
/// in external files are refused.
/// </summary>
public sealed record OnnxNetwork(IReadOnlyList<OnnxNode> Nodes, IReadOnlyDictionary<string, OnnxTensor> Initializers)
{
    private const int LengthDelimited = 2;

    /// <summary>Reads the nodes and FLOAT initializers of the model <paramref name="model"/>; <paramref name="fileName"/> names it in errors.</summary>
    /// <exception cref="FormatReadException">Not a protobuf ModelProto with a graph, a tensor whose values disagree with its dims, or external data.</exception>
    public static OnnxNetwork Read(ReadOnlySpan<byte> model, string fileName)
    {
        try
        {
            var reader = new OnnxGraph.Reader(model);
            while (reader.Next(out int field, out int wire))
            {
                if (field == 7 && wire == LengthDelimited)
                {
                    return ReadGraph(reader.Bytes());
                }
                reader.Skip(wire);
            }
            throw new InvalidDataException("no graph (ModelProto field 7)");
        }
        catch (InvalidDataException e)
        {
            throw new FormatReadException(fileName, $"not an ONNX model whose weights can be read: {e.Message}.", e);
        }
    }

    private static OnnxNetwork ReadGraph(ReadOnlySpan<byte> bytes)
    {
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var reader = new OnnxGraph.Reader(bytes);
        while (reader.Next(out int field, out int wire))
        {
            if (wire != LengthDelimited || field is not (1 or 5))
            {
                reader.Skip(wire);
                continue;
            }
            var value = reader.Bytes();
            if (field == 1)
            {
                nodes.Add(ReadNode(value));
            }
            else if (ReadTensor(value) is { } tensor)
            {
                initializers[tensor.Name] = tensor;
            }
        }
        return new OnnxNetwork(nodes, initializers);
    }

    private static OnnxNode ReadNode(ReadOnlySpan<byte> bytes)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        string op = "";
        var reader = new OnnxGraph.Reader(bytes);
        while (reader.Next(out int field, out int wire))
        {
            if (wire != LengthDelimited)
            {
                reader.Skip(wire);
                continue;
            }
            var value = reader.Bytes();
            switch (field)
            {
                case 1:
                    inputs.Add(Encoding.UTF8.GetString(value));
                    break;
                case 2:
                    outputs.Add(Encoding.UTF8.GetString(value));
                    break;
                case 4:
                    op = Encoding.UTF8.GetString(value);
                    break;
                case 5:
                    var attribute = ReadAttribute(value);
                    attributes[attribute.Name] = attribute;
                    break;
            }
        }
        return new OnnxNode(op, inputs, outputs, attributes);
    }

    private static OnnxAttribute ReadAttribute(ReadOnlySpan<byte> bytes)
    {
        string name = "";
        float? f = null;
        long? i = null;
        string? s = null;
        var floats = new List<float>();
        var ints = new List<long>();
        var reader = new OnnxGraph.Reader(bytes);
        while (reader.Next(out int field, out int wire))
        {
            switch ((field, wire))
            {
                case (1, LengthDelimited):
                    name = Encoding.UTF8.GetString(reader.Bytes());
                    break;
                case (2, 5):
                    f = reader.Fixed32Float();
                    break;
                case (3, 0):
                    i = (long)reader.Varint();
                    break;
                case (4, LengthDelimited):
                    s = Encoding.UTF8.GetString(reader.Bytes());
                    break;
                case (7, 5):
                    floats.Add(reader.Fixed32Float());
                    break;
                case (7, LengthDelimited):
                    floats.AddRange(PackedFloats(reader.Bytes()));
                    break;
                case (8, 0):
                    ints.Add((long)reader.Varint());
                    break;
                case (8, LengthDelimited):
                    var packed = new OnnxGraph.Reader(reader.Bytes());
                    while (!packed.AtEnd)
                    {
                        ints.Add((long)packed.Varint());
                    }
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        return new OnnxAttribute(name, f, i, s, floats, ints);
    }

    private static OnnxTensor? ReadTensor(ReadOnlySpan<byte> bytes)
    {
        string name = "";
        int type = 0;
        var dims = new List<long>();
        var values = new List<float>();
        byte[]? rawBytes = null;
        var reader = new OnnxGraph.Reader(bytes);
        while (reader.Next(out int field, out int wire))
        {
            switch ((field, wire))
            {
                case (1, 0):
                    dims.Add((long)reader.Varint());
                    break;
                case (1, LengthDelimited):
                    var packed = new OnnxGraph.Reader(reader.Bytes());
                    while (!packed.AtEnd)
                    {
                        dims.Add((long)packed.Varint());
                    }
                    break;
                case (2, 0):
                    type = (int)reader.Varint();
                    break;
                case (4, 5):
                    values.Add(reader.Fixed32Float());
                    break;
                case (4, LengthDelimited):
                    values.AddRange(PackedFloats(reader.Bytes()));
                    break;
                case (8, LengthDelimited):
                    name = Encoding.UTF8.GetString(reader.Bytes());
                    break;
                case (9, LengthDelimited):
                    rawBytes = reader.Bytes().ToArray();
                    break;
                case (14, 0):
                    if (reader.Varint() == 1)
                    {
                        throw new InvalidDataException($"the weights of {name} are kept in an external file (not supported)");
                    }
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        if (type != OnnxGraph.Float)
        {
            return null;
        }
        // raw_data is read as floats only once the element type is known to be FLOAT (field order is free in protobuf).
        var data = rawBytes is not null ? PackedFloats(rawBytes) : [.. values];
        long expected = dims.Aggregate(1L, (a, d) => a * d);
        if (data.Length != expected)
        {
            throw new InvalidDataException($"initializer {name} has {data.Length} values for dims [{string.Join(", ", dims)}]");
        }
        return new OnnxTensor(name, dims, data);
    }

    private static float[] PackedFloats(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % 4 != 0)
        {
            throw new InvalidDataException($"{bytes.Length} bytes of packed float32 values");
        }
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4, 4));
        }
        return values;
    }
}
