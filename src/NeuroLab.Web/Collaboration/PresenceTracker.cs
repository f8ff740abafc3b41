using System.Text.RegularExpressions;
using NeuroLab.Compute.Events;

namespace NeuroLab.Web.Collaboration;

/// <summary>One member on a page, as teammates see them: a user with several tabs or connections counts once, since their first.</summary>
public sealed record PresenceMember(string UserId, string Name, DateTime SinceUtc);

/// <summary>The page keys presence is tracked under (<c>viewer</c>, <c>run:{id:N}</c>, <c>gallery:{runId:N}</c>), one shape each.</summary>
public static partial class PresencePages
{
    public const string Viewer = "viewer";

    public static string Run(Guid runId) => "run:" + runId.ToString("N");

    public static string Gallery(Guid runId) => "gallery:" + runId.ToString("N");

    /// <summary>Whether <paramref name="page"/> is one of the known page keys (external clients send them).</summary>
    public static bool IsValid(string? page) => page is not null && PageKey().IsMatch(page);

    [GeneratedRegex("^(viewer|run:[0-9a-f]{32}|gallery:[0-9a-f]{32})$", RegexOptions.CultureInvariant)]
    private static partial Regex PageKey();
}

/// <summary>
/// Who is looking at which page of a workspace now, keyed by (workspace, page key). Each Blazor presence bar and each
/// hub connection is one entry (its connection key); the list a page shows merges a user's entries. Every change of
/// a page's list is published as a <c>presence</c> <see cref="WorkspaceEvent"/> (TargetKey = the page key, Data = the
/// list), which reaches Blazor pages in-process and hub clients through the workspace group.
/// </summary>
/// <remarks>
/// Per process, in memory: with several web instances behind a load balancer each would see only its own
/// visitors. Scale-out would keep these entries in Redis (a hash per page with expiring entries); the event relay
/// (NeuroLab:Events:Redis) does not carry presence events between instances, so a page never takes another
/// instance's partial list for its own (docs/decisions/018-events-across-processes.md).
/// </remarks>
public sealed class PresenceTracker(IWorkspaceEventBus bus, TimeProvider time)
{
    private readonly record struct Entry(string UserId, string Name, DateTime SinceUtc);

    private readonly Lock _lock = new();
    private readonly Dictionary<(Guid Workspace, string Page), Dictionary<string, Entry>> _pages = [];

    /// <summary>Records that <paramref name="connection"/> (a circuit's bar or a hub connection) shows <paramref name="page"/>; returns the page's list after it.</summary>
    public IReadOnlyList<PresenceMember> Enter(Guid workspaceId, string page, string connection, string userId, string name)
    {
        IReadOnlyList<PresenceMember> before, after;
        lock (_lock)
        {
            var key = (workspaceId, page);
            if (!_pages.TryGetValue(key, out var entries))
            {
                _pages[key] = entries = [];
            }
            before = Merge(entries);
            if (!entries.ContainsKey(connection))
            {
                entries[connection] = new Entry(userId, name, time.GetUtcNow().UtcDateTime);
            }
            after = Merge(entries);
        }
        PublishIfChanged(workspaceId, page, before, after);
        return after;
    }

    /// <summary>Removes one connection from one page.</summary>
    public void Leave(Guid workspaceId, string page, string connection)
    {
        IReadOnlyList<PresenceMember> before, after;
        lock (_lock)
        {
            var key = (workspaceId, page);
            if (!_pages.TryGetValue(key, out var entries) || !entries.ContainsKey(connection))
            {
                return;
            }
            before = Merge(entries);
            entries.Remove(connection);
            after = Merge(entries);
            if (entries.Count == 0)
            {
                _pages.Remove(key);
            }
        }
        PublishIfChanged(workspaceId, page, before, after);
    }

    /// <summary>Removes a connection from every page it was on (a hub connection closed).</summary>
    public void LeaveAll(string connection)
    {
        List<(Guid Workspace, string Page)> pages;
        lock (_lock)
        {
            pages = [.. _pages.Where(p => p.Value.ContainsKey(connection)).Select(p => p.Key)];
        }
        foreach (var (workspace, page) in pages)
        {
            Leave(workspace, page, connection);
        }
    }

    /// <summary>Who is on a page now, one entry per user, longest-present first.</summary>
    public IReadOnlyList<PresenceMember> Who(Guid workspaceId, string page)
    {
        lock (_lock)
        {
            return _pages.TryGetValue((workspaceId, page), out var entries) ? Merge(entries) : [];
        }
    }

    private static List<PresenceMember> Merge(Dictionary<string, Entry> entries) =>
        [.. entries.Values.GroupBy(e => e.UserId)
            .Select(g => new PresenceMember(g.Key, g.OrderBy(e => e.SinceUtc).First().Name, g.Min(e => e.SinceUtc)))
            .OrderBy(m => m.SinceUtc).ThenBy(m => m.Name, StringComparer.Ordinal)];

    private void PublishIfChanged(Guid workspaceId, string page, IReadOnlyList<PresenceMember> before, IReadOnlyList<PresenceMember> after)
    {
        // A second tab of someone already there changes nothing anyone sees.
        if (!before.SequenceEqual(after))
        {
            bus.Publish(new WorkspaceEvent { WorkspaceId = workspaceId, Type = "presence", TargetKey = page, Data = after });
        }
    }
}
