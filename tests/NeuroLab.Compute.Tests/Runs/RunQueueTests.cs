using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Workspaces;
using NeuroLab.Formats;

namespace NeuroLab.Compute.Tests.Runs;

/// <summary>Parameters of the test kind "test-counting".</summary>
internal sealed record CountingParameters
{
    public int Steps { get; set; }

    public int BlockAt { get; set; } = -1;

    public int FailAt { get; set; } = -1;
}

/// <summary>The summary of a "test-counting" run.</summary>
internal sealed record CountingSummary : RunResult
{
    public override int SchemaVersion => 1;

    public int Steps { get; init; }

    public int ResumedFrom { get; init; }

    public override string Headline() => $"counted to {Steps}";
}

/// <summary>
/// A test job: counts to "steps", reporting each step, saving a checkpoint every 10, honouring cancellation,
/// optionally failing or blocking at a step. It exercises the host, not any science.
/// </summary>
internal sealed class CountingJob : IRunJob<CountingParameters, CountingSummary>
{
    public static readonly ArtifactSpec Counts = new("counts.npy", ArtifactRole.Matrix, "0..steps-1.");

    public static RunKindInfo Info { get; } = new("test-counting", "Counting (test)", "Counts to steps.", RunInput.ResponseSet, [Counts]);

    public TaskCompletionSource ReachedBlock { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many times each run was executed by this job instance.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<Guid, int> Executions { get; } = new();

    /// <summary>This job as the only kind of a registry.</summary>
    public RunKindRegistry Kinds() => new([RunKindRegistry.Create<CountingParameters, CountingSummary, CountingJob>(this)]);

    public Task ValidateAsync(CountingParameters parameters, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        if (parameters.Steps <= 0)
        {
            problems.Add("steps must be a positive number.");
        }
        return Task.CompletedTask;
    }

    public async Task<CountingSummary> ExecuteAsync(CountingParameters parameters, RunContext context)
    {
        Executions.AddOrUpdate(context.Run.Id, 1, (_, n) => n + 1);
        int steps = parameters.Steps;
        int blockAt = parameters.BlockAt;
        int failAt = parameters.FailAt;
        var checkpoint = await context.LoadCheckpointAsync();
        int start = checkpoint is null ? 0 : BitConverter.ToInt32(checkpoint);
        for (int i = start; i < steps; i++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            if (i == failAt)
            {
                throw new InvalidOperationException($"Step {i} failed on purpose.");
            }
            if (i == blockAt && start == 0)
            {
                ReachedBlock.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.Cancellation);
            }
            if (i % 10 == 0)
            {
                await context.SaveCheckpointAsync(BitConverter.GetBytes(i));
            }
            context.Report("counting", i + 1, steps, new Dictionary<string, double> { ["value"] = i });
        }
        await context.SaveArrayAsync(Counts, new NumericArray(NumericType.Int32, [steps], Enumerable.Range(0, steps).ToArray()));
        return new CountingSummary { Steps = steps, ResumedFrom = start };
    }
}

public sealed class RunQueueTests : IAsyncLifetime
{
    private readonly ImportFixture _f = new();
    private readonly CountingJob _job = new();
    private readonly RunEventBus _bus = new();
    private readonly RunSignals _signals = new();
    private readonly List<RunEvent> _events = [];
    private RunService _runs = default!;
    private RunQueue? _queue;
    private RunEventDispatcher? _dispatcher;
    private Guid _dataset;

    public async Task InitializeAsync()
    {
        _runs = new RunService(_f.Database.Factory, _f.Workspaces, _job.Kinds(), _signals, TimeProvider.System, _f.Store);
        _dataset = await _f.Samples.ImportAsync(_f.Alice, _f.WorkspaceId, "mni152");
        _bus.Subscribe(e =>
        {
            lock (_events)
            {
                _events.Add(e);
            }
            return Task.CompletedTask;
        });
        await StartQueueAsync();
    }

    public async Task DisposeAsync()
    {
        await StopQueueAsync();
        _f.Dispose();
    }

