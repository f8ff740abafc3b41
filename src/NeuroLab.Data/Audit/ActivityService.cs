using Microsoft.EntityFrameworkCore;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Data.Audit;

/// <summary>
/// One entry of the feed or the audit log. <see cref="Kind"/> is the group (<see cref="ActivityKinds"/>);
/// <see cref="RunId"/> and <see cref="DatasetId"/> link the run or dataset where it is known.
/// </summary>
public sealed record ActivityItem(
    long Id, string Action, string Kind, string? Detail, string ActorUserId, string Actor, DateTime AtUtc, Guid? RunId = null, Guid? DatasetId = null, int? Unit = null);

/// <summary>
/// The workspace feed (every member) and audit log (Owners), newest first, a page at a time (<c>before</c> an
/// instant, at most <see cref="MaxPage"/> items). Links to runs, datasets and captions are found without extra
/// columns: the events written with a run's or dataset's timestamps (queued = created, started, finished; imported =
/// created; a caption review = its last update) are matched to those rows by actor and instant.
/// </summary>
public sealed class ActivityService(IDbContextFactory<NeuroLabDbContext> dbFactory, WorkspaceService workspaces)
{
    public const int DefaultPage = 50;
    public const int MaxPage = 200;

    /// <summary>What the team did, for every member.</summary>
    /// <exception cref="WorkspaceNotFoundException">Not a member.</exception>
    public async Task<IReadOnlyList<ActivityItem>> ListFeedAsync(string userId, Guid workspaceId, DateTime? beforeUtc = null, int take = DefaultPage, CancellationToken ct = default)
    {
        await workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Viewer, "reading activity", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.AuditEvents.Where(e => e.WorkspaceId == workspaceId).Where(ActivityKinds.FeedFilter);
        return await PageAsync(db, query, beforeUtc, take, ct);
    }

    /// <summary>Security-relevant actions, for Owners: member and workspace changes, deletions, and the tokens the workspace's current members created or revoked.</summary>
    /// <exception cref="WorkspaceNotFoundException">Not a member.</exception>
    /// <exception cref="WorkspaceForbiddenException">An Editor or Viewer.</exception>
    public async Task<IReadOnlyList<ActivityItem>> ListAuditAsync(string userId, Guid workspaceId, DateTime? beforeUtc = null, int take = DefaultPage, CancellationToken ct = default)
    {
        await workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Owner, "reading the audit log", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var own = db.AuditEvents.Where(e => e.WorkspaceId == workspaceId).Where(ActivityKinds.AuditFilter);
        var tokens = db.AuditEvents.Where(e => e.WorkspaceId == null && e.Action.StartsWith("token.")
            && db.Memberships.Any(m => m.WorkspaceId == workspaceId && m.UserId == e.ActorUserId));
        return await PageAsync(db, own.Concat(tokens), beforeUtc, take, ct);
    }

    /// <summary>Turns saved events into items (actor's email, links). Used for pages and for live events.</summary>
    public static async Task<IReadOnlyList<ActivityItem>> DescribeAsync(NeuroLabDbContext db, IReadOnlyList<AuditEvent> events, CancellationToken ct = default)
    {
        if (events.Count == 0)
        {
            return [];
        }
        var actorIds = events.Select(e => e.ActorUserId).Distinct().ToList();
        var actors = await db.Users.Where(u => actorIds.Contains(u.Id)).Select(u => new { u.Id, Name = u.Email ?? u.UserName }).ToDictionaryAsync(u => u.Id, u => u.Name, ct);
        var links = await LinksAsync(db, events, ct);
        return [.. events.Select(e =>
        {
            links.TryGetValue(e.Id, out var link);
            return new ActivityItem(e.Id, e.Action, ActivityKinds.KindOf(e.Action), e.Detail, e.ActorUserId,
                actors.TryGetValue(e.ActorUserId, out var name) ? name ?? "?" : "(deleted user)", e.AtUtc, link.RunId, link.DatasetId, link.Unit);
        })];
    }

