using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Workers;
using NeuroLab.Data.Runs;
using NeuroLab.Tests.Shared;
using Xunit;

namespace NeuroLab.Compute.Tests.Workers;

/// <summary>
/// Compute workers through Hangfire with real worker processes on a loopback PostgreSQL (<c>NEUROLAB_TEST_POSTGRES</c>):
/// a run submitted in workers mode is only enqueued and a worker executes it; each run is executed once however many
/// workers; a killed worker's run is taken over and finishes from its checkpoint; a cancel reaches the remote worker.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class WorkerTests
{
    private static object Ridge(Guid set) => new { responseSetId = set, features = "pixels", alphas = new[] { 1.0, 100, 1e4 }, folds = 3 };

    [PostgresFact]
    public async Task Worker_SubmittedRun_IsExecutedByTheWorker_ExecutedByNamesIt()
    {
        await using var cluster = await WorkerCluster.StartAsync();
        var submitted = await cluster.SubmitAsync("encoding-ridge", Ridge(cluster.ResponseSet));
        // Workers mode only enqueues: nothing in this process executes it.
        Assert.Equal(RunStatus.Queued, submitted.Status);
        Assert.Null(submitted.ExecutedBy);
        cluster.StartWorker("worker-a");
        var run = await cluster.WaitFinishedAsync(submitted.Id);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + cluster.WorkerLogs());
        Assert.Equal("worker-a", run.ExecutedBy);
        Assert.Equal(1, run.Attempt);
        Assert.Contains(await cluster.Runs.ArtifactsAsync(cluster.Alice, run.Id), a => a.Role == "unit-scores");
    }

    [PostgresFact]
    public async Task QueuedRunWhoseEnqueueFailed_WorkerFindsItWithoutAJob_AndExecutesItOnce()
    {
        await using var cluster = await WorkerCluster.StartAsync();
        // The web instance committed the run, then its enqueue failed: no Hangfire job names it.
        var lostEnqueue = new RunService(cluster.Factory, cluster.Workspaces, Kinds.Registry(cluster.Factory, cluster.Store), new RunSignals(), TimeProvider.System, cluster.Store, new NoDispatch());
        var orphan = await lostEnqueue.SubmitAsync(cluster.Alice, cluster.WorkspaceId, cluster.Allen, "encoding-ridge", JsonSerializer.SerializeToElement(Ridge(cluster.ResponseSet)), seed: 7);
        // Queued longer than a lease period ago (only then is a run without a job an orphan, not one being enqueued).
        await using (var db = await cluster.Factory.CreateDbContextAsync())
        {
            var past = DateTime.UtcNow - 3 * WorkerCluster.Lease;
            await db.Runs.Where(r => r.Id == orphan.Id).ExecuteUpdateAsync(u => u.SetProperty(r => r.CreatedAtUtc, past));
        }
        cluster.StartWorker("worker-a");
        var run = await cluster.WaitFinishedAsync(orphan.Id);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + cluster.WorkerLogs());
        Assert.Equal(1, run.Attempt);
        Assert.Contains("no job names it", cluster.WorkerLogs(), StringComparison.Ordinal);
    }

    private sealed class NoDispatch : IRunDispatcher
    {
        public void Dispatch(Run run)
        {
        }
    }

    [PostgresFact]
    public async Task TwoWorkers_TwentyRuns_EachExecutedExactlyOnce()
    {
        await using var cluster = await WorkerCluster.StartAsync();
        cluster.StartWorker("worker-a");
        cluster.StartWorker("worker-b");
        var ids = new List<Guid>();
        for (int i = 0; i < 20; i++)
        {
            ids.Add((await cluster.SubmitAsync("encoding-ridge", Ridge(cluster.ResponseSet), seed: i + 1)).Id);
        }
        var runs = new List<RunSummary>();
        foreach (var id in ids)
        {
            runs.Add(await cluster.WaitFinishedAsync(id, TimeSpan.FromMinutes(5)));
        }
        Assert.All(runs, r => Assert.True(r.Status == RunStatus.Succeeded && r.Attempt == 1, $"{r.Id}: {r.Status} attempt {r.Attempt} {r.Error}"));
        Assert.All(runs, r => Assert.Contains(r.ExecutedBy, new[] { "worker-a", "worker-b" }));
        await using var db = await cluster.Factory.CreateDbContextAsync();
        // One start and one outcome in the feed per run: nothing executed twice.
        Assert.Equal(20, await db.AuditEvents.CountAsync(a => a.Action == "run.started"));
        Assert.Equal(20, await db.AuditEvents.CountAsync(a => a.Action == "run.succeeded"));
        Assert.Equal(0, await db.RunLog.CountAsync(l => l.Message.Contains("queued again")));
    }

    [PostgresFact]
    public async Task KilledWorker_RunIsTakenOverFromItsCheckpoint_ResultIdenticalToAnUninterruptedRun()
    {
        await using var cluster = await WorkerCluster.StartAsync();
        // Long enough that worker A is still training when the test sees its third epoch, however fast the machine.
        var parameters = new { responseSetId = cluster.ResponseSet, maxEpochs = 600, patience = 600 };
        var a = cluster.StartWorker("worker-a");
        var submitted = await cluster.SubmitAsync("encoding-readout", parameters, seed: 4);
        // Worker A trains past a few checkpoints (one per epoch), then dies without letting anything go.
        await cluster.WaitAsync(submitted.Id, r => r.Status == RunStatus.Running && Epoch(r) >= 3, TimeSpan.FromMinutes(3), "training epoch 3");
        await using (var db = await cluster.Factory.CreateDbContextAsync())
        {
            Assert.NotNull(await db.Runs.Where(r => r.Id == submitted.Id).Select(r => r.CheckpointSha256).SingleAsync());
        }
        a.Kill();
        cluster.StartWorker("worker-b");
        var resumed = await cluster.WaitFinishedAsync(submitted.Id);
        Assert.True(resumed.Status == RunStatus.Succeeded, resumed.Error + cluster.WorkerLogs());
        Assert.Equal("worker-b", resumed.ExecutedBy);
        Assert.Equal(2, resumed.Attempt);
        Assert.Contains(await cluster.Runs.LogAsync(cluster.Alice, resumed.Id), l => l.Message.Contains("Resuming from the last checkpoint", StringComparison.Ordinal));

        // The same run uninterrupted, on the surviving worker: the same arithmetic, the same result, bit for bit.
        var again = await cluster.WaitFinishedAsync((await cluster.SubmitAsync("encoding-readout", parameters, seed: 4)).Id);
        Assert.True(again.Status == RunStatus.Succeeded, again.Error);
        Assert.Equal(1, again.Attempt);
        var first = await cluster.Runs.ArtifactsAsync(cluster.Alice, resumed.Id);
        var second = await cluster.Runs.ArtifactsAsync(cluster.Alice, again.Id);
        foreach (var name in new[] { "test_r.npy", "spatial_masks.npy", "test_predictions.npy" })
        {
            Assert.Equal(second.Single(x => x.Name == name).Sha256, first.Single(x => x.Name == name).Sha256);
        }
        using var s1 = JsonDocument.Parse(resumed.SummaryJson!);
        using var s2 = JsonDocument.Parse(again.SummaryJson!);
        Assert.Equal(s2.RootElement.GetProperty("meanTestR").GetDouble(), s1.RootElement.GetProperty("meanTestR").GetDouble());
    }

    [PostgresFact]
    public async Task StoppedWorker_Sigterm_LetsItsLeaseGo_AnotherWorkerResumesTheRun()
    {
        await using var cluster = await WorkerCluster.StartAsync();
        var a = cluster.StartWorker("worker-a");
        // Long enough that worker A is still training when the test sees its second epoch (CI saw a 40-epoch run end first).
        var submitted = await cluster.SubmitAsync("encoding-readout", new { responseSetId = cluster.ResponseSet, maxEpochs = 600, patience = 600 }, seed: 3);
        await cluster.WaitAsync(submitted.Id, r => r.Status == RunStatus.Running && Epoch(r) >= 2, TimeSpan.FromMinutes(3), "training epoch 2");
        DateTime? leaseBefore;
        await using (var db = await cluster.Factory.CreateDbContextAsync())
        {
            leaseBefore = await db.Runs.Where(r => r.Id == submitted.Id).Select(r => r.LeaseExpiresAtUtc).SingleAsync();
        }
        await a.TerminateAsync(TimeSpan.FromSeconds(60));
        var stoppedAt = DateTime.UtcNow;
        await using (var db = await cluster.Factory.CreateDbContextAsync())
        {
            var row = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == submitted.Id);
            // Left running for the next worker, its lease let go at the stop rather than left to expire.
            Assert.Equal(RunStatus.Running, row.Status);
            Assert.NotNull(row.LeaseExpiresAtUtc);
            Assert.True(row.LeaseExpiresAtUtc <= stoppedAt, $"lease still held until {row.LeaseExpiresAtUtc:O} (stopped {stoppedAt:O}, was {leaseBefore:O})\n{cluster.WorkerLogs()}");
        }
        cluster.StartWorker("worker-b");
        var run = await cluster.WaitFinishedAsync(submitted.Id);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + cluster.WorkerLogs());
        Assert.Equal(("worker-b", 2), (run.ExecutedBy, run.Attempt));
        Assert.Contains(await cluster.Runs.LogAsync(cluster.Alice, run.Id), l => l.Message.Contains("Resuming from the last checkpoint", StringComparison.Ordinal));
    }

    [PostgresFact]
    public async Task Cancel_ReachesTheRemoteWorker_RunStopsCancelled()
    {
        await using var cluster = await WorkerCluster.StartAsync();
        cluster.StartWorker("worker-a");
        var submitted = await cluster.SubmitAsync("encoding-readout", new { responseSetId = cluster.ResponseSet, maxEpochs = 5000, patience = 5000 }, seed: 2);
        await cluster.WaitAsync(submitted.Id, r => r.Status == RunStatus.Running && Epoch(r) >= 1, TimeSpan.FromMinutes(3), "training");
        // This process only records the cancel in the database; the worker polls for it.
        var asked = Stopwatch.StartNew();
        await cluster.Runs.CancelAsync(cluster.Alice, submitted.Id);
        var run = await cluster.WaitFinishedAsync(submitted.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Equal("worker-a", run.ExecutedBy);
        Assert.Contains(await cluster.Runs.LogAsync(cluster.Alice, run.Id), l => l.Message == "Cancelled.");
        Assert.True(asked.Elapsed < TimeSpan.FromSeconds(60));
    }

    [PostgresFact]
    public async Task GpuRun_IsEnqueuedOnTheGpuQueue_OtherRunsOnCpu()
    {
        await using var cluster = await WorkerCluster.StartAsync();
        var gpu = RunDispatchTests.NewRun("""{"responseSetId":"x","device":"cuda"}""", "encoding-readout");
        var cpu = RunDispatchTests.NewRun("""{"responseSetId":"x"}""");
        cluster.Dispatcher.Dispatch(gpu);
        cluster.Dispatcher.Dispatch(cpu);
        var monitor = cluster.Storage.GetMonitoringApi();
        var onGpu = monitor.EnqueuedJobs(RunDispatch.GpuQueue, 0, 10).Select(j => (Guid)j.Value.Job.Args[0]).ToList();
        var onCpu = monitor.EnqueuedJobs(RunDispatch.CpuQueue, 0, 10).Select(j => (Guid)j.Value.Job.Args[0]).ToList();
        Assert.Equal([gpu.Id], onGpu);
        Assert.Equal([cpu.Id], onCpu);
    }

    [PostgresRestartFact]
    public async Task PostgreSqlRestart_MidRun_NoRunLostOrDuplicated()
    {
        await using var cluster = await WorkerCluster.StartAsync();
        cluster.StartWorker("worker-a");
        cluster.StartWorker("worker-b");
        var ids = new List<Guid>();
        for (int i = 0; i < 6; i++)
        {
            ids.Add((await cluster.SubmitAsync("encoding-ridge", Ridge(cluster.ResponseSet), seed: i + 1)).Id);
        }
        await cluster.WaitAsync(ids[0], r => r.Status == RunStatus.Running, TimeSpan.FromMinutes(2), "running");
        await RestartPostgreSqlAsync();
        var runs = new List<RunSummary>();
        foreach (var id in ids)
        {
            runs.Add(await cluster.WaitFinishedAsync(id, TimeSpan.FromMinutes(5)));
        }
        Assert.All(runs, r => Assert.True(r.Status == RunStatus.Succeeded, $"{r.Id}: {r.Status} attempt {r.Attempt} {r.Error}\n{cluster.WorkerLogs()}"));
        await using var db = await cluster.Factory.CreateDbContextAsync();
        // Every run's outcome is recorded once; a run whose attempt the restart broke was resumed, never doubled.
        Assert.Equal(6, await db.AuditEvents.CountAsync(a => a.Action == "run.succeeded"));
        foreach (var id in ids)
        {
            Assert.Equal(1, await db.RunArtifacts.CountAsync(a => a.RunId == id && a.Name == "test_r.npy"));
        }
    }

    /// <summary>Restarts the test server with the command in <c>NEUROLAB_TEST_POSTGRES_RESTART</c> (e.g. <c>pg_ctl -D DIR -m fast -w restart</c>).</summary>
    private static async Task RestartPostgreSqlAsync()
    {
        // The command's output goes to a file, not a pipe: a restarted postmaster inherits the command's output and
        // keeps it open, so reading a pipe to its end would wait as long as the server runs (CI hung there once).
        var log = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("bash") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"( {PostgresRestartFactAttribute.Command} ) > '{log}' 2>&1 < /dev/null");
            using var process = Process.Start(start)!;
            using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            Assert.True(process.ExitCode == 0, $"restarting PostgreSQL failed: {await File.ReadAllTextAsync(log)}");
        }
        finally
        {
            File.Delete(log);
        }
        // This process's pooled connections died with the server.
        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    private static long Epoch(RunSummary run)
    {
        if (run.ProgressJson is null)
        {
            return -1;
        }
        using var progress = JsonDocument.Parse(run.ProgressJson);
        return progress.RootElement.TryGetProperty("stage", out var stage) && stage.GetString() == "training" ? progress.RootElement.GetProperty("step").GetInt64() : -1;
    }
}

/// <summary>
/// A fact that restarts the PostgreSQL test server: needs <c>NEUROLAB_TEST_POSTGRES</c> and
/// <c>NEUROLAB_TEST_POSTGRES_RESTART</c>, a shell command that restarts that server and waits for it (pg_ctl -w restart).
/// </summary>
public sealed class PostgresRestartFactAttribute : FactAttribute
{
    public static string? Command => Environment.GetEnvironmentVariable("NEUROLAB_TEST_POSTGRES_RESTART") is { Length: > 0 } c ? c : null;

    public PostgresRestartFactAttribute()
    {
        if (TestServers.Postgres is null || Command is null)
        {
            Skip = "Needs a PostgreSQL server it may restart: set NEUROLAB_TEST_POSTGRES and NEUROLAB_TEST_POSTGRES_RESTART (a command such as pg_ctl -D DIR -m fast -w restart).";
        }
    }
}

/// <summary>The worker tests one at a time: each starts processes that share the machine's two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WorkerCollection
{
    public const string Name = "compute workers";
}
