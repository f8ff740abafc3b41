namespace NeuroLab.Compute.RunKinds;

/// <summary>
/// The names of the run kinds NeuroLab ships: the one place they are spelled. They are stored on every run row and
/// used by API clients, so a name never changes once released.
/// </summary>
public static class RunKindNames
{
    /// <summary>Voxelwise/neuronwise ridge encoding model (per-unit CV alpha, banded ridge).</summary>
    public const string EncodingRidge = "encoding-ridge";

    /// <summary>Factorised spatial x feature neural readout trained with TorchSharp.</summary>
    public const string EncodingReadout = "encoding-readout";

    /// <summary>Natural-language captions of what each well-predicted unit of an encoding-ridge run prefers.</summary>
    public const string VoxelCaptions = "voxel-captions";
}
