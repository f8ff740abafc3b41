namespace NeuroLab.Compute.RunKinds.VoxelCaptions;

/// <summary>The artifacts a voxel-captions run writes.</summary>
public static class VoxelCaptionsArtifacts
{
    public static readonly ArtifactSpec Captions = new("captions.json", ArtifactRole.Document, "Each captioned unit's caption, keywords and preferred stimuli with their responses (camelCase; NaN as null).", Kind: "captions");
    public static readonly ArtifactSpec CaptionsTable = new("captions.csv", ArtifactRole.Table, "unit, test_r, caption, keywords, sentence score per captioned unit.");
    public static readonly ArtifactSpec SentenceScore = new("sentence_score.npy", ArtifactRole.Matrix, "LaVCa sentence score per captioned unit [captioned units].");
    public static readonly ArtifactSpec CaptionedUnits = new("captioned_units.npy", ArtifactRole.Matrix, "The unit index of each caption [captioned units].");

    public static readonly IReadOnlyList<ArtifactSpec> All = [Captions, CaptionsTable, SentenceScore, CaptionedUnits];
}