    private async Task StartQueueAsync()
    {
        _queue = new RunQueue(_f.Database.Factory, _job.Kinds(), _signals, _bus, _f.Store, new ComputeOptions { PollInterval = TimeSpan.FromMilliseconds(100), ProgressInterval = TimeSpan.FromMilliseconds(50) }, TimeProvider.System, NullLogger<RunQueue>.Instance);
        _dispatcher = new RunEventDispatcher(_bus);
        await _dispatcher.StartAsync(CancellationToken.None);
        await _queue.StartAsync(CancellationToken.None);
    }

    private async Task StopQueueAsync()
    {
        if (_queue is not null)
        {
            await _queue.StopAsync(CancellationToken.None);
            _queue.Dispose();
            _queue = null;
        }
        if (_dispatcher is not null)
        {
            await _dispatcher.StopAsync(CancellationToken.None);
            _dispatcher = null;
        }
    }

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private async Task<RunSummary> WaitForAsync(Guid runId, Func<RunSummary, bool> done, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            var run = await _runs.GetAsync(_f.Alice, runId);
            if (done(run))
            {
                return run;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"Run {runId} did not reach the expected state.");
    }

    [Fact]
    public async Task Submit_RunsToSuccess_WithProgressLogArtifactsAndProvenance()
    {
        var queued = await _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _dataset, "test-counting", Json(new { steps = 200 }), seed: 7);
        var run = await WaitForAsync(queued.Id, r => r.Status == RunStatus.Succeeded);
        Assert.Equal(7, run.Seed);
        Assert.Equal(64, run.DatasetChecksum.Length);
        Assert.False(string.IsNullOrEmpty(run.CodeVersion));
        Assert.NotNull(run.StartedAtUtc);
        Assert.True(run.FinishedAtUtc >= run.StartedAtUtc);
        Assert.Contains("\"resumedFrom\":0", run.SummaryJson, StringComparison.Ordinal);
        Assert.Contains("\"step\":200", run.ProgressJson, StringComparison.Ordinal);
        var artifact = Assert.Single(await _runs.ArtifactsAsync(_f.Alice, run.Id));
        Assert.Equal("counts.npy", artifact.Name);
        Assert.NotEmpty(await _runs.LogAsync(_f.Alice, run.Id));
        await Task.Delay(200);
        List<RunEvent> progress;
        lock (_events)
        {
            progress = [.. _events.Where(e => e.RunId == run.Id && e.Type == "progress")];
        }
        // Throttled: far fewer events than the 200 steps, but the last step always arrives.
        Assert.InRange(progress.Count, 1, 199);
        Assert.Equal(200, progress[^1].Step);
        lock (_events)
        {
            Assert.Contains(_events, e => e.RunId == run.Id && e.Type == "status" && e.Status == "succeeded");
        }
    }

    [Fact]
    public async Task Execute_DataChangedSinceSubmission_TheKindsValidationRunsAgain_RunFailsWithItsReason()
    {
        await StopQueueAsync();
        var queued = await _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _dataset, "test-counting", Json(new { steps = 5 }));
        await using (var db = await _f.Database.Factory.CreateDbContextAsync())
        {
            // What a dataset edit between submission and execution looks like to the job: parameters that no longer hold.
            await db.Runs.Where(r => r.Id == queued.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.ParametersJson, "{\"steps\":0}"));
        }
        await StartQueueAsync();

        var run = await WaitForAsync(queued.Id, r => r.Status is RunStatus.Failed or RunStatus.Succeeded);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("steps must be a positive number.", run.Error, StringComparison.Ordinal);
        Assert.False(_job.Executions.ContainsKey(run.Id));
    }

    [Fact]
    public async Task Submit_TypedSummary_IsStoredWithItsSchemaVersion_AndReadsBackAsTheRecord()
    {
        var queued = await _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _dataset, "test-counting", Json(new { steps = 12 }));
        var run = await WaitForAsync(queued.Id, r => r.Status == RunStatus.Succeeded);

        Assert.Contains("\"schemaVersion\":1", run.SummaryJson, StringComparison.Ordinal);
        var summary = Assert.IsType<CountingSummary>(_runs.Kinds.Get("test-counting").ReadSummary(run.SummaryJson));
        Assert.Equal(12, summary.Steps);
        Assert.Equal("counted to 12", _runs.Kinds.Headline(run.Kind, run.SummaryJson));
        Assert.Equal("unit-scores", ArtifactRole.UnitScores.Name());
        Assert.Equal("matrix", Assert.Single(await _runs.ArtifactsAsync(_f.Alice, run.Id)).Role);
    }

    [Fact]
    public async Task Cancel_RunningRun_StopsIt()
    {
        var queued = await _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _dataset, "test-counting", Json(new { steps = 50, blockAt = 5 }));
        await _job.ReachedBlock.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await _runs.CancelAsync(_f.Alice, queued.Id);
        var run = await WaitForAsync(queued.Id, r => r.Status == RunStatus.Cancelled);
        Assert.NotNull(run.FinishedAtUtc);
    }

    [Fact]
    public async Task FailingJob_IsFailedWithTheReason()
    {
        var queued = await _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _dataset, "test-counting", Json(new { steps = 20, failAt = 3 }));
        var run = await WaitForAsync(queued.Id, r => r.Status == RunStatus.Failed);
        Assert.Equal("Step 3 failed on purpose.", run.Error);
    }

    [Fact]
    public async Task Restart_MarksRunningRunsInterrupted_AndResumesFromCheckpoint()
    {
        var queued = await _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _dataset, "test-counting", Json(new { steps = 40, blockAt = 25 }));
        await _job.ReachedBlock.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await StopQueueAsync();
        Assert.Equal(RunStatus.Running, (await _runs.GetAsync(_f.Alice, queued.Id)).Status);

        await StartQueueAsync();
        var run = await WaitForAsync(queued.Id, r => r.Status == RunStatus.Succeeded);
        Assert.Equal(2, run.Attempt);
        // The checkpoint saved at step 20 is where the second attempt started.
        Assert.Contains("\"resumedFrom\":20", run.SummaryJson, StringComparison.Ordinal);
        Assert.Contains(await _runs.LogAsync(_f.Alice, run.Id), l => l.Message.Contains("interrupted", StringComparison.Ordinal));
        lock (_events)
        {
            Assert.Contains(_events, e => e.RunId == run.Id && e.Status == "interrupted");
        }
    }

    [Fact]
    public async Task InvalidSubmissions_AreRefusedBeforeQueueing()
    {
        var unknown = await Assert.ThrowsAsync<RunValidationException>(() => _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _dataset, "nope", Json(new { })));
        Assert.Contains("test-counting", unknown.Message, StringComparison.Ordinal);
        var bad = await Assert.ThrowsAsync<RunValidationException>(() => _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _dataset, "test-counting", Json(new { steps = 0 })));
        Assert.Contains("steps must be a positive number.", bad.Problems);
        await using var db = await _f.Database.Factory.CreateDbContextAsync();
        Assert.Empty(await db.Runs.ToListAsync());
    }

    [Fact]
    public async Task Roles_ViewerCannotSubmitOrCancel_OutsiderSeesNothing()
    {
        var bob = _f.Database.AddUser("bob@lab.org");
        var carol = _f.Database.AddUser("carol@lab.org");
        await _f.Workspaces.AddMemberAsync(_f.Alice, _f.WorkspaceId, "bob@lab.org", WorkspaceRole.Viewer);
        await Assert.ThrowsAsync<WorkspaceForbiddenException>(() => _runs.SubmitAsync(bob, _f.WorkspaceId, _dataset, "test-counting", Json(new { steps = 1 })));
        var run = await _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _dataset, "test-counting", Json(new { steps = 1 }));
        Assert.Equal(run.Id, (await _runs.GetAsync(bob, run.Id)).Id);
        await Assert.ThrowsAsync<WorkspaceForbiddenException>(() => _runs.CancelAsync(bob, run.Id));
        await Assert.ThrowsAsync<RunNotFoundException>(() => _runs.GetAsync(carol, run.Id));
        await Assert.ThrowsAsync<WorkspaceNotFoundException>(() => _runs.SubmitAsync(carol, _f.WorkspaceId, _dataset, "test-counting", Json(new { steps = 1 })));
        Assert.False(await _runs.CanWatchRunAsync(carol, run.Id));
        Assert.True(await _runs.CanWatchRunAsync(bob, run.Id));
    }
}
