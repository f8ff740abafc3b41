namespace NeuroLab.Data.Datasets;

/// <summary>
/// A file uploaded into a workspace but not yet part of a dataset: stored in the content store, inspected,
/// waiting for the user to assign roles and save. Expired staged uploads are cleaned up with their blobs.
/// </summary>
public sealed class StagedUpload
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid WorkspaceId { get; set; }

    public required string UserId { get; set; }

    public required string FileName { get; set; }

    public required string Sha256 { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>Detected format, or null when the file could not be read.</summary>
    public string? Format { get; set; }

    /// <summary>The inspection as JSON (shape, dtype, affine, summary, warnings).</summary>
    public string? InspectionJson { get; set; }

    /// <summary>Why the file cannot be used, naming the problem; null when it is fine.</summary>
    public string? Error { get; set; }

    public DateTime CreatedAtUtc { get; set; } = DateTime.UtcNow;
}