    private static async Task<IReadOnlyList<ActivityItem>> PageAsync(NeuroLabDbContext db, IQueryable<AuditEvent> query, DateTime? beforeUtc, int take, CancellationToken ct)
    {
        if (beforeUtc is { } before)
        {
            // Times are stored in UTC without a kind; a time given without an offset (as the API returns them) is UTC too.
            var b = before.Kind == DateTimeKind.Unspecified ? before : before.ToUniversalTime();
            query = query.Where(e => e.AtUtc < b);
        }
        var events = await query.OrderByDescending(e => e.AtUtc).ThenByDescending(e => e.Id).Take(Math.Clamp(take, 1, MaxPage)).AsNoTracking().ToListAsync(ct);
        return await DescribeAsync(db, events, ct);
    }

    private static async Task<Dictionary<long, (Guid? RunId, Guid? DatasetId, int? Unit)>> LinksAsync(NeuroLabDbContext db, IReadOnlyList<AuditEvent> events, CancellationToken ct)
    {
        var result = new Dictionary<long, (Guid?, Guid?, int?)>();
        foreach (var group in events.Where(e => e.WorkspaceId is not null).GroupBy(e => e.WorkspaceId!.Value))
        {
            var ws = group.Key;
            // Rows read back are as precise as the database keeps them (PostgreSQL: microseconds); the events being saved
            // still hold ticks. Times are compared at microsecond precision.
            var from = Microseconds(group.Min(e => e.AtUtc));
            var to = group.Max(e => e.AtUtc);
            var runEvents = group.Where(e => e.Action.StartsWith("run.", StringComparison.Ordinal)).ToList();
            if (runEvents.Count > 0)
            {
                var runs = await db.Runs.Where(r => r.WorkspaceId == ws && ((r.CreatedAtUtc >= from && r.CreatedAtUtc <= to)
                        || (r.StartedAtUtc >= from && r.StartedAtUtc <= to) || (r.FinishedAtUtc >= from && r.FinishedAtUtc <= to)))
                    .Select(r => new { r.Id, r.CreatedByUserId, r.CreatedAtUtc, r.StartedAtUtc, r.FinishedAtUtc, r.DatasetId }).ToListAsync(ct);
                foreach (var e in runEvents)
                {
                    var run = runs.FirstOrDefault(r => r.CreatedByUserId == e.ActorUserId && e.Action switch
                    {
                        "run.queued" => Same(r.CreatedAtUtc, e.AtUtc),
                        "run.started" => r.StartedAtUtc is { } started && Same(started, e.AtUtc),
                        _ => r.FinishedAtUtc is { } finished && Same(finished, e.AtUtc),
                    });
                    if (run is not null)
                    {
                        result[e.Id] = (run.Id, run.DatasetId, null);
                    }
                }
            }
            var imports = group.Where(e => e.Action == "dataset.imported").ToList();
            if (imports.Count > 0)
            {
                var datasets = await db.Datasets.Where(d => d.WorkspaceId == ws && d.CreatedAtUtc >= from && d.CreatedAtUtc <= to)
                    .Select(d => new { d.Id, d.CreatedByUserId, d.CreatedAtUtc }).ToListAsync(ct);
                foreach (var e in imports)
                {
                    if (datasets.FirstOrDefault(d => d.CreatedByUserId == e.ActorUserId && Same(d.CreatedAtUtc, e.AtUtc)) is { } d)
                    {
                        result[e.Id] = (null, d.Id, null);
                    }
                }
            }
            var reviews = group.Where(e => e.Action == ActivityKinds.CaptionReviewed).ToList();
            if (reviews.Count > 0)
            {
                var rows = await db.CaptionReviews.Where(r => r.UpdatedAtUtc >= from && r.UpdatedAtUtc <= to && db.Runs.Any(x => x.Id == r.RunId && x.WorkspaceId == ws))
                    .Select(r => new { r.RunId, r.Unit, r.UserId, r.UpdatedAtUtc }).ToListAsync(ct);
                foreach (var e in reviews)
                {
                    if (rows.FirstOrDefault(r => r.UserId == e.ActorUserId && Same(r.UpdatedAtUtc, e.AtUtc)) is { } r)
                    {
                        result[e.Id] = (r.RunId, null, r.Unit);
                    }
                }
            }
        }
        return result;
    }

    /// <summary>The time truncated to whole microseconds (the precision PostgreSQL stores; SQLite keeps ticks).</summary>
    private static DateTime Microseconds(DateTime t) => new(t.Ticks - t.Ticks % 10, t.Kind);

    private static bool Same(DateTime stored, DateTime saved) => Microseconds(stored) == Microseconds(saved);
}
