using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NeuroLab.Compute.Features.ResNet18;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Onnx;

namespace NeuroLab.Compute.Features.Onnx;

/// <summary>
/// An uploaded ONNX image model run with ONNX Runtime on the CPU: one float32 input <c>[N, C, H, W]</c>, and one
/// chosen tensor of the graph (a declared output or any node output, added as a graph output with
/// <see cref="OnnxGraphOutputs"/>) read back flattened per image.
/// </summary>
public sealed class OnnxImageModel : IDisposable
{
    /// <summary>Largest model file read (bytes): the inspection memory budget of formats read whole, 256 MiB.</summary>
    public const long MaxModelBytes = 256L << 20;

    /// <summary>Images per Run when the graph's batch dimension is dynamic.</summary>
    public const int BatchSize = 16;

    private readonly InferenceSession _session;

    private OnnxImageModel(InferenceSession session, OnnxGraph graph, string fileName, string output)
    {
        _session = session;
        Graph = graph;
        FileName = fileName;
        Output = output;
    }

    /// <summary>What the graph declares.</summary>
    public OnnxGraph Graph { get; }

    /// <summary>The model file's name, for messages.</summary>
    public string FileName { get; }

    /// <summary>The tensor read as features.</summary>
    public string Output { get; }

    /// <summary>The image input.</summary>
    public OnnxGraphInput Input => Graph.Inputs[0];

    /// <summary>Images one Run takes: <see cref="BatchSize"/> when the batch dimension is dynamic, else 1.</summary>
    public int ImagesPerRun => Input.Shape![0] is null ? BatchSize : 1;

