using Bunit;
using MudBlazor;
using NeuroLab.Data.Workspaces;
using NeuroLab.Web.Components.Workspaces;

namespace NeuroLab.Web.Tests.Components;

public sealed class MemberListTests : MudComponentTest
{
    private static readonly DateTime Joined = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly MemberSummary[] Members =
    [
        new("a", "alice@lab.org", "Alice", WorkspaceRole.Owner, Joined),
        new("b", "bob@lab.org", "Bob", WorkspaceRole.Viewer, Joined),
    ];

    public MemberListTests()
    {
        Render<MudPopoverProvider>();
    }

    [Fact]
    public void Viewer_SeesRolesAsChips_NoControls()
    {
        var cut = Render<MemberList>(p => p.Add(x => x.Members, Members).Add(x => x.CanManage, false).Add(x => x.CurrentUserId, "b"));
        Assert.Equal(["alice@lab.org", "bob@lab.org"], cut.FindAll("[data-testid=member-email]").Select(e => e.TextContent));
        Assert.Equal(2, cut.FindAll("[data-testid=role-chip]").Count);
        Assert.Empty(cut.FindAll("[data-testid=member-remove]"));
        Assert.Contains("(you)", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Owner_LastOwnersControlsDisabled_OthersEnabled()
    {
        var cut = Render<MemberList>(p => p.Add(x => x.Members, Members).Add(x => x.CanManage, true).Add(x => x.CurrentUserId, "a"));
        var remove = cut.FindAll("button[data-testid=member-remove]");
        Assert.Equal(2, remove.Count);
        Assert.True(remove[0].HasAttribute("disabled"));
        Assert.False(remove[1].HasAttribute("disabled"));
        Assert.Contains("Last Owner", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Owner_ClickRemove_RaisesEventWithThatMember()
    {
        MemberSummary? removed = null;
        var cut = Render<MemberList>(p => p.Add(x => x.Members, Members).Add(x => x.CanManage, true)
            .Add(x => x.OnRemove, (MemberSummary m) => removed = m));
        cut.FindAll("button[data-testid=member-remove]")[1].Click();
        Assert.Equal("bob@lab.org", removed?.Email);
    }

    [Fact]
    public void TwoOwners_NeitherIsLocked()
    {
        MemberSummary[] owners = [Members[0], Members[1] with { Role = WorkspaceRole.Owner }];
        var cut = Render<MemberList>(p => p.Add(x => x.Members, owners).Add(x => x.CanManage, true));
        Assert.All(cut.FindAll("button[data-testid=member-remove]"), b => Assert.False(b.HasAttribute("disabled")));
    }
}
