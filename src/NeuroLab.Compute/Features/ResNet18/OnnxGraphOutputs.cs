namespace NeuroLab.Compute.Features.ResNet18;

/// <summary>
/// Edits a serialized ONNX model's protobuf bytes, so intermediate tensors (a network's stages) can be read with ONNX
/// Runtime (<see cref="Add"/>) and a graph exported with batch 1 runs batches (<see cref="WithDynamicBatch"/>). Only the
/// fields involved are touched: <c>ModelProto.graph</c> (field 7); in <c>GraphProto</c> the <c>initializer</c> (5),
/// <c>input</c> (11), <c>output</c> (12) and <c>value_info</c> (13); <c>ValueInfoProto.name</c> (1) and <c>.type</c> (2),
/// <c>TypeProto.tensor_type</c> (1), <c>TypeProto.Tensor.shape</c> (2), <c>TensorShapeProto.dim</c> (1),
/// <c>Dimension.dim_param</c> (2) and <c>TensorProto.name</c> (8). ONNX Runtime infers the types and shapes of added
/// outputs and of the dropped <c>value_info</c> entries from the graph. Everything else is copied byte for byte.
/// </summary>
internal static class OnnxGraphOutputs
{
    private const int ModelGraphField = 7;
    private const int GraphInitializerField = 5;
    private const int GraphInputField = 11;
    private const int GraphOutputField = 12;
    private const int GraphValueInfoField = 13;
    private const int TensorNameField = 8;
    private const int ValueInfoNameField = 1;
    private const int ValueInfoTypeField = 2;
    private const int TypeTensorField = 1;
    private const int TensorTypeShapeField = 2;
    private const int ShapeDimField = 1;
    private const int DimensionParamField = 2;
    private const int LengthDelimited = 2;

    /// <summary>What to do with one length-delimited field of a message: keep it, drop it, or put <c>replacement</c> in its place.</summary>
    private delegate bool EditField(int field, ReadOnlySpan<byte> value, out byte[]? replacement);

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
        var added = extra.ToArray();
        return EditGraph(model, graph => [.. graph, .. added]);
    }

    /// <summary>
    /// The model <paramref name="model"/> with the first dimension of its graph's inputs (those that are not initializers)
    /// and outputs made symbolic (<c>dim_param</c> <paramref name="dimension"/>), and its <c>value_info</c> entries dropped
    /// (they pin the batch size the graph was exported with); outputs without a declared shape are left as they are.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a protobuf ModelProto with a graph.</exception>
    public static byte[] WithDynamicBatch(ReadOnlySpan<byte> model, string dimension = "N")
    {
        ArgumentException.ThrowIfNullOrEmpty(dimension);
        var symbolic = Field(DimensionParamField, System.Text.Encoding.UTF8.GetBytes(dimension));
        return EditGraph(model, graph =>
        {
            var initializers = new HashSet<string>(StringComparer.Ordinal);
            Edit(graph, (int field, ReadOnlySpan<byte> value, out byte[]? replacement) =>
            {
                replacement = null;
                if (field == GraphInitializerField && StringField(value, TensorNameField) is { } name)
                {
                    initializers.Add(name);
                }
                return true;
            });
            return Edit(graph, (int field, ReadOnlySpan<byte> value, out byte[]? replacement) =>
            {
                replacement = null;
                if (field == GraphValueInfoField)
                {
                    return false;
                }
                if (field == GraphOutputField || (field == GraphInputField && !initializers.Contains(StringField(value, ValueInfoNameField) ?? "")))
                {
                    replacement = EditOne(value, ValueInfoTypeField, type => EditOne(type, TypeTensorField, tensor => EditOne(tensor, TensorTypeShapeField,
                        shape => EditOne(shape, ShapeDimField, _ => symbolic))));
                }
                return true;
            });
        });
    }

    /// <summary>The model with its graph (field 7, the first one) replaced by <paramref name="edit"/> of it.</summary>
    private static byte[] EditGraph(ReadOnlySpan<byte> model, Func<byte[], byte[]> edit)
    {
        bool found = false;
        var result = Edit(model, (int field, ReadOnlySpan<byte> value, out byte[]? replacement) =>
        {
            replacement = null;
            if (field == ModelGraphField && !found)
            {
                found = true;
                replacement = edit(value.ToArray());
            }
            return true;
        });
        return found ? result : throw new InvalidDataException("Not an ONNX model: no graph (ModelProto field 7).");
    }

    /// <summary>The message with the first length-delimited field numbered <paramref name="field"/> replaced by <paramref name="edit"/> of its contents.</summary>
    private static byte[] EditOne(ReadOnlySpan<byte> message, int field, Func<byte[], byte[]> edit)
    {
        bool done = false;
        return Edit(message, (int f, ReadOnlySpan<byte> value, out byte[]? replacement) =>
        {
            replacement = null;
            if (f == field && !done)
            {
                done = true;
                replacement = edit(value.ToArray());
            }
            return true;
        });
    }

    /// <summary>The contents of the first length-delimited field numbered <paramref name="field"/> as UTF-8 text, or null.</summary>
    private static string? StringField(ReadOnlySpan<byte> message, int field)
    {
        string? text = null;
        Edit(message, (int f, ReadOnlySpan<byte> value, out byte[]? replacement) =>
        {
            replacement = null;
            if (f == field && text is null)
            {
                text = System.Text.Encoding.UTF8.GetString(value);
            }
            return true;
        });
        return text;
    }

    /// <summary>Copies a protobuf message field by field, asking <paramref name="edit"/> about each length-delimited field.</summary>
    private static byte[] Edit(ReadOnlySpan<byte> message, EditField edit)
    {
        // Room for the few bytes an edit adds: a stream that outgrows its capacity doubles it (126 MB for the 63 MB graph).
        using var result = new MemoryStream(message.Length + 4096);
        int position = 0;
        while (position < message.Length)
        {
            int start = position;
            ulong key = ReadVarint(message, ref position);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    ReadVarint(message, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 5:
                    position += 4;
                    break;
                case LengthDelimited:
                    int length = checked((int)ReadVarint(message, ref position));
                    if (length < 0 || position + length > message.Length)
                    {
                        throw new InvalidDataException("Not an ONNX model: the protobuf data ends inside a field.");
                    }
                    bool keep = edit(field, message.Slice(position, length), out var replacement);
                    position += length;
                    if (!keep)
                    {
                        continue;
                    }
                    if (replacement is not null)
                    {
                        WriteBytes(result, field, replacement);
                        continue;
                    }
                    break;
                default:
                    throw new InvalidDataException($"Not an ONNX model: unexpected protobuf wire type {wire} at byte {start}.");
            }
            if (position > message.Length)
            {
                throw new InvalidDataException("Not an ONNX model: the protobuf data ends inside a field.");
            }
            result.Write(message[start..position]);
        }
        return result.ToArray();
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

    private static void WriteBytes(Stream stream, int field, ReadOnlySpan<byte> bytes)
    {
        WriteVarint(stream, (ulong)((field << 3) | LengthDelimited));
        WriteVarint(stream, (ulong)bytes.Length);
        stream.Write(bytes);
    }

    private static byte[] Field(int field, byte[] bytes)
    {
        using var stream = new MemoryStream();
        WriteBytes(stream, field, bytes);
        return stream.ToArray();
    }
}
