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
/// One web instance's own visitors of one page, as it tells the other instances (<see cref="PresenceTracker.InstanceType"/>
/// events, relayed through Redis): the list replaces what that instance said of the page before; an empty list withdraws it.
/// </summary>
public sealed record InstancePresence(string Instance, IReadOnlyList<PresenceMember> Members);

/// <summary>
/// Who is looking at which page of a workspace now, keyed by (workspace, page key). Each Blazor presence bar and each
/// hub connection is one entry (its connection key); the list a page shows merges a user's entries. Every change of
/// a page's list is published as a <c>presence</c> <see cref="WorkspaceEvent"/> (TargetKey = the page key, Data = the
/// list), which reaches Blazor pages in-process and hub clients through the workspace group.
/// </summary>
/// <remarks>
/// With several web instances (NeuroLab:Events:Redis) each instance keeps its own visitors here and, once
/// <see cref="ShareAs"/> has named it, also tells the others its own list of each page it changed
/// (<see cref="InstanceType"/> events, relayed); what the others said arrives through <see cref="ApplyRemote"/>
/// (<see cref="PresenceExchange"/>). The list a page shows merges this instance's visitors with every other instance's
/// last word, so a member behind instance B appears on a page opened on instance A. <c>presence</c> events themselves
/// never cross processes: each instance publishes the merged list to its own pages and clients. Another instance's
/// word lasts until it says otherwise, or until it has been silent for longer than the exchange allows (a crashed
/// instance's visitors drop out).
/// </remarks>
public sealed class PresenceTracker(IWorkspaceEventBus bus, TimeProvider time)
{
    /// <summary>The workspace event type of a page's list as seen by a single instance (between instances only).</summary>
    public const string InstanceType = "presence.instance";

    private readonly record struct Entry(string UserId, string Name, DateTime SinceUtc);

    private sealed record Remote(IReadOnlyList<PresenceMember> Members, DateTime HeardUtc);

    private readonly Lock _lock = new();
    private readonly Dictionary<(Guid Workspace, string Page), Dictionary<string, Entry>> _pages = [];
    private readonly Dictionary<(Guid Workspace, string Page), Dictionary<string, Remote>> _remote = [];

    /// <summary>This instance's name towards the others; null while presence stays in this process (or after <see cref="Withdraw"/>).</summary>
    public string? Instance { get; private set; }

    // Every event is published inside the lock: publishing only queues (the buses never block or call handlers
    // inline), and publishing in the order the lists changed keeps a later list from being overtaken by an earlier one
    // (here, and on the other instances, which keep each instance's last word).

