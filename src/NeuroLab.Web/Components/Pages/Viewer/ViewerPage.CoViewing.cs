using NeuroLab.Web.Collaboration;
using NeuroLab.Web.Components.Viewer;
using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Components.Pages.Viewer;

/// <summary>
/// The viewer page's co-viewing: its shareable link (query parameters mm, view, atlas, thr, cmap), following another
/// member (their <c>viewer.state</c> events applied here until this user moves or changes a layer), and handing this
/// page's own state to <see cref="ViewerStateRelay"/> for its followers.
/// </summary>
public partial class ViewerPage
{
    private string _userName = "";
    private IReadOnlyList<string> _linkNotes = [];
    /// <summary>Where the crosshair goes once the shown volumes are drawn (from a link or a followed member).</summary>
    private double[]? _pendingMm;
    private PresenceMember? _following;
    private string? _followNote;
    private IDisposable? _subscription;

    /// <summary>A shared link's settings: view, atlas, the first overlay's colouring, and the crosshair once drawn.</summary>
    private void ApplyLink(ViewerItem? first)
    {
        var link = ViewerLink.Parse(CrosshairMm, ViewName, OverlayThreshold, OverlayColormap);
        var notes = link.Notes.ToList();
        if (Overlay is not null && Run is null && first is null)
        {
            notes.Add("The link's overlay is not in this workspace (or was deleted); showing the background only.");
        }
        if (AtlasKey is not null)
        {
            if (_catalog!.Find(AtlasKey) is { Kind: ViewerItemKind.Atlas } atlas)
            {
                _atlas = atlas;
            }
            else
            {
                notes.Add("The link's atlas is not in this workspace; region names come from the default atlas.");
            }
        }
        if (_overlays.Count > 0)
        {
            _overlays[0] = _overlays[0] with
            {
                Threshold = link.Threshold ?? _overlays[0].Threshold,
                Colormap = link.Colormap ?? _overlays[0].Colormap,
            };
        }
        if (link.View is { } view)
        {
            _view = view;
        }
        _pendingMm = link.Mm;
        _linkNotes = notes;
    }

    /// <summary>What a follower or a link needs to show the same: layer keys and numbers (caption overlays, made per query, are left out).</summary>
    private ViewerState CurrentState() =>
        new(_mm, _view, _background?.Key, _atlas?.Key,
            [.. _overlays.Where(o => _catalog?.Find(o.Item.Key) is not null).Select(o => new ViewerOverlayState(o.Item.Key, o.Colormap, o.Threshold, o.Max, o.Opacity))]);

    private string ShareUrl => Navigation.ToAbsoluteUri(ViewerLink.Format(WorkspaceId, CurrentState())).ToString();

    /// <summary>Hands the view to followers (a follower passes nothing on: their view is someone else's).</summary>
    private void PublishState()
    {
        if (_following is null && _ready && _catalog is not null && _userId.Length > 0)
        {
            Relay.Update(WorkspaceId, _userId, _userName, CurrentState());
        }
    }

    /// <summary>The user changed the view themselves: they stop following, and their followers get the change.</summary>
    private void ChangedByUser()
    {
        if (_following is not null)
        {
            StopFollowing("you changed the view");
        }
        PublishState();
    }

    private async Task FollowAsync(PresenceMember leader)
    {
        _following = leader;
        _followNote = null;
        if (Relay.Latest(WorkspaceId, leader.UserId) is { } state)
        {
            await ApplyStateAsync(state);
        }
    }

    private void StopFollowing(string? why)
    {
        if (_following is { } leader)
        {
            _followNote = why is null ? null : $"Stopped following {leader.Name}: {why}.";
            _following = null;
            PublishState();
        }
    }

    /// <summary>Shows a followed member's state: the same layers from this workspace's catalogue, then the crosshair.</summary>
    private async Task ApplyStateAsync(ViewerState state)
    {
        if (_catalog is null)
        {
            return;
        }
        if (ViewerLink.Views.Contains(state.View) || (state.View == "surface" && _surfaceSet is not null))
        {
            _view = state.View;
        }
        var background = state.Background is null ? null : _catalog.Find(state.Background) ?? _background;
        if (background?.Key != _background?.Key)
        {
            _background = background;
            await LoadMarkersAsync();
        }
        _atlas = state.Atlas is null ? null : _catalog.Find(state.Atlas) is { Kind: ViewerItemKind.Atlas } atlas ? atlas : _atlas;
        var overlays = new List<ViewerOverlay>();
        foreach (var o in state.Overlays)
        {
            if (_catalog.Find(o.Key) is not { } item)
            {
                continue;
            }
            var shown = _overlays.FirstOrDefault(x => x.Item.Key == o.Key) ?? Defaults(item);
            overlays.Add(shown with
            {
                Colormap = ViewerOverlay.Colormaps.Contains(o.Colormap) ? o.Colormap : shown.Colormap,
                Threshold = double.IsFinite(o.Threshold) ? o.Threshold : shown.Threshold,
                Max = double.IsFinite(o.Max) ? o.Max : shown.Max,
                Opacity = double.IsFinite(o.Opacity) ? Math.Clamp(o.Opacity, 0, 1) : shown.Opacity,
            });
        }
        _overlays.Clear();
        _overlays.AddRange(overlays);
        var before = string.Join("|", _volumes);
        Redraw();
        var reloads = before != string.Join("|", _volumes);
        StateHasChanged();
        if (state.Mm is { Length: 3 } mm)
        {
            if (reloads || !_ready)
            {
                // The viewer draws the new volumes first (OnReadyAsync moves the crosshair then).
                _pendingMm = mm;
            }
            else if (_viewer is not null)
            {
                await _viewer.MoveToAsync(mm);
            }
        }
        else
        {
            await RefreshReadoutAsync();
        }
    }

    private Task OnWorkspaceEventAsync(NeuroLab.Compute.Events.WorkspaceEvent e)
    {
        if (e.WorkspaceId != WorkspaceId || _following is not { } leader)
        {
            return Task.CompletedTask;
        }
        if (e.Type == ViewerStateRelay.EventType && e.TargetKey == ViewerStateRelay.TargetKey(leader.UserId) && e.Data is ViewerState state)
        {
            return InvokeAsync(async () =>
            {
                if (_following?.UserId == leader.UserId)
                {
                    await ApplyStateAsync(state);
                }
            });
        }
        if (e.Type == NeuroLab.Compute.Events.WorkspaceEventTypes.Presence && e.TargetKey == PresencePages.Viewer && e.Data is IReadOnlyList<PresenceMember> members && members.All(m => m.UserId != leader.UserId))
        {
            return InvokeAsync(() =>
            {
                StopFollowing($"{leader.Name} left the viewer");
                StateHasChanged();
            });
        }
        return Task.CompletedTask;
    }

    protected override void OnAfterRender(bool firstRender)
    {
        // Interactive renders only (a prerendered page never receives events).
        _subscription ??= Events.Subscribe(OnWorkspaceEventAsync);
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _commentSubscription?.Dispose();
    }

    private void OnUserMove(double[] mm)
    {
        if (_following is not null)
        {
            StopFollowing("you moved the crosshair");
        }
    }

    private async Task TypedGotoAsync(double[] mm)
    {
        if (_following is not null)
        {
            StopFollowing("you moved the crosshair");
        }
        await GotoAsync(mm);
    }
}
