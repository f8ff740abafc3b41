namespace NeuroLab.Analysis.Features;

/// <summary>Progress of a batched feature extraction, reported after each batch.</summary>
/// <param name="ImagesDone">Images processed so far.</param>
/// <param name="ImagesTotal">Images in the request.</param>
public readonly record struct FeatureProgress(int ImagesDone, int ImagesTotal)
{
    /// <summary>Fraction done, 0 to 1.</summary>
    public double Fraction => ImagesTotal == 0 ? 1 : (double)ImagesDone / ImagesTotal;
}
