using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace NeuroLab.Web.Tests.Api;

/// <summary>
/// reconstruction-generative over the REST API: refused (422, naming the setting) when the server has no generator, and run
/// end to end when the app is configured (NeuroLab:Reconstruction:Generator:Endpoint) with the in-process generator double.
/// </summary>
public sealed class ReconstructionGenerativeApiTests
{
    private static async Task<(HttpClient Alice, Guid Workspace, string Dataset, string ResponseSet)> DigitsAsync(NeuroLabAppFactory factory)
    {
        var alice = await factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "vangerven-digits" })).JsonAsync();
        return (alice, ws, dataset.GetProperty("dataset").GetProperty("id").GetString()!, dataset.GetProperty("responseSets")[0].GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task Submit_NoGeneratorConfigured_Is422NamingTheSetting_NothingQueued()
    {
        using var factory = new NeuroLabAppFactory();
        var (alice, ws, dataset, set) = await DigitsAsync(factory);

        var response = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs",
            new { kind = "reconstruction-generative", datasetId = dataset, parameters = new { responseSetId = set } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.JsonAsync()).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains("NeuroLab:Reconstruction:Generator:Endpoint", StringComparison.Ordinal));
        var runs = await (await alice.GetAsync($"/api/v1/workspaces/{ws}/runs")).JsonAsync();
        Assert.Empty(runs.EnumerateArray());
    }

    [Fact]
    public async Task Run_AppConfiguredWithTheDouble_ScoresTheReturnedImages_SummaryNamesTheGenerator()
    {
        await using var generator = await GeneratorDouble.StartAsync();
        using var factory = new NeuroLabAppFactory(settings: new Dictionary<string, string?>
        {
            ["NeuroLab:Reconstruction:Generator:Endpoint"] = generator.Endpoint,
            ["NeuroLab:Reconstruction:Generator:ApiKey"] = "secret-key-42",
            ["NeuroLab:Reconstruction:Generator:BatchSize"] = "5",
        });
        var (alice, ws, dataset, set) = await DigitsAsync(factory);

        var created = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs",
            new { kind = "reconstruction-generative", datasetId = dataset, parameters = new { responseSetId = set, features = "pixels" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var runId = (await created.JsonAsync()).GetProperty("id").GetString()!;
        var artifacts = await ApiClient.WaitForArtifactsAsync(alice, runId);

        Assert.Contains(artifacts, a => a.GetProperty("name").GetString() == "reconstructions.npy");
        Assert.Contains(artifacts, a => a.GetProperty("name").GetString() == "metrics.csv");
        Assert.Equal(2, generator.Requests.Count);
        Assert.All(generator.Requests, r => Assert.Equal("Bearer secret-key-42", r.Authorization));
        var run = await (await alice.GetAsync($"/api/v1/runs/{runId}")).JsonAsync();
        var summary = run.GetProperty("summary");
        Assert.True(summary.GetProperty("externallyGenerated").GetBoolean());
        Assert.Equal(GeneratorDouble.Model, summary.GetProperty("generatorModel").GetString());
        Assert.Equal(GeneratorDouble.Version, summary.GetProperty("generatorVersion").GetString());
        Assert.Equal(new Uri(generator.Endpoint).Authority, summary.GetProperty("generatorHost").GetString());
        Assert.Equal(10, summary.GetProperty("scores").GetProperty("testImages").GetInt32());
        Assert.DoesNotContain("secret-key-42", run.GetRawText(), StringComparison.Ordinal);
        // The same gallery as every reconstruction kind: the PNG of a returned image is served.
        var png = await alice.GetAsync($"/api/v1/runs/{runId}/reconstructions/0.png");
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("secret-key-42", (await (await alice.GetAsync($"/api/v1/runs/{runId}/log")).Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }
}
