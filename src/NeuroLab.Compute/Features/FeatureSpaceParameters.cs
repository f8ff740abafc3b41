using System.Text.Json;

namespace NeuroLab.Compute.Features;

/// <summary>
/// The run parameters that feature spaces read, with the same JSON names as in a run's parameters, so any run kind
/// can hand its parameters to the registry (<see cref="Parse"/>).
/// </summary>
public sealed record FeatureSpaceParameters
{
    /// <summary>Working resolution and a TorchScript model's input size (pixels per side; default min(64, stimulus size)).</summary>
    public int? ImageSize { get; init; }

    /// <summary>Components of PCA.</summary>
    public int PcaComponents { get; init; } = 100;

    /// <summary>A Features file of the dataset (rows aligned with the stimuli).</summary>
    public Guid? FeatureFileId { get; init; }

    /// <summary>The variable of a .mat/.npz features file that holds the matrix.</summary>
    public string? FeatureVariable { get; init; }

    /// <summary>A Model file of the dataset (a TorchScript archive or an ONNX model).</summary>
    public Guid? ModelFileId { get; init; }

    /// <summary>Position of the wanted output in the TorchScript model's returned tuple.</summary>
    public int Layer { get; init; }

    /// <summary>The node output of an uploaded ONNX model used as features (default: the graph's first declared output).</summary>
    public string? OnnxOutput { get; init; }

    /// <summary>Channels the TorchScript model expects (1 or 3; default: as the model's first convolution says).</summary>
    public int? InputChannels { get; init; }

    /// <summary>Per-channel mean subtracted from the TorchScript model's input.</summary>
    public double[]? InputMean { get; init; }

    /// <summary>Per-channel standard deviation dividing the TorchScript model's input.</summary>
    public double[]? InputStd { get; init; }

    /// <summary>A network stage's spatial average pooling: a poolGrid x poolGrid grid of cells per channel (default 2).</summary>
    public int? PoolGrid { get; init; }

    /// <summary>PCA of a network stage's features, fitted on the training stimuli only (null: no PCA).</summary>
    public int? FeaturePcaComponents { get; init; }

    /// <summary>Largest working image size (pixels per side; the stimuli's own size caps it further).</summary>
    public const int MaxImageSize = 512;

    /// <summary>Smallest working image size (the coarsest Gabor scale needs a few pixels per cycle).</summary>
    public const int MinImageSize = 8;

    /// <summary>Most PCA components.</summary>
    public const int MaxPcaComponents = 10_000;

    /// <summary>Largest TorchScript output index.</summary>
    public const int MaxLayer = 1_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Reads the feature parameters out of a run's JSON parameters (other members are ignored).</summary>
    public static FeatureSpaceParameters Parse(JsonElement json) =>
        json.Deserialize<FeatureSpaceParameters>(Json) ?? throw new ArgumentException("Parameters are missing.");
}

/// <summary>Descriptors and checks that several image spaces share.</summary>
internal static class ImageFeatureParameters
{
    public static readonly FeatureParameter ImageSize = new("imageSize", "integer",
        "Working resolution: images are resized to this many pixels per side (never above the stimuli's own size).",
        "min(64, stimulus size)", FeatureSpaceParameters.MinImageSize, FeatureSpaceParameters.MaxImageSize);

    public static List<string> Check(FeatureSpaceParameters p)
    {
        var problems = new List<string>();
        Runs.RunParameterChecks.InRange(problems, "imageSize", p.ImageSize, FeatureSpaceParameters.MinImageSize, FeatureSpaceParameters.MaxImageSize);
        return problems;
    }

    public static string Settings(FeatureInput input) => $"size={input.ImageSize}";
}
