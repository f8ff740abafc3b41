namespace NeuroLab.Data.Workspaces;

/// <summary>A team's shared space: datasets, experiments, runs and annotations all live inside one.</summary>
public sealed class Workspace
{
    public const int MaxNameLength = 100;

    public Guid Id { get; set; } = Guid.NewGuid();

    public required string Name { get; set; }

    public DateTime CreatedAtUtc { get; set; } = DateTime.UtcNow;

    public List<Membership> Members { get; set; } = [];
}

/// <summary>What a member may do. Each role includes the ones below it.</summary>
public enum WorkspaceRole
{
    /// <summary>Read everything and comment.</summary>
    Viewer = 1,

    /// <summary>Also import data and launch runs.</summary>
    Editor = 2,

    /// <summary>Also rename the workspace and manage members.</summary>
    Owner = 3,
}

/// <summary>One user's membership of one workspace.</summary>
public sealed class Membership
{
    public Guid WorkspaceId { get; set; }

    public Workspace? Workspace { get; set; }

    public required string UserId { get; set; }

    public Identity.ApplicationUser? User { get; set; }

    public WorkspaceRole Role { get; set; }

    public DateTime JoinedAtUtc { get; set; } = DateTime.UtcNow;
}