    /// <summary>Starts telling other instances this instance's own lists, under the name <paramref name="instance"/>.</summary>
    public void ShareAs(string instance)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instance);
        lock (_lock)
        {
            Instance = instance;
        }
    }

    /// <summary>Records that <paramref name="connection"/> (a circuit's bar or a hub connection) shows <paramref name="page"/>; returns the page's list after it.</summary>
    public IReadOnlyList<PresenceMember> Enter(Guid workspaceId, string page, string connection, string userId, string name)
    {
        lock (_lock)
        {
            var key = (workspaceId, page);
            if (!_pages.TryGetValue(key, out var entries))
            {
                _pages[key] = entries = [];
            }
            return Change(key, () =>
            {
                if (!entries.ContainsKey(connection))
                {
                    entries[connection] = new Entry(userId, name, time.GetUtcNow().UtcDateTime);
                }
            });
        }
    }

    /// <summary>Removes one connection from one page.</summary>
    public void Leave(Guid workspaceId, string page, string connection)
    {
        lock (_lock)
        {
            var key = (workspaceId, page);
            if (!_pages.TryGetValue(key, out var entries) || !entries.ContainsKey(connection))
            {
                return;
            }
            Change(key, () =>
            {
                entries.Remove(connection);
                if (entries.Count == 0)
                {
                    _pages.Remove(key);
                }
            });
        }
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

    /// <summary>Who is on a page now, one entry per user, longest-present first (every instance's visitors).</summary>
    public IReadOnlyList<PresenceMember> Who(Guid workspaceId, string page)
    {
        lock (_lock)
        {
            return Merged((workspaceId, page));
        }
    }

    /// <summary>
    /// What another instance says of a page: its own visitors there (empty: none any more). Publishes the page's
    /// merged list to this instance's pages and clients when what they see changes.
    /// </summary>
    public void ApplyRemote(string instance, Guid workspaceId, string page, IReadOnlyList<PresenceMember> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (!PresencePages.IsValid(page))
        {
            return;
        }
        lock (_lock)
        {
            if (instance == Instance)
            {
                return;
            }
            var key = (workspaceId, page);
            var before = Merged(key);
            if (!_remote.TryGetValue(key, out var instances))
            {
                _remote[key] = instances = [];
            }
            if (members.Count == 0)
            {
                instances.Remove(instance);
                if (instances.Count == 0)
                {
                    _remote.Remove(key);
                }
            }
            else
            {
                instances[instance] = new Remote([.. members], time.GetUtcNow().UtcDateTime);
            }
            PublishIfChanged(key, before, Merged(key));
        }
    }

    /// <summary>Forgets what other instances said longer than <paramref name="silence"/> ago and did not repeat since (they stopped without saying so).</summary>
    public void ExpireRemote(TimeSpan silence)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - silence;
        lock (_lock)
        {
            foreach (var (key, instances) in _remote.ToList())
            {
                var stale = instances.Where(i => i.Value.HeardUtc < cutoff).Select(i => i.Key).ToList();
                if (stale.Count == 0)
                {
                    continue;
                }
                var before = Merged(key);
                stale.ForEach(i => instances.Remove(i));
                if (instances.Count == 0)
                {
                    _remote.Remove(key);
                }
                PublishIfChanged(key, before, Merged(key));
            }
        }
    }

    /// <summary>Tells the other instances this instance's own list of every page it has visitors on (the heartbeat that keeps them from expiring it, and the answer to a query or a resync).</summary>
    public void RepeatOwnLists()
    {
        lock (_lock)
        {
            foreach (var key in _pages.Keys)
            {
                PublishOwn(key, Own(key));
            }
        }
    }

    /// <summary>Stopping: tells the other instances this instance has no visitors any more and stops sharing (nothing is published for the others after it).</summary>
    public void Withdraw()
    {
        lock (_lock)
        {
            foreach (var key in _pages.Keys)
            {
                PublishOwn(key, []);
            }
            Instance = null;
        }
    }

    /// <summary>Applies a change of this instance's own entries of one page (under the lock) and publishes what it changed.</summary>
    private List<PresenceMember> Change((Guid Workspace, string Page) key, Action change)
    {
        var (ownBefore, before) = (Own(key), Merged(key));
        change();
        var (ownAfter, after) = (Own(key), Merged(key));
        // A second tab of someone already there changes nothing anyone sees.
        PublishIfChanged(key, before, after);
        if (!ownBefore.SequenceEqual(ownAfter))
        {
            PublishOwn(key, ownAfter);
        }
        return after;
    }

    private List<PresenceMember> Own((Guid Workspace, string Page) key) =>
        _pages.TryGetValue(key, out var entries) ? Merge(entries.Values.Select(ToMember)) : [];

    private List<PresenceMember> Merged((Guid Workspace, string Page) key)
    {
        var members = _pages.TryGetValue(key, out var entries) ? entries.Values.Select(ToMember) : [];
        if (_remote.TryGetValue(key, out var instances))
        {
            members = members.Concat(instances.Values.SelectMany(i => i.Members));
        }
        return Merge(members);
    }

    private static PresenceMember ToMember(Entry e) => new(e.UserId, e.Name, e.SinceUtc);

    private static List<PresenceMember> Merge(IEnumerable<PresenceMember> members) =>
        [.. members.GroupBy(e => e.UserId)
            .Select(g => new PresenceMember(g.Key, g.OrderBy(e => e.SinceUtc).First().Name, g.Min(e => e.SinceUtc)))
            .OrderBy(m => m.SinceUtc).ThenBy(m => m.Name, StringComparer.Ordinal)];

    private void PublishIfChanged((Guid Workspace, string Page) key, List<PresenceMember> before, List<PresenceMember> after)
    {
        if (!before.SequenceEqual(after))
        {
            bus.Publish(new WorkspaceEvent { WorkspaceId = key.Workspace, Type = WorkspaceEventTypes.Presence, TargetKey = key.Page, Data = after });
        }
    }

    private void PublishOwn((Guid Workspace, string Page) key, List<PresenceMember> own)
    {
        if (Instance is { } instance)
        {
            bus.Publish(new WorkspaceEvent { WorkspaceId = key.Workspace, Type = InstanceType, TargetKey = key.Page, Data = new InstancePresence(instance, own) });
        }
    }
}
