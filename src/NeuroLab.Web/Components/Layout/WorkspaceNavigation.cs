using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Web.Components.Layout;

/// <summary>
/// Per-circuit list of the user's workspaces for the app bar's switcher. Pages call
/// <see cref="RefreshAsync"/> after creating, renaming or leaving a workspace; the layout listens to <see cref="Changed"/>.
/// </summary>
public sealed class WorkspaceNavigation(WorkspaceService workspaces, AuthenticationStateProvider authentication)
{
    public IReadOnlyList<WorkspaceSummary> Items { get; private set; } = [];

    public event Action? Changed;

    public async Task RefreshAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        var userId = state.User.FindFirstValue(ClaimTypes.NameIdentifier);
        Items = userId is null ? [] : await workspaces.ListAsync(userId);
        Changed?.Invoke();
    }

    /// <summary>The workspace id in a <c>/w/{id}/...</c> URL, if any.</summary>
    public static Guid? WorkspaceIdFromPath(string relativePath)
    {
        var parts = relativePath.Split(['/', '?', '#'], StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && parts[0] == "w" && Guid.TryParse(parts[1], out var id) ? id : null;
    }
}
