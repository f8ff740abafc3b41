using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Data.Datasets;
using NeuroLab.Tests.Shared.ToyKind;
using NeuroLab.Web.Components.Runs;
using NeuroLab.Web.Components.Viewer;
using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Tests.Components;

/// <summary>The generic parameter form of kinds without their own, and map display declared by the kind.</summary>
public sealed class RunKindViewTests : MudComponentTest
{
    private static readonly DatasetDetail Dataset = new(
        new DatasetSummary(Guid.NewGuid(), Guid.NewGuid(), "d", null, DatasetSpace.Mni152, null, 0, 0, 0, 0, "alice", DateTime.UtcNow),
        null, null, [], [], []);

    private (IRenderedComponent<CascadingValue<EditContext>> Cut, EditContext Context) RenderForm(ToyParameters parameters)
    {
        var context = new EditContext(parameters);
        var cut = Render<CascadingValue<EditContext>>(p => p
            .Add(x => x.Value, context)
            .AddChildContent<GenericParametersForm>(f => f
                .Add(x => x.Parameters, parameters)
                .Add(x => x.Context, new RunFormContext(Dataset, null))));
        return (cut, context);
    }

    [Fact]
    public void GenericForm_OneFieldPerParameter_WithDefaults_LabelsInWords_NoResponseSetField()
    {
        var (cut, _) = RenderForm(new ToyParameters());

        Assert.Equal("mean", cut.Find("input[data-testid=run-param-statistic], [data-testid=run-param-statistic] input").GetAttribute("value"));
        Assert.Equal("1", cut.Find("input[data-testid=run-param-scale], [data-testid=run-param-scale] input").GetAttribute("value"));
        Assert.Empty(cut.FindAll("[data-testid=run-param-responseSetId]"));
        Assert.Contains("Statistic", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("mean or max over the stimuli", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void GenericForm_ReadableText_SetsTheRecord_UnreadableText_BlocksTheFormAndKeepsNoStaleValue()
    {
        var parameters = new ToyParameters();
        var (cut, context) = RenderForm(parameters);
        var scale = cut.Find("input[data-testid=run-param-scale], [data-testid=run-param-scale] input");

        scale.Change("2.5");
        Assert.Equal(2.5, parameters.Scale);
        Assert.Empty(context.GetValidationMessages());

        cut.Find("input[data-testid=run-param-scale], [data-testid=run-param-scale] input").Change("big");
        Assert.Equal(["Scale: Not a valid number."], context.GetValidationMessages());

        cut.Find("input[data-testid=run-param-scale], [data-testid=run-param-scale] input").Change("3");
        Assert.Equal(3, parameters.Scale);
        Assert.Empty(context.GetValidationMessages());
    }

    [Fact]
    public void ViewerOverlay_MapValuesDeclaredByTheKind_PickTheColours_NotTheFileName()
    {
        ViewerItem Item(string mapName, MapValues values) => new("artifact:a", "m", "api/v1/artifacts/a", mapName + ".nii.gz", new string('a', 64), DatasetSpace.Mni152,
            Guid.NewGuid(), "d", ViewerItemKind.RunMap, Guid.NewGuid(), mapName) { Values = values };

        Assert.Equal("viridis", ViewerOverlay.FromStats(Item("anything", MapValues.Categorical), new VolumeStats(1, 3, 3)).Colormap);
        Assert.Equal(0.5, ViewerOverlay.FromStats(Item("anything", MapValues.Categorical), new VolumeStats(1, 3, 3)).Threshold);
        Assert.Equal(("viridis", 10.0), (ViewerOverlay.FromStats(Item("chosen", MapValues.NonNegative), new VolumeStats(10, 1e6, 1e6)) is var o ? (o.Colormap, o.Threshold) : default));
        Assert.Equal("warm", ViewerOverlay.FromStats(Item("best_alpha", MapValues.Signed), new VolumeStats(-1, 1, 1)).Colormap);
    }
}
