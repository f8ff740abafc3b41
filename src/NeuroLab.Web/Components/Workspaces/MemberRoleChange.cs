using NeuroLab.Data.Workspaces;

namespace NeuroLab.Web.Components.Workspaces;

/// <summary>A role picked for a member in <see cref="MemberList"/>.</summary>
public sealed record MemberRoleChange(MemberSummary Member, WorkspaceRole NewRole);
