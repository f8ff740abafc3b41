namespace NeuroLab.Data.Captions;

/// <summary>A reviewer's judgement of a caption.</summary>
public enum CaptionVerdict
{
    /// <summary>The caption describes what the unit prefers.</summary>
    Accurate,

    /// <summary>Partly right (e.g. one of its words fits).</summary>
    Partly,

    /// <summary>The caption does not describe the unit.</summary>
    Wrong,
}

/// <summary>One member's review of one unit's caption in a voxel-captions run (one per member, unit and run; saving again replaces it).</summary>
public sealed class CaptionReview
{
    public long Id { get; set; }

    public Guid RunId { get; set; }

    public int Unit { get; set; }

    public required string UserId { get; set; }

    public CaptionVerdict Verdict { get; set; }

    public string? Comment { get; set; }

    public DateTime UpdatedAtUtc { get; set; } = DateTime.UtcNow;
}
