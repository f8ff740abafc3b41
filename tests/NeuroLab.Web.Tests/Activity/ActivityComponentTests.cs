using Bunit;
using NeuroLab.Data.Audit;
using NeuroLab.Web.Components.Activity;
using NeuroLab.Web.Tests.Components;

namespace NeuroLab.Web.Tests.Activity;

public sealed class ActivityComponentTests : MudComponentTest
{
    private static readonly DateTime Now = new(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc);
    private static readonly Guid Ws = Guid.NewGuid();
    private static readonly Guid RunId = Guid.NewGuid();

    private static readonly ActivityItem[] Items =
    [
        new(3, "caption.reviewed", "review", "unit 4: wrong", "b", "bob@lab.org", Now.AddMinutes(-5), RunId, null, 4),
        new(2, "run.succeeded", "run", "encoding-ridge on Haxby: in 3.1 s", "a", "alice@lab.org", Now.AddHours(-2), RunId),
        new(1, "annotation.created", "comment", "<script>alert(1)</script> looks like FFA", "a", "alice@lab.org", Now.AddDays(-3)),
    ];

    [Fact]
    public void ActivityFeed_Items_RenderNewestFirstWithLinksAndRelativeTimes()
    {
        var cut = Render<ActivityFeed>(p => p.Add(x => x.Items, Items).Add(x => x.WorkspaceId, Ws).Add(x => x.NowUtc, Now));
        var rows = cut.FindAll("[data-testid=activity-item]");
        Assert.Equal(["review", "run", "comment"], rows.Select(r => r.GetAttribute("data-kind")));
        Assert.Contains("Reviewed a caption, unit 4: wrong", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("5 min ago", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("2 h ago", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("3 d ago", rows[2].TextContent, StringComparison.Ordinal);
        Assert.Contains($"w/{Ws}/runs/{RunId}/captions/4", cut.Markup, StringComparison.Ordinal);
        Assert.Contains($"w/{Ws}/runs/{RunId}\"", cut.Markup, StringComparison.Ordinal);
        // What a member typed is shown as text.
        Assert.DoesNotContain("<script>", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void ActivityFeed_NoItems_SaysWhatWillAppear()
    {
        var cut = Render<ActivityFeed>(p => p.Add(x => x.Items, []).Add(x => x.WorkspaceId, Ws));
        Assert.Contains("Nothing yet", cut.Find("[data-testid=activity-empty]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void AuditLogTable_Items_OneRowEachWithActionChip()
    {
        var audit = new ActivityItem[] { new(9, "token.created", "token", "notebook (nl_ab…)", "b", "bob@lab.org", Now), new(8, "member.added", "member", "bob@lab.org as Editor", "a", "alice@lab.org", Now) };
        var cut = Render<AuditLogTable>(p => p.Add(x => x.Items, audit));
        Assert.Equal(["token.created", "member.added"], cut.FindAll("[data-testid=audit-action]").Select(c => c.TextContent.Trim()));
        Assert.Contains("2026-12-07 12:00:00 UTC", cut.Markup, StringComparison.Ordinal);
    }
}
