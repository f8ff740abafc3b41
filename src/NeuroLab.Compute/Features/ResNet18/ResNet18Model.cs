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
/// it. Loaded on first use; one pair of sessions serves every caller (ONNX Runtime's Run is thread-safe).
/// </summary>
public sealed class ResNet18Model : IDisposable
{
    /// <summary>The side of the network's input (pixels).</summary>
    public const int InputSize = 224;

    /// <summary>The setting that names the folder of the graphs.</summary>
    public const string DirectorySetting = "NeuroLab:Models:ResNet18Directory";

    private readonly Lazy<(InferenceSession Prep, InferenceSession Net)> _sessions;

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

    /// <summary>Runs one image (from <see cref="ReadInput"/>) and returns the output of each requested stage, flattened channel-major [channels, side, side].</summary>
    public IReadOnlyList<float[]> Run(float[] input, IReadOnlyList<ResNet18Stage> stages)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(stages);
        var (prep, net) = _sessions.Value;
        var pixels = new DenseTensor<float>(input, [1, 3, InputSize, InputSize]);
        using var prepared = prep.Run([NamedOnnxValue.CreateFromTensor(prep.InputMetadata.Keys.Single(), pixels)]);
        var preprocessed = prepared.Single().AsTensor<float>();
        using var outputs = net.Run([NamedOnnxValue.CreateFromTensor(net.InputMetadata.Keys.Single(), preprocessed)], stages.Select(s => s.Tensor).ToArray());
        return [.. stages.Select(s => outputs.Single(o => o.Name == s.Tensor).AsEnumerable<float>().ToArray())];
    }

    public void Dispose()
    {
        if (_sessions.IsValueCreated)
        {
            _sessions.Value.Prep.Dispose();
            _sessions.Value.Net.Dispose();
        }
    }

    private (InferenceSession, InferenceSession) Load()
    {
        if (!IsAvailable)
        {
            throw new FileNotFoundException(
                $"The ResNet-18 graphs are not in {Directory}: restore the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18, or set {DirectorySetting} to a folder holding ResNet18Onnx/ResNet18.onnx and ResNetPrepOnnx/ResNetPreprocess.onnx.",
                NetworkPath);
        }
        var graph = File.ReadAllBytes(NetworkPath);
        // The graph's own output is the global pool; the other stages' tensors become outputs too.
        var extra = ResNet18Stage.All.Select(s => s.Tensor).Where(t => t != "Pooling395_Output_0");
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        var prep = new InferenceSession(PreprocessPath, options);
        return (prep, new InferenceSession(OnnxGraphOutputs.Add(graph, extra), options));
    }

    private static string BuildDirectory() =>
        typeof(ResNet18Model).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "NeuroLab.ResNet18Directory")?.Value
        ?? Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
}
