using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Formats;

namespace NeuroLab.Compute.Tests.Runs;

/// <summary>
/// A job of kind "test-counting" that waits at a gate the test opens, then tries every kind of write a job makes and
/// records which were refused. It plays the host that lost its lease while the job was busy.
/// </summary>
internal sealed class GatedJob : IRunJob<CountingParameters, CountingSummary>
{
    public static RunKindInfo Info => CountingJob.Info;

    /// <summary>This job as the only kind of a registry.</summary>
    public RunKindRegistry Kinds() => new([RunKindRegistry.Create<CountingParameters, CountingSummary, GatedJob>(this)]);

    public TaskCompletionSource ReachedGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<string> Refused { get; } = [];

    public Task ValidateAsync(CountingParameters parameters, RunSubmission submission, RunProblems problems, CancellationToken ct) => Task.CompletedTask;

    public async Task<CountingSummary> ExecuteAsync(CountingParameters parameters, RunContext context)
    {
        try
        {
            ReachedGate.TrySetResult();
            await Gate.Task;
            await TryAsync("artifact", () => context.SaveArrayAsync(CountingJob.Counts, new NumericArray(NumericType.Int32, [1], new[] { 1 })));
            await TryAsync("summary", () => context.SetSummaryAsync(new CountingSummary { Steps = -1 }));
            await TryAsync("checkpoint", () => context.SaveCheckpointAsync([1, 2, 3, 4]));
            await TryAsync("log", () => context.LogAsync("written by the stale host"));
        }
        finally
        {
            Finished.TrySetResult();
        }
        return new CountingSummary();
    }

    private async Task TryAsync(string what, Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception)
        {
            Refused.Add(what);
        }
    }
}

public sealed class RunLeaseTests : IAsyncLifetime
{
    private readonly ImportFixture _f = new();
    private RunService _runs = default!;
    private Guid _dataset;

    public async Task InitializeAsync()
    {
        // Submissions signal nobody: the hosts under test learn of runs and cancels only from the database.
        _runs = new RunService(_f.Database.Factory, _f.Workspaces, new CountingJob().Kinds(), new RunSignals(), TimeProvider.System, _f.Store);
        _dataset = await _f.Samples.ImportAsync(_f.Alice, _f.WorkspaceId, "mni152");
    }

    public Task DisposeAsync()
    {
        _f.Dispose();
        return Task.CompletedTask;
    }

