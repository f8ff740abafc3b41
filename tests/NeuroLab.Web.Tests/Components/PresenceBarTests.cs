using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NeuroLab.Compute.Events;
using NeuroLab.Web.Collaboration;
using NeuroLab.Web.Components.Collaboration;

namespace NeuroLab.Web.Tests.Components;

/// <summary>The presence bar: enters on render, shows members live from presence events, leaves on dispose, offers Follow.</summary>
public sealed class PresenceBarTests : MudComponentTest
{
    private static readonly Guid Workspace = Guid.NewGuid();
    private readonly ImmediateBus _bus = new();
    private readonly PresenceTracker _tracker;

    /// <summary>Hands each event to the subscribers at once, on the publishing thread (the bar marshals to its renderer itself).</summary>
    private sealed class ImmediateBus : IWorkspaceEventBus
    {
        private readonly List<Func<WorkspaceEvent, Task>> _handlers = [];

        public void Publish(WorkspaceEvent e)
        {
            foreach (var handler in _handlers.ToList())
            {
                handler(e).GetAwaiter().GetResult();
            }
        }

        public IDisposable Subscribe(Func<WorkspaceEvent, Task> handler)
        {
            _handlers.Add(handler);
            return new Unsubscribe(() => _handlers.Remove(handler));
        }

        private sealed class Unsubscribe(Action action) : IDisposable
        {
            public void Dispose() => action();
        }
    }

    public PresenceBarTests()
    {
        _tracker = new PresenceTracker(_bus, TimeProvider.System);
        Services.AddSingleton<IWorkspaceEventBus>(_bus);
        Services.AddSingleton(_tracker);
        var auth = AddAuthorization();
        auth.SetAuthorized("alice@lab.org");
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "a"));
        Render<MudPopoverProvider>();
    }

    [Fact]
    public async Task Render_EntersPage_ShowsOthersLive_LeavesOnDispose()
    {
        var cut = Render<PresenceBar>(p => p.Add(x => x.WorkspaceId, Workspace).Add(x => x.Page, PresencePages.Viewer));

        Assert.Equal(["a"], _tracker.Who(Workspace, PresencePages.Viewer).Select(m => m.UserId));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=presence-member]")));
        Assert.Contains("you", cut.Find("[data-testid=presence-member]").TextContent, StringComparison.Ordinal);

        _tracker.Enter(Workspace, PresencePages.Viewer, "bob-tab", "b", "bob@lab.org");
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=presence-member]").Count));
        Assert.Equal("bob@lab.org", cut.FindAll("[data-testid=presence-member]")[1].GetAttribute("data-user"));
        // No Follow without a follow handler (the run page and the gallery).
        Assert.Empty(cut.FindAll("[data-testid=presence-follow]"));

        // Another page's visitors do not show here.
        _tracker.Enter(Workspace, PresencePages.Run(Guid.NewGuid()), "carol-tab", "c", "carol@lab.org");
        _tracker.Leave(Workspace, PresencePages.Viewer, "bob-tab");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=presence-member]")));

        await DisposeComponentsAsync();
        Assert.Empty(_tracker.Who(Workspace, PresencePages.Viewer));
    }

    [Fact]
    public void Follow_OfferedForOthersOnly_ReportsTheMember()
    {
        PresenceMember? followed = null;
        _tracker.Enter(Workspace, PresencePages.Viewer, "bob-tab", "b", "bob@lab.org");
        var cut = Render<PresenceBar>(p => p.Add(x => x.WorkspaceId, Workspace).Add(x => x.Page, PresencePages.Viewer).Add(x => x.OnFollow, m => followed = m));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=presence-member]").Count));
        // The bar renders twice on entering (the presence event, then Enter's own answer): click the button of the
        // latest render, again if a render replaced it under the click.
        cut.WaitForAssertion(() =>
        {
            var follow = Assert.Single(cut.FindAll("button[data-testid=presence-follow]"));
            Assert.Equal("bob@lab.org", follow.GetAttribute("data-user"));
            follow.Click();
            Assert.Equal("b", followed?.UserId);
        });

        cut.Render(p => p.Add(x => x.FollowingUserId, "b"));
        Assert.Empty(cut.FindAll("[data-testid=presence-follow]"));
    }
}
