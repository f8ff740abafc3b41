using System.Text.Json;
using NeuroLab.Analysis.Encoding;
using NeuroLab.Compute.Features;

namespace NeuroLab.Compute.RunKinds.EncodingRidge;

/// <summary>
/// Parameters of an "encoding-ridge" run (JSON, camelCase):
/// <c>responseSetId</c>; <c>features</c> = pixels | pca | gabor | file (a Features file of the dataset,
/// <c>featureFileId</c>, rows aligned with the stimuli; for .mat/.npz name the variable in <c>featureVariable</c>) |
/// torchscript (a Model file of the dataset, <c>modelFileId</c>; <c>layer</c> = position of the wanted output in
/// the model's returned tuple, default 0; <c>inputChannels</c> 1 or 3 and <c>inputMean</c>/<c>inputStd</c> per channel,
/// see <see cref="NeuroLab.Analysis.Features.TorchScriptInputOptions"/>) | onnx (an ONNX Model file, <c>modelFileId</c>, the tensor
/// named <c>onnxOutput</c>, same input settings); <c>imageSize</c> (working resolution and the model's input size, default
/// min(64, stimulus size)); <c>pcaComponents</c> (default 100); <c>alphas</c> (default logspace(0, 6, 13));
/// <c>folds</c> (default 5); <c>intercept</c> (default true); <c>split</c> = dataset (the stimuli's train/test
/// marks) | random (with <c>testFraction</c>, default 0.2, drawn with the run's seed); <c>bands</c> = two or more of
/// the feature spaces above for banded ridge (then <c>features</c> is ignored; <c>bandCandidates</c>, default 20);
/// <c>features</c> = labels is a one-hot code of the stimuli's labels (categories), for datasets without images.
/// <c>samples</c> = stimuli (default: one sample per stimulus, the response set's rows) | trials (one sample per
/// single trial of the response set's repeated trials [repeats, stimuli, units], e.g. per-run GLM betas; the last
/// <c>testRepeats</c> repeats are the test set, default 20% of them, and the CV folds are groups of whole repeats, so
/// no repeat is split between training and validation; <c>split</c> is then not used). Trial-level fits measure
/// generalisation to new repetitions (runs) of the same stimuli, not to new stimuli.
/// </summary>
public sealed record EncodingRidgeParameters : IResponseSetParameters
{
    public Guid ResponseSetId { get; set; }

    public string Features { get; set; } = "gabor";

    public int? ImageSize { get; set; }

    public Guid? FeatureFileId { get; set; }

    public string? FeatureVariable { get; set; }

    /// <summary>Two or more feature spaces for banded ridge (each band regularised on its own); null fits one space, <see cref="Features"/>.</summary>
    public string[]? Bands { get; set; }

    /// <summary>Band-weight candidates drawn for banded ridge (random search on the simplex, seeded by the run).</summary>
    public int BandCandidates { get; set; } = 20;

    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> FeatureKinds => Bands ?? [Features];

    public Guid? ModelFileId { get; set; }

    public int Layer { get; set; }

    /// <summary>onnx: the node output of the uploaded ONNX model used as features (default: the graph's first output).</summary>
    public string? OnnxOutput { get; set; }

    public int? InputChannels { get; set; }

    public double[]? InputMean { get; set; }

    public double[]? InputStd { get; set; }

    public int PcaComponents { get; set; } = 100;

    /// <summary>Network stages (resnet18:*): average-pool each feature map to a grid x grid (default 2; not for the global pool).</summary>
    public int? PoolGrid { get; set; }

    /// <summary>Network stages: reduce the pooled features to this many principal components fitted on the training stimuli only.</summary>
    public int? FeaturePcaComponents { get; set; }

    public double[]? Alphas { get; set; }

    public int Folds { get; set; } = 5;

    public bool Intercept { get; set; } = true;

    public string Split { get; set; } = "dataset";

    /// <summary>stimuli (the response set's rows) or trials (its single trials, split by repeat).</summary>
    public string Samples { get; set; } = "stimuli";

    /// <summary>With <c>samples = trials</c>: how many of the last repeats are held out (default 20%, at least 1).</summary>
    public int? TestRepeats { get; set; }

    internal static int DefaultTestRepeats(int repeats) => Math.Max(1, (int)Math.Round(repeats * 0.2));

    /// <summary>The parameters the feature spaces read (<see cref="FeatureSpaceRegistry"/>).</summary>
    internal FeatureSpaceParameters FeatureParameters => new()
    {
        ImageSize = ImageSize,
        PcaComponents = PcaComponents,
        FeatureFileId = FeatureFileId,
        FeatureVariable = FeatureVariable,
        ModelFileId = ModelFileId,
        Layer = Layer,
        OnnxOutput = OnnxOutput,
        InputChannels = InputChannels,
        InputMean = InputMean,
        InputStd = InputStd,
        PoolGrid = PoolGrid,
        FeaturePcaComponents = FeaturePcaComponents,
    };

    /// <summary>The parameter naming the run's feature spaces, for messages: bands for banded ridge, else features.</summary>
    internal string FeatureParameterName => Bands is null ? "features" : "bands";

    /// <summary>The alpha grid of the run (the default grid when none is given).</summary>
    internal double[] AlphaGrid => Alphas ?? [.. RidgeCvOptions.DefaultAlphas];

    /// <summary>The ridge settings of a single-space fit; refits (voxel captions) use the same, so they reproduce the run.</summary>
    internal RidgeCvOptions RidgeOptions(RidgeFolds folds) => new() { Alphas = AlphaGrid, Folds = folds, FitIntercept = Intercept };

    public double TestFraction { get; set; } = 0.2;

    /// <summary>Permutations for per-unit p-values of test r (0 skips the test).</summary>
    public int Permutations { get; set; } = 1000;

    /// <summary>False discovery rate for the significance mask (Benjamini-Hochberg).</summary>
    public double FdrQ { get; set; } = 0.05;

    /// <summary>Most cross-validation folds.</summary>
    public const int MaxFolds = 100;

    /// <summary>Largest working image size (pixels per side; the stimuli's own size caps it further).</summary>
    public const int MaxImageSize = FeatureSpaceParameters.MaxImageSize;

    /// <summary>Smallest working image size (the coarsest Gabor scale needs a few pixels per cycle).</summary>
    public const int MinImageSize = FeatureSpaceParameters.MinImageSize;

    /// <summary>Most PCA components.</summary>
    public const int MaxPcaComponents = FeatureSpaceParameters.MaxPcaComponents;

    /// <summary>Most alphas in the grid (each costs a cross-validation pass).</summary>
    public const int MaxAlphas = 100;

    /// <summary>Most permutations of the test.</summary>
    public const int MaxPermutations = 100_000;

    /// <summary>Most permutations x units (the test's work), e.g. 10,000 permutations of 100,000 voxels.</summary>
    public const long MaxPermutationWork = 1_000_000_000;

    /// <summary>Largest TorchScript output index.</summary>
    public const int MaxLayer = FeatureSpaceParameters.MaxLayer;

    /// <summary>Reads the stored parameters of an encoding-ridge run (tolerant: stored runs were validated when queued).</summary>
    public static EncodingRidgeParameters Parse(JsonElement json) =>
        json.Deserialize<EncodingRidgeParameters>(RunKindJson.Parameters) ?? throw new ArgumentException("Parameters are missing.");

    /// <summary>Reads the stored parameters JSON of an encoding-ridge run.</summary>
    public static EncodingRidgeParameters Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Parse(document.RootElement);
    }
}
