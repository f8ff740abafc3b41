namespace NeuroLab.Compute.RunKinds.Decoding;

/// <summary>The artifacts a decoding run writes.</summary>
public static class DecodingArtifacts
{
    public static readonly ArtifactSpec Predictions = new("predictions.csv", ArtifactRole.Table, "sample, group, true, predicted: the held-out prediction of every sample (group = the run held out).");
    public static readonly ArtifactSpec Confusion = new("confusion.csv", ArtifactRole.Table, "Confusion counts: one row per true class, one column per predicted class (header: class names).");
    public static readonly ArtifactSpec Rois = new("rois.csv", ArtifactRole.Table, "roi, voxels, accuracy, chance, p: one row per region (regions = all-masks).", Always: false);
    public static readonly ArtifactSpec PermutationNull = new("permutation_null.csv", ArtifactRole.Table, "permutation, accuracy: the accuracy under each within-run label permutation.", Always: false);
    public static readonly ArtifactSpec SearchlightAccuracy = new("searchlight_accuracy.npy", ArtifactRole.UnitValues, "Searchlight leave-one-run-out accuracy of the sphere around each voxel [units].", Always: false);
    public static readonly ArtifactSpec SearchlightMap = SearchlightAccuracy.AsVolumeMap("Searchlight accuracy per voxel on the response set's grid.") with { Values = MapValues.NonNegative };

    public static readonly IReadOnlyList<ArtifactSpec> All = [Predictions, Confusion, Rois, PermutationNull, SearchlightAccuracy, SearchlightMap];
}
