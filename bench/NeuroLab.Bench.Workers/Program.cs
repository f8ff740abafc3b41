using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NeuroLab.Compute.Datasets;
using NeuroLab.Compute.Extensions;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Samples;
using NeuroLab.Compute.Workers;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Storage;
using NeuroLab.Data.Workspaces;
using Npgsql;

// Usage: NeuroLab.Bench.Workers [POSTGRES_ADMIN_CONNECTION_STRING] [--runs 20] [--workers 1,2] [--samples DIR]
// The connection string defaults to NEUROLAB_TEST_POSTGRES; the server must allow CREATE DATABASE.
var admin = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && !IsOptionValue(a))
    ?? Environment.GetEnvironmentVariable("NEUROLAB_TEST_POSTGRES")
    ?? throw new ArgumentException("Pass a PostgreSQL connection string or set NEUROLAB_TEST_POSTGRES.");
int runCount = int.Parse(Option("--runs") ?? "20", CultureInfo.InvariantCulture);
int[] workerCounts = [.. (Option("--workers") ?? "1,2").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture))];
var samplesRoot = Path.GetFullPath(Option("--samples") ?? FindSharedData());

Console.WriteLine($"{runCount} queued encoding-ridge fits (allen-v1, pixels, 3 alphas, 3 folds) per row; {Environment.ProcessorCount} cores; PostgreSQL on loopback.");
Console.WriteLine();
Console.WriteLine("| workers | wall s | fits/min | mean fit s | per worker | attempts > 1 |");
Console.WriteLine("|---:|---:|---:|---:|---|---:|");
foreach (var workers in workerCounts)
{
    var row = await MeasureAsync(admin, workers, runCount, samplesRoot);
    Console.WriteLine(row);
}
return 0;

string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

bool IsOptionValue(string a) => Array.IndexOf(args, a) is var i and > 0 && args[i - 1].StartsWith("--", StringComparison.Ordinal);

static string FindSharedData()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        var candidate = Path.Combine(d.FullName, "shared", "data");
        if (Directory.Exists(candidate))
        {
            return candidate;
        }
    }
    throw new DirectoryNotFoundException("No shared/data above the benchmark; pass --samples DIR.");
}

