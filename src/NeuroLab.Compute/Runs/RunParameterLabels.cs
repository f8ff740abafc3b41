using System.Text.RegularExpressions;

namespace NeuroLab.Compute.Runs;

/// <summary>
/// The new-run form's labels for run parameters and their values, in one place: the form takes its field labels and
/// choices from here, and <see cref="ForForm"/> rewrites a validation problem (which names the JSON parameters, for
/// API callers) into the form's words, e.g. <c>use split "random"</c> becomes <c>use Train/test split "Random 80/20
/// (seeded)"</c>.
/// </summary>
public static partial class RunParameterLabels
{
    /// <summary>A parameter's label in the form and the labels of its values, in the form's order.</summary>
    public sealed record Entry(string Label, IReadOnlyList<(string Value, string Label)> Values);

    private static Entry E(string label, params (string Value, string Label)[] values) => new(label, values);

    /// <summary>Parameter name (camelCase, as in the JSON) -> its label and value labels.</summary>
    public static IReadOnlyDictionary<string, Entry> All { get; } = new Dictionary<string, Entry>(StringComparer.Ordinal)
    {
        ["responseSetId"] = E("Responses"),
        ["features"] = E("Features",
            ("gabor", "Gabor wavelet pyramid (Kay et al. 2008)"), ("pca", "PCA of pixels"), ("pixels", "Raw pixels"),
            ("file", "Uploaded feature matrix"), ("torchscript", "Uploaded TorchScript model"), ("onnx", "Uploaded ONNX model"), ("labels", "Category labels (one-hot)"),
            ("resnet18:stem", "ResNet-18 (ImageNet) stem"), ("resnet18:layer1", "ResNet-18 (ImageNet) layer1"), ("resnet18:layer2", "ResNet-18 (ImageNet) layer2"),
            ("resnet18:layer3", "ResNet-18 (ImageNet) layer3"), ("resnet18:layer4", "ResNet-18 (ImageNet) layer4"), ("resnet18:pool", "ResNet-18 (ImageNet) pool")),
        ["bands"] = E("Second band (banded ridge)"),
        ["featureFileId"] = E("Feature file"),
        ["modelFileId"] = E("Model (role Model)"),
        ["layer"] = E("Layer (output index)"),
        ["onnxOutput"] = E("ONNX node output"),
        ["imageSize"] = E("Working resolution (px)"),
        ["poolGrid"] = E("Network pooling grid (n x n)"),
        ["featurePcaComponents"] = E("Network PCA components"),
        ["stages"] = E("Stages (feature spaces, in order)"),
        ["folds"] = E("CV folds"),
        ["samples"] = E("Samples", ("stimuli", "One per stimulus (trial means)"), ("trials", "Single trials, split by repeat")),
        ["testRepeats"] = E("Test repeats"),
        ["split"] = E("Train/test split", ("dataset", "As marked in the dataset"), ("random", "Random 80/20 (seeded)")),
        ["alphas"] = E("Alphas (comma-separated)"),
        ["initFromRidge"] = E("Start from the ridge solution"),
        ["featureLoss"] = E("Feature-space loss",
            ("none", "None (pixel MSE only)"), ("resnet18:stem", "ResNet-18 (ImageNet) stem"), ("resnet18:layer1", "ResNet-18 (ImageNet) layer1"), ("resnet18:layer2", "ResNet-18 (ImageNet) layer2")),
        ["featureLossWeight"] = E("Feature loss weight"),
        ["featureLossSize"] = E("Feature loss image side (px)"),
        ["brainRdms"] = E("Use the imported brain RDMs"),
        ["responseSetIds"] = E("Response sets as brain RDMs"),
        ["distance"] = E("Pattern distance", ("correlation", "Correlation distance (1 - r)"), ("euclidean", "Euclidean"), ("crossnobis", "Crossnobis (cross-validated over repeats)")),
        ["modelRdms"] = E("Use the imported model RDMs"),
        ["methods"] = E("RDM comparisons", ("kendall-tau-a", "Kendall tau-a"), ("spearman", "Spearman"), ("pearson", "Pearson"), ("cosine", "Cosine"), ("whitened-pearson", "Whitened Pearson")),
        ["bootstrap"] = E("Bootstrap", ("auto", "Subjects and stimuli (stimuli with one subject)"), ("stimuli", "Stimuli"), ("subjects", "Subjects"), ("both", "Subjects and stimuli"), ("none", "None")),
        ["resamples"] = E("Bootstrap resamples"),
        ["trsaLower"] = E("tRSA lower threshold"),
        ["trsaUpper"] = E("tRSA upper threshold"),
        ["geodesic"] = E("tRSA geodesic"),
        ["cka"] = E("CKA between patterns"),
        ["measure"] = E("Connectivity", [.. RunKinds.Networks.NetworksParameters.Measures]),
        ["threshold"] = E("Threshold", [.. RunKinds.Networks.NetworksParameters.ThresholdModes]),
        ["thresholdValue"] = E("Density or |z| threshold"),
        ["weighted"] = E("Weighted edges"),
        ["groups"] = E("Groups (one per subject)"),
        ["windowStep"] = E("Window step (time points)"),
        ["classifier"] = E("Classifier", ("linear-svm", "Linear SVM (C by nested CV)"), ("correlation-nn", "Correlation nearest neighbour"), ("pca-lda", "PCA + LDA")),
        ["classes"] = E("Classes (JSON list, empty = all)"),
        ["regions"] = E("Regions", ("set", "This response set"), ("all-masks", "Every mask's set")),
        ["searchlight"] = E("Searchlight radius (voxels, 0 = off)"),
    };

    /// <summary>The form's label of a parameter (the name itself when the form has none).</summary>
    public static string Label(string parameter) => All.TryGetValue(parameter, out var e) ? e.Label : parameter;

    /// <summary>The form's label of one value of a parameter (the value itself when the form has none).</summary>
    public static string Value(string parameter, string value) =>
        All.TryGetValue(parameter, out var e) && e.Values.FirstOrDefault(v => v.Value == value) is { Label: { } label } ? label : value;

    /// <summary>
    /// A validation problem in the form's words: a parameter name where it stands for the parameter (at the start
    /// before "must", after "Unknown"/"use"/"lower"/"or", or before "= value" / a quoted value) becomes its label, and
    /// a value given with it becomes the value's label. Prose that merely uses the same word ("split by repeat") is kept.
    /// </summary>
    public static string ForForm(string problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return ParameterPattern().Replace(problem, m =>
        {
            var name = m.Groups["name"].Value;
            if (!All.ContainsKey(name))
            {
                return m.Value;
            }
            var value = m.Groups["value"];
            var label = m.Groups["pre"].Value + Label(name);
            return !value.Success ? label
                : m.Groups["quote"].Success ? $"{label} \"{Value(name, value.Value)}\""
                : $"{label} = {Value(name, value.Value)}";
        });
    }

    // name = value | name "value" | (start|Unknown|use|lower|or) name (must|'|.|,|;| or|end) | camelCaseName anywhere.
    [GeneratedRegex("""(?<![\w-])(?<name>[a-z][A-Za-z]*)(?: = (?<value>[a-z]+)\b| (?<quote>")(?<value>[a-z]+)")|(?<pre>^|\bUnknown |\b[Uu]se |\blower |\bor )(?<name>[a-z][A-Za-z]*)(?= must\b| '|[.,;]| or |$)|(?<![\w-])(?<name>[a-z]+[A-Z][A-Za-z]*)(?![\w-])""")]
    private static partial Regex ParameterPattern();
}
