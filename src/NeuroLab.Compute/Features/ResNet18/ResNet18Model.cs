using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NeuroLab.Formats.Images;

namespace NeuroLab.Compute.Features.ResNet18;

/// <summary>
/// The ImageNet ResNet-18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 (0.24.0), run with ONNX Runtime
/// on the CPU: the package's preprocessing graph (RGB to BGR, minus the ImageNet mean image) then the network, with the
/// end of every stage (<see cref="ResNet18Stage"/>) added as a graph output. The graphs stay in the NuGet cache: the
/// build records their folder (assembly metadata <c>NeuroLab.ResNet18Directory</c>); the setting
/// <c>NeuroLab:Models:ResNet18Directory</c> (a folder holding <c>ResNet18Onnx/</c> and <c>ResNetPrepOnnx/</c>) overrides
/// it. Loaded on first use; one session serves every caller (ONNX Runtime's Run is thread-safe). The preprocessing graph
/// is read once for its mean image and done in C# (<see cref="Preprocess"/>); the network runs batches.
/// </summary>
public sealed class ResNet18Model : IDisposable
{
    /// <summary>The side of the network's input (pixels).</summary>
    public const int InputSize = 224;

    /// <summary>The setting that names the folder of the graphs.</summary>
    public const string DirectorySetting = "NeuroLab:Models:ResNet18Directory";

    private readonly Lazy<Sessions> _sessions;

