using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.Events;
using NeuroLab.Compute.Geometry;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.Reconstruction;
using NeuroLab.Data;
using NeuroLab.Data.Annotations;
using NeuroLab.Data.Audit;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Workspaces;
using NeuroLab.Web.Captions;

namespace NeuroLab.Web.Annotations;

/// <summary>A workspace member named in a comment.</summary>
public sealed record MentionView(string UserId, string Name);

/// <summary>A comment as the API returns it and the UI shows it: a thread (with its replies) or one reply.</summary>
public sealed record AnnotationView(
    Guid Id, Guid WorkspaceId, Guid? ParentId, string TargetKind, string TargetKey, JsonObject Target, Guid? RunId, Guid? DatasetId,
    string AuthorUserId, string Author, string Body, string BodyHtml, DateTime CreatedAtUtc, DateTime? EditedAtUtc, int Revisions,
    bool Resolved, string? ResolvedBy, DateTime? ResolvedAtUtc, IReadOnlyList<MentionView> Mentions, IReadOnlyList<AnnotationView> Replies);

/// <summary>An earlier body of an edited comment.</summary>
public sealed record AnnotationRevisionView(string Body, string BodyHtml, DateTime WrittenAtUtc, DateTime ReplacedAtUtc);

/// <summary>How much discussion one target has (badges, viewer markers).</summary>
public sealed record AnnotationTargetCount(string TargetKey, string TargetKind, JsonObject Target, Guid? RunId, int Threads, int OpenThreads, int Comments)
{
    /// <summary>The counts keyed by a whole-number field of their targets (a unit, an image index), for badges in tables and galleries.</summary>
    public static Dictionary<int, AnnotationTargetCount> ByNumber(IEnumerable<AnnotationTargetCount> counts, string field) =>
        counts.Where(c => c.Target[field] is JsonValue v && v.TryGetValue<int>(out _)).ToDictionary(c => c.Target[field]!.GetValue<int>());
}

/// <summary>One mention of the caller: an inbox entry.</summary>
public sealed record InboxItem(
    long Id, Guid WorkspaceId, string Workspace, Guid AnnotationId, Guid ThreadId, string TargetKind, string TargetKey, JsonObject Target,
    string Author, string Excerpt, DateTime CreatedAtUtc, DateTime? ReadAtUtc);

/// <summary>The caller's mentions, newest first, with the number unread.</summary>
public sealed record Inbox(int Unread, IReadOnlyList<InboxItem> Items);

/// <summary>Filters of a comment listing; null means any.</summary>
public sealed record AnnotationQuery(string? Kind = null, Guid? RunId = null, Guid? DatasetId = null, int? Unit = null, string? TargetKey = null,
    string? Space = null, bool? Resolved = null, int Take = 200);

/// <summary>No such comment among the caller's workspaces (API answers 404).</summary>
public sealed class AnnotationNotFoundException(Guid id) : Exception($"Comment {id} was not found.")
{
    public Guid Id { get; } = id;
}

/// <summary>A member may not do this to this comment (API answers 403): editing another's comment, deleting it without being an Owner.</summary>
public sealed class AnnotationForbiddenException(string message) : Exception(message);

