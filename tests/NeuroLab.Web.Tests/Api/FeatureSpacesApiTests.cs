using System.Net;
using System.Net.Http.Json;
using NeuroLab.Web.Tests.Security;

namespace NeuroLab.Web.Tests.Api;

/// <summary>GET /api/v1/feature-spaces lists the registry; runs naming a space it does not hold are refused, never defaulted.</summary>
public sealed class FeatureSpacesApiTests(RunParameterFixture f) : IClassFixture<RunParameterFixture>
{
    private const string Allowed = "Allowed: gabor, pca, pixels, file, torchscript, onnx, labels, resnet18:stem, resnet18:layer1, resnet18:layer2, resnet18:layer3, resnet18:layer4, resnet18:pool.";

    [Fact]
    public async Task FeatureSpaces_SignedIn_ListsTheBuiltInSpacesWithParametersAndImageNeeds()
    {
        var spaces = await (await f.Alice.GetAsync("/api/v1/feature-spaces")).JsonAsync();

        Assert.Equal(["gabor", "pca", "pixels", "file", "torchscript", "onnx", "labels", "resnet18:stem", "resnet18:layer1", "resnet18:layer2", "resnet18:layer3", "resnet18:layer4", "resnet18:pool"], spaces.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var pca = spaces.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "pca");
        Assert.True(pca.GetProperty("needsImages").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(pca.GetProperty("description").GetString()));
        var components = pca.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "pcaComponents");
        Assert.Equal(("integer", "100", 1, 10_000), (components.GetProperty("type").GetString(), components.GetProperty("default").GetString(),
            components.GetProperty("minimum").GetInt32(), components.GetProperty("maximum").GetInt32()));
        var labels = spaces.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "labels");
        Assert.False(labels.GetProperty("needsImages").GetBoolean());
    }

    [Fact]
    public async Task FeatureSpaces_Anonymous_Is401_AndTheEndpointIsInOpenApi()
    {
        var anonymous = f.Factory.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/feature-spaces")).StatusCode);
        var openApi = await (await f.Alice.GetAsync("/openapi/v1.json")).JsonAsync();
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/v1/feature-spaces", out var path), "feature-spaces is missing from OpenAPI");
        Assert.True(path.TryGetProperty("get", out _));
    }

    [Theory]
    [InlineData("features", "gabour")]
    [InlineData("bands", "resnet")]
    public async Task SubmitRun_UnknownFeatureSpace_Is400ListingTheAllowedNames_NothingQueued(string parameter, string name)
    {
        object parameters = parameter == "features"
            ? new { responseSetId = f.ResponseSetId, features = name, split = "random", permutations = 0 }
            : new { responseSetId = f.ResponseSetId, bands = new[] { "pixels", name }, split = "random", permutations = 0 };
        int before = await RunCountAsync();

        var response = await f.Alice.PostAsJsonAsync($"/api/v1/workspaces/{f.WorkspaceId}/runs", new { kind = "encoding-ridge", datasetId = f.DatasetId, parameters });

        // An unknown value is a malformed request (400), never a silent default; problems with the data are 422.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.JsonAsync()).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains($"{parameter}: unknown feature space '{name}'. {Allowed}", errors);
        Assert.Equal(before, await RunCountAsync());
    }

    [Fact]
    public async Task SubmitRun_NetworkStageParameters_AreRunParameters_CheckedByTheSpace()
    {
        int before = await RunCountAsync();

        var refused = await f.Alice.PostAsJsonAsync($"/api/v1/workspaces/{f.WorkspaceId}/runs", new
        {
            kind = "encoding-ridge",
            datasetId = f.DatasetId,
            parameters = new { responseSetId = f.ResponseSetId, features = "resnet18:layer4", poolGrid = 9, permutations = 0 },
        });
        var accepted = await f.Alice.PostAsJsonAsync($"/api/v1/workspaces/{f.WorkspaceId}/runs", new
        {
            kind = "encoding-ridge",
            datasetId = f.DatasetId,
            parameters = new { responseSetId = f.ResponseSetId, features = "resnet18:layer4", poolGrid = 1, featurePcaComponents = 20, permutations = 0 },
        });

        Assert.Equal((HttpStatusCode)422, refused.StatusCode);
        Assert.Contains((await refused.JsonAsync()).GetProperty("errors").EnumerateArray(), e => e.GetString()!.StartsWith("poolGrid must be between 1 and 7", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var stored = (await accepted.JsonAsync()).GetProperty("parameters");
        Assert.Equal((1, 20), (stored.GetProperty("poolGrid").GetInt32(), stored.GetProperty("featurePcaComponents").GetInt32()));
        Assert.Equal(before + 1, await RunCountAsync());
    }

    private async Task<int> RunCountAsync() =>
        (await (await f.Alice.GetAsync($"/api/v1/workspaces/{f.WorkspaceId}/runs")).JsonAsync()).GetArrayLength();
}