    public ResNet18Model(IConfiguration? configuration = null)
    {
        Directory = configuration?[DirectorySetting] is { Length: > 0 } configured ? configured : BuildDirectory();
        _sessions = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The folder holding <c>ResNet18Onnx/ResNet18.onnx</c> and <c>ResNetPrepOnnx/ResNetPreprocess.onnx</c>.</summary>
    public string Directory { get; }

    /// <summary>Whether this instance has loaded the graphs (they load on first use).</summary>
    public bool IsLoaded => _sessions.IsValueCreated;

    /// <summary>Whether the graphs are where <see cref="Directory"/> says.</summary>
    public bool IsAvailable => File.Exists(NetworkPath) && File.Exists(PreprocessPath);

    private string NetworkPath => Path.Combine(Directory, "ResNet18Onnx", "ResNet18.onnx");

    private string PreprocessPath => Path.Combine(Directory, "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    /// <summary>
    /// Reads an image as the package's ML.NET pipeline feeds it (LoadImages, ResizeImages 224x224 with its default
    /// isotropic crop, ExtractPixels with its defaults): decoded to 8-bit RGB (grey repeated), scaled so the shorter side
    /// is 224 with Skia's high-quality filter (cubic Mitchell when enlarging, trilinear mipmaps when shrinking), the
    /// centre 224x224 kept, channel-first R, G, B planes of values 0..255.
    /// </summary>
    /// <returns>float32 [3 * 224 * 224], channel-first.</returns>
    public static float[] ReadInput(Stream image, string fileName)
    {
        var info = ImageReader.ReadInfo(image, fileName);
        image.Position = 0;
        double scale = (double)InputSize / Math.Min(info.Width, info.Height);
        int width = Math.Max(InputSize, (int)Math.Round(info.Width * scale)), height = Math.Max(InputSize, (int)Math.Round(info.Height * scale));
        var rgb = ImageReader.Read(image, fileName, new ImageReadOptions { Color = ImageColorMode.Rgb, Width = width, Height = height }).ToFloat32();
        int left = (width - InputSize) / 2, top = (height - InputSize) / 2;
        var planes = new float[3 * InputSize * InputSize];
        for (int y = 0; y < InputSize; y++)
        {
            for (int x = 0; x < InputSize; x++)
            {
                int source = (((top + y) * width) + left + x) * 3;
                for (int c = 0; c < 3; c++)
                {
                    // The reader scales 8-bit samples to v/255; rounding restores the exact byte ML.NET hands the network.
                    planes[(c * InputSize * InputSize) + (y * InputSize) + x] = MathF.Round(rgb[source + c] * 255f);
                }
            }
        }
        return planes;
    }

    /// <summary>
    /// The network input of a greyscale image given as floats in 0..1 (e.g. a reconstruction), without encoding it as a
    /// file: resized to 224 x 224 bilinearly with half-pixel centres (<c>src = (dst + 0.5) h / 224 - 0.5</c>, clamped to
    /// the edge; torch's <c>interpolate(mode="bilinear", align_corners=False)</c> without antialiasing), scaled to 0..255
    /// and repeated in the R, G and B planes, as <see cref="ReadInput"/> lays them out.
    /// </summary>
    /// <param name="grey">float [h, w] row-major, 0..1.</param>
    /// <param name="h">Rows.</param>
    /// <param name="w">Columns.</param>
    /// <returns>float32 [3 * 224 * 224], channel-first.</returns>
    public static float[] InputFromGrey(ReadOnlySpan<float> grey, int h, int w)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(h, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(w, 1);
        if (grey.Length != h * w)
        {
            throw new ArgumentException($"grey has {grey.Length} values; expected {h} x {w} = {h * w}.", nameof(grey));
        }
        var planes = new float[InputLength];
        const int plane = InputSize * InputSize;
        for (int y = 0; y < InputSize; y++)
        {
            var (y0, y1, fy) = Source(y, h);
            for (int x = 0; x < InputSize; x++)
            {
                var (x0, x1, fx) = Source(x, w);
                double top = grey[y0 * w + x0] * (1 - fx) + grey[y0 * w + x1] * fx;
                double bottom = grey[y1 * w + x0] * (1 - fx) + grey[y1 * w + x1] * fx;
                float value = (float)((top * (1 - fy) + bottom * fy) * 255);
                planes[y * InputSize + x] = planes[plane + y * InputSize + x] = planes[2 * plane + y * InputSize + x] = value;
            }
        }
        return planes;

        static (int Low, int High, double Fraction) Source(int target, int size)
        {
            double source = Math.Max(0, (target + 0.5) * size / InputSize - 0.5);
            int low = Math.Min((int)source, size - 1);
            int high = Math.Min(low + 1, size - 1);
            return (low, high, source - low);
        }
    }

    /// <summary>Floats of one image's input: 3 planes of 224 x 224.</summary>
    public const int InputLength = 3 * InputSize * InputSize;

    /// <summary>Runs one image (from <see cref="ReadInput"/>) and returns the output of each requested stage, flattened channel-major [channels, side, side].</summary>
    public IReadOnlyList<float[]> Run(float[] input, IReadOnlyList<ResNet18Stage> stages)
    {
        ArgumentNullException.ThrowIfNull(input);
        return RunBatch(input, 1, stages);
    }

    /// <summary>
    /// Runs <paramref name="count"/> images at once (the graph's batch dimension is made symbolic on load) and returns
    /// the output of each requested stage for all of them, flattened [count, channels, side, side].
    /// </summary>
    /// <param name="inputs">The images from <see cref="ReadInput"/>, one after another: at least <paramref name="count"/> x <see cref="InputLength"/> floats.</param>
    /// <param name="count">Images in the batch.</param>
    /// <param name="stages">The stages to read.</param>
    public IReadOnlyList<float[]> RunBatch(float[] inputs, int count, IReadOnlyList<ResNet18Stage> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        var outputs = new float[stages.Count][];
        RunBatch(inputs, count, stages, (stage, values) => outputs[stage] = values.ToArray());
        return outputs;
    }

    /// <summary>Receives the output of the <paramref name="stage"/>-th requested stage for a whole batch, [count, channels, side, side], valid during the call only.</summary>
    public delegate void StageOutputReader(int stage, ReadOnlySpan<float> values);

    /// <summary>As <see cref="RunBatch(float[], int, IReadOnlyList{ResNet18Stage})"/>, handing each stage's output to <paramref name="read"/> in ONNX Runtime's memory (no copy).</summary>
    public void RunBatch(float[] inputs, int count, IReadOnlyList<ResNet18Stage> stages, StageOutputReader read)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs.Length, count * InputLength);
        var sessions = _sessions.Value;
        var prepared = new float[count * InputLength];
        for (int i = 0; i < count; i++)
        {
            Preprocess(inputs.AsSpan(i * InputLength, InputLength), sessions.Mean, prepared.AsSpan(i * InputLength, InputLength));
        }
        using var input = OrtValue.CreateTensorValueFromMemory(prepared, [count, 3, InputSize, InputSize]);
        using var outputs = sessions.Net.Run(sessions.RunOptions, [sessions.NetInput], [input], [.. stages.Select(s => s.Tensor)]);
        for (int s = 0; s < outputs.Count; s++)
        {
            read(s, outputs[s].GetTensorDataAsSpan<float>());
        }
    }

