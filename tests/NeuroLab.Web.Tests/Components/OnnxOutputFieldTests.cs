using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Features.Onnx;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Web.Components.Runs;

namespace NeuroLab.Web.Tests.Components;

/// <summary>The encoding form's onnxOutput field: a choice among the tensors the server reads from the chosen ONNX model's graph.</summary>
public sealed class OnnxOutputFieldTests : MudComponentTest
{
    [Fact]
    public async Task EncodingForm_OnnxSpaceWithOnnxModel_OffersTheGraphsTensors_NoLayerField()
    {
        var root = Directory.CreateTempSubdirectory("neurolab-onnx-form-").FullName;
        try
        {
            await RenderAndChooseAsync(new ContentStore(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private async Task RenderAndChooseAsync(ContentStore store)
    {
        var blob = await store.AddAsync(new MemoryStream(OnnxTestModels.ConvReluPool()));
        var model = new DatasetFileSummary(Guid.NewGuid(), "tiny.onnx", FileRole.Model, "onnx", blob.SizeBytes, null, null, null, null, null, null, blob.Sha256, "alice", DateTime.UtcNow);
        var dataset = new DatasetDetail(
            new DatasetSummary(Guid.NewGuid(), Guid.NewGuid(), "d", null, DatasetSpace.None, null, 0, 0, 0, 0, "alice", DateTime.UtcNow), null, null, [model], [], []);
        Services.AddSingleton(store);
        // The form reads only names, labels and parameter descriptors from the registry; the onnx space's database is not used.
        Services.AddSingleton(new FeatureSpaceRegistry([new OnnxFeatureSpace(null!, store, new FeatureCache(store))]));
        var parameters = new EncodingRidgeParameters { Features = "onnx", ModelFileId = model.Id };
        Render<MudPopoverProvider>();

        var cut = Render<CascadingValue<EditContext>>(p => p
            .Add(x => x.Value, new EditContext(parameters))
            .AddChildContent<EncodingRidgeForm>(f => f.Add(x => x.Parameters, parameters).Add(x => x.Context, new RunFormContext(dataset, null))));

        cut.WaitForAssertion(() => Assert.Contains("Default: the graph's output pool", System.Net.WebUtility.HtmlDecode(cut.Markup), StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=run-layer]"));
        var select = cut.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "ONNX node output");
        await cut.InvokeAsync(() => select.Instance.SelectOption("relu"));
        Assert.Equal("relu", parameters.OnnxOutput);
        Assert.Equal(["pool", "conv", "relu"], select.FindComponents<MudSelectItem<string>>().Select(i => i.Instance.Value));
    }
}
