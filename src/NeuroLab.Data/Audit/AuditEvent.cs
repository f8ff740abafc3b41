namespace NeuroLab.Data.Audit;

/// <summary>Something a person did that teammates may later ask about ("who removed Sam?").</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    /// <summary>The workspace it happened in; null for account-level events.</summary>
    public Guid? WorkspaceId { get; set; }

    public required string ActorUserId { get; set; }

    /// <summary>A stable dotted name, e.g. <c>workspace.created</c>, <c>member.role_changed</c>.</summary>
    public required string Action { get; set; }

    /// <summary>Human-readable detail ("bob@lab.org: viewer -> editor").</summary>
    public string? Detail { get; set; }

    public DateTime AtUtc { get; set; } = DateTime.UtcNow;
}
