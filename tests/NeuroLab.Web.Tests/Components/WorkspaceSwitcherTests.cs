using Bunit;
using MudBlazor;
using NeuroLab.Data.Workspaces;
using NeuroLab.Web.Components.Charts;
using NeuroLab.Web.Components.Workspaces;

namespace NeuroLab.Web.Tests.Components;

public sealed class WorkspaceSwitcherTests : MudComponentTest
{
    [Fact]
    public void Label_IsCurrentWorkspace_ElseGeneric()
    {
        var w1 = new WorkspaceSummary(Guid.NewGuid(), "V1 encoding", WorkspaceRole.Owner, 1, DateTime.UtcNow);
        var w2 = new WorkspaceSummary(Guid.NewGuid(), "Haxby", WorkspaceRole.Viewer, 3, DateTime.UtcNow);
        Render<MudPopoverProvider>();
        var cut = Render<WorkspaceSwitcher>(p => p.Add(x => x.Workspaces, [w1, w2]).Add(x => x.CurrentId, w2.Id));
        Assert.Contains("Haxby", cut.Find("[data-testid=workspace-switcher]").TextContent, StringComparison.Ordinal);
        cut.Render(p => p.Add(x => x.CurrentId, null));
        Assert.Contains("Workspaces", cut.Find("[data-testid=workspace-switcher]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void RoleChip_ShowsRole()
    {
        var cut = Render<RoleChip>(p => p.Add(x => x.Role, WorkspaceRole.Editor));
        Assert.Equal("Editor", cut.Find("[data-testid=role-chip]").TextContent.Trim());
    }
}

public sealed class ActivityHistogramTests
{
    [Fact]
    public void DailyCounts_CountsPerUtcDay_IgnoresOutsideWindow()
    {
        var today = new DateTime(2026, 11, 28, 15, 0, 0, DateTimeKind.Utc);
        DateTime[] events =
        [
            today, today.AddHours(-14), // 28th 15:00 and 28th 01:00
            today.AddDays(-1),          // 27th
            today.AddDays(-3),          // 25th: first day of a 4-day window
            today.AddDays(-4),          // 24th: outside
            today.AddDays(1),           // future: outside
        ];
        var (days, counts) = ActivityHistogram.DailyCounts(events, today, 4);
        Assert.Equal([new DateOnly(2026, 11, 25), new DateOnly(2026, 11, 26), new DateOnly(2026, 11, 27), new DateOnly(2026, 11, 28)], days);
        Assert.Equal([1, 0, 1, 2], counts);
    }

    [Fact]
    public void DailyCounts_ZeroDays_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ActivityHistogram.DailyCounts([], DateTime.UtcNow, 0));
}

public sealed class LineChartRangeTests
{
    [Fact]
    public void FlatCurve_GetsAReadableRangeAroundItsValue()
    {
        // A CV curve that no alpha changes (seen on Haxby category models): equal to 1e-14.
        var range = LineChart.FlatRange([0.0285175241602755, 0.0285175241602757, 0.028517524172023148, double.NaN]);
        Assert.NotNull(range);
        Assert.Equal(0.0285175, (range.Value.Low + range.Value.High) / 2, 1e-6);
        Assert.Equal(0.2 * 0.0285175, range.Value.High - range.Value.Low, 1e-6);
        Assert.Equal((-1e-3, 1e-3), LineChart.FlatRange([0.0, 0.0]));
        var large = LineChart.FlatRange([250.0, 250.0]);
        Assert.Equal((225.0, 275.0), large);
    }

    [Fact]
    public void VaryingOrEmptyCurve_KeepsPlotlysAutorange()
    {
        Assert.Null(LineChart.FlatRange([0.1, 0.2, 0.15]));
        Assert.Null(LineChart.FlatRange([double.NaN]));
        Assert.Null(LineChart.FlatRange([]));
    }
}
