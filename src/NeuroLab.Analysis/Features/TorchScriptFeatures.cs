using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Features;

/// <summary>How images are turned into the model's input <c>[n, channels, height, width]</c> float32.</summary>
public sealed record TorchScriptInputOptions
{
    /// <summary>Input rows; images are area-averaged to this size (null: as given).</summary>
    public int? Height { get; init; }

    /// <summary>Input columns (null: as given).</summary>
    public int? Width { get; init; }

    /// <summary>
    /// Channels the model expects (null: as given). 3 from greyscale repeats the grey value; 1 from RGB takes
    /// BT.601 luma. Other conversions are refused.
    /// </summary>
    public int? Channels { get; init; }

    /// <summary>Per-channel mean subtracted after resizing (one value, or one per channel; null: none), e.g. ImageNet's 0.485, 0.456, 0.406.</summary>
    public IReadOnlyList<double>? Mean { get; init; }

    /// <summary>Per-channel standard deviation divided by after subtracting <see cref="Mean"/> (null: none).</summary>
    public IReadOnlyList<double>? Std { get; init; }
}

/// <summary>
/// Features from a user's TorchScript image model, run on the CPU with libtorch (TorchSharp).
/// </summary>
/// <remarks>
/// <para>Contract. The file is a TorchScript archive written in Python by <c>torch.jit.script(model).save(path)</c>
/// or <c>torch.jit.trace(model, example).save(path)</c> (a <c>torch.save(state_dict)</c> file is not one). Its
/// <c>forward</c> takes one float32 tensor <c>[n, channels, height, width]</c> (see <see cref="TorchScriptInputOptions"/>)
/// and returns either one tensor, or a tuple or list of tensors — one per layer the user wants to expose, e.g.
/// <c>return conv3, pool5, fc7</c>. Every returned tensor has the batch as its first dimension. A layer is chosen by
/// its position in that tuple (0 for a single tensor) and flattened per image to <c>[n, features]</c> float32.</para>
/// <para>Refused, with an <see cref="InvalidDataException"/> that says what to return instead: dicts (TorchSharp
/// 0.107 cannot marshal a <c>Dict[str, Tensor]</c> return value), strings, nested containers, tuples mixing
/// tensors and other values. Naming an attribute or a submodule to read is not supported: TorchSharp's forward
/// hooks run around calls made from .NET, not around submodules called inside the TorchScript graph, so expose
/// the layer in the return value instead.</para>
/// <para>The model runs in eval mode without gradients. Archives saved by older PyTorch versions load as long
/// as libtorch 2.10 can read them (checked with Debian's torch 1.13.1).</para>
/// </remarks>
public sealed class TorchScriptFeatures : IDisposable
{
    /// <summary>Images per forward pass by default.</summary>
    public const int DefaultBatchSize = 32;

    private readonly jit.ScriptModule _module;
    private readonly TorchScriptInputOptions _input;

    private TorchScriptFeatures(jit.ScriptModule module, TorchScriptInputOptions input, string fileName)
    {
        _module = module;
        _input = input;
        FileName = fileName;
    }

    /// <summary>Name of the loaded file, for messages.</summary>
    public string FileName { get; }

