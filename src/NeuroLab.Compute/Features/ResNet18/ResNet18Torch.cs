using NeuroLab.Formats.Onnx;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NeuroLab.Compute.Features.ResNet18;

/// <summary>
/// The early stages of the package's ResNet-18 (<see cref="ResNet18Model"/>) as a frozen, differentiable TorchSharp
/// module, for a feature-space loss: the ONNX graph's nodes up to a stage's tensor are replayed in graph order with the
/// graph's own weights (<see cref="OnnxNetwork"/>), so the module is the graph by construction, not a re-typed copy.
/// Operators: Conv (any strides, dilations, groups; the graph's asymmetric pads, e.g. [3, 3, 2, 2] on the 7x7 stem,
/// applied with an explicit pad), BatchNormalization in inference form (<c>scale (x - mean) / sqrt(var + eps) + B</c>,
/// folded to a per-channel affine in float64), Relu, MaxPool (pads filled with -inf, as ONNX ignores them) and Add.
/// The weights are buffers without gradients; the input keeps its gradient.
/// </summary>
public sealed class ResNet18Stages : Module<Tensor, Tensor>
{
    private static readonly HashSet<string> s_operators = ["Conv", "BatchNormalization", "Relu", "MaxPool", "Add"];

    private readonly List<OnnxNode> _nodes;
    private readonly string _input;
    private readonly Dictionary<string, Tensor> _weights = new(StringComparer.Ordinal);

    /// <summary>Builds the nodes of <paramref name="network"/> that <paramref name="stage"/>'s tensor depends on.</summary>
    /// <exception cref="NotSupportedException">An operator outside the list above on the way.</exception>
    /// <exception cref="ArgumentException">The stage's tensor is not made by any node.</exception>
    public ResNet18Stages(OnnxNetwork network, ResNet18Stage stage) : base($"ResNet18Stages_{stage?.Name}")
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stage);
        Stage = stage;
        var maker = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < network.Nodes.Count; i++)
        {
            foreach (var o in network.Nodes[i].Outputs)
            {
                maker[o] = i;
            }
        }
        if (!maker.ContainsKey(stage.Tensor))
        {
            throw new ArgumentException($"No node of the graph makes {stage.Tensor} (stage {stage.Name}).", nameof(stage));
        }
        // The nodes the stage needs: walk back from its tensor; the one tensor no node or initializer makes is the input.
        var needed = new SortedSet<int>();
        var inputs = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([stage.Tensor]);
        while (pending.TryPop(out var name))
        {
            if (network.Initializers.ContainsKey(name))
            {
                continue;
            }
            if (!maker.TryGetValue(name, out int index))
            {
                inputs.Add(name);
                continue;
            }
            if (needed.Add(index))
            {
                foreach (var i in network.Nodes[index].Inputs.Where(i => i.Length > 0))
                {
                    pending.Push(i);
                }
            }
        }
        _nodes = [.. needed.Select(i => network.Nodes[i])];
        if (_nodes.FirstOrDefault(n => !s_operators.Contains(n.OpType)) is { } unsupported)
        {
            throw new NotSupportedException($"Operator {unsupported.OpType} (making {unsupported.Outputs[0]}) is not replayed; supported: {string.Join(", ", s_operators)}.");
        }
        _input = inputs.Count == 1 ? inputs.Single() : throw new ArgumentException($"Stage {stage.Name} depends on {inputs.Count} graph inputs ({string.Join(", ", inputs)}); expected one.", nameof(stage));
        foreach (var node in _nodes)
        {
            if (node.OpType == "BatchNormalization")
            {
                // Inference form folded to y = a x + b per channel (float64, then float32).
                double eps = node.Attributes.TryGetValue("epsilon", out var e) && e.Float is { } f ? f : 1e-5;
                var (scale, shift, mean, variance) = (Weight(network, node.Inputs[1]), Weight(network, node.Inputs[2]), Weight(network, node.Inputs[3]), Weight(network, node.Inputs[4]));
                var a = new float[scale.Length];
                var b = new float[scale.Length];
                for (int c = 0; c < a.Length; c++)
                {
                    double factor = scale[c] / Math.Sqrt((double)variance[c] + eps);
                    a[c] = (float)factor;
                    b[c] = (float)(shift[c] - (mean[c] * factor));
                }
                Keep(node.Outputs[0] + ":a", tensor(a).reshape(1, -1, 1, 1));
                Keep(node.Outputs[0] + ":b", tensor(b).reshape(1, -1, 1, 1));
            }
            else if (node.OpType == "Conv")
            {
                foreach (var name in node.Inputs.Skip(1).Where(n => n.Length > 0))
                {
                    var t = network.Initializers.TryGetValue(name, out var w) ? w : throw new ArgumentException($"The weights {name} of {node.Outputs[0]} are not an initializer.", nameof(network));
                    Keep(name, tensor(t.Values, [.. t.Dims]));
                }
            }
        }
    }

    /// <summary>The stage whose output the module returns.</summary>
    public ResNet18Stage Stage { get; }

    /// <summary>The graph's network input [n, 3, h, w] (BGR minus the mean image, as the package's preprocessing makes it) to the stage's output.</summary>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [_input] = input };
        foreach (var node in _nodes)
        {
            var x = values[node.Inputs[0]];
            values[node.Outputs[0]] = node.OpType switch
            {
                "Conv" => Convolution(node, x),
                "BatchNormalization" => (x * _weights[node.Outputs[0] + ":a"]) + _weights[node.Outputs[0] + ":b"],
                "Relu" => functional.relu(x),
                "MaxPool" => MaxPool(node, x),
                "Add" => x + values[node.Inputs[1]],
                _ => throw new NotSupportedException(node.OpType),
            };
        }
        return values[Stage.Tensor].MoveToOuterDisposeScope();
    }

    /// <summary>Reads the network graph of <paramref name="model"/> (its file) for the stages.</summary>
    /// <exception cref="FileNotFoundException">The package is not installed.</exception>
    public static OnnxNetwork ReadNetwork(ResNet18Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var path = Path.Combine(model.Directory, "ResNet18Onnx", "ResNet18.onnx");
        if (!model.IsAvailable)
        {
            throw new FileNotFoundException($"The ResNet-18 graphs are not in {model.Directory}: restore the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18.", path);
        }
        return OnnxNetwork.Read(File.ReadAllBytes(path), path);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var t in _weights.Values)
            {
                t.Dispose();
            }
            _weights.Clear();
        }
        base.Dispose(disposing);
    }

    private Tensor Convolution(OnnxNode node, Tensor x)
    {
        var weight = _weights[node.Inputs[1]];
        var bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? _weights[node.Inputs[2]] : null;
        var strides = node.Ints("strides", [1, 1]);
        var dilations = node.Ints("dilations", [1, 1]);
        long groups = node.Attributes.TryGetValue("group", out var g) && g.Int is { } group ? group : 1;
        return functional.conv2d(Padded(node, x, 0), weight, bias, strides: [.. strides], dilation: [.. dilations], groups: groups);
    }

    private static Tensor MaxPool(OnnxNode node, Tensor x)
    {
        var kernel = node.Ints("kernel_shape", []);
        var strides = node.Ints("strides", [1, 1]);
        return functional.max_pool2d(Padded(node, x, double.NegativeInfinity), [.. kernel], [.. strides]);
    }

    /// <summary>The input padded as the node's <c>pads</c> say ([top, left, bottom, right] in ONNX order; torch's pad takes left, right, top, bottom).</summary>
    private static Tensor Padded(OnnxNode node, Tensor x, double value)
    {
        if (node.Attributes.TryGetValue("auto_pad", out var auto) && auto.String is { } mode && mode != "NOTSET")
        {
            throw new NotSupportedException($"auto_pad {mode} on {node.Outputs[0]}.");
        }
        var pads = node.Ints("pads", [0, 0, 0, 0]);
        return pads.All(p => p == 0) ? x : functional.pad(x, [pads[1], pads[3], pads[0], pads[2]], PaddingModes.Constant, value);
    }

    private static float[] Weight(OnnxNetwork network, string name) =>
        network.Initializers.TryGetValue(name, out var t) ? t.Values : throw new ArgumentException($"{name} is not an initializer of the graph.", nameof(network));

    private void Keep(string name, Tensor value)
    {
        var frozen = value.to_type(ScalarType.Float32).contiguous().DetachFromDisposeScope();
        frozen.requires_grad_(false);
        _weights[name] = frozen;
    }
}

