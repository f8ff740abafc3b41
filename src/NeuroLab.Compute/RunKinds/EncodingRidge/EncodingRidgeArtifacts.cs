namespace NeuroLab.Compute.RunKinds.EncodingRidge;

/// <summary>The artifacts an encoding-ridge run writes (documented at <c>GET /api/v1/run-kinds</c>).</summary>
public static class EncodingRidgeArtifacts
{
    public static readonly ArtifactSpec TestR = new("test_r.npy", ArtifactRole.UnitScores, "Test correlation per unit [units].");
    public static readonly ArtifactSpec TestR2 = new("test_r2.npy", ArtifactRole.UnitValues, "Test coefficient of determination per unit [units].");
    public static readonly ArtifactSpec BestAlpha = new("best_alpha.npy", ArtifactRole.UnitValues, "Regularisation chosen by cross-validation per unit [units].");
    public static readonly ArtifactSpec CvScores = new("cv_scores.npy", ArtifactRole.Matrix, "Mean CV correlation [alphas, units] (banded: [candidates, alphas, units]).", Always: false);
    public static readonly ArtifactSpec Weights = new("weights.npy", ArtifactRole.Matrix, "Fitted weights [features, units] (intercept last when fitted).", Always: false);
    public static readonly ArtifactSpec TestPredictions = new("test_predictions.npy", ArtifactRole.Matrix, "Predicted responses of the test samples [test samples, units].", Always: false);
    public static readonly ArtifactSpec TestStimulusIndex = new("test_stimulus_index.npy", ArtifactRole.Matrix, "The stimulus (dataset order) of each test sample [test samples].");
    public static readonly ArtifactSpec TestResponses = new("test_responses.npy", ArtifactRole.Matrix, "Single trials: the measured test responses [test samples, units].", Always: false);
    public static readonly ArtifactSpec TestRepeatIndex = new("test_repeat_index.npy", ArtifactRole.Matrix, "Single trials: the repeat of each test sample [test samples].", Always: false);
    public static readonly ArtifactSpec PValues = new("p_values.npy", ArtifactRole.UnitValues, "Permutation p-value of each unit's test r [units].", Always: false);
    public static readonly ArtifactSpec QValues = new("q_values.npy", ArtifactRole.UnitValues, "Benjamini-Hochberg q-value per unit [units].", Always: false);
    public static readonly ArtifactSpec NoiseCeiling = new("noise_ceiling_percent.npy", ArtifactRole.UnitValues, "Noise ceiling per unit, % of variance (NSD definition) [units].", Always: false);
    public static readonly ArtifactSpec FractionOfCeiling = new("fraction_of_ceiling_percent.npy", ArtifactRole.UnitValues, "Test R² as % of the noise ceiling per unit [units].", Always: false);
    public static readonly ArtifactSpec BandWeights = new("band_weights.npy", ArtifactRole.Matrix, "Banded ridge: each unit's band weights [units, bands].", Always: false);
    public static readonly ArtifactSpec BandR2 = new("band_r2.npy", ArtifactRole.Matrix, "Banded ridge: split test R² per band [bands, units].", Always: false);
    public static readonly ArtifactSpec Units = new("units.csv", ArtifactRole.Table, "unit, test_r, test_r2, best_alpha per unit.");
    public static readonly ArtifactSpec PreferredCategoryLabels = new("preferred_category_labels.json", ArtifactRole.Document, "Names of the preferred-category map's values (value -> label).", Always: false);

    /// <summary>Per-unit maps as NIfTI volumes on the reference grid (voxel units with coordinates only).</summary>
    public static readonly ArtifactSpec TestRMap = TestR.AsVolumeMap("Test r per voxel on the reference volume.");
    public static readonly ArtifactSpec TestR2Map = TestR2.AsVolumeMap("Test R² per voxel.");
    public static readonly ArtifactSpec BestAlphaMap = BestAlpha.AsVolumeMap("Chosen alpha per voxel.") with { Values = MapValues.NonNegative };
    public static readonly ArtifactSpec NoiseCeilingMap = NoiseCeiling.AsVolumeMap("Noise ceiling per voxel.");
    public static readonly ArtifactSpec FractionOfCeilingMap = FractionOfCeiling.AsVolumeMap("Fraction of the noise ceiling per voxel.");
    public static readonly ArtifactSpec PreferredCategoryMap = new("preferred_category.nii.gz", ArtifactRole.VolumeMap, "Each voxel's preferred stimulus category (1-based; names in preferred_category_labels.json).", Always: false)
    {
        Values = MapValues.Categorical,
        ValueNames = PreferredCategoryLabels,
    };

    public static readonly IReadOnlyList<ArtifactSpec> All =
    [
        TestR, TestR2, BestAlpha, CvScores, Weights, TestPredictions, TestStimulusIndex, TestResponses, TestRepeatIndex, PValues, QValues,
        NoiseCeiling, FractionOfCeiling, BandWeights, BandR2, Units, PreferredCategoryLabels,
        TestRMap, TestR2Map, BestAlphaMap, NoiseCeilingMap, FractionOfCeilingMap, PreferredCategoryMap,
    ];
}
