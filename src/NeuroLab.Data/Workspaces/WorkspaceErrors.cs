namespace NeuroLab.Data.Workspaces;

/// <summary>
/// The workspace does not exist <em>or</em> the caller is not a member. The two are deliberately
/// indistinguishable so outsiders cannot probe which workspace ids exist (API answers 404).
/// </summary>
public sealed class WorkspaceNotFoundException(Guid workspaceId)
    : Exception($"Workspace {workspaceId} was not found.")
{
    public Guid WorkspaceId { get; } = workspaceId;
}

/// <summary>The caller is a member but their role does not allow the action (API answers 403).</summary>
public sealed class WorkspaceForbiddenException(WorkspaceRole actual, WorkspaceRole required, string action)
    : Exception($"Your role in this workspace is {actual}; {action} needs {required} or higher.")
{
    public WorkspaceRole Actual { get; } = actual;

    public WorkspaceRole Required { get; } = required;
}

/// <summary>A request that breaks a workspace rule or is invalid (API answers 400 or 409).</summary>
public sealed class WorkspaceRuleException(string message, bool isConflict = false) : Exception(message)
{
    /// <summary>True when the request conflicts with the current state (e.g. already a member).</summary>
    public bool IsConflict { get; } = isConflict;
}
