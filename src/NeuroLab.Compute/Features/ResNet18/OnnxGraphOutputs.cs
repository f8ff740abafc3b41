namespace NeuroLab.Compute.Features.ResNet18;

/// <summary>
/// Adds graph outputs to a serialized ONNX model by editing its protobuf bytes, so intermediate tensors (a network's
/// stages) can be read with ONNX Runtime. Only the fields involved are touched: <c>ModelProto.graph</c> (field 7),
/// <c>GraphProto.output</c> (field 12, repeated) and <c>ValueInfoProto.name</c> (field 1); ONNX Runtime infers the
/// added outputs' types and shapes from the graph. Everything else is copied byte for byte.
/// </summary>
internal static class OnnxGraphOutputs
{
    private const int ModelGraphField = 7;
    private const int GraphOutputField = 12;
    private const int ValueInfoNameField = 1;
    private const int LengthDelimited = 2;

    /// <summary>The model <paramref name="model"/> with <paramref name="names"/> appended to its graph's outputs.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a protobuf ModelProto with a graph.</exception>
    public static byte[] Add(ReadOnlySpan<byte> model, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        using var extra = new MemoryStream();
        foreach (var name in names)
        {
            var valueInfo = new MemoryStream();
            WriteBytes(valueInfo, ValueInfoNameField, System.Text.Encoding.UTF8.GetBytes(name));
            WriteBytes(extra, GraphOutputField, valueInfo.ToArray());
        }
        using var result = new MemoryStream(model.Length + (int)extra.Length + 16);
        bool found = false;
        int position = 0;
        while (position < model.Length)
        {
            int start = position;
            ulong key = ReadVarint(model, ref position);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    ReadVarint(model, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 5:
                    position += 4;
                    break;
                case LengthDelimited:
                    int length = checked((int)ReadVarint(model, ref position));
                    if (field == ModelGraphField && !found)
                    {
                        found = true;
                        var graph = new byte[length + extra.Length];
                        model.Slice(position, length).CopyTo(graph);
                        extra.ToArray().CopyTo(graph, length);
                        WriteBytes(result, ModelGraphField, graph);
                        position += length;
                        continue;
                    }
                    position += length;
                    break;
                default:
                    throw new InvalidDataException($"Not an ONNX model: unexpected protobuf wire type {wire} at byte {start}.");
            }
            if (position > model.Length)
            {
                throw new InvalidDataException("Not an ONNX model: the protobuf data ends inside a field.");
            }
            result.Write(model[start..position]);
        }
        return found ? result.ToArray() : throw new InvalidDataException("Not an ONNX model: no graph (ModelProto field 7).");
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
            {
                throw new InvalidDataException("Not an ONNX model: the protobuf data ends inside a number.");
            }
            byte b = data[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
        throw new InvalidDataException("Not an ONNX model: a protobuf number is longer than 10 bytes.");
    }

    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }

    private static void WriteBytes(Stream stream, int field, byte[] bytes)
    {
        WriteVarint(stream, (ulong)((field << 3) | LengthDelimited));
        WriteVarint(stream, (ulong)bytes.Length);
        stream.Write(bytes);
    }
}