/// <summary>
/// The feature network of the decoder's feature-space loss (<c>featureLoss = resnet18:&lt;stage&gt;</c>): greyscale
/// images <c>[n, side * side]</c> in 0..1 are resized bilinearly (half-pixel centres, as
/// <see cref="ResNet18Model.InputFromGrey"/>) to <c>size x size</c>, scaled to 0..255, repeated in 3 channels, minus the
/// package's mean image (BGR, area-resized to <c>size</c>), then run through <see cref="ResNet18Stages"/>. At size 224
/// this is the network input <see cref="ResNet18Model"/> gives ONNX Runtime for a grey image; smaller sizes keep the
/// loss cheap on a CPU. Frozen (eval mode, no trainable parameters).
/// </summary>
public sealed class ResNet18FeatureLoss : Module<Tensor, Tensor>
{
    private readonly ResNet18Stages _stages;
    private readonly Tensor _mean;

    /// <param name="model">The installed network (its graph file and mean image).</param>
    /// <param name="stage">The stage whose output is compared.</param>
    /// <param name="side">Rows = columns of the decoded images.</param>
    /// <param name="size">Side of the image fed to the network.</param>
    public ResNet18FeatureLoss(ResNet18Model model, ResNet18Stage stage, int side, int size) : base($"ResNet18FeatureLoss_{stage?.Name}")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(side, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 8);
        (Side, Size) = (side, size);
        _stages = new ResNet18Stages(ResNet18Stages.ReadNetwork(model), stage!);
        using (var scope = NewDisposeScope())
        {
            var mean = tensor(model.MeanImage(), [1, 3, ResNet18Model.InputSize, ResNet18Model.InputSize]);
            var resized = size == ResNet18Model.InputSize ? mean : functional.interpolate(mean, [size, size], mode: InterpolationMode.Area);
            _mean = resized.contiguous().DetachFromDisposeScope();
        }
        eval();
    }

    /// <summary>Rows = columns of the images.</summary>
    public int Side { get; }

    /// <summary>Side of the network's input.</summary>
    public int Size { get; }

    /// <summary>The network input [n, 3, size, size] of images [n, side * side] in 0..1.</summary>
    public Tensor Input(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var grey = images.reshape(-1, 1, Side, Side);
        if (Side != Size)
        {
            grey = functional.interpolate(grey, [Size, Size], mode: InterpolationMode.Bilinear, align_corners: false);
        }
        return ((grey * 255f).expand(-1, 3, -1, -1) - _mean).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return _stages.forward(Input(images)).reshape(images.shape[0], -1).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stages.Dispose();
            _mean.Dispose();
        }
        base.Dispose(disposing);
    }
}
