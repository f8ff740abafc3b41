using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data.Audit;
using NeuroLab.Data.Identity;
using NeuroLab.Data.Storage;

namespace NeuroLab.Data.Workspaces;

/// <summary>A workspace as one member sees it.</summary>
public sealed record WorkspaceSummary(Guid Id, string Name, WorkspaceRole Role, int MemberCount, DateTime CreatedAtUtc);

/// <summary>A member as listed to teammates.</summary>
public sealed record MemberSummary(string UserId, string Email, string? DisplayName, WorkspaceRole Role, DateTime JoinedAtUtc);

/// <summary>An audit entry as shown in a workspace's activity list.</summary>
public sealed record ActivitySummary(string Action, string? Detail, string ActorEmail, DateTime AtUtc);

/// <summary>
/// Workspace and membership rules, in one place for the UI, the REST API and (later) hubs.
/// Every method takes the acting user's id and checks their membership first: a workspace the
/// caller does not belong to raises <see cref="WorkspaceNotFoundException"/>, never a hint that it exists.
/// </summary>
public sealed class WorkspaceService(IDbContextFactory<NeuroLabDbContext> dbFactory, ILookupNormalizer normalizer, TimeProvider clock, UserLimits? limits = null)
{
    /// <summary>Workspaces the user belongs to, by name.</summary>
    public async Task<IReadOnlyList<WorkspaceSummary>> ListAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Memberships
            .Where(m => m.UserId == userId)
            .Select(m => new WorkspaceSummary(m.WorkspaceId, m.Workspace!.Name, m.Role, m.Workspace.Members.Count, m.Workspace.CreatedAtUtc))
            .ToListAsync(ct);
        return [.. rows.OrderBy(w => w.Name, StringComparer.CurrentCultureIgnoreCase).ThenBy(w => w.CreatedAtUtc)];
    }

    /// <summary>One workspace, if the user is a member.</summary>
    /// <exception cref="WorkspaceNotFoundException">No such workspace, or the user is not a member.</exception>
    public async Task<WorkspaceSummary> GetAsync(string userId, Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Memberships
            .Where(m => m.UserId == userId && m.WorkspaceId == workspaceId)
            .Select(m => new WorkspaceSummary(m.WorkspaceId, m.Workspace!.Name, m.Role, m.Workspace.Members.Count, m.Workspace.CreatedAtUtc))
            .SingleOrDefaultAsync(ct) ?? throw new WorkspaceNotFoundException(workspaceId);
    }

    /// <summary>The caller's role, or null when they are not a member. For hub joins and other access checks.</summary>
    public async Task<WorkspaceRole?> GetRoleAsync(string userId, Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var role = await db.Memberships
            .Where(m => m.UserId == userId && m.WorkspaceId == workspaceId)
            .Select(m => (WorkspaceRole?)m.Role)
            .SingleOrDefaultAsync(ct);
        return role;
    }

    /// <summary>Checks the caller holds at least <paramref name="required"/>.</summary>
    /// <exception cref="WorkspaceNotFoundException">Not a member.</exception>
    /// <exception cref="WorkspaceForbiddenException">A member with a lower role.</exception>
    public async Task<WorkspaceRole> RequireRoleAsync(string userId, Guid workspaceId, WorkspaceRole required, string action, CancellationToken ct = default)
    {
        var role = await GetRoleAsync(userId, workspaceId, ct) ?? throw new WorkspaceNotFoundException(workspaceId);
        return role >= required ? role : throw new WorkspaceForbiddenException(role, required, action);
    }

    /// <summary>Creates a workspace with the caller as its first Owner.</summary>
    /// <exception cref="WorkspaceRuleException">Conflict: the caller already owns <see cref="UserLimits.MaxWorkspacesPerUser"/> workspaces.</exception>
    public async Task<WorkspaceSummary> CreateAsync(string userId, string name, CancellationToken ct = default)
    {
        var clean = ValidateName(name);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (limits is { MaxWorkspacesPerUser: > 0 and var most }
            && await db.Memberships.CountAsync(m => m.UserId == userId && m.Role == WorkspaceRole.Owner, ct) is var owned && owned >= most)
        {
            throw new WorkspaceRuleException(
                $"You own {owned} workspaces, the most allowed per user (NeuroLab:Storage:MaxWorkspacesPerUser = {most}). " +
                "Work in one you have, or make someone else Owner of one you no longer need and leave it.", isConflict: true);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var workspace = new Workspace { Name = clean, CreatedAtUtc = now };
        workspace.Members.Add(new Membership { UserId = userId, Role = WorkspaceRole.Owner, JoinedAtUtc = now });
        db.Workspaces.Add(workspace);
        db.AuditEvents.Add(Audit(workspace.Id, userId, "workspace.created", clean));
        await db.SaveChangesAsync(ct);
        return new WorkspaceSummary(workspace.Id, clean, WorkspaceRole.Owner, 1, now);
    }

    /// <summary>Renames a workspace (Owners only).</summary>
    public async Task<WorkspaceSummary> RenameAsync(string userId, Guid workspaceId, string name, CancellationToken ct = default)
    {
        var clean = ValidateName(name);
        await RequireRoleAsync(userId, workspaceId, WorkspaceRole.Owner, "renaming the workspace", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var workspace = await db.Workspaces.SingleAsync(w => w.Id == workspaceId, ct);
        var old = workspace.Name;
        workspace.Name = clean;
        db.AuditEvents.Add(Audit(workspaceId, userId, "workspace.renamed", $"{old} -> {clean}"));
        await db.SaveChangesAsync(ct);
        return await GetAsync(userId, workspaceId, ct);
    }

    /// <summary>Members of a workspace the caller belongs to, Owners first.</summary>
    public async Task<IReadOnlyList<MemberSummary>> ListMembersAsync(string userId, Guid workspaceId, CancellationToken ct = default)
    {
        await RequireRoleAsync(userId, workspaceId, WorkspaceRole.Viewer, "listing members", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Memberships
            .Where(m => m.WorkspaceId == workspaceId)
            .Select(m => new MemberSummary(m.UserId, m.User!.Email ?? m.User.UserName ?? m.UserId, m.User.DisplayName, m.Role, m.JoinedAtUtc))
            .ToListAsync(ct);
        return [.. rows.OrderByDescending(m => m.Role).ThenBy(m => m.Email, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// Adds an existing NeuroLab account, found by email, with the given role (Owners only).
    /// People without an account are asked to register first: an invitation that anyone could claim
    /// by registering that address, unverified, would be a way into the workspace.
    /// </summary>
    public async Task<MemberSummary> AddMemberAsync(string userId, Guid workspaceId, string email, WorkspaceRole role, CancellationToken ct = default)
    {
        ValidateRole(role);
        if (string.IsNullOrWhiteSpace(email) || !email.Contains('@', StringComparison.Ordinal) || email.Length > 256)
        {
            throw new WorkspaceRuleException("Give the email address of the person to invite.");
        }
        await RequireRoleAsync(userId, workspaceId, WorkspaceRole.Owner, "inviting members", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var normalized = normalizer.NormalizeEmail(email.Trim());
        var invitee = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, ct)
            ?? throw new WorkspaceRuleException($"No NeuroLab account uses {email.Trim()}. Ask them to register first, then invite them again.");
        if (await db.Memberships.AnyAsync(m => m.WorkspaceId == workspaceId && m.UserId == invitee.Id, ct))
        {
            throw new WorkspaceRuleException($"{invitee.Email} is already a member of this workspace.", isConflict: true);
        }
        var membership = new Membership { WorkspaceId = workspaceId, UserId = invitee.Id, Role = role, JoinedAtUtc = clock.GetUtcNow().UtcDateTime };
        db.Memberships.Add(membership);
        db.AuditEvents.Add(Audit(workspaceId, userId, "member.added", $"{invitee.Email} as {role}"));
        await db.SaveChangesAsync(ct);
        return new MemberSummary(invitee.Id, invitee.Email!, invitee.DisplayName, role, membership.JoinedAtUtc);
    }

    /// <summary>Changes a member's role (Owners only). The last Owner cannot be demoted.</summary>
    public async Task<MemberSummary> ChangeRoleAsync(string userId, Guid workspaceId, string memberUserId, WorkspaceRole role, CancellationToken ct = default)
    {
        ValidateRole(role);
        await RequireRoleAsync(userId, workspaceId, WorkspaceRole.Owner, "changing roles", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Two Owners demoted at once on PostgreSQL would each still count the other; the lock orders them.
        await RowLocks.LockWorkspaceAsync(db, workspaceId, ct);
        var membership = await db.Memberships.Include(m => m.User).SingleOrDefaultAsync(m => m.WorkspaceId == workspaceId && m.UserId == memberUserId, ct)
            ?? throw new MemberNotFoundException(memberUserId);
        if (membership.Role == role)
        {
            return ToSummary(membership);
        }
        if (membership.Role == WorkspaceRole.Owner && await CountOwnersAsync(db, workspaceId, ct) == 1)
        {
            throw new WorkspaceRuleException("This is the workspace's last Owner. Make someone else an Owner first.", isConflict: true);
        }
        var old = membership.Role;
        membership.Role = role;
        db.AuditEvents.Add(Audit(workspaceId, userId, "member.role_changed", $"{membership.User?.Email}: {old} -> {role}"));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ToSummary(membership);
    }

    /// <summary>Removes a member (Owners only; anyone may remove themselves, see <see cref="LeaveAsync"/>).</summary>
    public async Task RemoveMemberAsync(string userId, Guid workspaceId, string memberUserId, CancellationToken ct = default)
    {
        if (memberUserId != userId)
        {
            await RequireRoleAsync(userId, workspaceId, WorkspaceRole.Owner, "removing members", ct);
        }
        else
        {
            await RequireRoleAsync(userId, workspaceId, WorkspaceRole.Viewer, "leaving", ct);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Two Owners demoted at once on PostgreSQL would each still count the other; the lock orders them.
        await RowLocks.LockWorkspaceAsync(db, workspaceId, ct);
        var membership = await db.Memberships.Include(m => m.User).SingleOrDefaultAsync(m => m.WorkspaceId == workspaceId && m.UserId == memberUserId, ct)
            ?? throw new MemberNotFoundException(memberUserId);
        if (membership.Role == WorkspaceRole.Owner && await CountOwnersAsync(db, workspaceId, ct) == 1)
        {
            throw new WorkspaceRuleException(
                memberUserId == userId
                    ? "You are the last Owner of this workspace and cannot leave. Make someone else an Owner first."
                    : "This is the workspace's last Owner and cannot be removed.",
                isConflict: true);
        }
        db.Memberships.Remove(membership);
        db.AuditEvents.Add(Audit(workspaceId, userId, memberUserId == userId ? "member.left" : "member.removed", membership.User?.Email));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>The caller leaves the workspace. The last Owner cannot leave.</summary>
    public Task LeaveAsync(string userId, Guid workspaceId, CancellationToken ct = default) =>
        RemoveMemberAsync(userId, workspaceId, userId, ct);

    /// <summary>Recent activity in a workspace, newest first.</summary>
    public async Task<IReadOnlyList<ActivitySummary>> ListActivityAsync(string userId, Guid workspaceId, int take = 200, CancellationToken ct = default)
    {
        await RequireRoleAsync(userId, workspaceId, WorkspaceRole.Viewer, "reading activity", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = from e in db.AuditEvents
                    where e.WorkspaceId == workspaceId
                    orderby e.AtUtc descending, e.Id descending
                    join u in db.Users on e.ActorUserId equals u.Id into actors
                    from u in actors.DefaultIfEmpty()
                    select new ActivitySummary(e.Action, e.Detail, u != null ? u.Email ?? u.UserName ?? "?" : "(deleted user)", e.AtUtc);
        return await query.Take(Math.Clamp(take, 1, 1000)).ToListAsync(ct);
    }

    /// <summary>Trims and checks a workspace name.</summary>
    /// <exception cref="WorkspaceRuleException">Empty, too long, or containing control characters.</exception>
    public static string ValidateName(string? name)
    {
        // Invisible bidi overrides and zero-width characters would let a name display as another.
        var clean = UserText.RemoveFormatCharacters(name ?? string.Empty).Trim();
        if (clean.Length == 0)
        {
            throw new WorkspaceRuleException("A workspace needs a name.");
        }
        if (clean.Length > Workspace.MaxNameLength)
        {
            throw new WorkspaceRuleException($"Workspace names are at most {Workspace.MaxNameLength} characters (this one has {clean.Length}).");
        }
        if (clean.Any(char.IsControl))
        {
            throw new WorkspaceRuleException("Workspace names cannot contain control characters.");
        }
        return clean;
    }

    private static void ValidateRole(WorkspaceRole role)
    {
        if (!Enum.IsDefined(role))
        {
            throw new WorkspaceRuleException($"Unknown role '{role}'. Use owner, editor or viewer.");
        }
    }

    private static Task<int> CountOwnersAsync(NeuroLabDbContext db, Guid workspaceId, CancellationToken ct) =>
        db.Memberships.CountAsync(m => m.WorkspaceId == workspaceId && m.Role == WorkspaceRole.Owner, ct);

    private static MemberSummary ToSummary(Membership m) =>
        new(m.UserId, m.User?.Email ?? m.UserId, m.User?.DisplayName, m.Role, m.JoinedAtUtc);

    private AuditEvent Audit(Guid workspaceId, string actor, string action, string? detail) =>
        new() { WorkspaceId = workspaceId, ActorUserId = actor, Action = action, Detail = detail, AtUtc = clock.GetUtcNow().UtcDateTime };
}

/// <summary>The user named is not a member of the workspace (API answers 404).</summary>
public sealed class MemberNotFoundException(string userId) : Exception($"User {userId} is not a member of this workspace.")
{
    public string UserId { get; } = userId;
}