static async Task<string> MeasureAsync(string admin, int workerCount, int runCount, string samplesRoot)
{
    var database = "neurolab_bench_workers_" + Guid.NewGuid().ToString("N")[..8];
    var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
    var dataDirectory = Directory.CreateTempSubdirectory("neurolab-bench-workers-").FullName;
    await ExecuteAsync(admin, $"CREATE DATABASE \"{database}\"");
    var processes = new List<Process>();
    try
    {
        await WorkerDatabase.MigrateAsync(connectionString);
        var factory = WorkerDatabase.Factory(connectionString);
        var store = new ContentStore(Path.Combine(dataDirectory, "store"));
        var normalizer = new UpperInvariantLookupNormalizer();
        var workspaces = new WorkspaceService(factory, normalizer, TimeProvider.System);
        var datasets = new DatasetService(factory, workspaces, store, TimeProvider.System);
        var compute = new ComputeOptions { Mode = ComputeOptions.WorkersMode, PollInterval = TimeSpan.FromMilliseconds(500) };
        var storageOptions = WorkerServiceCollectionExtensions.StorageOptions(compute);
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
        var runs = new RunService(factory, workspaces, Kinds(factory, store), new RunSignals(), TimeProvider.System, store, new HangfireRunDispatcher(new BackgroundJobClient(storage)));
        string alice;
        await using (var db = await factory.CreateDbContextAsync())
        {
            var user = new NeuroLab.Data.Identity.ApplicationUser { UserName = "bench@lab.org", Email = "bench@lab.org", NormalizedEmail = "BENCH@LAB.ORG", NormalizedUserName = "BENCH@LAB.ORG" };
            db.Users.Add(user);
            await db.SaveChangesAsync();
            alice = user.Id;
        }
        var workspace = (await workspaces.CreateAsync(alice, "Bench")).Id;
        var importer = new DatasetImporter(factory, workspaces, datasets, store, TimeProvider.System, 0);
        var samples = new SampleImportService(SampleCatalogue.LoadBuiltIn(), new SampleFetcher(new HttpClient(), samplesRoot), importer, workspaces);
        var allen = await samples.ImportAsync(alice, workspace, "allen-v1");
        var set = (await datasets.GetAsync(alice, allen)).ResponseSets[0].Id;

        // Workers up and registered with Hangfire before the clock starts (their start-up is not throughput).
        for (int i = 0; i < workerCount; i++)
        {
            processes.Add(StartWorker($"bench-worker-{i + 1}", connectionString, dataDirectory, compute.PollInterval));
        }
        var monitor = storage.GetMonitoringApi();
        var ready = Stopwatch.StartNew();
        while (monitor.Servers().Count < workerCount)
        {
            if (ready.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException("The workers did not register with Hangfire within 2 minutes.");
            }
            await Task.Delay(100);
        }

        var parameters = JsonSerializer.SerializeToElement(new { responseSetId = set, features = "pixels", alphas = new[] { 1.0, 100, 1e4 }, folds = 3 });
        var wall = Stopwatch.StartNew();
        var ids = new List<Guid>();
        for (int i = 0; i < runCount; i++)
        {
            ids.Add((await runs.SubmitAsync(alice, workspace, allen, "encoding-ridge", parameters, seed: i + 1)).Id);
        }
        List<Run> finished;
        while (true)
        {
            await using var db = await factory.CreateDbContextAsync();
            finished = await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id) && (r.Status == RunStatus.Succeeded || r.Status == RunStatus.Failed || r.Status == RunStatus.Cancelled)).ToListAsync();
            if (finished.Count == ids.Count)
            {
                break;
            }
            if (wall.Elapsed > TimeSpan.FromMinutes(30))
            {
                throw new TimeoutException($"{finished.Count} of {ids.Count} fits finished in 30 minutes.");
            }
            await Task.Delay(100);
        }
        wall.Stop();
        var failed = finished.Where(r => r.Status != RunStatus.Succeeded).ToList();
        if (failed.Count > 0)
        {
            throw new InvalidOperationException($"{failed.Count} fits did not succeed: {failed[0].Error}");
        }
        var meanFit = finished.Average(r => (r.FinishedAtUtc!.Value - r.StartedAtUtc!.Value).TotalSeconds);
        var perWorker = string.Join(", ", finished.GroupBy(r => r.LeaseOwner).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"| {workerCount} | {wall.Elapsed.TotalSeconds:0.0} | {runCount / wall.Elapsed.TotalMinutes:0.0} | {meanFit:0.00} | {perWorker} | {finished.Count(r => r.Attempt > 1)} |");
    }
    finally
    {
        foreach (var process in processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        Directory.Delete(dataDirectory, recursive: true);
    }
}

static Process StartWorker(string hostId, string connectionString, string dataDirectory, TimeSpan poll)
{
    var dll = Path.Combine(AppContext.BaseDirectory.Replace(Path.Combine("bench", "NeuroLab.Bench.Workers"), Path.Combine("src", "NeuroLab.Worker"), StringComparison.Ordinal), "NeuroLab.Worker.dll");
    if (!File.Exists(dll))
    {
        throw new FileNotFoundException($"Build src/NeuroLab.Worker in the same configuration first: {dll} is missing.");
    }
    var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    start.ArgumentList.Add(dll);
    start.Environment["NeuroLab__Database__Provider"] = "postgresql";
    start.Environment["ConnectionStrings__NeuroLab"] = connectionString;
    start.Environment["NeuroLab__DataDirectory"] = dataDirectory;
    start.Environment["NeuroLab__Compute__Mode"] = "workers";
    start.Environment["NeuroLab__Compute__HostId"] = hostId;
    start.Environment["NeuroLab__Compute__PollInterval"] = poll.ToString();
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    var process = Process.Start(start)!;
    // Drain the output so a chatty worker never blocks on a full pipe.
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task ExecuteAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

static RunKindRegistry Kinds(IDbContextFactory<NeuroLabDbContext> factory, ContentStore store) =>
    new ServiceCollection()
        .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
        .AddSingleton(factory)
        .AddSingleton(store)
        .AddSingleton<ILookupNormalizer>(new UpperInvariantLookupNormalizer())
        .AddScoped<WorkspaceService>()
        .AddLogging()
        .AddNeuroLabCompute()
        .BuildServiceProvider()
        .GetRequiredService<RunKindRegistry>();
