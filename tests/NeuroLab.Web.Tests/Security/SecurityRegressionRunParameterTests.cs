using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace NeuroLab.Web.Tests.Security;

/// <summary>One signed-in Owner with the allen-v1 sample; the run queue is off, so nothing could run even if queued.</summary>
public sealed class RunParameterFixture : IAsyncLifetime
{
    public NeuroLabAppFactory Factory { get; } = new(settings: new Dictionary<string, string?> { ["NeuroLab:Compute:RunQueueEnabled"] = "false" });

    public HttpClient Alice { get; private set; } = null!;

    public Guid WorkspaceId { get; private set; }

    public string DatasetId { get; private set; } = "";

    public string ResponseSetId { get; private set; } = "";

    public int Units { get; private set; }

    public async Task InitializeAsync()
    {
        Alice = await Factory.RegisterAndSignInAsync("alice@lab.org");
        WorkspaceId = (await (await Alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Hostile parameters" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await Alice.PostAsJsonAsync($"/api/v1/workspaces/{WorkspaceId}/datasets", new { sample = "allen-v1" })).JsonAsync();
        DatasetId = dataset.GetProperty("dataset").GetProperty("id").GetString()!;
        var set = dataset.GetProperty("responseSets")[0];
        ResponseSetId = set.GetProperty("id").GetString()!;
        Units = set.GetProperty("units").GetInt32();
    }

    public Task DisposeAsync()
    {
        Factory.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// Hostile numbers in run parameters (int.MaxValue, 2^30, negatives, zero, non-finite reals) are refused before
/// anything is queued, with a problem detail naming the parameter and its range. Found by the outside probe:
/// folds = 2^30 passed validation through an integer overflow (folds x 2) and failed the run later.
/// </summary>
public sealed class SecurityRegressionRunParameterTests(RunParameterFixture f) : IClassFixture<RunParameterFixture>
{
    private const long TwoToThe30 = 1L << 30;

    public static TheoryData<string, string, long> HostileIntegers => new()
    {
        { "encoding-ridge", "folds", int.MaxValue },
        { "encoding-ridge", "folds", TwoToThe30 },
        { "encoding-ridge", "folds", TwoToThe30 + 1 },
        { "encoding-ridge", "folds", -1 },
        { "encoding-ridge", "folds", 0 },
        { "encoding-ridge", "folds", int.MinValue },
        { "encoding-ridge", "permutations", int.MaxValue },
        { "encoding-ridge", "permutations", -1 },
        { "encoding-ridge", "imageSize", int.MaxValue },
        { "encoding-ridge", "imageSize", 0 },
        { "encoding-ridge", "imageSize", -1 },
        { "encoding-ridge", "pcaComponents", int.MaxValue },
        { "encoding-ridge", "pcaComponents", 0 },
        { "encoding-ridge", "layer", int.MaxValue },
        { "encoding-ridge", "layer", -1 },
        { "encoding-ridge", "bandCandidates", int.MaxValue },
        { "encoding-ridge", "bandCandidates", 0 },
        { "encoding-ridge", "inputChannels", int.MaxValue },
        { "encoding-readout", "maxEpochs", int.MaxValue },
        { "encoding-readout", "maxEpochs", 0 },
        { "encoding-readout", "patience", int.MaxValue },
        { "encoding-readout", "patience", -1 },
        { "encoding-readout", "imageSize", TwoToThe30 },
        { "encoding-readout", "imageSize", -1 },
        { "voxel-captions", "topN", int.MaxValue },
        { "voxel-captions", "topN", 0 },
        { "voxel-captions", "keywords", TwoToThe30 },
        { "voxel-captions", "keywords", -1 },
    };

    [Theory]
    [MemberData(nameof(HostileIntegers))]
    public async Task Submit_HostileInteger_IsRefusedNamingTheParameter_NothingQueued(string kind, string parameter, long value)
    {
        var parameters = BaseParameters(kind);
        parameters[parameter] = value;
        if (parameter == "bandCandidates")
        {
            parameters["bands"] = new[] { "pixels", "pca" };
        }
        if (parameter == "pcaComponents")
        {
            parameters["features"] = "pca";
        }
        await AssertRefusedAsync(kind, parameters, parameter);
    }

    public static TheoryData<string, string, string> HostileReals => new()
    {
        { "encoding-ridge", "testFraction", "NaN" },
        { "encoding-ridge", "testFraction", "1e308" },
        { "encoding-ridge", "fdrQ", "-Infinity" },
        { "encoding-readout", "learningRate", "NaN" },
        { "encoding-readout", "learningRate", "-1" },
        { "encoding-readout", "validationFraction", "Infinity" },
        { "encoding-readout", "maskL1", "-0.5" },
        { "encoding-readout", "cyclesPerImage", "3" },
        { "voxel-captions", "temperature", "Infinity" },
        { "voxel-captions", "priorStrength", "NaN" },
    };

    /// <summary>Reals as the JSON strings a script can send (the web defaults read numbers from strings, "NaN" included through the named literals).</summary>
    [Theory]
    [MemberData(nameof(HostileReals))]
    public async Task Submit_HostileReal_IsRefusedNamingTheParameter_NothingQueued(string kind, string parameter, string value)
    {
        var parameters = BaseParameters(kind);
        parameters[parameter] = double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? number : value;
        int before = await RunCountAsync();
        var response = await SubmitAsync(kind, parameters);
        // A non-finite string either fails to parse ("Parameters could not be read") or reaches the range check; both refuse it.
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var problem = await response.JsonAsync();
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.True(detail.Contains(parameter, StringComparison.Ordinal) || detail.Contains("could not be read", StringComparison.Ordinal), detail);
        Assert.Equal(before, await RunCountAsync());
    }

    /// <summary>allen-v1 has too few units to pass the work budget through the API, so the check itself is driven here.</summary>
    [Theory]
    [InlineData(100_000, 200_000, true)]
    [InlineData(int.MaxValue, int.MaxValue, true)]
    [InlineData(10_000, 100_000, false)]
    [InlineData(1000, 212, false)]
    [InlineData(0, int.MaxValue, false)]
    public void PermutationWork_OverBudget_IsAProblem_WithoutOverflow(int permutations, int units, bool refused)
    {
        var problems = new List<string>();
        Compute.Runs.RunParameterChecks.ProductAtMost(problems, "permutations x units", permutations, units, Compute.RunKinds.EncodingRidge.EncodingRidgeParameters.MaxPermutationWork, "fewer.");
        Assert.Equal(refused, problems.Count == 1);
        Assert.All(problems, p => Assert.StartsWith("permutations x units must be at most 1,000,000,000", p, StringComparison.Ordinal));
        Assert.True(f.Units < 10_000, "allen-v1 grew: drive the budget through the API instead.");
    }

    [Fact]
    public async Task Submit_ValidParameters_StillQueue()
    {
        var response = await SubmitAsync("encoding-ridge", BaseParameters("encoding-ridge"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.JsonAsync()).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await f.Alice.PostAsync($"/api/v1/runs/{id}/cancel", null)).StatusCode);
    }

    private Dictionary<string, object> BaseParameters(string kind) => kind switch
    {
        "encoding-ridge" => new() { ["responseSetId"] = f.ResponseSetId, ["features"] = "pixels", ["split"] = "random", ["permutations"] = 0 },
        "encoding-readout" => new() { ["responseSetId"] = f.ResponseSetId, ["split"] = "random" },
        "voxel-captions" => new() { ["encodingRunId"] = Guid.NewGuid() },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private Task<HttpResponseMessage> SubmitAsync(string kind, Dictionary<string, object> parameters) =>
        f.Alice.PostAsJsonAsync($"/api/v1/workspaces/{f.WorkspaceId}/runs", new { kind, datasetId = f.DatasetId, parameters });

    private async Task AssertRefusedAsync(string kind, Dictionary<string, object> parameters, string parameter)
    {
        int before = await RunCountAsync();
        var response = await SubmitAsync(kind, parameters);
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("The run cannot start", problem.GetProperty("title").GetString());
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.StartsWith(parameter + " must", StringComparison.Ordinal) || e.StartsWith("permutations x units", StringComparison.Ordinal));
        Assert.Equal(before, await RunCountAsync());
    }

    private async Task<int> RunCountAsync() =>
        (await (await f.Alice.GetAsync($"/api/v1/workspaces/{f.WorkspaceId}/runs")).JsonAsync()).GetArrayLength();
}
