namespace NeuroLab.Compute.RunKinds.EncodingReadout;

/// <summary>The artifacts an encoding-readout run writes.</summary>
public static class EncodingReadoutArtifacts
{
    public static readonly ArtifactSpec TestR = new("test_r.npy", ArtifactRole.UnitScores, "Test correlation per unit [units].");
    public static readonly ArtifactSpec TestPredictions = new("test_predictions.npy", ArtifactRole.Matrix, "Predicted responses of the test stimuli [test stimuli, units].");
    public static readonly ArtifactSpec TestStimulusIndex = new("test_stimulus_index.npy", ArtifactRole.Matrix, "The stimulus (dataset order) of each test row [test stimuli].");
    public static readonly ArtifactSpec SpatialMasks = new("spatial_masks.npy", ArtifactRole.Matrix, "Each unit's learned spatial mask [units, positions, positions].");
    public static readonly ArtifactSpec FeatureWeights = new("feature_weights.npy", ArtifactRole.Matrix, "Each unit's learned feature weights [units, orientations].");
    public static readonly ArtifactSpec History = new("history.csv", ArtifactRole.Table, "epoch, train_loss, validation_loss, validation_mean_r per epoch.");

    public static readonly IReadOnlyList<ArtifactSpec> All = [TestR, TestPredictions, TestStimulusIndex, SpatialMasks, FeatureWeights, History];
}