    /// <summary>
    /// The package's preprocessing graph (ResNetPreprocess.onnx: Split into R, G, B; Concat as B, G, R; Sub MeanImage) in
    /// C#: <c>prepared[c] = rgb[2 - c] - mean[c]</c> per pixel, with the graph's own mean image (BGR, [3, 224, 224]). One
    /// float32 subtraction per value, as ONNX Runtime's Sub does, so the result is the graph's to the bit.
    /// </summary>
    internal static void Preprocess(ReadOnlySpan<float> rgb, ReadOnlySpan<float> mean, Span<float> prepared)
    {
        const int plane = InputSize * InputSize;
        for (int c = 0; c < 3; c++)
        {
            var source = rgb.Slice((2 - c) * plane, plane);
            var subtract = mean.Slice(c * plane, plane);
            var target = prepared.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                target[i] = source[i] - subtract[i];
            }
        }
    }

    /// <summary>The package's preprocessing graph run by ONNX Runtime on one image: the reference for <see cref="Preprocess"/>.</summary>
    internal float[] RunPreprocessGraph(float[] input)
    {
        using var prep = new InferenceSession(PreprocessPath);
        using var pixels = OrtValue.CreateTensorValueFromMemory(input, [1, 3, InputSize, InputSize]);
        using var outputs = prep.Run(new RunOptions(), [prep.InputMetadata.Keys.Single()], [pixels], [prep.OutputMetadata.Keys.Single()]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>The mean image the preprocessing graph subtracts (BGR planes), read by running it on a black image: 0 - m = -m exactly.</summary>
    internal float[] MeanImage()
    {
        var negated = RunPreprocessGraph(new float[InputLength]);
        return [.. negated.Select(v => -v)];
    }

    /// <summary>The ONNX Runtime settings the network runs with (reported by the benchmark).</summary>
    public static string SessionSettings => $"ONNX Runtime CPU, intra-op threads {Environment.ProcessorCount} (cores), inter-op 1, no spinning, sequential execution, graph optimisation all, batch dimension symbolic";

    public void Dispose()
    {
        if (_sessions.IsValueCreated)
        {
            _sessions.Value.Net.Dispose();
            _sessions.Value.RunOptions.Dispose();
        }
    }

    private Sessions Load()
    {
        if (!IsAvailable)
        {
            throw new FileNotFoundException(
                $"The ResNet-18 graphs are not in {Directory}: restore the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18, or set {DirectorySetting} to a folder holding ResNet18Onnx/ResNet18.onnx and ResNetPrepOnnx/ResNetPreprocess.onnx.",
                NetworkPath);
        }
        var graph = File.ReadAllBytes(NetworkPath);
        // The graph's own output is the global pool; the other stages' tensors become outputs too; batches of any size.
        var extra = ResNet18Stage.All.Select(s => s.Tensor).Where(t => t != "Pooling395_Output_0");
        using var options = new SessionOptions
        {
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            IntraOpNumThreads = Environment.ProcessorCount,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Idle ONNX Runtime threads sleep instead of spinning: the image readers share the cores, and so do other jobs
        // (measured on 2 busy cores: a pass of 80 images 9-22% faster without spinning, 3 interleaved rounds).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        var net = new InferenceSession(OnnxGraphOutputs.WithDynamicBatch(OnnxGraphOutputs.Add(graph, extra)), options);
        return new Sessions(net, net.InputMetadata.Keys.Single(), MeanImage(), new RunOptions());
    }

    private sealed record Sessions(InferenceSession Net, string NetInput, float[] Mean, RunOptions RunOptions);

    private static string BuildDirectory() =>
        typeof(ResNet18Model).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "NeuroLab.ResNet18Directory")?.Value
        ?? Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
}