    /// <summary>Loads a TorchScript archive onto the CPU.</summary>
    /// <param name="path">The <c>.pt</c> file.</param>
    /// <param name="input">How images become the model's input (null: as given, greyscale as one channel).</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a TorchScript archive libtorch can read; the message gives libtorch's reason.</exception>
    /// <exception cref="ArgumentException">Invalid input options.</exception>
    public static TorchScriptFeatures Load(string path, TorchScriptInputOptions? input = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        input ??= new TorchScriptInputOptions();
        ValidateInput(input);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"TorchScript model {path} does not exist.", path);
        }
        string fileName = Path.GetFileName(path);
        jit.ScriptModule module;
        try
        {
            module = jit.load(path, DeviceType.CPU, -1);
        }
        catch (ExternalException e)
        {
            throw new InvalidDataException(
                $"{fileName}: not a TorchScript model libtorch {torch.__version__} can load ({Reason(e.Message)}). " +
                "Save the model with torch.jit.script(model).save(path) or torch.jit.trace(model, example).save(path); " +
                "a torch.save(model.state_dict()) file holds weights only.", e);
        }
        module.eval();
        return new TorchScriptFeatures(module, input, fileName);
    }

    /// <summary>Runs the model on <paramref name="sample"/> (a few images) and returns the shape of each output, batch dimension included.</summary>
    /// <exception cref="ArgumentException">Bad images, or images the model cannot take.</exception>
    /// <exception cref="InvalidDataException">The model returns something outside the contract.</exception>
    public IReadOnlyList<long[]> DescribeOutputs(Tensor sample)
    {
        var stack = ImageStack.Describe(sample, nameof(sample));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var outputs = Run(Prepare(sample, stack, nameof(sample)), nameof(sample));
        return outputs.Select(o => o.shape).ToArray();
    }

    /// <summary>Runs every image through the model and keeps one output, flattened per image.</summary>
    /// <param name="images">Images as documented on <see cref="ImageStack"/>.</param>
    /// <param name="output">Position of the wanted tensor in the model's returned tuple or list (0 for a single tensor).</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>A new float32 tensor <c>[n, features]</c>, features = the product of the output's non-batch dimensions.</returns>
    /// <exception cref="ArgumentException">Bad images, images the model cannot take (libtorch's reason is quoted), or no such output.</exception>
    /// <exception cref="InvalidDataException">The model returns something outside the contract.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between batches.</exception>
    public Tensor Extract(Tensor images, int output = 0, int batchSize = DefaultBatchSize, IProgress<FeatureProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var stack = ImageStack.Describe(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(output);
        using var outer = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor? features = null;
        for (int start = 0; start < stack.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, stack.Count - start);
            var outputs = Run(Prepare(images.narrow(0, start, count), stack, nameof(images)), nameof(images));
            if (output >= outputs.Count)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(output), output, $"{FileName} returns {outputs.Count} output(s), numbered 0 to {outputs.Count - 1}.");
            }
            var chosen = outputs[output];
            if (chosen.dim() < 1 || chosen.shape[0] != count)
            {
                throw new InvalidDataException(
                    $"{FileName}: output {output} has shape {ImageStack.Shape(chosen)} for {count} images; its first dimension must be the batch.");
            }
            var flat = chosen.reshape(count, -1).to_type(ScalarType.Float32);
            if (features is null)
            {
                features = empty([stack.Count, flat.shape[1]], ScalarType.Float32).MoveToOuterDisposeScope();
            }
            features.narrow(0, start, count).copy_(flat);
            progress?.Report(new FeatureProgress(start + count, stack.Count));
        }
        return features!.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _module.Dispose();

    /// <summary>
    /// Images (as documented on <see cref="ImageStack"/>) to a model's <c>[n, channels, height, width]</c> float32 input as
    /// <paramref name="input"/> says: the preparation TorchScript models get, shared with uploaded ONNX image models.
    /// </summary>
    /// <exception cref="ArgumentException">Bad images or input options.</exception>
    public static Tensor PrepareInput(Tensor images, TorchScriptInputOptions input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ValidateInput(input);
        return Prepare(images, ImageStack.Describe(images), input, nameof(images));
    }

    private Tensor Prepare(Tensor batch, ImageStack stack, string parameterName) => Prepare(batch, stack, _input, parameterName);

    /// <summary>Images <c>[b, h, w(, c)]</c> to the model's <c>[b, channels, height, width]</c> float32 input.</summary>
    private static Tensor Prepare(Tensor batch, ImageStack stack, TorchScriptInputOptions input, string parameterName)
    {
        var x = batch.to_type(ScalarType.Float32);
        x = stack.HasChannelAxis ? x.permute(0, 3, 1, 2) : x.unsqueeze(1);
        int channels = stack.Channels;
        if (input.Channels is int wanted && wanted != channels)
        {
            x = (channels, wanted) switch
            {
                (1, 3) => x.expand(-1, 3, -1, -1),
                (3, 1) => ((x.select(1, 0) * 0.299) + (x.select(1, 1) * 0.587) + (x.select(1, 2) * 0.114)).unsqueeze(1),
                _ => throw new ArgumentException(
                    $"Cannot turn {channels}-channel images into the {wanted} channels the model expects (only grey -> RGB and RGB -> grey).", parameterName),
            };
            channels = wanted;
        }
        x = AreaResample.Resize(x, input.Height ?? stack.Height, input.Width ?? stack.Width);
        if (input.Mean is { } mean)
        {
            x = x - ChannelVector(mean, channels, "Mean");
        }
        if (input.Std is { } std)
        {
            x = x / ChannelVector(std, channels, "Std");
        }
        return x.contiguous();
    }

    private static Tensor ChannelVector(IReadOnlyList<double> values, int channels, string name)
    {
        if (values.Count != 1 && values.Count != channels)
        {
            throw new ArgumentException($"{name} has {values.Count} values for {channels}-channel input; give 1 or {channels}.", "images");
        }
        return tensor(values.Select(v => (float)v).ToArray(), [1, values.Count, 1, 1]);
    }

    /// <summary>Calls <c>forward</c> and unpacks the result into its tensors, enforcing the contract.</summary>
    private List<Tensor> Run(Tensor input, string parameterName)
    {
        object result;
        try
        {
            result = _module.call(input);
        }
        catch (ExternalException e)
        {
            throw new ArgumentException(
                $"{FileName} failed on input {ImageStack.Shape(input)} (n, channels, height, width): {Reason(e.Message)}", parameterName, e);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or NotImplementedException or InvalidCastException)
        {
            // TorchSharp throws these while converting a return value it has no .NET mapping for (a dict, a string, ...).
            throw new InvalidDataException(
                $"{FileName}: forward returned a value TorchSharp cannot read (for example a dict or a string). " +
                "Return one tensor, or a tuple or list of tensors (e.g. `return conv3, fc7`).", e);
        }
        return result switch
        {
            Tensor t => [t],
            Tensor[] ts => [.. ts],
            ITuple tuple => Unpack(tuple),
            _ => throw new InvalidDataException(
                $"{FileName}: forward returned {result.GetType().Name}; return one tensor, or a tuple or list of tensors."),
        };
    }

    private List<Tensor> Unpack(ITuple tuple)
    {
        var tensors = new List<Tensor>();
        for (int i = 0; i < tuple.Length; i++)
        {
            if (tuple[i] is not Tensor t)
            {
                string kind = tuple[i] switch
                {
                    Tensor[] => "a list of tensors (nested containers are not supported)",
                    null => "None",
                    var other => other.GetType().Name,
                };
                throw new InvalidDataException(
                    $"{FileName}: forward returned a tuple whose item {i} is {kind}; every item must be a tensor. Return a flat tuple of tensors.");
            }
            tensors.Add(t);
        }
        return tensors;
    }

    private static void ValidateInput(TorchScriptInputOptions input)
    {
        if (input.Height is < 1 || input.Width is < 1)
        {
            throw new ArgumentException($"The input size must be at least 1 x 1, got {input.Height} x {input.Width}.", nameof(input));
        }
        if (input.Channels is not (null or 1 or 3))
        {
            throw new ArgumentException($"Channels must be 1 or 3 (or left unset), got {input.Channels}.", nameof(input));
        }
        if (input.Mean is { } mean && (mean.Count == 0 || !mean.All(double.IsFinite)))
        {
            throw new ArgumentException("Mean must hold finite values.", nameof(input));
        }
        if (input.Std is { } std && (std.Count == 0 || !std.All(v => v > 0 && double.IsFinite(v))))
        {
            throw new ArgumentException("Std must hold positive finite values.", nameof(input));
        }
    }

    /// <summary>
    /// The line of a libtorch error that says what went wrong: the final "SomethingError: ..." line of a TorchScript
    /// interpreter traceback, otherwise the first line (libtorch appends C++ stack frames after it).
    /// </summary>
    private static string Reason(string message)
    {
        string[] lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string? error = lines.LastOrDefault(l => l.Length > 0 && char.IsUpper(l[0]) && l.Split(' ')[0].EndsWith("Error:", StringComparison.Ordinal));
        return error ?? lines.FirstOrDefault() ?? "no message";
    }
}
