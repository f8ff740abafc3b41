using System.Collections.Concurrent;

namespace NeuroLab.Web.Hubs;

/// <summary>
/// Which hub connection joined which group of which workspace, so that a member removed from a workspace (or who
/// leaves it) is taken out of its groups at once instead of receiving its events until they disconnect. Per process,
/// like the groups of SignalR's default (non-backplane) lifetime manager.
/// </summary>
public sealed class HubGroupRegistry
{
    private readonly ConcurrentDictionary<string, Connection> _connections = new();

    public void Joined(string connectionId, string userId, Guid workspaceId, string group) =>
        _connections.GetOrAdd(connectionId, _ => new Connection(userId)).Groups[group] = workspaceId;

    public void Left(string connectionId, string group)
    {
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            connection.Groups.TryRemove(group, out _);
        }
    }

    public void Disconnected(string connectionId) => _connections.TryRemove(connectionId, out _);

    /// <summary>Every (connection, group) of <paramref name="userId"/> in <paramref name="workspaceId"/>; they are forgotten as they are returned.</summary>
    public IReadOnlyList<(string ConnectionId, string Group)> TakeGroupsOf(string userId, Guid workspaceId)
    {
        var taken = new List<(string, string)>();
        foreach (var (connectionId, connection) in _connections.Where(c => c.Value.UserId == userId))
        {
            foreach (var (group, workspace) in connection.Groups.Where(g => g.Value == workspaceId))
            {
                if (connection.Groups.TryRemove(group, out _))
                {
                    taken.Add((connectionId, group));
                }
            }
        }
        return taken;
    }

    private sealed record Connection(string UserId)
    {
        public ConcurrentDictionary<string, Guid> Groups { get; } = new();
    }
}
