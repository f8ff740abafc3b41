using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data;
using NeuroLab.Data.Runs;
using NeuroLab.Web.Reports;
using SkiaSharp;

namespace NeuroLab.Web.Tests.Reports;

/// <summary>
/// GET /api/v1/runs/{id}/report.html: one HTML5 file that parses without errors (AngleSharp in strict mode throws on
/// any HTML5 parse error), loads nothing from elsewhere and runs no script, with the run's parameters, checksum and
/// figures; user texts encoded; reconstruction runs carry their images; outsiders get 404.
/// </summary>
public sealed class RunReportApiTests : IDisposable
{
    private const string Hostile = "<script>alert(1)</script>";

    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    /// <summary>Parses strictly (an HTML5 parse error throws) and checks the file is self-contained.</summary>
    public static IHtmlDocument ParseSelfContained(string html)
    {
        var document = new HtmlParser(new HtmlParserOptions { IsStrictMode = true }).ParseDocument(html);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("default-src 'none'; img-src data:; style-src 'unsafe-inline'",
            document.QuerySelector("meta[http-equiv='Content-Security-Policy']")?.GetAttribute("content"));
        Assert.Empty(document.QuerySelectorAll("script, link, iframe, object, embed, base, form"));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=\"/", html, StringComparison.Ordinal);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        // Every source is inline data; no element has an event handler.
        Assert.All(document.QuerySelectorAll("[src]"), e => Assert.StartsWith("data:image/png;base64,", e.GetAttribute("src"), StringComparison.Ordinal));
        Assert.All(document.All, e => Assert.DoesNotContain(e.Attributes, a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)));
        return document;
    }

    private async Task<(HttpClient Alice, Guid Workspace, JsonElement Dataset)> OwnerWithSampleAsync(string sample)
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample })).JsonAsync();
        return (alice, ws, dataset);
    }

    [Fact]
    public async Task Report_FinishedRidgeRun_SelfContainedHtmlWithParametersChecksumAndFigures_NamesEncoded_OutsiderGets404()
    {
        var (alice, ws, dataset) = await OwnerWithSampleAsync("allen-v1");
        var datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString();
        var experiment = (await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/experiments", new { datasetId, name = Hostile })).JsonAsync()).GetProperty("id").GetString();
        var run = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
        {
            kind = "encoding-ridge",
            datasetId,
            experimentId = experiment,
            seed = 7,
            parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString(), features = "pixels", imageSize = 16 },
        })).JsonAsync();
        var runId = run.GetProperty("id").GetGuid();
        await ApiClient.WaitForArtifactsAsync(alice, runId.ToString());
        var finished = await (await alice.GetAsync($"/api/v1/runs/{runId}")).JsonAsync();

        var response = await alice.GetAsync($"/api/v1/runs/{runId}/report.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"neurolab-run-{runId.ToString("N")[..8]}.html", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var html = await response.Content.ReadAsStringAsync();
        Assert.InRange(html.Length, 1, RunReportService.MaxReportBytes);
        var document = ParseSelfContained(html);

        // The experiment's name is shown as text, encoded in the markup.
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains(Hostile, document.QuerySelector(".sub")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Ridge", document.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("succeeded", document.QuerySelector("h1 .status")!.TextContent, StringComparison.Ordinal);
        // Parameters as a table (name -> value).
        var parameters = document.QuerySelectorAll("#parameters tbody tr").ToDictionary(r => r.Children[1].TextContent, r => r.Children[2].TextContent);
        Assert.Equal("pixels", parameters["features"]);
        Assert.Equal("16", parameters["imageSize"]);
        // Provenance: the full checksum, the seed, every artifact with its SHA-256.
        var provenance = document.QuerySelector("#provenance")!.TextContent;
        Assert.Contains(finished.GetProperty("datasetChecksum").GetString()!, provenance, StringComparison.Ordinal);
        Assert.Contains(finished.GetProperty("codeVersion").GetString()!, provenance, StringComparison.Ordinal);
        var artifacts = await (await alice.GetAsync($"/api/v1/runs/{runId}/artifacts")).JsonAsync();
        Assert.Equal(artifacts.GetArrayLength(), document.QuerySelectorAll("#provenance table")[1].QuerySelectorAll("tbody tr").Length);
        // The result: the headline and figures (the test r histogram and the CV curve) as inline SVG with axis labels.
        Assert.Contains("mean test r", document.QuerySelector("#result")!.TextContent, StringComparison.Ordinal);
        var figures = document.QuerySelectorAll("#figures figure");
        Assert.True(figures.Length >= 2, $"{figures.Length} figures");
        Assert.All(figures, f => Assert.NotNull(f.QuerySelector("svg")));
        Assert.Contains(figures, f => f.TextContent.Contains("Test correlation per unit", StringComparison.Ordinal) && f.TextContent.Contains("test r", StringComparison.Ordinal));
        Assert.Contains(figures, f => f.TextContent.Contains("log10 alpha", StringComparison.Ordinal));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Equal("No comments on this run.", document.QuerySelector("#discussion p")!.TextContent);

        // Someone outside the workspace: 404, as problem details.
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        var outsider = await carol.GetAsync($"/api/v1/runs/{runId}/report.html");
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        Assert.Equal("application/problem+json", outsider.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/v1/runs/{Guid.NewGuid()}/report.html")).StatusCode);
    }

    [Fact]
    public async Task Report_ReconstructionRun_HasEachOriginalAndReconstructionAsInlinePng_WithScores()
    {
        var (alice, ws, dataset) = await OwnerWithSampleAsync("vangerven-digits");
        var run = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
        {
            kind = "reconstruction-ridge",
            datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString(),
            parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString() },
        })).JsonAsync();
        var runId = run.GetProperty("id").GetString()!;
        await ApiClient.WaitForArtifactsAsync(alice, runId);

        var html = await alice.GetStringAsync($"/api/v1/runs/{runId}/report.html");

        var document = ParseSelfContained(html);
        var pairs = document.QuerySelectorAll("#reconstructions figure.recon");
        // 10 test digits of 28x28, each enlarged 4x as the gallery shows them.
        Assert.Equal(10, pairs.Length);
        foreach (var pair in pairs)
        {
            var images = pair.QuerySelectorAll("img");
            Assert.Equal(2, images.Length);
            foreach (var image in images)
            {
                using var png = SKBitmap.Decode(Convert.FromBase64String(image.GetAttribute("src")!["data:image/png;base64,".Length..]));
                Assert.Equal((112, 112), (png.Width, png.Height));
            }
            Assert.Matches(@"PixCorr -?\d\.\d{3} · SSIM -?\d\.\d{3}", pair.TextContent);
        }
        Assert.Contains("2-way identification", document.QuerySelector("#reconstructions")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_FailedRun_ShowsStatusAndErrorEncoded()
    {
        var (alice, ws, dataset) = await OwnerWithSampleAsync("allen-v1");
        var run = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
        {
            kind = "encoding-ridge",
            datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString(),
            parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString(), features = "pixels", imageSize = 16 },
        })).JsonAsync();
        var runId = run.GetProperty("id").GetGuid();
        await ApiClient.WaitForArtifactsAsync(alice, runId.ToString());
        // A run that ended failed (written as the runner records a failure; the report only reads the row).
        var dbFactory = _factory.Services.GetRequiredService<IDbContextFactory<NeuroLabDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Failed).SetProperty(r => r.SummaryJson, (string?)null).SetProperty(r => r.Error, $"Out of memory {Hostile}"));
        }

        var html = await alice.GetStringAsync($"/api/v1/runs/{runId}/report.html");

        var document = ParseSelfContained(html);
        Assert.Equal("failed", document.QuerySelector("h1 .status")!.TextContent);
        Assert.Equal($"Out of memory {Hostile}", document.QuerySelector("#error .error")!.TextContent);
        Assert.Equal("No result yet.", document.QuerySelector("#result p")!.TextContent);
        Assert.NotEmpty(document.QuerySelectorAll("#parameters tbody tr"));
    }
}
