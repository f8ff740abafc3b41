using Bunit;
using MudBlazor;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.RunKinds.Reconstruction;
using NeuroLab.Data.Runs;
using NeuroLab.Web.Components.Runs.Reconstructions;
using NeuroLab.Web.Reconstructions;

namespace NeuroLab.Web.Tests.Components;

/// <summary>The reconstruction gallery's sorting and filtering by a metric, and the leaderboard's best values.</summary>
public sealed class ReconstructionComponentTests : MudComponentTest
{
    private static ReconstructionItem Item(int index, double pixCorr, double ssim, double mse) =>
        new(index, $"s{index}", new Dictionary<string, double> { ["pixcorr"] = pixCorr, ["ssim"] = ssim, ["mse"] = mse }, null);

    private static readonly IReadOnlyList<ReconstructionItem> Items =
        [Item(0, 0.5, 0.2, 0.04), Item(1, 0.9, 0.1, 0.01), Item(2, double.NaN, 0.6, 0.09), Item(3, 0.7, 0.4, 0.02)];

    private IRenderedComponent<ReconstructionGalleryView> RenderGallery() => Render<ReconstructionGalleryView>(p => p
        .Add(x => x.Items, Items)
        .Add(x => x.MetricNames, ["pixcorr", "ssim", "mse"])
        .Add(x => x.ImageUrl, (i, which) => $"img/{i}/{which}"));

    private static int[] Shown(IRenderedComponent<ReconstructionGalleryView> cut) =>
        [.. cut.FindAll("[data-testid=recon-item]").Select(e => int.Parse(e.GetAttribute("data-index")!, System.Globalization.CultureInfo.InvariantCulture))];

    [Fact]
    public async Task Gallery_SortByMetric_BestFirst_LowerIsBetterForMse_UndefinedLast()
    {
        var cut = RenderGallery();
        Assert.Equal([0, 1, 2, 3], Shown(cut));
        Assert.Equal("img/1/Target", cut.FindAll("[data-testid=recon-item]")[1].QuerySelector("img")!.GetAttribute("src"));

        var sort = cut.FindComponents<MudSelect<string>>()[0];
        await cut.InvokeAsync(() => sort.Instance.ValueChanged.InvokeAsync("ssim"));
        Assert.Equal([2, 3, 0, 1], Shown(cut));
        await cut.InvokeAsync(() => sort.Instance.ValueChanged.InvokeAsync("mse"));
        Assert.Equal([1, 3, 0, 2], Shown(cut));
        await cut.InvokeAsync(() => sort.Instance.ValueChanged.InvokeAsync("pixcorr"));
        Assert.Equal([1, 3, 0, 2], Shown(cut));
        await cut.InvokeAsync(() => cut.FindComponent<MudSwitch<bool>>().Instance.ValueChanged.InvokeAsync(true));
        Assert.Equal([0, 3, 1, 2], Shown(cut));
    }

    [Fact]
    public async Task Gallery_FilterByThreshold_AtLeastForSsim_AtMostForMse_UndefinedExcluded()
    {
        var cut = RenderGallery();
        var filter = cut.FindComponents<MudSelect<string>>()[1];

        await cut.InvokeAsync(() => filter.Instance.ValueChanged.InvokeAsync("ssim"));
        await cut.InvokeAsync(() => cut.FindComponent<MudNumericField<double?>>().Instance.ValueChanged.InvokeAsync(0.2));
        Assert.Equal([0, 2, 3], Shown(cut));
        Assert.Contains("3 of 4 images", cut.Find("[data-testid=recon-shown]").TextContent, StringComparison.Ordinal);

        await cut.InvokeAsync(() => filter.Instance.ValueChanged.InvokeAsync("mse"));
        await cut.InvokeAsync(() => cut.FindComponent<MudNumericField<double?>>().Instance.ValueChanged.InvokeAsync(0.02));
        Assert.Equal([1, 3], Shown(cut));
        await cut.InvokeAsync(() => filter.Instance.ValueChanged.InvokeAsync("pixcorr"));
        await cut.InvokeAsync(() => cut.FindComponent<MudNumericField<double?>>().Instance.ValueChanged.InvokeAsync(0.0));
        Assert.Equal([0, 1, 3], Shown(cut));
    }

    [Fact]
    public void Leaderboard_BestPerColumnBold_HighestPixCorrLowestMse()
    {
        static ReconstructionStanding Standing(string label, double pixCorr, double mse, double? top1) => new(
            new RunSummary(Guid.NewGuid(), Guid.NewGuid(), null, Guid.NewGuid(), "reconstruction-ridge", RunStatus.Succeeded, "{}", 0, null, "", null, null, null, 1, "alice", DateTime.UtcNow, null, null),
            label,
            new ReconstructionScores { PixCorr = new(pixCorr, pixCorr - 0.1, pixCorr + 0.1), Ssim = new(0.4, 0.3, 0.5), Mse = new(mse, mse - 0.01, mse + 0.01), Top1 = top1, Top1Chance = top1 is null ? null : 0.1, RetrievalCandidates = top1 is null ? null : 10 });

        var cut = Render<ReconstructionLeaderboard>(p => p
            .Add(x => x.Standings, [Standing("ridge", 0.78, 0.039, null), Standing("features", 0.81, 0.045, 0.6)])
            .Add(x => x.WorkspaceId, Guid.NewGuid()));

        var rows = cut.FindAll("tbody tr");
        Assert.Equal(2, rows.Count);
        var bold = cut.FindAll("[data-best=true]").Select(e => e.TextContent).ToList();
        Assert.Contains("0.810", bold);
        Assert.Contains("0.039", bold);
        Assert.DoesNotContain("0.780", bold);
        Assert.DoesNotContain("0.045", bold);
        // Both runs tie on SSIM: both bold.
        Assert.Equal(2, bold.Count(b => b == "0.400"));
        Assert.Contains("0.600", cut.Find(".nl-best:not([data-best])").TextContent, StringComparison.Ordinal);
    }
}
