namespace NeuroLab.Compute.RunKinds.Rsa;

/// <summary>
/// Parameters of an "rsa" run (JSON, camelCase). With none given it compares the dataset's measured RDMs (files with
/// the role BrainRdm; sessions averaged within subjects, subjects averaged, the noise ceiling from the subjects) with
/// its model RDMs (role ModelRdm) and with RDMs of its images in pixels, Gabor energy and every ResNet-18 stage, by
/// Kendall tau-a and Spearman, with bootstrap intervals and pairwise model tests.
/// </summary>
public sealed record RsaParameters
{
    /// <summary>Use the dataset's imported brain RDMs (role BrainRdm). Default true.</summary>
    public bool BrainRdms { get; set; } = true;

    /// <summary>Response sets whose patterns [stimuli, units] become brain RDMs; null: every set when the dataset has no brain RDM files, none otherwise.</summary>
    public Guid[]? ResponseSetIds { get; set; }

    /// <summary>How response patterns become RDMs: correlation (1 - Pearson r), euclidean, or crossnobis (cross-validated over the set's repeats).</summary>
    public string Distance { get; set; } = RsaChoices.Correlation;

    /// <summary>Use the dataset's imported model RDMs (role ModelRdm). Default true.</summary>
    public bool ModelRdms { get; set; } = true;

    /// <summary>Feature spaces whose stimulus features become model RDMs (correlation distance); null: pixels, gabor and the network's stages when the stimuli are images.</summary>
    public string[]? Features { get; set; }

    /// <summary>Working image size of the image feature spaces (pixels per side).</summary>
    public int? ImageSize { get; set; }

    /// <summary>Network stages: average-pool each feature map to a grid x grid (default 7, the finest the stages share).</summary>
    public int? PoolGrid { get; set; }

    /// <summary>How RDMs are compared: kendall-tau-a, spearman, pearson, cosine, whitened-pearson.</summary>
    public string[] Methods { get; set; } = [RsaChoices.KendallTauA, RsaChoices.Spearman];

    /// <summary>What the bootstrap resamples: auto (subjects and stimuli when there are several subjects, else stimuli), stimuli, subjects, both or none.</summary>
    public string Bootstrap { get; set; } = RsaChoices.Auto;

    /// <summary>Bootstrap resamples (0 = none).</summary>
    public int Resamples { get; set; } = 1000;

    /// <summary>tRSA lower threshold on rank-normalised dissimilarities (0..1): at or below it a pair counts as the same.</summary>
    public double TrsaLower { get; set; }

    /// <summary>tRSA upper threshold (0..1, above the lower): at or above it a pair counts as maximally different.</summary>
    public double TrsaUpper { get; set; } = 1;

    /// <summary>tRSA: replace the thresholded dissimilarities by geodesic distances over the graph of near pairs.</summary>
    public bool Geodesic { get; set; }

    /// <summary>Linear and RBF CKA between feature spaces and response sets (when both have patterns). Default true.</summary>
    public bool Cka { get; set; } = true;
}

/// <summary>The words the rsa kind accepts, in one place.</summary>
public static class RsaChoices
{
    public const string Correlation = "correlation";
    public const string Euclidean = "euclidean";
    public const string Crossnobis = "crossnobis";

    public const string KendallTauA = "kendall-tau-a";
    public const string Spearman = "spearman";
    public const string Pearson = "pearson";
    public const string Cosine = "cosine";
    public const string WhitenedPearson = "whitened-pearson";

    public const string Auto = "auto";
    public const string Stimuli = "stimuli";
    public const string Subjects = "subjects";
    public const string Both = "both";
    public const string None = "none";

    public static readonly (string Value, string Meaning)[] Distances =
    [
        (Correlation, "1 - Pearson r between patterns"), (Euclidean, "Euclidean distance"), (Crossnobis, "cross-validated Mahalanobis over repeats"),
    ];

    public static readonly (string Value, string Meaning)[] ComparisonMethods =
    [
        (KendallTauA, "rank agreement, fair to models with ties"), (Spearman, "rank correlation"), (Pearson, "linear correlation"),
        (Cosine, "cosine similarity"), (WhitenedPearson, "Pearson after whitening the RDM entries"),
    ];

    public static readonly (string Value, string Meaning)[] BootstrapModes =
    [
        (Auto, "subjects and stimuli with several subjects, else stimuli"), (Stimuli, ""), (Subjects, ""), (Both, "subjects and stimuli"), (None, "no intervals"),
    ];

    /// <summary>The library's method for a name (validated before).</summary>
    public static NeuroLab.Analysis.Rsa.RdmComparisonMethod Method(string name) => name switch
    {
        KendallTauA => NeuroLab.Analysis.Rsa.RdmComparisonMethod.KendallTauA,
        Spearman => NeuroLab.Analysis.Rsa.RdmComparisonMethod.Spearman,
        Pearson => NeuroLab.Analysis.Rsa.RdmComparisonMethod.Pearson,
        Cosine => NeuroLab.Analysis.Rsa.RdmComparisonMethod.Cosine,
        WhitenedPearson => NeuroLab.Analysis.Rsa.RdmComparisonMethod.WhitenedPearson,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown comparison method."),
    };
}
