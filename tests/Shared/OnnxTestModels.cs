using System.Text;

namespace NeuroLab.Tests.Shared;

/// <summary>
/// Tiny ONNX models written as protobuf bytes by hand (field numbers of onnx.proto, IR version 7, opset 13), so tests
/// build graphs with known weights without Python.
/// </summary>
public static class OnnxTestModels
{
    /// <summary>Output channels of <see cref="ConvReluPool"/>.</summary>
    public const int Filters = 2;

    /// <summary>
    /// The weights of <see cref="ConvReluPool"/>'s 3x3 convolution [filter, channel, ky, kx] (no padding, stride 1):
    /// w = ((f + 1) * 0.1) * (ky - kx + c * 0.5) - 0.05 * f.
    /// </summary>
    public static float Weight(int f, int c, int ky, int kx) => (float)(((f + 1) * 0.1 * (ky - kx + (c * 0.5))) - (0.05 * f));

    /// <summary>The bias of filter <paramref name="f"/>: 0.1 - 0.2 f.</summary>
    public static float Bias(int f) => (float)(0.1 - (0.2 * f));

    /// <summary>
    /// X float [N, channels, side, side] (N symbolic; side symbolic when null) -> Conv 3x3 ("conv") -> Relu ("relu") ->
    /// GlobalAveragePool ("pool", the graph's output, [N, 2, 1, 1]).
    /// </summary>
    public static byte[] ConvReluPool(int channels = 1, long? side = null, long? batch = null)
    {
        var w = new float[Filters * channels * 9];
        for (int f = 0; f < Filters; f++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int k = 0; k < 9; k++)
                {
                    w[(((f * channels) + c) * 9) + k] = Weight(f, c, k / 3, k % 3);
                }
            }
        }
        var b = Enumerable.Range(0, Filters).Select(Bias).ToArray();
        var graph = Message(g =>
        {
            g.Bytes(1, Node(["X", "W", "B"], ["conv"], "Conv"));
            g.Bytes(1, Node(["conv"], ["relu"], "Relu"));
            g.Bytes(1, Node(["relu"], ["pool"], "GlobalAveragePool"));
            g.String(2, "conv_relu_pool");
            g.Bytes(5, FloatTensor("W", [Filters, channels, 3, 3], w));
            g.Bytes(5, FloatTensor("B", [Filters], b));
            g.Bytes(11, ValueInfo("X", 1, [batch is { } n ? (object)n : "N", (long)channels, side is { } s ? (object)s : "H", side is { } s2 ? (object)s2 : "W"]));
            g.Bytes(12, ValueInfo("pool", 1, null));
        });
        return Model(graph);
    }

    /// <summary>A graph whose one input is a STRING tensor [N] ("text"), passed through Identity: not an image model.</summary>
    public static byte[] TextIdentity() => Model(Message(g =>
    {
        g.Bytes(1, Node(["text"], ["same"], "Identity"));
        g.String(2, "text_identity");
        g.Bytes(11, ValueInfo("text", 8, ["N"]));
        g.Bytes(12, ValueInfo("same", 8, null));
    }));

    private static byte[] Model(byte[] graph) => Message(m =>
    {
        m.Varint(1, 7);
        m.String(2, "NeuroLab tests");
        m.Bytes(7, graph);
        m.Bytes(8, Message(o =>
        {
            o.String(1, "");
            o.Varint(2, 13);
        }));
    });

    private static byte[] Node(string[] inputs, string[] outputs, string op) => Message(n =>
    {
        foreach (var i in inputs)
        {
            n.String(1, i);
        }
        foreach (var o in outputs)
        {
            n.String(2, o);
        }
        n.String(3, op + "_" + outputs[0]);
        n.String(4, op);
    });

    private static byte[] FloatTensor(string name, long[] dims, float[] values) => Message(t =>
    {
        foreach (var d in dims)
        {
            t.Varint(1, (ulong)d);
        }
        t.Varint(2, 1);
        t.Bytes(4, [.. values.SelectMany(BitConverter.GetBytes)]);
        t.String(8, name);
    });

    /// <summary>A ValueInfoProto: name, tensor element type and dims (long = dim_value, string = dim_param; null shape: none declared).</summary>
    private static byte[] ValueInfo(string name, int elementType, object[]? dims) => Message(v =>
    {
        v.String(1, name);
        v.Bytes(2, Message(type => type.Bytes(1, Message(tensor =>
        {
            tensor.Varint(1, (ulong)elementType);
            if (dims is not null)
            {
                tensor.Bytes(2, Message(shape =>
                {
                    foreach (var d in dims)
                    {
                        shape.Bytes(1, Message(dim =>
                        {
                            if (d is string param)
                            {
                                dim.String(2, param);
                            }
                            else
                            {
                                dim.Varint(1, (ulong)Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture));
                            }
                        }));
                    }
                }));
            }
        }))));
    });

    private static byte[] Message(Action<Writer> write)
    {
        var writer = new Writer();
        write(writer);
        return writer.ToArray();
    }

    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public void Varint(int field, ulong value)
        {
            Raw(((ulong)field << 3) | 0);
            Raw(value);
        }

        public void Bytes(int field, byte[] bytes)
        {
            Raw(((ulong)field << 3) | 2);
            Raw((ulong)bytes.Length);
            _stream.Write(bytes);
        }

        public void String(int field, string text) => Bytes(field, Encoding.UTF8.GetBytes(text));

        public byte[] ToArray() => _stream.ToArray();

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _stream.WriteByte((byte)value);
        }
    }
}
