using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.EncodingReadout;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Data;
using NeuroLab.Data.Storage;

namespace NeuroLab.Web.Tests.Api;

/// <summary>
/// As a new user would: every sample of the catalogue that brings responses, imported as it is, takes the new-run
/// form's defaults (the same Compute function the form uses) and is accepted on the first submission.
/// </summary>
public sealed class RunDefaultsApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task FormDefaults_EverySampleWithResponses_AreAcceptedOnFirstSubmit()
    {
        var alice = await _factory.RegisterAndSignInAsync("newcomer@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "First steps" })).JsonAsync()).GetProperty("id").GetGuid();
        var samples = (await (await alice.GetAsync("/api/v1/samples")).JsonAsync()).EnumerateArray().Select(s => s.GetProperty("key").GetString()!).ToList();
        var dbFactory = _factory.Services.GetRequiredService<IDbContextFactory<NeuroLabDbContext>>();
        var store = _factory.Services.GetRequiredService<ContentStore>();
        var tried = new List<string>();
        foreach (var key in samples)
        {
            var created = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = key });
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"{key}: {await created.Content.ReadAsStringAsync()}");
            var body = await created.JsonAsync();
            var datasetId = body.GetProperty("dataset").GetProperty("id").GetGuid();
            foreach (var set in body.GetProperty("responseSets").EnumerateArray())
            {
                var setId = set.GetProperty("id").GetGuid();
                var defaults = await EncodingRidgeDefaults.ForAsync(dbFactory, store, datasetId, setId);
                var submitted = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
                {
                    kind = "encoding-ridge",
                    datasetId,
                    parameters = JsonSerializer.SerializeToElement(defaults, JsonSerializerOptions.Web),
                });
                Assert.True(submitted.StatusCode == HttpStatusCode.Created,
                    $"{key} / {set.GetProperty("name").GetString()} with {defaults}: {await submitted.Content.ReadAsStringAsync()}");
                tried.Add($"{key}: {defaults.Features}, {defaults.Samples}, {defaults.Split}");
                // Accepted is what counts here; the queue need not spend the test's time fitting it.
                var runId = (await submitted.JsonAsync()).GetProperty("id").GetGuid();
                Assert.True((await alice.PostAsync($"/api/v1/runs/{runId}/cancel", null)).IsSuccessStatusCode);
            }
        }
        // The catalogue's studies with responses: images split by the dataset (Allen, digits) and GLM conditions by run (Haxby).
        Assert.Contains(tried, t => t.StartsWith("haxby2001-sub1: labels, trials,", StringComparison.Ordinal));
        Assert.Contains(tried, t => t == "allen-v1: gabor, stimuli, dataset");
        Assert.Contains(tried, t => t.StartsWith("vangerven-digits: gabor, stimuli, dataset", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DatasetRunKinds_EverySampleWithResponses_EveryKindSaidToFit_IsAcceptedWithItsDefaults()
    {
        var alice = await _factory.RegisterAndSignInAsync("kinds@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Which models" })).JsonAsync()).GetProperty("id").GetGuid();
        var samples = (await (await alice.GetAsync("/api/v1/samples")).JsonAsync()).EnumerateArray().Select(s => s.GetProperty("key").GetString()!).ToList();
        var fitting = new List<string>();
        var unfit = new List<string>();
        foreach (var key in samples)
        {
            var body = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = key })).JsonAsync();
            var datasetId = body.GetProperty("dataset").GetProperty("id").GetGuid();
            foreach (var set in body.GetProperty("responseSets").EnumerateArray())
            {
                var kinds = await (await alice.GetAsync($"/api/v1/datasets/{datasetId}/run-kinds?responseSetId={set.GetProperty("id").GetGuid()}")).JsonAsync();
                Assert.Contains(kinds.EnumerateArray(), k => k.GetProperty("kind").GetString() == "encoding-ridge" && k.GetProperty("fits").GetBoolean());
                foreach (var kind in kinds.EnumerateArray())
                {
                    var name = kind.GetProperty("kind").GetString();
                    if (!kind.GetProperty("fits").GetBoolean())
                    {
                        Assert.NotEmpty(kind.GetProperty("problems").EnumerateArray());
                        unfit.Add($"{key}: {name}");
                        continue;
                    }
                    var submitted = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind = name, datasetId, parameters = kind.GetProperty("parameters") });
                    Assert.True(submitted.StatusCode == HttpStatusCode.Created, $"{key} / {name}: {await submitted.Content.ReadAsStringAsync()}");
                    fitting.Add($"{key}: {name}");
                    var runId = (await submitted.JsonAsync()).GetProperty("id").GetGuid();
                    Assert.True((await alice.PostAsync($"/api/v1/runs/{runId}/cancel", null)).IsSuccessStatusCode);
                }
            }
        }
        // The readout learns from images: it fits Allen's scenes, not Haxby's GLM conditions (no images).
        Assert.Contains("allen-v1: encoding-readout", fitting);
        Assert.Contains("haxby2001-sub1: encoding-readout", unfit);
    }
}
