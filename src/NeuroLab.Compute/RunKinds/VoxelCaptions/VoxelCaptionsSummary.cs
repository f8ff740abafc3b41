using System.Globalization;

namespace NeuroLab.Compute.RunKinds.VoxelCaptions;

/// <summary>
/// The result of a voxel-captions run (schema 1): how many units were captioned and how, the sentence score on the
/// encoding run's held-out samples, caption diversity, and how often a caption names the unit's best held-out category.
/// </summary>
public sealed record VoxelCaptionsSummary : RunResult
{
    public override int SchemaVersion => 1;

    public Guid EncodingRunId { get; init; }

    public int UnitsCaptioned { get; init; }

    public int Units { get; init; }

    public double MinTestR { get; init; }

    /// <summary>measured, predicted or both.</summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>What the stimuli's words come from: captions, labels or measured image descriptions.</summary>
    public string CaptionSource { get; init; } = string.Empty;

    public int TopN { get; init; }

    public int PoolItems { get; init; }

    public string Composer { get; init; } = string.Empty;

    public string Method { get; init; } = string.Empty;

    public int? KeywordsRemovedByWeightFilter { get; init; }

    /// <summary>The sentence embedding of the evaluation: all-MiniLM-L6-v2, configured embedding model, or tf-idf.</summary>
    public string Embedding { get; init; } = string.Empty;

    /// <summary>Mean LaVCa sentence score (Spearman) over captioned units; null when undefined.</summary>
    public double MeanSentenceScore { get; init; } = double.NaN;

    public double MedianSentenceScore { get; init; } = double.NaN;

    public int HeldOutSamples { get; init; }

    public int VocabularySize { get; init; }

    public int EffectiveDimensions { get; init; }

    public string? EvaluationNote { get; init; }

    public double? FractionNamingBestHeldOutCategory { get; init; }

    public double? ChanceOfNamingIt { get; init; }

    public override string Headline() =>
        string.Create(CultureInfo.InvariantCulture, $"{UnitsCaptioned} captions") +
        (double.IsFinite(MeanSentenceScore) ? string.Create(CultureInfo.InvariantCulture, $" · sentence score {MeanSentenceScore:0.000}") : "");
}
