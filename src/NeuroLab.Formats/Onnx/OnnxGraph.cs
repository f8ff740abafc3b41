using System.Text;

namespace NeuroLab.Formats.Onnx;

/// <summary>A graph input that is not an initializer: its name, element type (ONNX <c>TensorProto.DataType</c>) and shape (null entries: symbolic or unknown dimensions).</summary>
public sealed record OnnxGraphInput(string Name, int ElementType, IReadOnlyList<long?>? Shape)
{
    /// <summary>The element type's ONNX name (FLOAT, UINT8, STRING, ...), or "type N".</summary>
    public string ElementTypeName => OnnxGraph.ElementTypeName(ElementType);
}

/// <summary>A tensor a node of the graph produces (any of them can be made a graph output) and the node's operator.</summary>
public sealed record OnnxNodeOutput(string Name, string OpType);

/// <summary>
/// What a serialized ONNX model (<c>onnx.proto</c>'s <c>ModelProto</c>) declares, read straight from its protobuf
/// bytes: the graph's real inputs (initializers excluded, as IR versions below 4 list them among the inputs), its
/// declared outputs and every node output. Only the fields involved are decoded (ModelProto: ir_version 1, graph 7;
/// GraphProto: node 1, initializer 5, input 11, output 12; NodeProto: output 2, op_type 4; ValueInfoProto: name 1,
/// type 2; TypeProto.tensor_type 1: elem_type 1, shape 2; TensorShapeProto.dim 1: dim_value 1, dim_param 2;
/// TensorProto.name 8); weights are skipped, never copied.
/// </summary>
public sealed record OnnxGraph(long IrVersion, IReadOnlyList<OnnxGraphInput> Inputs, IReadOnlyList<string> Outputs, IReadOnlyList<OnnxNodeOutput> NodeOutputs)
{
    /// <summary>ONNX <c>TensorProto.DataType.FLOAT</c>.</summary>
    public const int Float = 1;

    private const int LengthDelimited = 2;

    /// <summary>The tensors that can be read as features: the declared outputs first, then every other node output (each once, with its node's operator; "" for a declared output no node makes).</summary>
    public IReadOnlyList<OnnxNodeOutput> Tensors =>
        [.. Outputs.Select(o => NodeOutputs.FirstOrDefault(n => n.Name == o) ?? new OnnxNodeOutput(o, "")).Concat(NodeOutputs.Where(n => !Outputs.Contains(n.Name))).DistinctBy(t => t.Name)];

    /// <summary>Whether <paramref name="head"/> (a file's first bytes) starts like a ModelProto: ir_version (field 1, 1..100) followed by another ModelProto field.</summary>
    public static bool LooksLikeModel(ReadOnlySpan<byte> head) =>
        head.Length >= 3 && head[0] == 0x08 && head[1] is >= 1 and <= 100
        && head[2] is 0x12 or 0x1a or 0x22 or 0x28 or 0x32 or 0x3a or 0x42 or 0x72;

    /// <summary>Reads the graph description of the model <paramref name="model"/>; <paramref name="fileName"/> names it in errors.</summary>
    /// <exception cref="FormatReadException">The bytes are not a protobuf ModelProto with a graph.</exception>
    public static OnnxGraph Read(ReadOnlySpan<byte> model, string fileName)
    {
        try
        {
            long ir = 0;
            OnnxGraph? graph = null;
            var reader = new Reader(model);
            while (reader.Next(out int field, out int wire))
            {
                if (field == 1 && wire == 0)
                {
                    ir = (long)reader.Varint();
                }
                else if (field == 7 && wire == LengthDelimited)
                {
                    graph = ReadGraph(reader.Bytes(), ir);
                }
                else
                {
                    reader.Skip(wire);
                }
            }
            if (ir <= 0 || graph is null)
            {
                throw new InvalidDataException(ir <= 0 ? "no ir_version (ModelProto field 1)" : "no graph (ModelProto field 7)");
            }
            return graph with { IrVersion = ir };
        }
        catch (InvalidDataException e)
        {
            throw new FormatReadException(fileName, $"not an ONNX model (a protobuf ModelProto): {e.Message}.", e);
        }
    }

    /// <summary>The ONNX name of an element type.</summary>
    public static string ElementTypeName(int type) => type switch
    {
        1 => "FLOAT", 2 => "UINT8", 3 => "INT8", 4 => "UINT16", 5 => "INT16", 6 => "INT32", 7 => "INT64", 8 => "STRING",
        9 => "BOOL", 10 => "FLOAT16", 11 => "DOUBLE", 12 => "UINT32", 13 => "UINT64", 16 => "BFLOAT16",
        0 => "not a tensor",
        _ => $"type {type}",
    };

