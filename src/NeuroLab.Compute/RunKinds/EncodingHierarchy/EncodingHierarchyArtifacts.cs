namespace NeuroLab.Compute.RunKinds.EncodingHierarchy;

/// <summary>The artifacts an encoding-hierarchy run writes.</summary>
public static class EncodingHierarchyArtifacts
{
    public static readonly ArtifactSpec BestTestR = new("best_test_r.npy", ArtifactRole.UnitScores, "Each unit's test r at its best stage [units].");
    public static readonly ArtifactSpec BestStage = new("best_stage.npy", ArtifactRole.UnitValues, "Each unit's best stage, 1-based in the order of stages (0 where no stage scores) [units].");
    public static readonly ArtifactSpec StageTestR = new("stage_test_r.npy", ArtifactRole.Matrix, "Test r of every stage for every unit [stages, units].");
    public static readonly ArtifactSpec StageScores = new("stage_scores.csv", ArtifactRole.Table, "group, units, then the mean test r of each stage: one row per unit group (all units, each mask).");
    public static readonly ArtifactSpec StageIntervals = new("stage_scores_ci.csv", ArtifactRole.Table,
        "group, units, stage, mean_test_r, ci_low, ci_high, resamples: 95% percentile intervals of each group's mean test r per stage, over resamples of the test stimuli (empty where undefined).", Always: false);
    public static readonly ArtifactSpec StageNames = new("best_stage_labels.json", ArtifactRole.Document, "Names of the best-stage map's values (value -> stage).", Always: false);
    public static readonly ArtifactSpec BestStageMap = new("best_stage.nii.gz", ArtifactRole.VolumeMap, "Each voxel's best stage (1-based; names in best_stage_labels.json).", Always: false)
    {
        Values = MapValues.Categorical,
        ValueNames = StageNames,
    };
    public static readonly ArtifactSpec BestTestRMap = BestTestR.AsVolumeMap("Test r at the best stage per voxel.");

    public static readonly IReadOnlyList<ArtifactSpec> All = [BestTestR, BestStage, StageTestR, StageScores, StageIntervals, StageNames, BestTestRMap, BestStageMap];
}
