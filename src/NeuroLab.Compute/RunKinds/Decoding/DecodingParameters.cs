namespace NeuroLab.Compute.RunKinds.Decoding;

/// <summary>
/// Parameters of a "decoding" run (JSON, camelCase), every one optional: <c>responseSetId</c> (default the dataset's
/// set named like "vt" when there is one, else the first set with single trials, else the first set);
/// <c>classifier</c> = correlation-nn (default: fast enough for the default 200 permutations) | linear-svm | pca-lda; <c>classes</c> = a subset of the dataset's
/// classes to decode, e.g. ["face", "house"] (default all); <c>permutations</c> = label permutations within runs for
/// the p-value (default 200, 0..10000); <c>regions</c> = set (this response set) | all-masks (every mask's response
/// set, a per-region table); <c>searchlight</c> = radius in voxels of a searchlight accuracy map (0 = none, at most 5).
/// </summary>
public sealed record DecodingParameters : IResponseSetParameters
{
    /// <summary>Most label permutations a run may ask for.</summary>
    public const int MaxPermutations = 10_000;

    /// <summary>Largest searchlight radius, in voxels.</summary>
    public const int MaxSearchlight = 5;

    /// <summary>The classifiers, as named in parameters, with their meaning in the form's words.</summary>
    public static readonly (string Value, string Meaning)[] Classifiers =
    [
        ("linear-svm", "linear SVM, C by nested leave-one-run-out CV"),
        ("correlation-nn", "correlation nearest neighbour to the class means"),
        ("pca-lda", "PCA then linear discriminant analysis"),
    ];

    /// <summary>The region choices, as named in parameters, with their meaning.</summary>
    public static readonly (string Value, string Meaning)[] RegionChoices =
    [
        ("set", "this response set"),
        ("all-masks", "every mask's response set, a per-region table"),
    ];

    public Guid ResponseSetId { get; set; }

    public string Classifier { get; set; } = "correlation-nn";

    public string[]? Classes { get; set; }

    public int Permutations { get; set; } = 200;

    public string Regions { get; set; } = "set";

    public int Searchlight { get; set; }

    /// <summary>The analysis classifier named by <see cref="Classifier"/> (validated before).</summary>
    internal NeuroLab.Analysis.Decoding.DecodingClassifier AnalysisClassifier => Classifier switch
    {
        "linear-svm" => NeuroLab.Analysis.Decoding.DecodingClassifier.LinearSvm,
        "correlation-nn" => NeuroLab.Analysis.Decoding.DecodingClassifier.CorrelationNearestNeighbour,
        "pca-lda" => NeuroLab.Analysis.Decoding.DecodingClassifier.PcaLda,
        _ => throw new ArgumentOutOfRangeException(nameof(Classifier), Classifier, "Unknown classifier."),
    };
}
