using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NeuroLab.Compute.Extensions;
using NeuroLab.Compute.Datasets;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Samples;
using NeuroLab.Compute.Workers;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Storage;
using NeuroLab.Data.Workspaces;
using NeuroLab.Tests.Shared;
using Npgsql;

namespace NeuroLab.Compute.Tests.Workers;

/// <summary>
/// Compute workers on loopback: a fresh PostgreSQL database (on <c>NEUROLAB_TEST_POSTGRES</c>) with the allen-v1
/// sample imported, a data folder the workers share, a <see cref="RunService"/> in workers mode (it only enqueues
/// Hangfire jobs), and real <c>NeuroLab.Worker</c> processes started with environment variables and killed by PID.
/// </summary>
internal sealed class WorkerCluster : IAsyncDisposable
{
    /// <summary>Short leases, so a killed worker's run is taken over within seconds.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(4);

    private readonly List<WorkerProcess> _workers = [];
    private readonly string _adminConnectionString;
    private readonly string _database;
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("neurolab-workers-").FullName;

    private WorkerCluster(string admin)
    {
        _adminConnectionString = admin;
        _database = "neurolab_workers_" + Guid.NewGuid().ToString("N")[..12];
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = _database }.ConnectionString;
        Factory = WorkerDatabase.Factory(ConnectionString);
        Store = new ContentStore(Path.Combine(_dataDirectory, "store"));
        Workspaces = new WorkspaceService(Factory, TestDatabase.Normalizer, TimeProvider.System);
        Datasets = new DatasetService(Factory, Workspaces, Store, TimeProvider.System);
        Options = new ComputeOptions { Mode = ComputeOptions.WorkersMode, PollInterval = TimeSpan.FromMilliseconds(200), LeaseDuration = Lease };
    }

    public string ConnectionString { get; }

    public IDbContextFactory<NeuroLabDbContext> Factory { get; }

    public ContentStore Store { get; }

    public WorkspaceService Workspaces { get; }

    public DatasetService Datasets { get; }

    public ComputeOptions Options { get; }

    /// <summary>Hangfire's storage; made once the database exists (the constructor prepares the schema, and against a
    /// missing database it spends about 30 s in retries before giving up quietly).</summary>
    public PostgreSqlStorage Storage { get; private set; } = null!;

    public HangfireRunDispatcher Dispatcher { get; private set; } = null!;

    public RunService Runs { get; private set; } = null!;

    public string Alice { get; private set; } = "";

    public Guid WorkspaceId { get; private set; }

    public Guid Allen { get; private set; }

    public Guid ResponseSet { get; private set; }

    /// <summary>Creates the database and its schema and imports allen-v1 as Alice.</summary>
    public static async Task<WorkerCluster> StartAsync()
    {
        var cluster = new WorkerCluster(TestServers.Postgres ?? throw new InvalidOperationException("NEUROLAB_TEST_POSTGRES is not set."));
        await using (var admin = new NpgsqlConnection(cluster._adminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{cluster._database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        await WorkerDatabase.MigrateAsync(cluster.ConnectionString);
        // Hangfire's schema, as the first worker or web instance would prepare it.
        var options = WorkerServiceCollectionExtensions.StorageOptions(cluster.Options);
        cluster.Storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(cluster.ConnectionString, options), options);
        using (var connection = cluster.Storage.GetConnection())
        {
        }
        cluster.Dispatcher = new HangfireRunDispatcher(new BackgroundJobClient(cluster.Storage));
        cluster.Runs = new RunService(cluster.Factory, cluster.Workspaces, Kinds.Registry(cluster.Factory, cluster.Store), new RunSignals(), TimeProvider.System, cluster.Store, cluster.Dispatcher);
        await using (var db = await cluster.Factory.CreateDbContextAsync())
        {
            var user = new NeuroLab.Data.Identity.ApplicationUser { UserName = "alice@lab.org", Email = "alice@lab.org", NormalizedEmail = "ALICE@LAB.ORG", NormalizedUserName = "ALICE@LAB.ORG" };
            db.Users.Add(user);
            await db.SaveChangesAsync();
            cluster.Alice = user.Id;
        }
        cluster.WorkspaceId = (await cluster.Workspaces.CreateAsync(cluster.Alice, "Lab")).Id;
        var importer = new DatasetImporter(cluster.Factory, cluster.Workspaces, cluster.Datasets, cluster.Store, TimeProvider.System, 0);
        var samples = new SampleImportService(SampleCatalogue.LoadBuiltIn(), new SampleFetcher(new HttpClient(), SharedData.Root), importer, cluster.Workspaces);
        cluster.Allen = await samples.ImportAsync(cluster.Alice, cluster.WorkspaceId, "allen-v1");
        cluster.ResponseSet = (await cluster.Datasets.GetAsync(cluster.Alice, cluster.Allen)).ResponseSets[0].Id;
        return cluster;
    }

    /// <summary>Starts a worker process named <paramref name="hostId"/> taking jobs from <paramref name="queues"/>.</summary>
    public WorkerProcess StartWorker(string hostId, string[]? queues = null, int maxConcurrentRuns = 1)
    {
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["NeuroLab__Database__Provider"] = "postgresql",
            ["ConnectionStrings__NeuroLab"] = ConnectionString,
            ["NeuroLab__DataDirectory"] = _dataDirectory,
            ["NeuroLab__Compute__Mode"] = "workers",
            ["NeuroLab__Compute__HostId"] = hostId,
            ["NeuroLab__Compute__MaxConcurrentRuns"] = maxConcurrentRuns.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NeuroLab__Compute__LeaseDuration"] = Lease.ToString(),
            ["NeuroLab__Compute__PollInterval"] = Options.PollInterval.ToString(),
            ["NeuroLab__Samples__MirrorDirectory"] = SharedData.Root,
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning",
        };
        var q = queues ?? [RunDispatch.CpuQueue];
        for (int i = 0; i < q.Length; i++)
        {
            environment[$"NeuroLab__Compute__Queues__{i}"] = q[i];
        }
        var worker = WorkerProcess.Start(hostId, environment);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Submits a run as Alice (workers mode: a Hangfire job is enqueued).</summary>
    public Task<RunSummary> SubmitAsync(string kind, object parameters, int seed = 1) =>
        Runs.SubmitAsync(Alice, WorkspaceId, Allen, kind, JsonSerializer.SerializeToElement(parameters), seed: seed);

    /// <summary>Waits until the run satisfies <paramref name="done"/>, polling the database.</summary>
    public async Task<RunSummary> WaitAsync(Guid runId, Func<RunSummary, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            RunSummary run;
            try
            {
                run = await Runs.GetAsync(Alice, runId);
            }
            catch (Exception e) when (e is NpgsqlException || e.InnerException is NpgsqlException)
            {
                // The server is restarting (a fault test): ask again.
                if (DateTime.UtcNow > deadline)
                {
                    throw;
                }
                await Task.Delay(200);
                continue;
            }
            if (done(run))
            {
                return run;
            }
            if (run.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled)
            {
                throw new InvalidOperationException($"Run {runId} finished ({run.Status}, attempt {run.Attempt}, on {run.ExecutedBy}) before reaching '{what}'.\n{WorkerLogs()}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Run {runId} did not reach '{what}' within {timeout} (status {run.Status}, attempt {run.Attempt}, on {run.ExecutedBy}).\n{WorkerLogs()}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the run has finished (succeeded, failed or cancelled).</summary>
    public Task<RunSummary> WaitFinishedAsync(Guid runId, TimeSpan? timeout = null) =>
        WaitAsync(runId, r => r.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled, timeout ?? TimeSpan.FromMinutes(3), "finished");

    /// <summary>The tail of every worker's output, for failure messages.</summary>
    public string WorkerLogs() => string.Join("\n", _workers.Select(w => $"--- {w.HostId} ---\n{w.OutputTail()}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var admin = new NpgsqlConnection(_adminConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The server went away (a restart test that failed): the database is left for the server's cleanup.
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A worker's handle may still be closing.
        }
    }
}

/// <summary>The run kinds the web app and the workers register (<c>AddNeuroLabCompute</c>), over a test database and store.</summary>
internal static class Kinds
{
    public static NeuroLab.Compute.RunKinds.RunKindRegistry Registry(IDbContextFactory<NeuroLabDbContext> factory, ContentStore store)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSingleton(factory)
            .AddSingleton(store)
            .AddSingleton<ILookupNormalizer>(TestDatabase.Normalizer)
            .AddScoped<WorkspaceService>()
            .AddLogging()
            .AddNeuroLabCompute();
        return services.BuildServiceProvider().GetRequiredService<NeuroLab.Compute.RunKinds.RunKindRegistry>();
    }
}
