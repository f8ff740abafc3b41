using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace NeuroLab.Web.Tests.Api;

/// <summary>Voxel captions over the API: captions of a run, team reviews by two members, agreement, refusals.</summary>
public sealed class CaptionsApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static async Task<string> RunAsync(HttpClient client, Guid workspace, string datasetId, string kind, object parameters)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace}/runs", new { kind, datasetId, parameters });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.JsonAsync()).GetProperty("id").GetString()!;
        await ApiClient.WaitForArtifactsAsync(client, id);
        return id;
    }

    [Fact]
    public async Task TwoMembersReview_AgreementIsKappa_OutsiderAndBadInputAreRefused()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Reviews" })).JsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "bob@lab.org", role = "viewer" })).StatusCode);
        var haxby = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "haxby2001-sub1" })).JsonAsync();
        var datasetId = haxby.GetProperty("dataset").GetProperty("id").GetString()!;
        var hoc = haxby.GetProperty("responseSets").EnumerateArray().Single(r => r.GetProperty("name").GetString()!.Contains("hoc", StringComparison.Ordinal)).GetProperty("id").GetString();
        var encoding = await RunAsync(alice, ws, datasetId, "encoding-ridge", new { responseSetId = hoc, features = "labels", samples = "trials", permutations = 0 });
        var captionRun = await RunAsync(alice, ws, datasetId, "voxel-captions", new { encodingRunId = encoding, minTestR = -1.0, keywords = 1 });

        var captions = await (await bob.GetAsync($"/api/v1/runs/{captionRun}/captions")).JsonAsync();
        Assert.Equal(45, captions.GetProperty("captions").GetArrayLength());
        Assert.StartsWith("Prefers ", captions.GetProperty("captions")[0].GetProperty("caption").GetString(), StringComparison.Ordinal);

        // Alice and Bob (a Viewer) review units 0-3: accurate/accurate/wrong/partly and accurate/wrong/wrong/partly.
        string[] aliceVerdicts = ["accurate", "accurate", "wrong", "partly"];
        string[] bobVerdicts = ["accurate", "wrong", "wrong", "partly"];
        for (int u = 0; u < 4; u++)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.PutAsJsonAsync($"/api/v1/runs/{captionRun}/captions/{u}/review", new { verdict = aliceVerdicts[u] })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await bob.PutAsJsonAsync($"/api/v1/runs/{captionRun}/captions/{u}/review", new { verdict = "partly", comment = "first look" })).StatusCode);
            // Saving again replaces Bob's review.
            Assert.Equal(HttpStatusCode.OK, (await bob.PutAsJsonAsync($"/api/v1/runs/{captionRun}/captions/{u}/review", new { verdict = bobVerdicts[u], comment = u == 1 ? "it is a house voxel" : null })).StatusCode);
        }
        var reviews = await (await alice.GetAsync($"/api/v1/runs/{captionRun}/caption-reviews")).JsonAsync();
        Assert.Equal(8, reviews.GetProperty("reviews").GetArrayLength());
        var stats = reviews.GetProperty("stats");
        Assert.Equal(2, stats.GetProperty("reviewers").GetInt32());
        Assert.Equal(4, stats.GetProperty("captionsReviewedTwice").GetInt32());
        // Closed forms over categories (accurate, partly, wrong): Cohen p_o = 3/4, p_e = 2/16 + 1/16 + 2/16 = 5/16,
        // kappa = (12/16 - 5/16) / (11/16) = 7/11; Fleiss P = 3/4, p = (3/8, 2/8, 3/8), P_e = 22/64, kappa = (48 - 22) / 42 = 13/21.
        Assert.Equal(7.0 / 11, stats.GetProperty("pairs")[0].GetProperty("cohenKappa").GetDouble(), 1e-12);
        Assert.Equal(13.0 / 21, stats.GetProperty("fleissKappa").GetDouble(), 1e-12);
        Assert.Contains(reviews.GetProperty("reviews").EnumerateArray(), r => r.GetProperty("comment").GetString() == "it is a house voxel" && r.GetProperty("reviewer").GetString() == "bob@lab.org");

        var badVerdict = await alice.PutAsJsonAsync($"/api/v1/runs/{captionRun}/captions/0/review", new { verdict = "maybe" });
        Assert.Equal(HttpStatusCode.BadRequest, badVerdict.StatusCode);
        Assert.Contains("accurate, partly or wrong", await badVerdict.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var noCaption = await alice.PutAsJsonAsync($"/api/v1/runs/{captionRun}/captions/999/review", new { verdict = "wrong" });
        Assert.Equal(HttpStatusCode.BadRequest, noCaption.StatusCode);
        Assert.Contains("Unit 999 has no caption", await noCaption.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var longComment = await alice.PutAsJsonAsync($"/api/v1/runs/{captionRun}/captions/0/review", new { verdict = "wrong", comment = new string('x', 2001) });
        Assert.Equal(HttpStatusCode.BadRequest, longComment.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.PutAsJsonAsync($"/api/v1/runs/{captionRun}/captions/0/review", new { verdict = "wrong" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.GetAsync($"/api/v1/runs/{captionRun}/caption-reviews")).StatusCode);
        // Nothing of that changed the reviews.
        Assert.Equal(8, (await (await alice.GetAsync($"/api/v1/runs/{captionRun}/caption-reviews")).JsonAsync()).GetProperty("reviews").GetArrayLength());
    }
}
