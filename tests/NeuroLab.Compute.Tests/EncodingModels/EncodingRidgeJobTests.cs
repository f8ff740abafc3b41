using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Tests.EncodingModels;

/// <summary>The encoding-ridge job end to end through the run queue on the real Allen V1 sample.</summary>
public sealed class EncodingRidgeJobTests : IAsyncLifetime
{
    private readonly ImportFixture _f = new();
    private readonly RunEventBus _bus = new();
    private readonly RunSignals _signals = new();
    private RunService _runs = default!;
    private RunQueue _queue = default!;
    private RunEventDispatcher _dispatcher = default!;
    private Guid _allen;
    private Guid _responseSet;

    public async Task InitializeAsync()
    {
        var job = new EncodingRidgeJob(_f.Database.Factory, _f.Store);
        _runs = new RunService(_f.Database.Factory, _f.Workspaces, [job], _signals, TimeProvider.System, _f.Store);
        _queue = new RunQueue(_f.Database.Factory, [job], _signals, _bus, _f.Store, new ComputeOptions { PollInterval = TimeSpan.FromMilliseconds(100) }, TimeProvider.System, NullLogger<RunQueue>.Instance);
        _dispatcher = new RunEventDispatcher(_bus);
        await _dispatcher.StartAsync(CancellationToken.None);
        await _queue.StartAsync(CancellationToken.None);
        _allen = await _f.Samples.ImportAsync(_f.Alice, _f.WorkspaceId, "allen-v1");
        _responseSet = (await _f.Datasets.GetAsync(_f.Alice, _allen)).ResponseSets[0].Id;
    }

    public async Task DisposeAsync()
    {
        await _queue.StopAsync(CancellationToken.None);
        await _dispatcher.StopAsync(CancellationToken.None);
        _queue.Dispose();
        _f.Dispose();
    }

    private async Task<RunSummary> RunToEndAsync(object parameters)
    {
        var run = await _runs.SubmitAsync(_f.Alice, _allen, "encoding-ridge", JsonSerializer.SerializeToElement(parameters), seed: 1);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            run = await _runs.GetAsync(_f.Alice, run.Id);
            if (run.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled)
            {
                return run;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("encoding run did not finish");
    }

    [Theory]
    [InlineData("gabor")]
    [InlineData("pixels")]
    [InlineData("pca")]
    public async Task Allen_FitsAndScores_AllFeatureSpaces(string features)
    {
        var run = await RunToEndAsync(new { responseSetId = _responseSet, features, alphas = new[] { 1.0, 10, 100, 1e3, 1e4, 1e5 }, folds = 5 });
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        var mean = summary.RootElement.GetProperty("meanTestR").GetDouble();
        Assert.Equal(100, summary.RootElement.GetProperty("trainStimuli").GetInt32());
        Assert.Equal(18, summary.RootElement.GetProperty("testStimuli").GetInt32());
        Assert.InRange(mean, -1, 1);
        var artifacts = await _runs.ArtifactsAsync(_f.Alice, run.Id);
        Assert.Contains(artifacts, a => a.Name == "test_r.npy");
        Assert.Contains(artifacts, a => a.Name == "weights.npy");
        Assert.Contains(artifacts, a => a.Name == "units.csv");
        // The stored test r agrees with the summary's mean.
        await using var stream = _f.Store.OpenRead(artifacts.Single(a => a.Name == "test_r.npy").Sha256);
        var testR = NpyReader.Read(stream, "test_r.npy").ToFloat64();
        Assert.Equal(mean, testR.Average(), 1e-5);
        Console.WriteLine($"Allen V1 {features}: mean test r = {mean:0.0000}");
    }

    [Fact]
    public async Task Validation_ExplainsProblemsBeforeQueueing()
    {
        var e = await Assert.ThrowsAsync<RunValidationException>(() => _runs.SubmitAsync(_f.Alice, _allen, "encoding-ridge",
            JsonSerializer.SerializeToElement(new { responseSetId = Guid.NewGuid(), features = "sift", folds = 1 })));
        Assert.Contains(e.Problems, p => p.Contains("sift", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("2 folds", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("not part of this dataset", StringComparison.Ordinal));
        var tooMany = await Assert.ThrowsAsync<RunValidationException>(() => _runs.SubmitAsync(_f.Alice, _allen, "encoding-ridge",
            JsonSerializer.SerializeToElement(new { responseSetId = _responseSet, folds = 60 })));
        Assert.Contains(tooMany.Problems, p => p.Contains("too few", StringComparison.Ordinal));
    }
}
