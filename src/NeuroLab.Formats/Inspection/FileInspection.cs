namespace NeuroLab.Formats.Inspection;

/// <summary>
/// What a file turned out to be, without keeping its data: the format, the main array's shape and type,
/// spatial metadata for volumes, and format-specific facts for display ("TR 2.5 s", "variables: fmriTrn
/// [90, 3092] double", "8 trial types").
/// </summary>
public sealed record FileInspection
{
    /// <summary>nifti, gifti, npy, npz, mat, events-tsv, matrix, image, text.</summary>
    public required string Format { get; init; }

    public IReadOnlyList<long>? Shape { get; init; }

    public string? Dtype { get; init; }

    /// <summary>Voxel-to-world affine for volumes.</summary>
    public double[,]? Affine { get; init; }

    public IReadOnlyList<double>? VoxelSize { get; init; }

    /// <summary>Facts worth showing, keyed by a short name; values are strings, numbers or string lists.</summary>
    public IReadOnlyDictionary<string, object?> Summary { get; init; } = new Dictionary<string, object?>();

    /// <summary>Things that are legal but worth a look (NaNs present, unusual orientation...).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
