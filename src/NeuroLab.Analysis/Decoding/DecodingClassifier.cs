namespace NeuroLab.Analysis.Decoding;

/// <summary>The classifiers of <see cref="CrossValidatedDecoding"/>.</summary>
public enum DecodingClassifier
{
    /// <summary>
    /// Linear SVM, squared hinge loss, L2 penalty, one-vs-rest, bias as an extra regularised feature of value 1
    /// (LIBLINEAR's dual coordinate descent, as scikit-learn's <c>LinearSVC</c> with its defaults); C chosen by
    /// nested leave-one-group-out CV over <see cref="DecodingOptions.CGrid"/>.
    /// </summary>
    LinearSvm,

    /// <summary>Correlation nearest neighbour: the class whose training mean pattern correlates best (Pearson) with the sample (Haxby et al. 2001).</summary>
    CorrelationNearestNeighbour,

    /// <summary>
    /// PCA to <c>min(features, training samples - classes, 50)</c> components fitted on the training fold, then linear
    /// discriminant analysis (pooled within-class covariance weighted by the priors, least-squares solve, as
    /// scikit-learn's <c>LinearDiscriminantAnalysis(solver="lsqr")</c>).
    /// </summary>
    PcaLda,
}

/// <summary>Settings of a decoding analysis.</summary>
public sealed record DecodingOptions
{
    /// <summary>The default grid of the SVM's C, searched by inner leave-one-group-out CV on each outer training fold.</summary>
    public static readonly double[] DefaultCGrid = [0.001, 0.01, 0.1, 1, 10];

    /// <summary>The classifier fitted in every fold.</summary>
    public DecodingClassifier Classifier { get; init; } = DecodingClassifier.LinearSvm;

    /// <summary>Candidate C values (ascending; ties in inner accuracy go to the smallest).</summary>
    public double[] CGrid { get; init; } = DefaultCGrid;

    /// <summary>Label permutations (within groups) for the permutation test; 0 = none.</summary>
    public int Permutations { get; init; }

    /// <summary>Seed of the SplitMix64 stream the permutations are drawn from.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Most PCA components of <see cref="DecodingClassifier.PcaLda"/>.</summary>
    public int MaxPcaComponents { get; init; } = 50;
}

/// <summary>Progress of a decoding analysis: the stage ("folds", "permutations", "searchlight") and how far it is.</summary>
public readonly record struct DecodingProgress(string Stage, int Done, int Total);
