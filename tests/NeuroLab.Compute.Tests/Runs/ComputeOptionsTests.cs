using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NeuroLab.Compute.Extensions;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.Datasets;
using NeuroLab.Data.Runs;

namespace NeuroLab.Compute.Tests.Runs;

/// <summary>Every setting under NeuroLab:Compute is bound by AddNeuroLabCompute and changes what the queue does.</summary>
public sealed class ComputeOptionsTests : IAsyncLifetime
{
    private readonly ImportFixture _f = new();
    private RunService _runs = default!;
    private Guid _dataset;

    public async Task InitializeAsync()
    {
        // Submissions signal nobody: only the queue's own polling finds the runs.
        _runs = new RunService(_f.Database.Factory, _f.Workspaces, new CountingJob().Kinds(), new RunSignals(), TimeProvider.System, _f.Store);
        _dataset = await _f.Samples.ImportAsync(_f.Alice, _f.WorkspaceId, "mni152");
    }

    public Task DisposeAsync()
    {
        _f.Dispose();
        return Task.CompletedTask;
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddNeuroLabCompute().BuildServiceProvider();
    }

    private Task<RunSummary> SubmitAsync(object parameters) =>
        _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _dataset, "test-counting", JsonSerializer.SerializeToElement(parameters));

    private async Task<RunStatus> StatusAfterAsync(Guid runId, TimeSpan wait, RunStatus? until = null)
    {
        var deadline = DateTime.UtcNow + wait;
        RunStatus status;
        do
        {
            status = (await _runs.GetAsync(_f.Alice, runId)).Status;
            if (status == until)
            {
                break;
            }
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        return status;
    }

    [Fact]
    public void AddNeuroLabCompute_EveryDocumentedSetting_IsBound()
    {
        using var services = Services(new()
        {
            ["NeuroLab:Compute:MaxConcurrentRuns"] = "3",
            ["NeuroLab:Compute:RunQueueEnabled"] = "false",
            ["NeuroLab:Compute:PollInterval"] = "00:00:05",
            ["NeuroLab:Compute:ProgressInterval"] = "00:00:00.100",
            ["NeuroLab:Compute:LeaseDuration"] = "00:02:00",
            ["NeuroLab:Compute:HostId"] = "worker-7",
        });

        var options = services.GetRequiredService<ComputeOptions>();

        Assert.Equal(new ComputeOptions
        {
            MaxConcurrentRuns = 3, RunQueueEnabled = false, PollInterval = TimeSpan.FromSeconds(5), ProgressInterval = TimeSpan.FromMilliseconds(100),
            LeaseDuration = TimeSpan.FromMinutes(2), HostId = "worker-7",
        }, options);
        Assert.Same(options, services.GetRequiredService<IOptions<ComputeOptions>>().Value);
    }

    [Fact]
    public void AddNeuroLabCompute_RootAppSettings_DocumentEveryOption()
    {
        var appsettings = FindRootAppSettings();
        var configuration = new ConfigurationBuilder().AddJsonFile(appsettings).Build();
        var section = configuration.GetSection(ComputeOptions.SectionName);
        foreach (var property in typeof(ComputeOptions).GetProperties())
        {
            Assert.True(section.GetSection(property.Name).Exists(), $"appsettings.json does not document {ComputeOptions.SectionName}:{property.Name} ({appsettings}).");
        }
        Assert.Equal(new ComputeOptions { HostId = "" }, section.Get<ComputeOptions>());
    }

    [Fact]
    public void AddNeuroLabCompute_InvalidSettings_AreRefused()
    {
        using var services = Services(new() { ["NeuroLab:Compute:MaxConcurrentRuns"] = "0", ["NeuroLab:Compute:LeaseDuration"] = "00:00:00.5" });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ComputeOptions>>().Value);

        Assert.Contains(e.Failures, f => f.Contains("MaxConcurrentRuns", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("LeaseDuration", StringComparison.Ordinal));
    }

    [Fact]
    public void AddNeuroLabCompute_RegistersTheQueueAndTheInProcessSeams()
    {
        var services = new ServiceCollection().AddNeuroLabCompute();

        Assert.Contains(services, d => d.ServiceType == typeof(IRunEventBus));
        Assert.Contains(services, d => d.ServiceType == typeof(NeuroLab.Compute.Events.IWorkspaceEventBus));
        Assert.Contains(services, d => d.ServiceType == typeof(IRunSignals) && d.ImplementationType == typeof(RunSignals));
        Assert.Contains(services, d => d.ServiceType == typeof(RunService));
        Assert.Equal(9, services.Count(d => d.ServiceType == typeof(IRunKind)));
        // The run queue, the run event dispatcher and the workspace event dispatcher.
        Assert.Equal(3, services.Count(d => d.ServiceType == typeof(IHostedService)));
    }

    [Fact]
    public async Task PollInterval_RunQueuedByAnotherProcess_IsFoundAtTheNextPoll()
    {
        await using var slow = new QueueHost(_f, new CountingJob().Kinds(), new ComputeOptions { PollInterval = TimeSpan.FromHours(1) });
        await slow.StartAsync();
        // A signalled run first, so the queue has done its start-up pass and waits for its next poll.
        var signalled = await SubmitAsync(new { steps = 1 });
        slow.Signals.RunQueued();
        Assert.Equal(RunStatus.Succeeded, await StatusAfterAsync(signalled.Id, TimeSpan.FromSeconds(30), RunStatus.Succeeded));
        await Task.Delay(300);
        var first = await SubmitAsync(new { steps = 1 });
        Assert.Equal(RunStatus.Queued, await StatusAfterAsync(first.Id, TimeSpan.FromSeconds(1.5)));
        await slow.StopAsync();

        await using var fast = new QueueHost(_f, new CountingJob().Kinds(), new ComputeOptions { PollInterval = TimeSpan.FromMilliseconds(200) });
        await fast.StartAsync();
        var second = await SubmitAsync(new { steps = 1 });
        Assert.Equal(RunStatus.Succeeded, await StatusAfterAsync(second.Id, TimeSpan.FromSeconds(30), RunStatus.Succeeded));
    }

    [Fact]
    public async Task ProgressInterval_ThrottlesProgressEvents_StageChangesAndTheEndPass()
    {
        await using var throttled = new QueueHost(_f, new CountingJob().Kinds(), new ComputeOptions { PollInterval = TimeSpan.FromMilliseconds(50), ProgressInterval = TimeSpan.FromHours(1) });
        await throttled.StartAsync();
        var run = await SubmitAsync(new { steps = 200 });
        Assert.Equal(RunStatus.Succeeded, await StatusAfterAsync(run.Id, TimeSpan.FromSeconds(30), RunStatus.Succeeded));
        await throttled.StopAsync();
        await using var unthrottled = new QueueHost(_f, new CountingJob().Kinds(), new ComputeOptions { PollInterval = TimeSpan.FromMilliseconds(50), ProgressInterval = TimeSpan.Zero });
        await unthrottled.StartAsync();
        var other = await SubmitAsync(new { steps = 200 });
        Assert.Equal(RunStatus.Succeeded, await StatusAfterAsync(other.Id, TimeSpan.FromSeconds(30), RunStatus.Succeeded));
        await unthrottled.StopAsync();

        // The first step (a new stage), the last throttled one, and the end.
        Assert.Equal([1L, 199L, 200L], ProgressSteps(throttled, run.Id));
        Assert.Equal(200, ProgressSteps(unthrottled, other.Id).Count);
    }

    [Fact]
    public async Task RunQueueEnabled_False_ClaimsNoRuns()
    {
        await using var idle = new QueueHost(_f, new CountingJob().Kinds(), new ComputeOptions { RunQueueEnabled = false, PollInterval = TimeSpan.FromMilliseconds(50) });
        await idle.StartAsync();
        var run = await SubmitAsync(new { steps = 1 });
        Assert.Equal(RunStatus.Queued, await StatusAfterAsync(run.Id, TimeSpan.FromSeconds(1)));
    }

    private static List<long> ProgressSteps(QueueHost host, Guid runId)
    {
        lock (host.Events)
        {
            return [.. host.Events.Where(e => e.RunId == runId && e.Type == "progress").Select(e => e.Step ?? -1)];
        }
    }

    private static string FindRootAppSettings()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "appsettings.json");
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "NeuroLab.sln")))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("The repository-root appsettings.json was not found above the test's output folder.");
    }
}
