using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NeuroLab.Compute.Extensions;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Extensions;
using NeuroLab.Data.Storage;

namespace NeuroLab.Compute.Workers;

/// <summary>Wiring of compute workers: the Hangfire dispatch of web instances and the worker host.</summary>
public static class WorkerServiceCollectionExtensions
{
    /// <summary>The PostgreSQL schema of Hangfire's tables, beside NeuroLab's own in the same database.</summary>
    public const string HangfireSchema = "hangfire";

    /// <summary>
    /// In workers mode (<c>NeuroLab:Compute:Mode</c> = workers): Hangfire's client on PostgreSQL storage and the
    /// <see cref="HangfireRunDispatcher"/>, so submitting a run only enqueues a job. In-process mode: nothing (the
    /// in-process dispatcher of <see cref="ComputeServiceCollectionExtensions.AddNeuroLabCompute"/> stays).
    /// </summary>
    public static IServiceCollection AddNeuroLabRunDispatch(this IServiceCollection services, IConfiguration configuration)
    {
        var compute = configuration.GetSection(ComputeOptions.SectionName).Get<ComputeOptions>() ?? new ComputeOptions();
        if (!compute.UsesWorkers())
        {
            return services;
        }
        var connectionString = WorkerDatabase.ConnectionString(configuration);
        services.AddHangfire(c => ConfigureHangfire(c, connectionString, compute));
        services.AddSingleton<IRunDispatcher, HangfireRunDispatcher>();
        return services;
    }

    /// <summary>
    /// A compute worker: the database (PostgreSQL), the content store, the run kinds (<see cref="ComputeServiceCollectionExtensions.AddNeuroLabCompute"/>),
    /// the <see cref="RunExecutor"/> its jobs use, the lease-expiry recovery, and a Hangfire server on
    /// <c>NeuroLab:Compute:Queues</c> with <c>MaxConcurrentRuns</c> workers. The in-process run queue stays idle.
    /// </summary>
    public static IServiceCollection AddNeuroLabWorker(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var compute = (configuration.GetSection(ComputeOptions.SectionName).Get<ComputeOptions>() ?? new ComputeOptions()) with { Mode = ComputeOptions.WorkersMode };
        var connectionString = WorkerDatabase.ConnectionString(configuration);
        var queues = Queues(configuration);
        services.AddSingleton(TimeProvider.System);
        var dataDirectory = DataDirectory.From(configuration);
        // The same database, store and events the web instances use (NeuroLab:Database, NeuroLab:Storage, NeuroLab:Events);
        // feed entries a worker saves (run started/finished) are published live like the web app's.
        services.AddSingleton<Events.ActivityEventPublisher>();
        services.AddNeuroLabDatabase(configuration, dataDirectory, (sp, o) => o.AddInterceptors(sp.GetRequiredService<Events.ActivityEventPublisher>()));
        services.AddNeuroLabStorage(configuration, dataDirectory);
        services.AddNeuroLabEvents(configuration);
        services.AddScoped<NeuroLab.Data.Workspaces.WorkspaceService>();
        services.AddScoped<NeuroLab.Data.Datasets.DatasetService>();
        // A worker is in workers mode whatever the file says: its in-process queue must not claim runs.
        services.AddSingleton(compute);
        services.AddNeuroLabCompute();
        services.AddHangfire(c => ConfigureHangfire(c, connectionString, compute));
        services.AddSingleton<IRunDispatcher, HangfireRunDispatcher>();
        services.AddSingleton(sp => new RunExecutor(
            sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<NeuroLabDbContext>>(), sp.GetRequiredService<RunKindRegistry>(),
            sp.GetRequiredService<IRunSignals>(), sp.GetRequiredService<IRunEventBus>(), sp.GetRequiredService<ContentStore>(), compute,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RunExecutor>>()));
        services.AddTransient<RunJob>();
        services.AddHostedService<WorkerRecovery>();
        services.AddHangfireServer((sp, o) =>
        {
            o.Queues = [.. queues];
            o.WorkerCount = Math.Max(1, compute.MaxConcurrentRuns);
            o.ServerName = sp.GetRequiredService<RunExecutor>().HostId;
            // How often an idle worker looks at the schedule (retries); queued jobs are fetched by the storage's poll.
            o.SchedulePollingInterval = compute.PollInterval;
        });
        return services;
    }

    /// <summary>
    /// The Hangfire queues a worker takes jobs from, in order of preference (<c>NeuroLab:Compute:Queues</c>):
    /// <c>["cpu"]</c> when none is configured, a GPU worker <c>["gpu", "cpu"]</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A queue other than <c>cpu</c> and <c>gpu</c> is named.</exception>
    public static IReadOnlyList<string> Queues(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var queues = configuration.GetSection($"{ComputeOptions.SectionName}:Queues").Get<string[]>() is { Length: > 0 } q ? q : [RunDispatch.CpuQueue];
        if (queues.FirstOrDefault(x => x is not (RunDispatch.CpuQueue or RunDispatch.GpuQueue)) is { } wrong)
        {
            throw new InvalidOperationException($"{ComputeOptions.SectionName}:Queues may name '{RunDispatch.CpuQueue}' and '{RunDispatch.GpuQueue}' only, not '{wrong}'.");
        }
        return queues;
    }

    /// <summary>
    /// Hangfire on PostgreSQL (schema <see cref="HangfireSchema"/>), with the sliding invisibility timeout on: a fetched
    /// job stays invisible while its worker lives, however long the run (without it a long job runs twice:
    /// Hangfire #1197, Hangfire.PostgreSql #352). The run's lease, not Hangfire, decides who executes.
    /// </summary>
    public static void ConfigureHangfire(IGlobalConfiguration configuration, string connectionString, ComputeOptions compute)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(compute);
        configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(connectionString), StorageOptions(compute));
    }

    /// <summary>The storage options both the dispatching web instances and the workers use.</summary>
    public static PostgreSqlStorageOptions StorageOptions(ComputeOptions compute)
    {
        ArgumentNullException.ThrowIfNull(compute);
        return new PostgreSqlStorageOptions
        {
            SchemaName = HangfireSchema,
            PrepareSchemaIfNecessary = true,
            UseSlidingInvisibilityTimeout = true,
            QueuePollInterval = compute.PollInterval,
        };
    }
}
