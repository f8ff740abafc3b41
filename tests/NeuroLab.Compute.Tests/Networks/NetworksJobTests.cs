using System.Globalization;
using System.Text.Json;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.Networks;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.EncodingModels;
using NeuroLab.Data.Runs;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Tests.Networks;

/// <summary>
/// The networks kind on the imported ABIDE CC200 sample (Pitt_0050003, NYU_0050952): with no parameters it runs, and
/// Pitt's network matches <c>tests/NeuroLab.Analysis.Tests/Reference/networks_reference.py</c> (networkx 2.8.8 on the
/// same file: Pearson, Fisher z, strongest 10% of edges, weighted; tolerance 1e-9).
/// </summary>
public sealed class NetworksJobTests : IAsyncLifetime
{
    private RunHarness _h = default!;

    public async Task InitializeAsync() => _h = await RunHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<Guid> AbideAsync() => await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "abide-cc200");

    [Fact]
    public async Task Abide_NoParameters_NetworksPerSubject_PittMatchesNetworkx_GroupDifferenceOverWindows()
    {
        var abide = await AbideAsync();

        var run = await _h.RunToEndAsync(abide, RunKindNames.Networks, new { }, seed: 1);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Console.WriteLine($"ABIDE networks: {run.SummaryJson}");
        var summary = JsonSerializer.Deserialize<NetworksSummary>(run.SummaryJson!, RunKindJson.Summaries)!;
        Assert.Equal(200, summary.Rois);
        Assert.Equal(["NYU_0050952", "Pitt_0050003"], summary.Subjects.Select(s => s.Subject));
        Assert.Equal(["NYU", "Pitt"], summary.Subjects.Select(s => s.Group));
        var pitt = summary.Subjects[1];
        Assert.Equal(196, pitt.TimePoints);
        Assert.Equal(0.1, pitt.Density, 1e-12);
        // networks_reference.json, "pitt" / "weighted".
        Assert.Equal(0.3671554547223206, pitt.Modularity, 1e-9);
        Assert.Equal(7, pitt.Modules);
        Assert.Equal(7227, pitt.Triangles);
        Assert.Equal(0.16546743116211712, pitt.MeanClustering, 1e-9);
        Assert.Equal(0.47078810720270564, pitt.GlobalEfficiency, 1e-9);

        var g = summary.GroupDifference!;
        Assert.Equal("windows", g.Samples);
        Assert.Equal(19900, g.Edges);
        Assert.Equal(1000, g.Permutations);
        Assert.True(g.SamplesA >= 2 && g.SamplesB >= 2);

        var z = await _h.ArtifactAsync(run.Id, "connectivity_Pitt_0050003.npy");
        Assert.Equal([200L, 200], z.Shape);
        Assert.Equal(0, z.GetDouble(0));
        Assert.Equal(z.GetDouble(1), z.GetDouble(200), 6);
        var nodes = (await _h.ArtifactTextAsync(run.Id, "nodes.csv")).Trim().Split('\n');
        Assert.Equal("subject,roi,degree,strength,clustering,module,triangles", nodes[0]);
        Assert.Equal(1 + 2 * 200 + 2 * 200, nodes.Length);
        var edges = (await _h.ArtifactTextAsync(run.Id, "edges.csv")).Trim().Split('\n');
        Assert.Equal("subject,roi_a,roi_b,weight", edges[0]);
        Assert.Equal(1 + 2 * 1990, edges.Length);
        var difference = (await _h.ArtifactTextAsync(run.Id, "group_difference.csv")).Trim().Split('\n');
        Assert.Equal("roi_a,roi_b,difference,p,p_fdr,p_max", difference[0]);
        Assert.Equal(1 + 19900, difference.Length);
        Assert.Equal(g.EdgesFdr05, difference.Skip(1).Count(l => double.Parse(l.Split(',')[4], CultureInfo.InvariantCulture) <= 0.05));
    }

    [Fact]
    public async Task Abide_PartialAbsoluteBinaryOneSubject_Runs_NoGroupDifference()
    {
        var abide = await AbideAsync();

        var run = await _h.RunToEndAsync(abide, RunKindNames.Networks,
            new { measure = "partial", threshold = "absolute", thresholdValue = 0.2, weighted = false, subjects = new[] { "Pitt_0050003" } }, seed: 1);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        var summary = JsonSerializer.Deserialize<NetworksSummary>(run.SummaryJson!, RunKindJson.Summaries)!;
        var pitt = Assert.Single(summary.Subjects);
        Assert.InRange(pitt.Shrinkage, 0, 1);
        Assert.True(pitt.Edges > 0);
        Assert.Null(summary.GroupDifference);
        var artifacts = await _h.Runs.ArtifactsAsync(_h.F.Alice, run.Id);
        Assert.DoesNotContain(artifacts, a => a.Name == "group_difference.csv");
    }

    [Theory]
    [InlineData("{\"measure\":\"spearman\"}", "Unknown measure 'spearman'. Use pearson (Pearson correlation (Fisher z)) or partial (Partial correlation, Ledoit-Wolf (Fisher z)).")]
    [InlineData("{\"threshold\":\"top\"}", "Unknown threshold 'top'.")]
    [InlineData("{\"subjects\":[\"Pitt_1\"]}", "Unknown subjects 'Pitt_1'. Use NYU_0050952, Pitt_0050003.")]
    public async Task Validate_UnknownValue_IsRefusedListingTheAllowedOnes(string json, string expected)
    {
        var abide = await AbideAsync();

        var e = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, abide, RunKindNames.Networks, JsonDocument.Parse(json).RootElement));

        Assert.StartsWith(expected, Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_WindowLongerThanHalfTheScan_SaysToLowerIt()
    {
        var abide = await AbideAsync();

        var e = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, abide, RunKindNames.Networks, JsonDocument.Parse("{\"window\":100}").RootElement));

        Assert.StartsWith("window must leave two or more windows of each scan for the group comparison (the shortest scan has 176 time points)", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_DatasetWithoutTimeSeries_SaysWhatIsMissing()
    {
        var digits = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "vangerven-digits");

        var e = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, digits, RunKindNames.Networks, JsonDocument.Parse("{}").RootElement));

        Assert.Contains("no region time series", Assert.Single(e.Problems), StringComparison.Ordinal);
    }
}