/// <summary>
/// Comments pinned to runs, units, points, regions, captions, stimuli, reconstructions and RDM cells, with threads,
/// edit history, resolve/reopen and @mentions. Rules: every member (Viewers included) may comment, reply and resolve;
/// only the author edits a comment; the author or an Owner deletes it (a thread with its replies). Every change is
/// published on the workspace event stream (annotation.created/updated/deleted/resolved/reopened) for live pages and
/// hub clients, and written to the activity log. A workspace the caller is not in is "not found".
/// </summary>
public sealed partial class AnnotationService(
    IDbContextFactory<NeuroLabDbContext> dbFactory, WorkspaceService workspaces, RunKindRegistry kinds, UnitGeometryService geometry,
    CaptionService captions, IWorkspaceEventBus bus, TimeProvider clock)
{
    private const int ExcerptLength = 120;

    /// <summary>Most threads <see cref="ThreadsForRunAsync"/> returns (the run report prints at most 2,000 comments).</summary>
    public const int MaxReportThreads = 2000;

    public async Task<IReadOnlyList<AnnotationView>> ListAsync(string userId, Guid workspaceId, AnnotationQuery query, CancellationToken ct = default)
    {
        await workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Viewer, "reading comments", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var threads = db.Annotations.AsNoTracking().Where(a => a.WorkspaceId == workspaceId && a.ParentId == null);
        if (query.Kind is { } kind)
        {
            var known = AnnotationTarget.Kinds.FirstOrDefault(k => string.Equals(k, kind, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"Unknown target kind '{kind}'; one of {string.Join(", ", AnnotationTarget.Kinds)}.");
            threads = threads.Where(a => a.TargetKind == known);
        }
        if (query.RunId is { } run)
        {
            threads = threads.Where(a => a.RunId == run);
        }
        if (query.DatasetId is { } dataset)
        {
            threads = threads.Where(a => a.DatasetId == dataset);
        }
        if (query.Unit is { } unit)
        {
            var suffix = ":" + unit.ToString(CultureInfo.InvariantCulture);
            threads = threads.Where(a => (a.TargetKind == "unit" || a.TargetKind == "caption") && a.TargetKey.EndsWith(suffix));
        }
        if (query.TargetKey is { } key)
        {
            threads = threads.Where(a => a.TargetKey == key);
        }
        if (query.Space is { } space)
        {
            // Points pinned in the space, and units of runs whose voxels live in it (their target carries the space).
            var needle = $"\"space\":\"{space.ToLowerInvariant()}\"";
            threads = threads.Where(a => a.TargetJson.Contains(needle));
        }
        if (query.Resolved is { } resolved)
        {
            threads = resolved ? threads.Where(a => a.ResolvedAtUtc != null) : threads.Where(a => a.ResolvedAtUtc == null);
        }
        var roots = await threads.OrderByDescending(a => a.CreatedAtUtc).Take(Math.Clamp(query.Take, 1, 1000)).ToListAsync(ct);
        return await ViewsAsync(db, roots, ct);
    }

    /// <summary>Comment counts per target (threads, open threads, comments), for badges and markers.</summary>
    public async Task<IReadOnlyList<AnnotationTargetCount>> CountsAsync(string userId, Guid workspaceId, Guid? runId, string? kind, CancellationToken ct = default)
    {
        await workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Viewer, "reading comments", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Annotations.AsNoTracking()
            .Where(a => a.WorkspaceId == workspaceId && (runId == null || a.RunId == runId) && (kind == null || a.TargetKind == kind))
            .Select(a => new { a.TargetKey, a.TargetKind, a.TargetJson, a.RunId, IsThread = a.ParentId == null, Open = a.ParentId == null && a.ResolvedAtUtc == null })
            .ToListAsync(ct);
        return [.. rows.GroupBy(r => r.TargetKey).Select(g => new AnnotationTargetCount(
            g.Key, g.First().TargetKind, ParseTarget(g.First().TargetJson), g.First().RunId, g.Count(r => r.IsThread), g.Count(r => r.Open), g.Count()))
            .OrderBy(c => c.TargetKey, StringComparer.Ordinal)];
    }

    public async Task<AnnotationView> GetAsync(string userId, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var annotation = await FindAsync(db, userId, id, ct);
        return (await ViewsAsync(db, [annotation], ct))[0];
    }

    public async Task<AnnotationView> CreateAsync(string userId, Guid workspaceId, JsonElement target, string? body, CancellationToken ct = default)
    {
        await workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Viewer, "commenting", ct);
        var text = CleanBody(body);
        var parsed = AnnotationTarget.Parse(target);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (json, runId, datasetId) = await ResolveAsync(db, userId, workspaceId, parsed, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var annotation = new Annotation
        {
            WorkspaceId = workspaceId, TargetKind = parsed.Kind, TargetKey = parsed.Key, TargetJson = json.ToJsonString(), RunId = runId, DatasetId = datasetId,
            AuthorUserId = userId, Body = text, CreatedAtUtc = now,
        };
        await AddMentionsAsync(db, annotation, now, ct);
        db.Annotations.Add(annotation);
        db.AuditEvents.Add(Audit(annotation, userId, "annotation.created", now));
        await db.SaveChangesAsync(ct);
        return await PublishAsync(db, "annotation.created", annotation, annotation, userId, now, ct);
    }

    /// <summary>Adds a reply to the thread of <paramref name="id"/> (a reply to a reply joins the same thread).</summary>
    public async Task<AnnotationView> ReplyAsync(string userId, Guid id, string? body, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var parent = await FindAsync(db, userId, id, ct);
        var text = CleanBody(body);
        var root = parent.ParentId is { } rootId ? await db.Annotations.SingleAsync(a => a.Id == rootId, ct) : parent;
        var now = clock.GetUtcNow().UtcDateTime;
        var reply = new Annotation
        {
            WorkspaceId = root.WorkspaceId, ParentId = root.Id, TargetKind = root.TargetKind, TargetKey = root.TargetKey, TargetJson = root.TargetJson,
            RunId = root.RunId, DatasetId = root.DatasetId, AuthorUserId = userId, Body = text, CreatedAtUtc = now,
        };
        await AddMentionsAsync(db, reply, now, ct);
        db.Annotations.Add(reply);
        db.AuditEvents.Add(Audit(reply, userId, "annotation.replied", now));
        await db.SaveChangesAsync(ct);
        return await PublishAsync(db, "annotation.created", reply, root, userId, now, ct);
    }

    /// <summary>Replaces the body of the caller's own comment, keeping the old one in its history.</summary>
    public async Task<AnnotationView> EditAsync(string userId, Guid id, string? body, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var annotation = await FindAsync(db, userId, id, ct);
        var text = CleanBody(body);
        if (annotation.AuthorUserId != userId)
        {
            throw new AnnotationForbiddenException("Only the author of a comment can edit it.");
        }
        if (annotation.Body == text)
        {
            return (await ViewsAsync(db, [annotation], ct))[0];
        }
        var now = clock.GetUtcNow().UtcDateTime;
        db.AnnotationRevisions.Add(new AnnotationRevision { AnnotationId = annotation.Id, Body = annotation.Body, WrittenAtUtc = annotation.EditedAtUtc ?? annotation.CreatedAtUtc, ReplacedAtUtc = now });
        annotation.Body = text;
        annotation.EditedAtUtc = now;
        await db.Entry(annotation).Collection(a => a.Mentions).LoadAsync(ct);
        await AddMentionsAsync(db, annotation, now, ct);
        db.AuditEvents.Add(Audit(annotation, userId, "annotation.edited", now));
        await db.SaveChangesAsync(ct);
        return await PublishAsync(db, "annotation.updated", annotation, await RootAsync(db, annotation, ct), userId, now, ct);
    }

    /// <summary>Deletes a comment (a thread with its replies): its author, or an Owner of the workspace.</summary>
    public async Task DeleteAsync(string userId, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var annotation = await FindAsync(db, userId, id, ct);
        if (annotation.AuthorUserId != userId && await workspaces.GetRoleAsync(userId, annotation.WorkspaceId, ct) != WorkspaceRole.Owner)
        {
            throw new AnnotationForbiddenException("Only the author of a comment or an Owner of the workspace can delete it.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var replies = await db.Annotations.Where(a => a.ParentId == annotation.Id).ToListAsync(ct);
        db.Annotations.RemoveRange(replies);
        db.Annotations.Remove(annotation);
        db.AuditEvents.Add(Audit(annotation, userId, "annotation.deleted", now));
        await db.SaveChangesAsync(ct);
        bus.Publish(new WorkspaceEvent
        {
            WorkspaceId = annotation.WorkspaceId, Type = "annotation.deleted", TargetKey = annotation.TargetKey, RunId = annotation.RunId,
            ActorUserId = userId, Actor = await NameAsync(db, userId, ct), AnnotationId = annotation.Id,
            Data = new { annotation.Id, annotation.ParentId, annotation.TargetKind, annotation.TargetKey, Replies = replies.Count }, AtUtc = now,
        });
    }

    /// <summary>Resolves (or reopens) the thread of <paramref name="id"/>; any member may.</summary>
    public async Task<AnnotationView> SetResolvedAsync(string userId, Guid id, bool resolved, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var annotation = await FindAsync(db, userId, id, ct);
        var root = await RootAsync(db, annotation, ct);
        if ((root.ResolvedAtUtc is not null) == resolved)
        {
            return (await ViewsAsync(db, [root], ct))[0];
        }
        var now = clock.GetUtcNow().UtcDateTime;
        root.ResolvedAtUtc = resolved ? now : null;
        root.ResolvedByUserId = resolved ? userId : null;
        var action = resolved ? "annotation.resolved" : "annotation.reopened";
        db.AuditEvents.Add(Audit(root, userId, action, now));
        await db.SaveChangesAsync(ct);
        return await PublishAsync(db, action, root, root, userId, now, ct);
    }

    /// <summary>The earlier bodies of an edited comment, oldest first.</summary>
    public async Task<IReadOnlyList<AnnotationRevisionView>> HistoryAsync(string userId, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var annotation = await FindAsync(db, userId, id, ct);
        var rows = await db.AnnotationRevisions.AsNoTracking().Where(r => r.AnnotationId == annotation.Id).OrderBy(r => r.Id).ToListAsync(ct);
        return [.. rows.Select(r => new AnnotationRevisionView(r.Body, AnnotationMarkdown.ToHtml(r.Body), r.WrittenAtUtc, r.ReplacedAtUtc))];
    }

    /// <summary>The caller's mentions in every workspace they are still in (or one), newest first.</summary>
    public async Task<Inbox> InboxAsync(string userId, Guid? workspaceId, bool unreadOnly, int take = 100, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var mine = from m in db.AnnotationMentions.AsNoTracking()
                   where m.UserId == userId && (workspaceId == null || m.WorkspaceId == workspaceId)
                   join member in db.Memberships on new { m.WorkspaceId, m.UserId } equals new { member.WorkspaceId, member.UserId }
                   select m;
        var unread = await mine.CountAsync(m => m.ReadAtUtc == null, ct);
        var rows = await (from m in mine
                          where !unreadOnly || m.ReadAtUtc == null
                          orderby m.CreatedAtUtc descending, m.Id descending
                          join a in db.Annotations on m.AnnotationId equals a.Id
                          join w in db.Workspaces on m.WorkspaceId equals w.Id
                          join u in db.Users on a.AuthorUserId equals u.Id into authors
                          from u in authors.DefaultIfEmpty()
                          select new { MentionId = m.Id, m.WorkspaceId, Workspace = w.Name, AnnotationId = a.Id, a.ParentId, a.TargetKind, a.TargetKey, a.TargetJson, Author = u != null ? u.DisplayName ?? u.Email : null, a.Body, m.CreatedAtUtc, m.ReadAtUtc })
            .Take(Math.Clamp(take, 1, 500)).ToListAsync(ct);
        return new Inbox(unread, [.. rows.Select(r => new InboxItem(r.MentionId, r.WorkspaceId, r.Workspace, r.AnnotationId, r.ParentId ?? r.AnnotationId, r.TargetKind, r.TargetKey,
            ParseTarget(r.TargetJson), r.Author ?? "(deleted user)", Excerpt(r.Body), r.CreatedAtUtc, r.ReadAtUtc))]);
    }

    /// <summary>Marks the caller's mentions read: the ones named, or all of them (in one workspace, or everywhere).</summary>
    public async Task<int> MarkReadAsync(string userId, IReadOnlyCollection<long>? ids, Guid? workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var query = db.AnnotationMentions.Where(m => m.UserId == userId && m.ReadAtUtc == null && (workspaceId == null || m.WorkspaceId == workspaceId));
        if (ids is { Count: > 0 })
        {
            query = query.Where(m => ids.Contains(m.Id));
        }
        var touched = await query.Select(m => m.WorkspaceId).Distinct().ToListAsync(ct);
        var count = await query.ExecuteUpdateAsync(s => s.SetProperty(m => m.ReadAtUtc, now), ct);
        foreach (var ws in touched)
        {
            // For the reader's other pages only: the hub forwarder keeps mention.* events off the workspace group.
            bus.Publish(new WorkspaceEvent { WorkspaceId = ws, Type = "mention.read", ActorUserId = userId, AtUtc = now });
        }
        return count;
    }

    /// <summary>Every thread about a run (the run itself, its units, captions, reconstructions, cells), oldest first; for the run report.</summary>
    public async Task<IReadOnlyList<AnnotationView>> ThreadsForRunAsync(string userId, Guid runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => new { r.WorkspaceId }).SingleOrDefaultAsync(ct);
        if (run is null || await workspaces.GetRoleAsync(userId, run.WorkspaceId, ct) is null)
        {
            throw new Compute.Runs.RunNotFoundException(runId);
        }
        // The report prints at most 2,000 comments; more threads than that are never needed.
        var roots = await db.Annotations.AsNoTracking().Where(a => a.RunId == runId && a.ParentId == null).OrderBy(a => a.CreatedAtUtc).Take(MaxReportThreads).ToListAsync(ct);
        return await ViewsAsync(db, roots, ct);
    }

    private async Task<Annotation> FindAsync(NeuroLabDbContext db, string userId, Guid id, CancellationToken ct)
    {
        var annotation = await db.Annotations.SingleOrDefaultAsync(a => a.Id == id, ct);
        if (annotation is null || await workspaces.GetRoleAsync(userId, annotation.WorkspaceId, ct) is null)
        {
            throw new AnnotationNotFoundException(id);
        }
        return annotation;
    }

    private static async Task<Annotation> RootAsync(NeuroLabDbContext db, Annotation annotation, CancellationToken ct) =>
        annotation.ParentId is { } rootId ? await db.Annotations.SingleAsync(a => a.Id == rootId, ct) : annotation;

    /// <summary>Checks the target's references against the workspace and adds what the server knows (a voxel's mm, a region's name).</summary>
    private async Task<(JsonObject Json, Guid? RunId, Guid? DatasetId)> ResolveAsync(NeuroLabDbContext db, string userId, Guid workspaceId, AnnotationTarget target, CancellationToken ct)
    {
        var extra = new Dictionary<string, JsonNode?>();
        Run? run = null;
        if (target.RunId is { } runId)
        {
            run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId && r.WorkspaceId == workspaceId, ct)
                ?? throw new ArgumentException($"Run {runId} is not in this workspace.");
        }
        switch (target.Kind)
        {
            case "unit":
                await CheckUnitAsync(db, run!, target.Unit!.Value, extra, ct);
                break;
            case "caption":
                if (run!.Kind != RunKindNames.VoxelCaptions)
                {
                    throw new ArgumentException($"Run {run.Id} is a {run.Kind} run; caption targets name a {RunKindNames.VoxelCaptions} run.");
                }
                if ((await captions.LoadAsync(userId, run.Id, ct))?.For(target.Unit!.Value) is null)
                {
                    throw new ArgumentException($"Unit {target.Unit} has no caption in run {run.Id}.");
                }
                break;
            case "reconstruction":
                if (!kinds.TryGet(run!.Kind, out var kind) || kind.ReadSummary(run.SummaryJson) is not IReconstructionResult result)
                {
                    throw new ArgumentException($"Run {run.Id} has no reconstructions (a finished reconstruction run has).");
                }
                if (target.Index >= result.Scores.TestImages)
                {
                    throw new ArgumentException($"Run {run.Id} reconstructed {result.Scores.TestImages} test images (index 0-{result.Scores.TestImages - 1}); got index {target.Index}.");
                }
                break;
            case "rdmCell":
                if (run!.Kind != RunKindNames.Rsa)
                {
                    throw new ArgumentException($"Run {run.Id} is a {run.Kind} run; RDM cells belong to RSA runs (kind {RunKindNames.Rsa}).");
                }
                if (!kinds.TryGet(run.Kind, out var rsa) || rsa.ReadSummary(run.SummaryJson) is not NeuroLab.Compute.RunKinds.Rsa.RsaSummary { Stimuli: > 0 } rdms)
                {
                    throw new ArgumentException($"Run {run.Id} has no RDMs yet (a finished rsa run has).");
                }
                if (target.Row >= rdms.Stimuli || target.Col >= rdms.Stimuli)
                {
                    throw new ArgumentException($"The RDMs of run {run.Id} are {rdms.Stimuli} x {rdms.Stimuli} (rows and columns 0-{rdms.Stimuli - 1}); got ({target.Row}, {target.Col}).");
                }
                break;
            case "region":
                var atlas = await db.DatasetFiles.AsNoTracking()
                    .Where(f => f.Id == target.AtlasFileId && f.Role == FileRole.Atlas && db.Datasets.Any(d => d.Id == f.DatasetId && d.WorkspaceId == workspaceId))
                    .Select(f => new { f.DatasetId }).SingleOrDefaultAsync(ct)
                    ?? throw new ArgumentException($"Atlas file {target.AtlasFileId} is not in this workspace.");
                var region = await db.AtlasRegions.AsNoTracking().SingleOrDefaultAsync(r => r.FileId == target.AtlasFileId && r.Value == target.Index, ct)
                    ?? throw new ArgumentException($"The atlas has no region with value {target.Index}.");
                extra["name"] = region.Name;
                return (target.ToJson(extra), null, atlas.DatasetId);
            case "stimulus":
                if (!await db.Datasets.AnyAsync(d => d.Id == target.DatasetId && d.WorkspaceId == workspaceId, ct))
                {
                    throw new ArgumentException($"Dataset {target.DatasetId} is not in this workspace.");
                }
                var stimulus = await db.Stimuli.AsNoTracking().SingleOrDefaultAsync(s => s.DatasetId == target.DatasetId && s.Index == target.Index, ct)
                    ?? throw new ArgumentException($"Dataset {target.DatasetId} has no stimulus {target.Index}.");
                extra["name"] = stimulus.Name;
                return (target.ToJson(extra), null, target.DatasetId);
        }
        return (target.ToJson(extra), run?.Id, run?.DatasetId);
    }

    private async Task CheckUnitAsync(NeuroLabDbContext db, Run run, int unit, Dictionary<string, JsonNode?> extra, CancellationToken ct)
    {
        var setId = kinds.ResponseSetOf(run.Kind, run.ParametersJson)
            ?? throw new ArgumentException($"Runs of kind {run.Kind} have no units.");
        var set = await db.ResponseSets.AsNoTracking().SingleOrDefaultAsync(s => s.Id == setId, ct)
            ?? throw new ArgumentException($"Run {run.Id}'s response set is gone.");
        if (unit >= set.UnitCount)
        {
            throw new ArgumentException($"Run {run.Id} has {set.UnitCount} units (0-{set.UnitCount - 1}); got unit {unit}.");
        }
        if (await geometry.ForResponseSetAsync(setId, ct) is { } voxels && unit < voxels.UnitCount)
        {
            var space = await db.Datasets.Where(d => d.Id == run.DatasetId).Select(d => d.Space).SingleAsync(ct);
            var mm = voxels.WorldOf(unit);
            extra["space"] = space switch { DatasetSpace.Mni152 => "mni152", DatasetSpace.Subject => "subject", _ => space.ToString().ToLowerInvariant() };
            extra["mm"] = new JsonArray([.. mm.Select(v => JsonValue.Create(Math.Round(v, 1)))]);
        }
    }

    private async Task AddMentionsAsync(NeuroLabDbContext db, Annotation annotation, DateTime now, CancellationToken ct)
    {
        var tokens = MentionPattern().Matches(annotation.Body).Select(m => m.Groups[1].Value.TrimEnd('.')).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var members = tokens.Count == 0 ? [] : await db.Memberships.AsNoTracking().Where(m => m.WorkspaceId == annotation.WorkspaceId)
            .Select(m => new { m.UserId, m.User!.Email, m.User.DisplayName }).ToListAsync(ct);
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in tokens)
        {
            // A full email, or the part before @ or a display name when exactly one member has it.
            var byEmail = members.Where(m => string.Equals(m.Email, token, StringComparison.OrdinalIgnoreCase)).ToList();
            var candidates = byEmail.Count > 0 ? byEmail
                : members.Where(m => string.Equals(m.Email?.Split('@')[0], token, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(m.DisplayName?.Replace(" ", "", StringComparison.Ordinal), token, StringComparison.OrdinalIgnoreCase)).ToList();
            if (candidates.Count == 1 && candidates[0].UserId != annotation.AuthorUserId)
            {
                named.Add(candidates[0].UserId);
            }
        }
        foreach (var gone in annotation.Mentions.Where(m => !named.Contains(m.UserId) && m.ReadAtUtc is null).ToList())
        {
            annotation.Mentions.Remove(gone);
            db.AnnotationMentions.Remove(gone);
        }
        foreach (var user in named.Where(u => annotation.Mentions.All(m => m.UserId != u)))
        {
            annotation.Mentions.Add(new AnnotationMention { WorkspaceId = annotation.WorkspaceId, UserId = user, CreatedAtUtc = now });
        }
    }

    private async Task<AnnotationView> PublishAsync(NeuroLabDbContext db, string type, Annotation changed, Annotation root, string userId, DateTime now, CancellationToken ct)
    {
        var thread = (await ViewsAsync(db, [root], ct))[0];
        var view = changed.Id == root.Id ? thread : thread.Replies.Single(r => r.Id == changed.Id);
        bus.Publish(new WorkspaceEvent
        {
            WorkspaceId = root.WorkspaceId, Type = type, TargetKey = root.TargetKey, RunId = root.RunId, ActorUserId = userId, Actor = await NameAsync(db, userId, ct),
            AnnotationId = changed.Id, Data = thread, AtUtc = now,
        });
        return view;
    }

    private static async Task<IReadOnlyList<AnnotationView>> ViewsAsync(NeuroLabDbContext db, IReadOnlyList<Annotation> annotations, CancellationToken ct)
    {
        var ids = annotations.Select(a => a.Id).ToList();
        var replies = await db.Annotations.AsNoTracking().Where(a => a.ParentId != null && ids.Contains(a.ParentId.Value)).OrderBy(a => a.CreatedAtUtc).ToListAsync(ct);
        var all = annotations.Concat(replies).ToList();
        var allIds = all.Select(a => a.Id).ToList();
        var mentions = (await db.AnnotationMentions.AsNoTracking().Where(m => allIds.Contains(m.AnnotationId)).ToListAsync(ct)).ToLookup(m => m.AnnotationId);
        var repliesOf = replies.ToLookup(r => r.ParentId!.Value);
        var revisions = await db.AnnotationRevisions.AsNoTracking().Where(r => allIds.Contains(r.AnnotationId)).GroupBy(r => r.AnnotationId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var userIds = all.Select(a => a.AuthorUserId).Concat(all.Select(a => a.ResolvedByUserId)).Concat(mentions.SelectMany(g => g).Select(m => m.UserId)).OfType<string>().Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName ?? u.Email ?? u.UserName ?? u.Id, ct);
        string Name(string? id) => id is null ? "" : names.GetValueOrDefault(id, "(deleted user)");
        AnnotationView View(Annotation a, IReadOnlyList<AnnotationView> children) => new(
            a.Id, a.WorkspaceId, a.ParentId, a.TargetKind, a.TargetKey, ParseTarget(a.TargetJson), a.RunId, a.DatasetId, a.AuthorUserId, Name(a.AuthorUserId), a.Body,
            AnnotationMarkdown.ToHtml(a.Body), a.CreatedAtUtc, a.EditedAtUtc, revisions.GetValueOrDefault(a.Id), a.ResolvedAtUtc is not null,
            a.ResolvedByUserId is null ? null : Name(a.ResolvedByUserId), a.ResolvedAtUtc,
            [.. mentions[a.Id].Select(m => new MentionView(m.UserId, Name(m.UserId)))], children);
        return [.. annotations.Select(a => View(a, [.. repliesOf[a.Id].Select(r => View(r, []))]))];
    }

    private static Task<string> NameAsync(NeuroLabDbContext db, string userId, CancellationToken ct) =>
        db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName ?? u.Email ?? u.Id).SingleOrDefaultAsync(ct)!;

    private static JsonObject ParseTarget(string json) => JsonNode.Parse(json)?.AsObject() ?? [];

    private static string CleanBody(string? body)
    {
        var text = Data.UserText.RemoveFormatCharacters(body ?? string.Empty).Trim();
        if (text.Length == 0)
        {
            throw new ArgumentException("A comment needs some text.");
        }
        return text.Length <= Annotation.MaxBodyLength ? text : throw new ArgumentException($"The comment has {text.Length} characters; at most {Annotation.MaxBodyLength}.");
    }

    private static string Excerpt(string body)
    {
        var flat = string.Join(' ', body.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return flat.Length <= ExcerptLength ? flat : flat[..(ExcerptLength - 1)] + "…";
    }

    /// <summary>An activity entry naming the target in words — never the comment's text, which a later delete must take away from everyone.</summary>
    private static AuditEvent Audit(Annotation a, string actor, string action, DateTime now) =>
        new() { WorkspaceId = a.WorkspaceId, ActorUserId = actor, Action = action, Detail = AnnotationLinks.Describe(a.TargetKind, ParseTarget(a.TargetJson)), AtUtc = now };

    [GeneratedRegex(@"(?<![\w.@])@([A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*(?:@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)?)")]
    private static partial Regex MentionPattern();
}
