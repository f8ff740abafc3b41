using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace NeuroLab.Web.Tests.Security;

/// <summary>
/// Walks every route under /api/v1 found in the app's endpoint table (so new endpoints are covered
/// automatically): anonymous callers get 401, a signed-in outsider gets 404 for anything naming
/// another user's workspace or token, and the owner's data is unchanged afterwards.
/// </summary>
public sealed class OutsiderWalkTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private sealed record ApiRoute(string Method, RoutePattern Pattern, bool AllowsAnonymous);

    private List<ApiRoute> ApiRoutes() =>
        [.. _factory.Services.GetServices<EndpointDataSource>()
            .SelectMany(s => s.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => new ApiRoute(m, e.RoutePattern, e.Metadata.GetMetadata<IAllowAnonymous>() is not null)))];

    private static string Fill(RoutePattern pattern, IReadOnlyDictionary<string, string> values)
    {
        // {id} names a workspace under /workspaces and a dataset under /datasets.
        var raw = pattern.RawText!.TrimStart('/');
        var scoped = raw.StartsWith("api/v1/datasets", StringComparison.Ordinal) ? new Dictionary<string, string>(values) { ["id"] = values["datasetId"] }
            : raw.StartsWith("api/v1/runs", StringComparison.Ordinal) ? new Dictionary<string, string>(values) { ["id"] = values["runId"] }
            : raw.StartsWith("api/v1/experiments", StringComparison.Ordinal) ? new Dictionary<string, string>(values) { ["id"] = values["experimentId"] }
            : raw.StartsWith("api/v1/artifacts", StringComparison.Ordinal) ? new Dictionary<string, string>(values) { ["id"] = values["artifactId"] }
            : raw.StartsWith("api/v1/annotations", StringComparison.Ordinal) ? new Dictionary<string, string>(values) { ["id"] = values["annotationId"] }
            : values;
        return FillWith(pattern, scoped);
    }

    private static string FillWith(RoutePattern pattern, IReadOnlyDictionary<string, string> values) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => values.TryGetValue(parameter.Name, out var v) ? v : throw new InvalidOperationException($"No test value for route parameter {{{parameter.Name}}} in {pattern.RawText}; add one to the walk."),
            _ => throw new InvalidOperationException("Unexpected route part."),
        }))));

    // A body that would be valid for any endpoint, so a refusal cannot come from validation.
    private static HttpContent Body() => new StringContent(
        """{"name":"Taken over","email":"carol@lab.org","role":"owner","password":"correct horse battery staple","refreshToken":"x","expiresInDays":1}""",
        Encoding.UTF8, "application/json");

    [Fact]
    public async Task EveryEndpoint_AnonymousIs401_OutsiderIs404_OwnerDataUnchanged()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        var workspaceId = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Alice's lab" })).JsonAsync()).GetProperty("id").GetString()!;
        var aliceId = (await (await alice.GetAsync("/api/v1/account/me")).JsonAsync()).GetProperty("id").GetString()!;
        var token = await (await alice.PostAsJsonAsync("/api/v1/account/tokens", new { name = "alice's" })).JsonAsync();
        var mask = await File.ReadAllBytesAsync(SharedData.Path("haxby2001/sub001/masks/25mm/vt.nii.gz"));
        var upload = (await (await alice.PostAsync($"/api/v1/workspaces/{workspaceId}/uploads", Api.UploadsApiTests.Files(("vt.nii.gz", mask)))).JsonAsync())[0];
        var dataset = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/datasets", new { sample = "allen-v1" })).JsonAsync();
        var datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString()!;
        var stimulus = (await (await alice.GetAsync($"/api/v1/datasets/{datasetId}/stimuli?take=1")).JsonAsync())[0];
        var experiment = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/experiments", new { datasetId, name = "Alice's experiment" })).JsonAsync();
        var run = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/runs", new
        {
            kind = "encoding-ridge",
            datasetId,
            experimentId = experiment.GetProperty("id").GetString(),
            parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString(), features = "pixels", imageSize = 16 },
        })).JsonAsync();
        var runId = run.GetProperty("id").GetString()!;
        var artifacts = await ApiClient.WaitForArtifactsAsync(alice, runId);
        var annotation = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/annotations", new { target = new { kind = "unit", runId, unit = 0 }, body = "Alice's note" })).JsonAsync();
        var values = new Dictionary<string, string>
        {
            ["id"] = workspaceId,
            ["userId"] = aliceId,
            ["tokenId"] = token.GetProperty("token").GetProperty("id").GetString()!,
            ["workspaceId"] = workspaceId,
            ["uploadId"] = upload.GetProperty("id").GetString()!,
            ["datasetId"] = datasetId,
            ["fileId"] = dataset.GetProperty("files")[0].GetProperty("id").GetString()!,
            ["sha256"] = stimulus.GetProperty("imageUrl").GetString()!.Split('/')[^1],
            ["responseSetId"] = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString()!,
            ["runId"] = runId,
            ["experimentId"] = experiment.GetProperty("id").GetString()!,
            ["artifactId"] = artifacts[0].GetProperty("id").GetString()!,
            ["unit"] = "0",
            ["space"] = "pixels",
            ["index"] = "0",
            ["annotationId"] = annotation.GetProperty("id").GetString()!,
        };
        var anonymous = _factory.CreateClient();
        var routes = ApiRoutes();
        Assert.True(routes.Count >= 17, $"Expected the whole API surface, found {routes.Count} routes.");

        var walked = new List<string>();
        foreach (var route in routes)
        {
            var url = Fill(route.Pattern, values);
            var named = route.Pattern.Parameters.Count > 0;
            if (!route.AllowsAnonymous)
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), url) { Content = Body() };
                var response = await anonymous.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route.Method} {url} as anonymous: {(int)response.StatusCode}, expected 401");
            }
            if (named)
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), url) { Content = Body() };
                var response = await carol.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{route.Method} {url} as outsider: {(int)response.StatusCode}, expected 404");
            }
            walked.Add($"{route.Method} {route.Pattern.RawText}");
        }

        Assert.Contains("PATCH /api/v1/workspaces/{id:guid}", walked);
        Assert.Contains("DELETE /api/v1/workspaces/{id:guid}/members/{userId}", walked);
        Assert.Contains("DELETE /api/v1/account/tokens/{tokenId:guid}", walked);
        Assert.Contains("GET /api/v1/feature-spaces", walked);
        Assert.Contains("GET /api/v1/workspaces/{id:guid}/activity", walked);
        Assert.Contains("GET /api/v1/workspaces/{id:guid}/audit", walked);
        Assert.Contains("GET /api/v1/run-kinds", walked);
        Assert.Contains("GET /api/v1/datasets/{id:guid}/features/{space}.npy", walked);
        Assert.Contains("GET /api/v1/datasets/{id:guid}/files/{fileId:guid}/onnx-graph", walked);
        Assert.Contains("GET /api/v1/runs/{id:guid}/reconstructions.png", walked);
        Assert.Contains("GET /api/v1/runs/{id:guid}/reconstructions/{index:int}.png", walked);
        Assert.Contains("POST /api/v1/workspaces/{id:guid}/annotations/", walked);
        Assert.Contains("DELETE /api/v1/annotations/{id:guid}/", walked);
        Assert.Contains("POST /api/v1/annotations/{id:guid}/resolve", walked);
        Assert.Contains("GET /api/v1/runs/{id:guid}/report.html", walked);

        var after = await (await alice.GetAsync($"/api/v1/workspaces/{workspaceId}")).JsonAsync();
        Assert.Equal("Alice's lab", after.GetProperty("name").GetString());
        Assert.Single((await (await alice.GetAsync($"/api/v1/workspaces/{workspaceId}/members")).JsonAsync()).EnumerateArray());
        Assert.Single((await (await alice.GetAsync($"/api/v1/workspaces/{workspaceId}/uploads")).JsonAsync()).EnumerateArray());
        var after2 = await alice.GetAsync($"/api/v1/datasets/{datasetId}");
        Assert.Equal(HttpStatusCode.OK, after2.StatusCode);
        Assert.Equal(dataset.GetProperty("dataset").GetProperty("name").GetString(), (await after2.JsonAsync()).GetProperty("dataset").GetProperty("name").GetString());
        Assert.Empty((await (await carol.GetAsync("/api/v1/workspaces")).JsonAsync()).EnumerateArray());
        var note = await (await alice.GetAsync($"/api/v1/annotations/{values["annotationId"]}")).JsonAsync();
        Assert.Equal(("Alice's note", false, 0), (note.GetProperty("body").GetString(), note.GetProperty("resolved").GetBoolean(), note.GetProperty("replies").GetArrayLength()));
        var tokens = await (await alice.GetAsync("/api/v1/account/tokens")).JsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, tokens[0].GetProperty("revokedAt").ValueKind);
    }
}