    /// <summary>
    /// The problems that make <paramref name="graph"/> unusable as an image model with these settings (empty = fine):
    /// not exactly one FLOAT input of rank 4 <c>[N, C, H, W]</c>, a fixed batch other than 1, channels other than 1 or 3 or
    /// not <paramref name="channels"/>, a fixed H/W other than <paramref name="imageSize"/>, an output the graph does not have.
    /// </summary>
    public static List<string> Check(OnnxGraph graph, string fileName, string? output, int? channels, int? imageSize)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var problems = new List<string>();
        if (graph.Inputs.Count != 1)
        {
            problems.Add($"{fileName} has {graph.Inputs.Count} inputs ({string.Join(", ", graph.Inputs.Select(i => i.Name))}); an image model takes exactly one float input [N, C, H, W].");
            return problems;
        }
        var input = graph.Inputs[0];
        if (input.ElementType != OnnxGraph.Float)
        {
            problems.Add($"{fileName}: input '{input.Name}' is {input.ElementTypeName}, not an image; an image model takes one FLOAT input [N, C, H, W].");
            return problems;
        }
        if (input.Shape is not { Count: 4 } shape)
        {
            problems.Add($"{fileName}: input '{input.Name}' has {(input.Shape is null ? "no declared shape" : $"rank {input.Shape.Count} [{Describe(input.Shape)}]")}; an image model takes [N, C, H, W].");
            return problems;
        }
        if (shape[0] is > 1)
        {
            problems.Add($"{fileName}: input '{input.Name}' fixes the batch at {shape[0]}; export it with batch 1 or a dynamic batch dimension.");
        }
        if (shape[1] is { } c && c is not (1 or 3))
        {
            problems.Add($"{fileName}: input '{input.Name}' takes {c} channels; only 1 (grey) or 3 (RGB) are supported.");
        }
        else if (shape[1] is { } fixedChannels && channels is { } wanted && wanted != fixedChannels)
        {
            problems.Add($"inputChannels {wanted} does not match {fileName}, whose input '{input.Name}' takes {fixedChannels} channels.");
        }
        if (imageSize is { } size && ((shape[2] is { } h && h != size) || (shape[3] is { } w && w != size)))
        {
            problems.Add($"imageSize {size} does not match {fileName}, whose input '{input.Name}' is [{Describe(shape)}]; leave imageSize out to use the graph's size.");
        }
        if (output is not null && !graph.Tensors.Any(o => o.Name == output))
        {
            var names = graph.Tensors.Select(o => o.Name).ToList();
            problems.Add($"onnxOutput '{output}' is not a tensor of {fileName}; its node outputs are: {string.Join(", ", names.Take(20))}{(names.Count > 20 ? $" and {names.Count - 20} more (GET .../onnx-graph lists them)" : "")}.");
        }
        if (output is null && graph.Outputs.Count == 0)
        {
            problems.Add($"{fileName} declares no graph output; name one in onnxOutput.");
        }
        return problems;
    }

    /// <summary>A stored model file's bytes (refused over <see cref="MaxModelBytes"/> before anything is read) and its graph.</summary>
    /// <exception cref="FormatReadException">Too large, or not an ONNX model.</exception>
    public static async Task<(byte[] Bytes, OnnxGraph Graph)> ReadAsync(ContentStore store, string sha256, long sizeBytes, string fileName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (sizeBytes > MaxModelBytes)
        {
            throw new FormatReadException(fileName,
                $"the model is {sizeBytes / (double)(1 << 20):N0} MiB, over the limit of {MaxModelBytes >> 20} MiB for ONNX models.");
        }
        var bytes = await store.ReadAllBytesAsync(sha256, ct);
        return (bytes, OnnxGraph.Read(bytes, fileName));
    }

    /// <summary>The input's height and width for a requested <paramref name="imageSize"/>: the graph's fixed sides where it has them.</summary>
    public static (int Height, int Width) InputSize(OnnxGraphInput input, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ((int)(input.Shape?[2] ?? imageSize), (int)(input.Shape?[3] ?? imageSize));
    }

    /// <summary>The graph's fixed side when its input has square fixed H and W (the default imageSize), else null.</summary>
    public static int? FixedSide(OnnxGraph graph) =>
        graph.Inputs is [{ Shape: [_, _, { } h, { } w] }] && h == w ? (int)h : null;

    /// <summary>Loads a model checked with <see cref="Check"/>; <paramref name="output"/> null reads the graph's first declared output.</summary>
    /// <exception cref="InvalidDataException">ONNX Runtime cannot load the graph; the message gives its reason.</exception>
    public static OnnxImageModel Load(byte[] model, OnnxGraph graph, string fileName, string? output)
    {
        ArgumentNullException.ThrowIfNull(graph);
        string wanted = output ?? graph.Outputs[0];
        var bytes = graph.Outputs.Contains(wanted) ? model : OnnxGraphOutputs.Add(model, [wanted]);
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        try
        {
            return new OnnxImageModel(new InferenceSession(bytes, options), graph, fileName, wanted);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{fileName}: ONNX Runtime cannot load the model ({e.Message}).", e);
        }
    }

    /// <summary>Runs a batch <paramref name="pixels"/> <c>[count, channels, height, width]</c> and returns the output flattened per image (<c>[count, features]</c> row-major).</summary>
    /// <exception cref="ArgumentException">ONNX Runtime refused the input or failed; the message quotes it.</exception>
    public float[] Run(float[] pixels, int count, int channels, int height, int width)
    {
        var tensor = new DenseTensor<float>(pixels, [count, channels, height, width]);
        try
        {
            using var results = _session.Run([NamedOnnxValue.CreateFromTensor(Input.Name, tensor)], [Output]);
            var value = results.Single();
            if (value.Value is not Tensor<float> floats)
            {
                throw new ArgumentException($"{FileName}: output '{Output}' is not a float tensor.");
            }
            if (floats.Dimensions.Length == 0 || floats.Dimensions[0] != count)
            {
                throw new ArgumentException($"{FileName}: output '{Output}' has shape [{string.Join("x", floats.Dimensions.ToArray())}], whose first dimension is not the batch of {count}.");
            }
            return [.. floats];
        }
        catch (OnnxRuntimeException e)
        {
            throw new ArgumentException($"{FileName} failed on input [{count}x{channels}x{height}x{width}] (N, C, H, W): {e.Message}", e);
        }
    }

    public void Dispose() => _session.Dispose();

    private static string Describe(IEnumerable<long?> shape) => string.Join("x", shape.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "?"));
}
