using System.Linq.Expressions;

namespace NeuroLab.Data.Audit;

/// <summary>
/// Which audit actions teammates see and which only Owners see: the one place that classifies
/// <see cref="AuditEvent.Action"/> names. The FEED (every member) is what the team did: runs queued, started,
/// finished, cancelled; datasets imported and renamed; comments; caption reviews; and who joined or left (members
/// see the member list anyway). The AUDIT LOG (Owners) is what matters for security: member and workspace changes,
/// every deletion, personal access tokens created or revoked by the workspace's members. The sets overlap on member
/// and workspace changes; deletions and tokens are audit-only, so a deleted comment's excerpt never reaches Viewers.
/// </summary>
public static class ActivityKinds
{
    /// <summary>Kind groups shown next to each item (icons, filters).</summary>
    public const string Run = "run", Dataset = "dataset", Comment = "comment", Review = "review", Member = "member",
        Workspace = "workspace", Token = "token", Other = "other";

    /// <summary>Actions written today, by group. Annotation actions are written by the annotation service.</summary>
    public static readonly IReadOnlyList<string> RunActions = ["run.queued", "run.started", "run.succeeded", "run.failed", "run.cancelled"];

    public static readonly IReadOnlyList<string> CommentActions =
        ["annotation.created", "annotation.replied", "annotation.edited", "annotation.resolved", "annotation.reopened", "annotation.deleted"];

    public const string CaptionReviewed = "caption.reviewed";

    /// <summary>Actions in the feed that are not run, comment or review actions (matched exactly).</summary>
    private static readonly string[] _otherFeedActions =
        ["dataset.imported", "dataset.renamed", "member.added", "member.role_changed", "member.removed", "member.left", "workspace.created", "workspace.renamed"];

    /// <summary>The group of an action: its prefix, with <c>annotation</c> shown as <c>comment</c> and <c>caption</c> as <c>review</c>.</summary>
    public static string KindOf(string action)
    {
        var dot = action.IndexOf('.', StringComparison.Ordinal);
        return (dot < 0 ? action : action[..dot]) switch
        {
            "run" => Run,
            "dataset" => Dataset,
            "annotation" => Comment,
            "caption" => Review,
            "member" => Member,
            "workspace" => Workspace,
            "token" => Token,
            _ => Other,
        };
    }

    /// <summary>In the feed every member reads (as a database filter).</summary>
    public static readonly Expression<Func<AuditEvent, bool>> FeedFilter = e =>
        e.Action.StartsWith("run.")
        || (e.Action.StartsWith("annotation.") && !e.Action.EndsWith(".deleted"))
        || e.Action == CaptionReviewed
        || _otherFeedActions.Contains(e.Action);

    /// <summary>In the Owners' audit log (as a database filter over the workspace's own events; tokens are added by actor).</summary>
    public static readonly Expression<Func<AuditEvent, bool>> AuditFilter = e =>
        e.Action.StartsWith("member.") || e.Action.StartsWith("workspace.") || e.Action.StartsWith("token.") || e.Action.EndsWith(".deleted");

    private static readonly Func<AuditEvent, bool> _inFeed = FeedFilter.Compile();
    private static readonly Func<AuditEvent, bool> _inAudit = AuditFilter.Compile();

    public static bool InFeed(string action) => _inFeed(new AuditEvent { Action = action, ActorUserId = "" });

    public static bool InAudit(string action) => _inAudit(new AuditEvent { Action = action, ActorUserId = "" });
}
