using System.Net.Http.Json;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Tests.Shared.ToyKind;
using NeuroLab.Web.Reports;

namespace NeuroLab.Web.Tests.Reports;

/// <summary>
/// The report's discussion section, fed by a stand-in for the annotation service: comment bodies (sanitised HTML) are
/// printed as they are, every other text is encoded, replies of replies are listed under their thread, and a
/// discussion too large for the file is cut at whole threads with the number left out, the file staying under its bound.
/// </summary>
public sealed class RunReportDiscussionTests : IDisposable
{
    private const int BigThreads = 3000;

    private readonly NeuroLabAppFactory _factory = new(services: services =>
    {
        services.AddRunKind<ToyParameters, ToySummary, ToyJob>();
        services.AddScoped<IRunReportDiscussion, StandInDiscussion>();
    });

    public void Dispose() => _factory.Dispose();

    private sealed class StandInDiscussion : IRunReportDiscussion
    {
        public Task<IReadOnlyList<ReportComment>> ThreadsForRunAsync(string userId, Guid runId, CancellationToken ct)
        {
            var at = new DateTime(2026, 12, 7, 9, 30, 0, DateTimeKind.Utc);
            var nested = new ReportComment("carol@lab.org", at.AddMinutes(2), "<p>agreed</p>", false, [], "run");
            var reply = new ReportComment("bob@lab.org", at.AddMinutes(1), "<p>check <strong>run 12</strong></p>", false, [nested], "run");
            var first = new ReportComment("<b>eve</b>", at, "<p>looks like <em>FFA</em></p>", true, [reply], "unit 12 (-42, -58, -14 mm) <i>");
            var body = "<p>" + new string('x', 4096) + "</p>";
            IReadOnlyList<ReportComment> threads = [first, .. Enumerable.Range(0, BigThreads).Select(i => new ReportComment("bob@lab.org", at, body, false, [], "run"))];
            return Task.FromResult(threads);
        }
    }

    [Fact]
    public async Task Discussion_BodiesAsGiven_OtherTextsEncoded_LargeDiscussionCutAtWholeThreads_FileBounded()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Toys" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "allen-v1" })).JsonAsync();
        var run = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
        {
            kind = ToyJob.Name,
            datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString(),
            parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString(), statistic = "max", scale = 2.0 },
        })).JsonAsync();
        var runId = run.GetProperty("id").GetString()!;
        await ApiClient.WaitForArtifactsAsync(alice, runId);

        var html = await alice.GetStringAsync($"/api/v1/runs/{runId}/report.html");

        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(html), 1, RunReportService.MaxReportBytes);
        var document = RunReportApiTests.ParseSelfContained(html);
        var threads = document.QuerySelectorAll("#discussion .thread");
        var first = threads[0];
        Assert.Contains("resolved", first.ClassList);
        Assert.Equal("FFA", first.QuerySelector(".comment .body em")?.TextContent);
        Assert.Contains("<b>eve</b>", first.QuerySelector(".comment .meta")!.TextContent, StringComparison.Ordinal);
        Assert.Null(first.QuerySelector(".comment .meta b b"));
        Assert.Contains("unit 12 (-42, -58, -14 mm) <i>", first.QuerySelector(".meta")!.TextContent, StringComparison.Ordinal);
        var replies = first.QuerySelectorAll(".replies .comment");
        Assert.Equal(["bob@lab.org", "carol@lab.org"], replies.Select(r => r.QuerySelector(".meta b")!.TextContent));
        Assert.Equal("run 12", replies[0].QuerySelector(".body strong")?.TextContent);
        // Cut at whole threads (at most 6 MiB of comments): the rest are counted.
        int leftOut = BigThreads + 1 - threads.Length;
        Assert.InRange(leftOut, 1, BigThreads);
        Assert.Contains($"{leftOut} more threads are left out", document.QuerySelector("#discussion")!.TextContent, StringComparison.Ordinal);
        // The toy kind scores units: its histogram is drawn too.
        Assert.Contains("Score per unit", document.QuerySelector("#figures")!.TextContent, StringComparison.Ordinal);
    }
}
