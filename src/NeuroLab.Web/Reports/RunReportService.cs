using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.EncodingHierarchy;
using NeuroLab.Compute.RunKinds.EncodingReadout;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.ReconstructionDecoder;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Captions;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Storage;
using NeuroLab.Formats.Inspection;
using NeuroLab.Web.Captions;
using NeuroLab.Web.Reconstructions;

namespace NeuroLab.Web.Reports;

/// <summary>
/// Writes the report of a run as one self-contained HTML file (<c>RunReportDocument</c>): title, parameters, result,
/// figures as inline SVG, reconstructions and captions, provenance, the end of the log and the discussion. A run the
/// user may not see is <see cref="RunNotFoundException"/>; a queued, running or failed run gets what there is.
/// </summary>
/// <remarks>
/// Bounded size: at most <see cref="MaxImages"/> reconstructions (original and reconstruction, at most
/// <see cref="MaxImageSide"/> pixels a side: under 1.2 MB as base64), <see cref="MaxCaptions"/> captions,
/// <see cref="MaxLogLines"/> log lines, <see cref="MaxArtifacts"/> artifacts, parameter values cut at
/// <see cref="MaxCellChars"/> characters, and discussion threads up to <see cref="MaxDiscussionBytes"/> bytes of
/// comments; what is left out is counted in the file. A report stays under <see cref="MaxReportBytes"/>.
/// </remarks>
public sealed class RunReportService(
    RunService runs, DatasetService datasets, CaptionService captions, CaptionReviewService reviews, ReconstructionGalleryService galleries,
    IRunReportDiscussion discussion, ContentStore store, IServiceProvider services, ILoggerFactory loggers, TimeProvider clock)
{
    public const int MaxImages = 24;
    public const int MaxImageSide = 128;
    public const int MaxCaptions = 50;
    public const int MaxLogLines = 50;
    public const int MaxArtifacts = 500;
    public const int MaxCellChars = 2000;
    public const int MaxDiscussionBytes = 6 << 20;
    public const int MaxComments = 2000;

    /// <summary>
    /// The documented bound on a report's size. Worst case of the parts above: discussion 6 MiB, images 1.2 MB, and the
    /// texts cut at <see cref="MaxCellChars"/> (log, parameters, summary, captions: about 150 cells, each at most 10
    /// characters per character once encoded, 3 MB), artifacts 0.2 MB, charts and markup well under 1 MB.
    /// </summary>
    public const int MaxReportBytes = 12 << 20;

    /// <summary>The file name a report downloads as: <c>neurolab-run-&lt;first 8 hex digits of the id&gt;.html</c>.</summary>
    public static string FileName(Guid runId) => $"neurolab-run-{RunReport.ShortIdOf(runId)}.html";

    /// <summary>The report as an HTML5 document.</summary>
    public async Task<string> RenderAsync(string userId, Guid runId, CancellationToken ct = default)
    {
        var report = await GatherAsync(userId, runId, ct);
        await using var renderer = new HtmlRenderer(services, loggers);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var parameters = ParameterView.FromDictionary(new Dictionary<string, object?> { [nameof(RunReportDocument.Report)] = report });
            return (await renderer.RenderComponentAsync<RunReportDocument>(parameters)).ToHtmlString();
        });
    }

    /// <summary>What the report shows (members only).</summary>
    public async Task<RunReport> GatherAsync(string userId, Guid runId, CancellationToken ct = default)
    {
        var run = await runs.GetAsync(userId, runId, ct);
        run = run with { Error = run.Error is null ? null : Cut(run.Error) };
        runs.Kinds.TryGet(run.Kind, out var kind);
        var artifacts = await runs.ArtifactsAsync(userId, runId, ct);
        var log = await runs.LogAsync(userId, runId, 0, ct);
        var (datasetName, responseSets) = await DatasetAsync(userId, run.DatasetId, ct);
        string? experimentName = null;
        if (run.ExperimentId is { } experimentId)
        {
            try
            {
                experimentName = (await runs.GetExperimentAsync(userId, experimentId, ct)).Name;
            }
            catch (RunNotFoundException)
            {
                experimentName = "(deleted experiment)";
            }
        }
        var responseSet = runs.Kinds.ResponseSetOf(run.Kind, run.ParametersJson) is { } setId ? responseSets.FirstOrDefault(s => s.Id == setId) : null;
        var summary = kind?.ReadSummary(run.SummaryJson);
        var (threads, threadsLeftOut) = Bound(await discussion.ThreadsForRunAsync(userId, runId, ct));
        return new RunReport(
            run, kind?.Info.Label ?? run.Kind, kind?.Info.Description ?? "", datasetName, experimentName,
            responseSet is null ? null : $"{responseSet.Name} ({responseSet.UnitCount} units × {responseSet.StimulusCount} stimuli)",
            clock.GetUtcNow().UtcDateTime, Parameters(kind, run.ParametersJson, responseSets), summary?.Headline(), SummaryRows(run.SummaryJson),
            [.. artifacts.Take(MaxArtifacts)], await FiguresAsync(userId, run, summary, artifacts, ct),
            summary is VoxelCaptionsSummary ? await CaptionsAsync(userId, run, ct) : null,
            await ReconstructionsAsync(userId, run, ct),
            [.. log.TakeLast(MaxLogLines).Select(l => new RunLogEntry { Id = l.Id, RunId = l.RunId, AtUtc = l.AtUtc, Level = l.Level, Message = Cut(l.Message) })],
            Math.Max(0, log.Count - MaxLogLines), threads, threadsLeftOut);
    }

    private async Task<(string Name, IReadOnlyList<ResponseSetSummary> Sets)> DatasetAsync(string userId, Guid datasetId, CancellationToken ct)
    {
        try
        {
            var dataset = await datasets.GetAsync(userId, datasetId, ct);
            return (dataset.Summary.Name, dataset.ResponseSets);
        }
        catch (DatasetNotFoundException)
        {
            return ("(deleted dataset)", []);
        }
    }

    /// <summary>The typed parameters as the kind reads them back (the stored JSON when it cannot), one row each.</summary>
    private static IReadOnlyList<ReportParameter> Parameters(IRunKind? kind, string parametersJson, IReadOnlyList<ResponseSetSummary> sets)
    {
        var json = kind?.ReadStoredParameters(parametersJson) is { } typed ? kind.Serialize(typed) : JsonDocument.Parse(parametersJson).RootElement.Clone();
        if (json.ValueKind != JsonValueKind.Object)
        {
            return [];
        }
        return [.. json.EnumerateObject().Select(p => new ReportParameter(p.Name, RunParameterLabels.Label(p.Name), Cut(p.Value.ValueKind switch
        {
            JsonValueKind.String when Guid.TryParse(p.Value.GetString(), out var id) && sets.FirstOrDefault(s => s.Id == id) is { } set => $"{set.Name} ({id})",
            JsonValueKind.Array => string.Join(", ", p.Value.EnumerateArray().Select(Text)),
            _ => Text(p.Value),
        })))];
    }

    /// <summary>The stored summary's scalars (as the run page lists them; curves are figures).</summary>
    private static IReadOnlyList<(string, string)> SummaryRows(string? summaryJson)
    {
        if (summaryJson is null)
        {
            return [];
        }
        using var doc = JsonDocument.Parse(summaryJson);
        return [.. doc.RootElement.EnumerateObject()
            .Where(p => p.Name != "schemaVersion" && p.Value.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object or JsonValueKind.Null))
            .Select(p => (p.Name, Cut(Text(p.Value))))];
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "—",
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Number when value.TryGetInt64(out var i) => i.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.Number => value.GetDouble().ToString("G4", CultureInfo.InvariantCulture),
        _ => value.GetRawText(),
    };

    /// <summary>The figures the kind's result panel draws, from the same sources (artifacts and the typed summary).</summary>
    private async Task<IReadOnlyList<ReportFigure>> FiguresAsync(string userId, RunSummary run, RunResult? summary, IReadOnlyList<RunArtifact> artifacts, CancellationToken ct)
    {
        var figures = new List<ReportFigure>();
        bool encoding = summary is EncodingRidgeSummary or EncodingReadoutSummary or EncodingHierarchySummary;
        if (run.Status == RunStatus.Succeeded && artifacts.Any(a => a.Role == ArtifactRole.UnitScores.Name())
            && await runs.ReadArrayByRoleAsync(userId, run.Id, ArtifactRole.UnitScores, ct) is { } scores)
        {
            var finite = scores.Values.Where(double.IsFinite).ToArray();
            if (finite.Length > 0)
            {
                var (edges, counts) = PreviewRenderer.Histogram(finite, 30);
                figures.Add(new ReportFigure(encoding ? "Test correlation per unit" : "Score per unit",
                    SvgChart.Histogram(edges, counts, encoding ? "test r" : "score", "units"),
                    $"{finite.Length} of {scores.Values.Length} units with a finite score · mean {N(finite.Average())} · max {N(finite.Max())}."));
            }
        }
        switch (summary)
        {
            case EncodingRidgeSummary ridge when ridge.Alphas.Length > 0 && ridge.CvScorePerAlpha.Length == ridge.Alphas.Length:
                figures.Add(new ReportFigure("Cross-validation score per alpha",
                    SvgChart.Line([new ChartSeries("mean CV r", [.. ridge.Alphas.Select(Math.Log10)], ridge.CvScorePerAlpha)], "log10 alpha", "mean CV r"),
                    $"{ridge.Alphas.Length} alphas from {N(ridge.Alphas.Min())} to {N(ridge.Alphas.Max())}; each unit chooses its own."));
                if (ridge.BestAlphaCounts.Length == ridge.Alphas.Length)
                {
                    figures.Add(new ReportFigure("Units per chosen alpha",
                        SvgChart.Bars([.. ridge.Alphas.Select(N)], [.. ridge.BestAlphaCounts.Select(c => (long)c)], "alpha", "units"), null));
                }
                break;
            case EncodingReadoutSummary { TrainingCurve: { } curve } readout:
                figures.Add(new ReportFigure("Training: validation mean r per epoch",
                    SvgChart.Line([new ChartSeries("validation mean r", [.. curve.Epochs.Select(e => (double)e)], curve.ValidationMeanR)], "epoch", "validation mean r"),
                    $"{readout.Epochs} epochs, best {readout.BestEpoch} (validation mean r {N(readout.BestValidationMeanR)}){(readout.StoppedEarly ? ", stopped early" : "")}."));
                break;
            case EncodingHierarchySummary hierarchy when hierarchy.MeanTestRPerStage.Length > 0:
                var x = Enumerable.Range(1, hierarchy.MeanTestRPerStage.Length).Select(i => (double)i).ToArray();
                IReadOnlyList<ChartSeries> lines = hierarchy.Groups.Length > 0
                    ? [.. hierarchy.Groups.Take(5).Select(g => new ChartSeries($"{g.Name} ({g.Units})", x, g.MeanTestR, g.CiLow, g.CiHigh))]
                    : [new ChartSeries("all units", x, hierarchy.MeanTestRPerStage)];
                figures.Add(new ReportFigure("Mean test r per stage", SvgChart.Line(lines, "stage", "mean test r", hierarchy.Stages.Length == x.Length ? hierarchy.Stages : null),
                    $"Best stage: {hierarchy.BestStage}. Bars: 95% intervals of the mean over resamples of the test stimuli, where computed."));
                break;
        }
        if (artifacts.FirstOrDefault(a => a.Name == ReconstructionDecoderArtifacts.History.FileName) is { } history)
        {
            figures.AddRange(TrainingHistory(await ReadTextAsync(history, ct)));
        }
        return figures;
    }

    /// <summary>A decoder's training_history.csv (epoch, train_loss, validation_loss, validation_pixcorr) as two figures.</summary>
    private static IEnumerable<ReportFigure> TrainingHistory(string csv)
    {
        var (columns, rows) = ReconstructionGallery.ParseMetrics(csv);
        if (rows.Count == 0 || !columns.Contains("epoch"))
        {
            yield break;
        }
        double[] Column(string name) => [.. rows.Select(r => r.Values.GetValueOrDefault(name, double.NaN))];
        var epochs = Column("epoch");
        var losses = new[] { ("train", "train_loss"), ("validation", "validation_loss") }.Where(c => columns.Contains(c.Item2))
            .Select(c => new ChartSeries(c.Item1, epochs, Column(c.Item2))).ToList();
        if (losses.Count > 0)
        {
            yield return new ReportFigure("Training: loss per epoch", SvgChart.Line(losses, "epoch", "MSE"), $"{rows.Count} epochs.");
        }
        if (columns.Contains("validation_pixcorr"))
        {
            yield return new ReportFigure("Training: validation PixCorr per epoch",
                SvgChart.Line([new ChartSeries("validation PixCorr", epochs, Column("validation_pixcorr"))], "epoch", "validation PixCorr"), null);
        }
    }

    private async Task<ReportCaptions?> CaptionsAsync(string userId, RunSummary run, CancellationToken ct)
    {
        if (run.Status != RunStatus.Succeeded || await captions.LoadAsync(userId, run.Id, ct) is not { } captionRun)
        {
            return null;
        }
        var byUnit = (await reviews.ListAsync(userId, run.Id, null, ct)).GroupBy(r => r.Unit).ToDictionary(g => g.Key, g => g.ToList());
        int Count(int unit, CaptionVerdict verdict) => byUnit.TryGetValue(unit, out var list) ? list.Count(r => r.Verdict == verdict) : 0;
        var top = captionRun.Captions
            .OrderByDescending(c => double.IsFinite(c.SentenceScore) ? c.SentenceScore : double.NegativeInfinity).ThenByDescending(c => c.TestR)
            .Take(MaxCaptions)
            .Select(c => new ReportCaption(c.Unit, Cut(c.Caption), c.TestR, c.SentenceScore, [.. c.Keywords.Take(5).Select(k => k.Word)],
                Count(c.Unit, CaptionVerdict.Accurate), Count(c.Unit, CaptionVerdict.Partly), Count(c.Unit, CaptionVerdict.Wrong)))
            .ToList();
        return new ReportCaptions(captionRun.Captions.Count, top, await reviews.StatsAsync(userId, run.Id, ct));
    }

    private async Task<ReportReconstructions?> ReconstructionsAsync(string userId, RunSummary run, CancellationToken ct)
    {
        if (!galleries.IsReconstruction(run) || await galleries.LoadAsync(userId, run.Id, ct) is not { } gallery)
        {
            return null;
        }
        var images = gallery.Items.Take(MaxImages).Select(item => new ReportReconstruction(item.Index, item.Stimulus,
            Png(gallery.Image(item.Index, GalleryImage.Target), gallery.Height, gallery.Width),
            Png(gallery.Image(item.Index, GalleryImage.Reconstruction), gallery.Height, gallery.Width),
            item.Metric("pixcorr"), item.Metric("ssim"))).ToList();
        return new ReportReconstructions(gallery.Scores, gallery.Count, gallery.Height, gallery.Width, images);
    }

    /// <summary>
    /// A greyscale image [h, w] in 0..1 as a PNG: larger than <see cref="MaxImageSide"/> it is box-averaged down by an
    /// integer factor first (non-finite pixels ignored); smaller ones are enlarged as the gallery shows them.
    /// </summary>
    public static byte[] Png(ReadOnlySpan<float> pixels, int height, int width)
    {
        int factor = (int)Math.Ceiling((double)Math.Max(height, width) / MaxImageSide);
        if (factor <= 1)
        {
            return ReconstructionImages.Png(pixels, height, width);
        }
        int h = (height + factor - 1) / factor;
        int w = (width + factor - 1) / factor;
        var small = new float[h * w];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double sum = 0;
                int n = 0;
                for (int yy = y * factor; yy < Math.Min(height, (y + 1) * factor); yy++)
                {
                    for (int xx = x * factor; xx < Math.Min(width, (x + 1) * factor); xx++)
                    {
                        float v = pixels[(yy * width) + xx];
                        if (float.IsFinite(v))
                        {
                            sum += v;
                            n++;
                        }
                    }
                }
                small[(y * w) + x] = n > 0 ? (float)(sum / n) : float.NaN;
            }
        }
        return ReconstructionImages.Png(small, h, w);
    }

    /// <summary>Keeps whole threads, oldest first, while they fit <see cref="MaxComments"/> and <see cref="MaxDiscussionBytes"/>; counts the threads left out.</summary>
    private static (IReadOnlyList<ReportComment> Kept, int LeftOut) Bound(IReadOnlyList<ReportComment> threads)
    {
        var kept = new List<ReportComment>();
        long bytes = 0;
        int comments = 0;
        foreach (var thread in threads)
        {
            var all = Flatten(thread).ToList();
            // As printed: the body as it is, author and target encoded (non-ASCII letters become character references), plus markup.
            long size = all.Sum(c => (long)Encoding.UTF8.GetByteCount(c.BodyHtml) + HtmlEncoder.Default.Encode(c.Author).Length + HtmlEncoder.Default.Encode(c.Target).Length + 300);
            if (comments + all.Count > MaxComments || bytes + size > MaxDiscussionBytes)
            {
                continue;
            }
            kept.Add(thread);
            comments += all.Count;
            bytes += size;
        }
        return (kept, threads.Count - kept.Count);
    }

    /// <summary>A comment and all its replies, depth first (the report prints replies of replies in one list under the thread).</summary>
    public static IEnumerable<ReportComment> Flatten(ReportComment comment)
    {
        var stack = new Stack<ReportComment>([comment]);
        while (stack.Count > 0)
        {
            var c = stack.Pop();
            yield return c;
            for (int i = c.Replies.Count - 1; i >= 0; i--)
            {
                stack.Push(c.Replies[i]);
            }
        }
    }

    private async Task<string> ReadTextAsync(RunArtifact artifact, CancellationToken ct)
    {
        await using var stream = store.OpenRead(artifact.Sha256);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }

    private static string Cut(string text) => text.Length <= MaxCellChars ? text : text[..MaxCellChars] + "… (cut)";

    private static string N(double value) => double.IsFinite(value) ? value.ToString("G3", CultureInfo.InvariantCulture) : "–";
}
