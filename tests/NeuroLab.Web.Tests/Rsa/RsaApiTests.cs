using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace NeuroLab.Web.Tests.Rsa;

/// <summary>
/// The rsa kind over the REST API on the k92 sample (no response sets): offered for the dataset, queued with only the
/// dataset, its tables readable by a script, bad parameters refused listing the allowed values, and RDM cells
/// discussable within the RDM's bounds.
/// </summary>
public sealed class RsaApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Rsa_K92OverTheApi_OfferedRunsAndWritesItsTables_BadValuesAnd_RdmCellsChecked()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "kriegeskorte-92" })).JsonAsync();
        var datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString();

        // A dataset with no response set: rsa is offered (its RDMs and images), the response-set kinds are not.
        var kinds = (await (await alice.GetAsync($"/api/v1/datasets/{datasetId}/run-kinds")).JsonAsync()).EnumerateArray().ToList();
        var rsa = kinds.Single(k => k.GetProperty("kind").GetString() == "rsa");
        Assert.True(rsa.GetProperty("fits").GetBoolean(), rsa.ToString());
        Assert.Contains(rsa.GetProperty("parameters").GetProperty("features").EnumerateArray(), f => f.GetString() == "pixels");
        Assert.False(kinds.Single(k => k.GetProperty("kind").GetString() == "encoding-ridge").GetProperty("fits").GetBoolean());

        // Unknown values: 400 naming the allowed ones; nothing queued.
        var bad = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind = "rsa", datasetId, parameters = new { methods = new[] { "kendall" }, distance = "mahalanobis" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("kendall-tau-a", problem, StringComparison.Ordinal);
        Assert.Contains("crossnobis", problem, StringComparison.Ordinal);
        var thresholds = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind = "rsa", datasetId, parameters = new { trsaLower = 0.6, trsaUpper = 0.4 } });
        Assert.Contains("trsaLower and trsaUpper", await thresholds.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var one = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind = "rsa", datasetId, parameters = new { resamples = 1 } });
        Assert.Contains("resamples must be 0 (no bootstrap) or from 2", await one.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await (await alice.GetAsync($"/api/v1/workspaces/{ws}/runs")).JsonAsync()).GetArrayLength());

        var run = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind = "rsa", datasetId, parameters = new { features = new[] { "pixels" }, resamples = 50 } })).JsonAsync();
        var runId = run.GetProperty("id").GetString()!;
        var artifacts = await ApiClient.WaitForArtifactsAsync(alice, runId);
        async Task<string> TextAsync(string name) =>
            await alice.GetStringAsync(artifacts.Single(a => a.GetProperty("name").GetString() == name).GetProperty("url").GetString());
        var comparisons = (await TextAsync("comparisons.csv")).Trim().Split('\n');
        Assert.Equal("model,brain,method,value,ci_low,ci_high", comparisons[0]);
        // 8 imported models + pixels, against hIT, by tau-a and Spearman.
        Assert.Equal(1 + (9 * 2), comparisons.Length);
        var animacy = comparisons.Single(r => r.StartsWith("animacy,hIT,kendall-tau-a,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(0.340, double.Parse(animacy[3], CultureInfo.InvariantCulture), 0.0006);
        Assert.Equal("brain,method,lower,upper", (await TextAsync("noise_ceiling.csv")).Split('\n')[0].Trim());
        Assert.Contains(artifacts, a => a.GetProperty("name").GetString() == "rdm_hIT.npy" && a.GetProperty("role").GetString() == "matrix");
        var summary = (await (await alice.GetAsync($"/api/v1/runs/{runId}")).JsonAsync()).GetProperty("summary");
        Assert.Equal(92, summary.GetProperty("stimuli").GetInt32());

        // RDM cells: inside the 92 x 92 RDM a thread opens; outside it the request names the bounds.
        var url = $"/api/v1/workspaces/{ws}/annotations";
        var cell = await alice.PostAsJsonAsync(url, new { target = new { kind = "rdmCell", runId, row = 3, col = 50 }, body = "Face vs. animal: why so close?" });
        Assert.Equal(HttpStatusCode.Created, cell.StatusCode);
        var outside = await alice.PostAsJsonAsync(url, new { target = new { kind = "rdmCell", runId, row = 3, col = 92 }, body = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Contains("rows and columns 0-91", await outside.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