    private Task<RunSummary> SubmitAsync(object parameters) =>
        _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _dataset, "test-counting", JsonSerializer.SerializeToElement(parameters));

    private async Task<RunSummary> WaitForAsync(Guid runId, Func<RunSummary, bool> done, double seconds = 30)
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
        throw new TimeoutException($"Run {runId} did not reach the expected state within {seconds} s.");
    }

    private async Task<Run> RowAsync(Guid runId)
    {
        await using var db = await _f.Database.Factory.CreateDbContextAsync();
        return await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId);
    }

    [Fact]
    public async Task TwoHosts_OneDatabase_RunEachRunExactlyOnce()
    {
        var queued = new List<Guid>();
        for (int i = 0; i < 12; i++)
        {
            queued.Add((await SubmitAsync(new { steps = 30 })).Id);
        }
        var jobA = new CountingJob();
        var jobB = new CountingJob();
        var fast = new ComputeOptions { PollInterval = TimeSpan.FromMilliseconds(20), MaxConcurrentRuns = 3 };
        await using var a = new QueueHost(_f, jobA.Kinds(), fast with { HostId = "host-a" });
        await using var b = new QueueHost(_f, jobB.Kinds(), fast with { HostId = "host-b" });
        await Task.WhenAll(a.StartAsync(), b.StartAsync());

        foreach (var id in queued)
        {
            await WaitForAsync(id, r => r.Status == RunStatus.Succeeded, 60);
        }
        foreach (var id in queued)
        {
            int executions = jobA.Executions.GetValueOrDefault(id) + jobB.Executions.GetValueOrDefault(id);
            Assert.Equal(1, executions);
            var row = await RowAsync(id);
            Assert.Equal(1, row.Attempt);
            Assert.Contains(row.LeaseOwner, new[] { "host-a", "host-b" });
            Assert.Equal(jobA.Executions.ContainsKey(id) ? "host-a" : "host-b", row.LeaseOwner);
        }
    }

    [Fact]
    public async Task ExpiredLease_HostThatLostTheRun_CannotWriteItsResult()
    {
        var queued = await SubmitAsync(new { steps = 20 });
        // Host A's clock is frozen, so it never renews its 2 s lease, as a host stalled in a long pause.
        var gated = new GatedJob();
        await using var a = new QueueHost(_f, gated.Kinds(), new ComputeOptions { HostId = "host-a", PollInterval = TimeSpan.FromMilliseconds(50), LeaseDuration = TimeSpan.FromSeconds(2) },
            new FrozenClock(DateTimeOffset.UtcNow));
        await a.StartAsync();
        await gated.ReachedGate.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("host-a", (await RowAsync(queued.Id)).LeaseOwner);

        // Host B takes the run over once A's lease has expired, and runs it to the end.
        var counting = new CountingJob();
        await using var b = new QueueHost(_f, counting.Kinds(), new ComputeOptions { HostId = "host-b", PollInterval = TimeSpan.FromMilliseconds(50), LeaseDuration = TimeSpan.FromSeconds(2) });
        await b.StartAsync();
        var done = await WaitForAsync(queued.Id, r => r.Status == RunStatus.Succeeded, 30);
        Assert.Equal(2, done.Attempt);
        var summary = done.SummaryJson;

        // A wakes up and tries to write: every write is refused, and the result B recorded stands.
        gated.Gate.TrySetResult();
        await gated.Finished.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await a.StopAsync();
        Assert.Equal(["artifact", "summary", "checkpoint", "log"], gated.Refused);
        var row = await RowAsync(queued.Id);
        Assert.Equal(RunStatus.Succeeded, row.Status);
        Assert.Equal("host-b", row.LeaseOwner);
        Assert.Equal(summary, row.SummaryJson);
        Assert.DoesNotContain("staleHost", row.SummaryJson, StringComparison.Ordinal);
        Assert.Equal(["counts.npy"], (await _runs.ArtifactsAsync(_f.Alice, queued.Id)).Select(x => x.Name));
        Assert.DoesNotContain(await _runs.LogAsync(_f.Alice, queued.Id), l => l.Message.Contains("stale host", StringComparison.Ordinal));
        lock (a.Events)
        {
            Assert.DoesNotContain(a.Events, e => e.RunId == queued.Id && e.Type == "status" && e.Status is "succeeded" or "failed" or "cancelled");
        }
    }

    [Fact]
    public async Task Recovery_RequeuesExpiredLeases_LeavesLiveLeasesAlone()
    {
        var expired = await SubmitAsync(new { steps = 1 });
        var live = await SubmitAsync(new { steps = 1 });
        var unowned = await SubmitAsync(new { steps = 1 });
        var now = DateTime.UtcNow;
        await using (var db = await _f.Database.Factory.CreateDbContextAsync())
        {
            await db.Runs.Where(r => r.Id == expired.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.Attempt, 1)
                .SetProperty(r => r.LeaseOwner, "gone-host").SetProperty(r => r.LeaseExpiresAtUtc, now.AddMinutes(-1)));
            await db.Runs.Where(r => r.Id == live.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.Attempt, 1)
                .SetProperty(r => r.LeaseOwner, "busy-host").SetProperty(r => r.LeaseExpiresAtUtc, now.AddHours(1)));
            // A run left running by a version without leases.
            await db.Runs.Where(r => r.Id == unowned.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.Attempt, 1));
        }
        await using var host = new QueueHost(_f, new CountingJob().Kinds(), new ComputeOptions { HostId = "host-new" });

        await host.Queue.RecoverInterruptedAsync(CancellationToken.None);

        var e = await RowAsync(expired.Id);
        Assert.Equal(RunStatus.Queued, e.Status);
        Assert.Null(e.LeaseOwner);
        Assert.Equal(RunStatus.Queued, (await RowAsync(unowned.Id)).Status);
        var l = await RowAsync(live.Id);
        Assert.Equal(RunStatus.Running, l.Status);
        Assert.Equal("busy-host", l.LeaseOwner);
        Assert.Contains(await _runs.LogAsync(_f.Alice, expired.Id), x => x.Message.Contains("interrupted", StringComparison.Ordinal));
        Assert.Empty(await _runs.LogAsync(_f.Alice, live.Id));
    }

    [Fact]
    public async Task CancelRecordedInTheDatabase_ByAnotherProcess_StopsTheRunningJob()
    {
        var job = new CountingJob();
        await using var host = new QueueHost(_f, job.Kinds(), new ComputeOptions { HostId = "host-a", PollInterval = TimeSpan.FromMilliseconds(500) });
        await host.StartAsync();
        var queued = await SubmitAsync(new { steps = 50, blockAt = 5 });
        await job.ReachedBlock.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Another process recorded the cancel: no in-process signal reaches this host.
        await using (var db = await _f.Database.Factory.CreateDbContextAsync())
        {
            await db.Runs.Where(r => r.Id == queued.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequested, true));
        }

        var run = await WaitForAsync(queued.Id, r => r.Status == RunStatus.Cancelled, 5);
        Assert.NotNull(run.FinishedAtUtc);
        Assert.Contains(await _runs.LogAsync(_f.Alice, queued.Id), l => l.Message == "Cancelled.");
    }

    [Fact]
    public async Task StoppedHost_ReleasesItsLease_SoAnotherHostResumesTheRunAtOnce()
    {
        var job = new CountingJob();
        var a = new QueueHost(_f, job.Kinds(), new ComputeOptions { HostId = "host-a", PollInterval = TimeSpan.FromMilliseconds(50), LeaseDuration = TimeSpan.FromHours(1) });
        await a.StartAsync();
        var queued = await SubmitAsync(new { steps = 40, blockAt = 25 });
        await job.ReachedBlock.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await a.DisposeAsync();
        Assert.Equal(RunStatus.Running, (await RowAsync(queued.Id)).Status);

        await using var b = new QueueHost(_f, new CountingJob().Kinds(), new ComputeOptions { HostId = "host-b", PollInterval = TimeSpan.FromMilliseconds(50), LeaseDuration = TimeSpan.FromHours(1) });
        await b.StartAsync();
        var run = await WaitForAsync(queued.Id, r => r.Status == RunStatus.Succeeded, 30);
        Assert.Equal(2, run.Attempt);
        Assert.Equal("host-b", (await RowAsync(run.Id)).LeaseOwner);
    }
}
