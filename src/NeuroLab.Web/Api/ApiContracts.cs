using NeuroLab.Data.Workspaces;

namespace NeuroLab.Web.Api;

/// <summary>POST /api/v1/account/register and /login.</summary>
public sealed record CredentialsRequest(string? Email, string? Password);

/// <summary>POST /api/v1/account/refresh.</summary>
public sealed record RefreshRequest(string? RefreshToken);

/// <summary>GET /api/v1/account/me.</summary>
public sealed record AccountResponse(string Id, string Email, string? DisplayName);

/// <summary>POST /api/v1/account/tokens. <c>ExpiresInDays</c> null: the token does not expire.</summary>
public sealed record CreateTokenRequest(string? Name, int? ExpiresInDays);

/// <summary>A token as listed (never the secret).</summary>
public sealed record TokenResponse(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>Answer to token creation: <c>Secret</c> appears here once and is never shown again.</summary>
public sealed record CreatedTokenResponse(TokenResponse Token, string Secret);

/// <summary>POST /api/v1/workspaces and PATCH /api/v1/workspaces/{id}.</summary>
public sealed record WorkspaceNameRequest(string? Name);

/// <summary>A workspace as the caller sees it.</summary>
public sealed record WorkspaceResponse(Guid Id, string Name, string Role, int MemberCount, DateTime CreatedAt);

/// <summary>POST /api/v1/workspaces/{id}/members.</summary>
public sealed record AddMemberRequest(string? Email, string? Role);

/// <summary>PATCH /api/v1/workspaces/{id}/members/{userId}.</summary>
public sealed record ChangeRoleRequest(string? Role);

/// <summary>A member of a workspace.</summary>
public sealed record MemberResponse(string UserId, string Email, string? DisplayName, string Role, DateTime JoinedAt);

/// <summary>
/// One entry of the feed or the audit log: <c>kind</c> groups actions (run, dataset, comment, review, member, workspace,
/// token); <c>runId</c>, <c>datasetId</c> and <c>unit</c> link what it is about where known.
/// </summary>
public sealed record ActivityResponse(string Action, string? Detail, string Actor, DateTime At, long Id, string Kind, string ActorUserId, Guid? RunId, Guid? DatasetId, int? Unit)
{
    public static ActivityResponse From(Data.Audit.ActivityItem a) => new(a.Action, a.Detail, a.Actor, a.AtUtc, a.Id, a.Kind, a.ActorUserId, a.RunId, a.DatasetId, a.Unit);
}

internal static class ApiMapping
{
    public static string ToApi(this WorkspaceRole role) => role.ToString().ToLowerInvariant();

    /// <summary>Parses "owner", "editor" or "viewer" (any case).</summary>
    /// <exception cref="WorkspaceRuleException">Anything else, with a message listing the valid roles.</exception>
    public static WorkspaceRole ParseRole(string? role) =>
        role is not null && Enum.TryParse<WorkspaceRole>(role.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !char.IsDigit(role.Trim()[0])
            ? parsed
            : throw new WorkspaceRuleException($"Unknown role '{role}'. Use owner, editor or viewer.");

    public static WorkspaceResponse ToApi(this WorkspaceSummary w) => new(w.Id, w.Name, w.Role.ToApi(), w.MemberCount, w.CreatedAtUtc);

    public static MemberResponse ToApi(this MemberSummary m) => new(m.UserId, m.Email, m.DisplayName, m.Role.ToApi(), m.JoinedAtUtc);

    public static TokenResponse ToApi(this Data.Identity.ApiTokenSummary t) => new(t.Id, t.Name, t.Prefix, t.CreatedAtUtc, t.ExpiresAtUtc, t.LastUsedAtUtc, t.RevokedAtUtc);
}
