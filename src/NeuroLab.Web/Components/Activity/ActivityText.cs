using System.Globalization;
using MudBlazor;
using NeuroLab.Data.Audit;

namespace NeuroLab.Web.Components.Activity;

/// <summary>How feed and audit entries read and look: a sentence, an icon per kind, a relative time, a link.</summary>
public static class ActivityText
{
    public static string Describe(ActivityItem a) => a.Action switch
    {
        "workspace.created" => $"Created the workspace \"{a.Detail}\"",
        "workspace.renamed" => $"Renamed the workspace: {a.Detail}",
        "member.added" => $"Added {a.Detail}",
        "member.removed" => $"Removed {a.Detail}",
        "member.left" => $"{a.Detail} left",
        "member.role_changed" => $"Changed role of {a.Detail}",
        "dataset.imported" => $"Imported {a.Detail}",
        "dataset.renamed" => $"Renamed a dataset: {a.Detail}",
        "dataset.deleted" => $"Deleted dataset {a.Detail}",
        "run.queued" => $"Queued {a.Detail}",
        "run.started" => $"Started {a.Detail}",
        "run.succeeded" => $"Finished {a.Detail}",
        "run.failed" => $"Run failed: {a.Detail}",
        "run.cancelled" => $"Cancelled a run ({a.Detail})",
        "annotation.created" => $"Commented on {a.Detail}",
        "annotation.replied" => $"Replied on {a.Detail}",
        "annotation.edited" => $"Edited a comment on {a.Detail}",
        "annotation.resolved" => $"Resolved a thread on {a.Detail}",
        "annotation.reopened" => $"Reopened a thread on {a.Detail}",
        "annotation.deleted" => $"Deleted a comment on {a.Detail}",
        ActivityKinds.CaptionReviewed => $"Reviewed a caption, {a.Detail}",
        "token.created" => $"Created an API token {a.Detail}",
        "token.revoked" => $"Revoked an API token {a.Detail}",
        _ => $"{a.Action} {a.Detail}",
    };

    public static string Icon(ActivityItem a) => a.Action switch
    {
        "run.succeeded" => Icons.Material.Filled.CheckCircle,
        "run.failed" => Icons.Material.Filled.Error,
        "run.cancelled" => Icons.Material.Filled.StopCircle,
        "run.started" => Icons.Material.Filled.PlayCircle,
        "member.added" => Icons.Material.Filled.PersonAdd,
        "member.removed" or "member.left" => Icons.Material.Filled.PersonRemove,
        "member.role_changed" => Icons.Material.Filled.ManageAccounts,
        "dataset.imported" => Icons.Material.Filled.Upload,
        "dataset.renamed" => Icons.Material.Filled.DriveFileRenameOutline,
        _ when a.Action.EndsWith(".deleted", StringComparison.Ordinal) => Icons.Material.Filled.DeleteOutline,
        _ => a.Kind switch
        {
            ActivityKinds.Run => Icons.Material.Filled.Schedule,
            ActivityKinds.Comment => Icons.Material.Filled.ChatBubbleOutline,
            ActivityKinds.Review => Icons.Material.Filled.RateReview,
            ActivityKinds.Workspace => Icons.Material.Filled.AddBox,
            ActivityKinds.Token => Icons.Material.Filled.Key,
            ActivityKinds.Dataset => Icons.Material.Filled.Storage,
            _ => Icons.Material.Filled.Circle,
        },
    };

    public static Color IconColor(ActivityItem a) => a.Action switch
    {
        "run.succeeded" => Color.Success,
        "run.failed" => Color.Error,
        _ when a.Action.EndsWith(".deleted", StringComparison.Ordinal) => Color.Warning,
        _ => Color.Default,
    };

    /// <summary>The page an entry is about (its caption, run or dataset), or null.</summary>
    public static string? Href(Guid workspaceId, ActivityItem a) => (a.RunId, a.Unit, a.DatasetId) switch
    {
        ({ } run, { } unit, _) => $"w/{workspaceId}/runs/{run}/captions/{unit}",
        ({ } run, null, _) => $"w/{workspaceId}/runs/{run}",
        (null, _, { } dataset) => $"w/{workspaceId}/datasets/{dataset}",
        _ => null,
    };

    /// <summary>"just now", "5 min ago", "3 h ago", "yesterday", "4 d ago", then the date.</summary>
    public static string Relative(DateTime atUtc, DateTime nowUtc)
    {
        var ago = nowUtc - atUtc;
        return ago.TotalSeconds switch
        {
            < 60 => "just now",
            < 3600 => $"{(int)ago.TotalMinutes} min ago",
            < 86_400 => $"{(int)ago.TotalHours} h ago",
            < 2 * 86_400 => "yesterday",
            < 7 * 86_400 => $"{(int)ago.TotalDays} d ago",
            _ => atUtc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
    }

    public static string Exact(DateTime atUtc) => atUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}
