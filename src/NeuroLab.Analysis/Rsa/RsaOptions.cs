namespace NeuroLab.Analysis.Rsa;

/// <summary>How a representational dissimilarity matrix is computed from activity patterns (see <see cref="Rdm"/>).</summary>
public enum RdmDistance
{
    /// <summary>1 - Pearson correlation of two conditions' patterns (Kriegeskorte et al. 2008).</summary>
    Correlation,

    /// <summary>Plain Euclidean distance between two conditions' patterns.</summary>
    Euclidean,

    /// <summary>Cross-validated squared Mahalanobis distance over pairs of runs (Walther et al. 2016).</summary>
    Crossnobis,
}

/// <summary>How two RDMs are compared (see <see cref="RdmComparison"/>).</summary>
public enum RdmComparisonMethod
{
    /// <summary>Spearman rank correlation of the RDM entries (average ranks for ties).</summary>
    Spearman,

    /// <summary>Kendall tau-a of the RDM entries, the measure of Nili et al. (2014) for models with tied predictions.</summary>
    KendallTauA,

    /// <summary>Pearson correlation of the RDM entries.</summary>
    Pearson,

    /// <summary>Cosine similarity of the RDM entries (not mean-centred).</summary>
    Cosine,

    /// <summary>Pearson correlation after whitening by the covariance of RDM entries (Diedrichsen et al. 2021, rsatoolbox <c>corr_cov</c>).</summary>
    WhitenedPearson,
}

/// <summary>What a bootstrap in <see cref="RsaInference"/> resamples.</summary>
public enum BootstrapOver
{
    /// <summary>Conditions (stimuli), with replacement; generalises to new stimuli from the same population.</summary>
    Stimuli,

    /// <summary>Subjects, with replacement; generalises to new subjects.</summary>
    Subjects,

    /// <summary>Both at once (each resample draws stimuli and subjects).</summary>
    Both,
}
