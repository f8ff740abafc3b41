using Microsoft.AspNetCore.SignalR;
using NeuroLab.Web.Collaboration;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Hubs;

/// <summary>
/// Presence for external clients: <c>EnterPage(workspaceId, page)</c> with a page key (<c>viewer</c>, <c>run:{id:N}</c>,
/// <c>gallery:{runId:N}</c>) counts the connection as looking at that page and returns who is there; changes reach the
/// workspace group as <c>presence</c> workspace events. A closed connection leaves every page it entered.
/// </summary>
public sealed partial class RunsHub
{
    public async Task<IReadOnlyList<PresenceMember>> EnterPage(Guid workspaceId, string page)
    {
        var userId = UserId;
        if (await workspaces.GetRoleAsync(userId, workspaceId, Context.ConnectionAborted) is null)
        {
            throw new HubException($"Workspace {workspaceId} was not found.");
        }
        if (!PresencePages.IsValid(page))
        {
            throw new HubException("Unknown page: use viewer, run:{id:N} or gallery:{runId:N}.");
        }
        return presence.Enter(workspaceId, page, Context.ConnectionId, userId, Context.User?.Identity?.Name ?? userId);
    }

    public void LeavePage(Guid workspaceId, string page) => presence.Leave(workspaceId, page, Context.ConnectionId);

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        presence.LeaveAll(Context.ConnectionId);
        registry.Disconnected(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
