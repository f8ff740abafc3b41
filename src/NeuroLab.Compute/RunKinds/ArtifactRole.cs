using System.Text.Json.Serialization;

namespace NeuroLab.Compute.RunKinds;

/// <summary>
/// What an artifact is for, so pages and clients find it by role rather than by file name. Stored on each artifact
/// (lower-case, dash-separated: <c>unit-scores</c>) and listed with each kind at <c>GET /api/v1/run-kinds</c>.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ArtifactRole>))]
public enum ArtifactRole
{
    /// <summary>The per-unit score the run is judged by (one vector [units]; e.g. test r). At most one per run.</summary>
    UnitScores,

    /// <summary>Another per-unit vector [units] (R², chosen alpha, p-values, noise ceiling...).</summary>
    UnitValues,

    /// <summary>A per-unit value as a volume on the dataset's reference grid (NIfTI), for the brain viewer.</summary>
    VolumeMap,

    /// <summary>A table (CSV) for people and spreadsheets.</summary>
    Table,

    /// <summary>Images (e.g. reconstructions) as an array [images, height, width].</summary>
    ImageSet,

    /// <summary>Training state an interrupted run resumes from.</summary>
    Checkpoint,

    /// <summary>Any other numeric array (weights, predictions, indices, training history).</summary>
    Matrix,

    /// <summary>A JSON document (captions with their evidence, category names).</summary>
    Document,
}

/// <summary>How the values of a map read, so a viewer picks its colours and readout.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MapValues>))]
public enum MapValues
{
    /// <summary>Scores around zero (correlations): a diverging scale.</summary>
    Signed,

    /// <summary>Values from zero up (alphas, percentages): a sequential scale from the lowest.</summary>
    NonNegative,

    /// <summary>Category codes 1..n with names (<see cref="ArtifactSpec.ValueNames"/>).</summary>
    Categorical,
}

/// <summary>Names of <see cref="ArtifactRole"/> as stored and served.</summary>
public static class ArtifactRoles
{
    /// <summary>The stored/served name of <paramref name="role"/>: <c>unit-scores</c>, <c>volume-map</c>...</summary>
    public static string Name(this ArtifactRole role) => role switch
    {
        ArtifactRole.UnitScores => "unit-scores",
        ArtifactRole.UnitValues => "unit-values",
        ArtifactRole.VolumeMap => "volume-map",
        ArtifactRole.Table => "table",
        ArtifactRole.ImageSet => "image-set",
        ArtifactRole.Checkpoint => "checkpoint",
        ArtifactRole.Matrix => "matrix",
        ArtifactRole.Document => "document",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>The role named <paramref name="name"/>; null for an unknown or empty name (artifacts from before roles).</summary>
    public static ArtifactRole? Parse(string? name) =>
        Enum.GetValues<ArtifactRole>().Select(r => (ArtifactRole?)r).FirstOrDefault(r => r!.Value.Name() == name);
}

/// <summary>
/// An artifact a kind writes: its file name (with extension), role, format and what it holds. A kind declares all of
/// them in one static class of its folder; the job saves through the declaration, so names and roles cannot drift.
/// </summary>
/// <param name="FileName">File name offered on download, e.g. <c>test_r.npy</c>, <c>test_r.nii.gz</c>.</param>
/// <param name="Role">What the artifact is for.</param>
/// <param name="Description">One sentence for people (listed at <c>GET /api/v1/run-kinds</c>).</param>
/// <param name="Always">Written by every successful run (false: only with some parameters or data).</param>
/// <param name="Kind">The artifact's legacy kind column when it differs from the role's default (see <see cref="LegacyKind"/>).</param>
public sealed record ArtifactSpec(string FileName, ArtifactRole Role, string Description, bool Always = true, string? Kind = null)
{
    /// <summary>How a map's values read (volume maps): signed scores, non-negative values, or category codes.</summary>
    public MapValues Values { get; init; } = MapValues.Signed;

    /// <summary>For category maps: the JSON document naming the codes (value -> name).</summary>
    public ArtifactSpec? ValueNames { get; init; }

    /// <summary>npy, nii.gz, csv, json or png, from the file name.</summary>
    public string Format => FileName.EndsWith(".nii.gz", StringComparison.Ordinal) ? "nii.gz" : Path.GetExtension(FileName).TrimStart('.');

    /// <summary>The artifact's legacy kind column (array, map, table, json, image), kept for API clients.</summary>
    public string LegacyKind => Kind ?? Role switch
    {
        ArtifactRole.VolumeMap => "map",
        ArtifactRole.Table => "table",
        ArtifactRole.Document => "json",
        ArtifactRole.ImageSet => Format == "png" ? "image" : "array",
        _ => "array",
    };

    /// <summary>A per-unit volume map named after its unit vector: <c>test_r.npy</c> -> <c>test_r.nii.gz</c>.</summary>
    public ArtifactSpec AsVolumeMap(string description) =>
        new(Path.GetFileNameWithoutExtension(FileName) + ".nii.gz", ArtifactRole.VolumeMap, description, Always: false);
}