    private static OnnxGraph ReadGraph(ReadOnlySpan<byte> bytes, long ir)
    {
        var inputs = new List<OnnxGraphInput>();
        var outputs = new List<string>();
        var nodes = new List<OnnxNodeOutput>();
        var initializers = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Reader(bytes);
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
                    ReadNode(value, nodes);
                    break;
                case 5:
                    initializers.Add(ReadString(value, 8));
                    break;
                case 11:
                    inputs.Add(ReadValueInfo(value));
                    break;
                case 12:
                    outputs.Add(ReadValueInfo(value).Name);
                    break;
            }
        }
        return new OnnxGraph(ir, [.. inputs.Where(i => !initializers.Contains(i.Name))], outputs, nodes);
    }

    private static void ReadNode(ReadOnlySpan<byte> bytes, List<OnnxNodeOutput> nodes)
    {
        var names = new List<string>();
        string op = "";
        var reader = new Reader(bytes);
        while (reader.Next(out int field, out int wire))
        {
            if (wire == LengthDelimited && field == 2)
            {
                names.Add(Encoding.UTF8.GetString(reader.Bytes()));
            }
            else if (wire == LengthDelimited && field == 4)
            {
                op = Encoding.UTF8.GetString(reader.Bytes());
            }
            else
            {
                reader.Skip(wire);
            }
        }
        // An empty name marks an optional output the node does not produce.
        nodes.AddRange(names.Where(n => n.Length > 0).Select(n => new OnnxNodeOutput(n, op)));
    }

    private static OnnxGraphInput ReadValueInfo(ReadOnlySpan<byte> bytes)
    {
        string name = "";
        int type = 0;
        List<long?>? shape = null;
        var reader = new Reader(bytes);
        while (reader.Next(out int field, out int wire))
        {
            if (wire == LengthDelimited && field == 1)
            {
                name = Encoding.UTF8.GetString(reader.Bytes());
            }
            else if (wire == LengthDelimited && field == 2)
            {
                // TypeProto: only tensor_type (field 1) is an image input; sequences and maps stay type 0.
                var typeReader = new Reader(reader.Bytes());
                while (typeReader.Next(out int typeField, out int typeWire))
                {
                    if (typeField == 1 && typeWire == LengthDelimited)
                    {
                        (type, shape) = ReadTensorType(typeReader.Bytes());
                    }
                    else
                    {
                        typeReader.Skip(typeWire);
                    }
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }
        return new OnnxGraphInput(name, type, shape);
    }

    private static (int Type, List<long?>? Shape) ReadTensorType(ReadOnlySpan<byte> bytes)
    {
        int type = 0;
        List<long?>? shape = null;
        var reader = new Reader(bytes);
        while (reader.Next(out int field, out int wire))
        {
            if (field == 1 && wire == 0)
            {
                type = (int)reader.Varint();
            }
            else if (field == 2 && wire == LengthDelimited)
            {
                shape = [];
                var dims = new Reader(reader.Bytes());
                while (dims.Next(out int dimField, out int dimWire))
                {
                    if (dimField == 1 && dimWire == LengthDelimited)
                    {
                        shape.Add(ReadDimension(dims.Bytes()));
                    }
                    else
                    {
                        dims.Skip(dimWire);
                    }
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }
        return (type, shape);
    }

    private static long? ReadDimension(ReadOnlySpan<byte> bytes)
    {
        long? value = null;
        var reader = new Reader(bytes);
        while (reader.Next(out int field, out int wire))
        {
            if (field == 1 && wire == 0)
            {
                value = (long)reader.Varint();
            }
            else
            {
                reader.Skip(wire);
            }
        }
        // dim_value 0 or negative is not a usable static size.
        return value is > 0 ? value : null;
    }

    private static string ReadString(ReadOnlySpan<byte> bytes, int wanted)
    {
        var reader = new Reader(bytes);
        while (reader.Next(out int field, out int wire))
        {
            if (field == wanted && wire == LengthDelimited)
            {
                return Encoding.UTF8.GetString(reader.Bytes());
            }
            reader.Skip(wire);
        }
        return "";
    }

    /// <summary>A forward-only protobuf reader over one message's bytes (shared with <see cref="OnnxNetwork"/>).</summary>
    internal ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Next(out int field, out int wire)
        {
            if (_position >= _data.Length)
            {
                field = wire = 0;
                return false;
            }
            int start = _position;
            ulong key = Varint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            if (field == 0)
            {
                throw new InvalidDataException($"field number 0 at byte {start}");
            }
            return true;
        }

        public readonly bool AtEnd => _position >= _data.Length;

        public float Fixed32Float()
        {
            Advance(4);
            return System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(_data.Slice(_position - 4, 4));
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _data.Length)
                {
                    throw new InvalidDataException("the data ends inside a number");
                }
                byte b = _data[_position++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
            throw new InvalidDataException("a number is longer than 10 bytes");
        }

        public ReadOnlySpan<byte> Bytes()
        {
            ulong length = Varint();
            if (length > (ulong)(_data.Length - _position))
            {
                throw new InvalidDataException($"a field of {length} bytes runs past the end of its message at byte {_position}");
            }
            var value = _data.Slice(_position, (int)length);
            _position += (int)length;
            return value;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    Varint();
                    break;
                case 1:
                    Advance(8);
                    break;
                case 5:
                    Advance(4);
                    break;
                case LengthDelimited:
                    Bytes();
                    break;
                default:
                    throw new InvalidDataException($"unexpected protobuf wire type {wire} at byte {_position}");
            }
        }

        private void Advance(int count)
        {
            if (_position + count > _data.Length)
            {
                throw new InvalidDataException("the data ends inside a field");
            }
            _position += count;
        }
    }
}
