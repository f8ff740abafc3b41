using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NeuroLab.Compute.Events;
using NeuroLab.Compute.Extensions;
using NeuroLab.Compute.Runs;

namespace NeuroLab.Bench.Events;

/// <summary>
/// Event delivery latency across processes: this process (the publisher, as a worker) starts a copy of itself as the
/// receiver (as a web instance), both with the production event buses (<c>AddNeuroLabEvents</c>). The publisher sends
/// <c>count</c> progress events, one every <c>interval</c> ms; each carries the monotonic clock reading
/// (<see cref="Stopwatch.GetTimestamp"/>, CLOCK_MONOTONIC on Linux: one clock for every process of the machine) taken
/// just before <c>Publish</c>, and the receiver's subscriber on its local bus takes the difference: publish, the
/// relay's queue and JSON, Redis, the receiver's relay, its local stream and dispatcher — what a page or the hub
/// forwarder waits. Usage: <c>dotnet run -c Release --project bench/NeuroLab.Bench.Events -- REDIS [count] [interval-ms]</c>
/// (REDIS e.g. 127.0.0.1:6379). Exits 1 when events were lost.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length >= 3 && args[0] == "--receive")
        {
            return await ReceiveAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
        }
        if (args.Length < 1)
        {
            Console.Error.WriteLine("Usage: NeuroLab.Bench.Events REDIS [count=2000] [interval-ms=2]");
            return 2;
        }
        var redis = $"{args[0]},channelPrefix=bench-{Guid.NewGuid():N}:";
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
        var interval = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        return await PublishAsync(redis, count, interval);
    }

    private static async Task<IHost> StartAsync(string redis)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [EventsServiceCollectionExtensions.RedisKey] = redis });
        builder.Services.AddLogging();
        builder.Services.AddNeuroLabEvents(builder.Configuration);
        builder.Services.AddHostedService<RunEventDispatcher>();
        builder.Services.AddHostedService<WorkspaceEventDispatcher>();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<int> PublishAsync(string redis, int count, int interval)
    {
        var self = Environment.ProcessPath!;
        var selfArgs = Path.GetFileNameWithoutExtension(self) == "dotnet" ? $"\"{typeof(Program).Assembly.Location}\" " : "";
        using var receiver = Process.Start(new ProcessStartInfo(self, $"{selfArgs}--receive \"{redis}\" {count}") { RedirectStandardOutput = true })!;
        // The receiver says "ready" once it has subscribed.
        if (await receiver.StandardOutput.ReadLineAsync() != "ready")
        {
            Console.Error.WriteLine("The receiver did not start.");
            return 1;
        }
        using var host = await StartAsync(redis);
        var bus = host.Services.GetRequiredService<IRunEventBus>();
        var run = Guid.NewGuid();
        // A few events to warm up JIT and connections on both sides, not counted.
        for (var i = 0; i < 20; i++)
        {
            bus.Publish(new RunEvent { RunId = run, WorkspaceId = Guid.Empty, Type = "warmup" });
            await Task.Delay(interval);
        }
        for (var i = 0; i < count; i++)
        {
            bus.Publish(new RunEvent
            {
                RunId = run, WorkspaceId = Guid.Empty, Type = "progress", Stage = "fitting units", Step = i, Total = count,
                Metrics = new Dictionary<string, double> { ["meanTestRSoFar"] = 0.3 },
                Message = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture),
            });
            await Task.Delay(interval);
        }
        var result = await receiver.StandardOutput.ReadToEndAsync();
        await receiver.WaitForExitAsync();
        await host.StopAsync();
        Console.WriteLine(result.Trim());
        return receiver.ExitCode;
    }

    private static async Task<int> ReceiveAsync(string redis, int count)
    {
        using var host = await StartAsync(redis);
        var latencies = new List<double>(count);
        var done = new TaskCompletionSource();
        using var subscription = host.Services.GetRequiredService<IRunEventBus>().Subscribe(e =>
        {
            if (e.Type == "progress")
            {
                latencies.Add(Stopwatch.GetElapsedTime(long.Parse(e.Message!, CultureInfo.InvariantCulture)).TotalMilliseconds);
                if (latencies.Count == count)
                {
                    done.TrySetResult();
                }
            }
            return Task.CompletedTask;
        });
        Console.WriteLine("ready");
        // Lost events show as a timeout: report what arrived.
        await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(60 + count / 100)));
        await host.StopAsync();
        double[] sorted = [.. latencies.Order()];
        double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            events = count, received = sorted.Length, p50Ms = At(0.50), p95Ms = At(0.95), p99Ms = At(0.99), maxMs = sorted.Length == 0 ? double.NaN : sorted[^1],
        }, NeuroLab.Data.Serialization.NeuroLabJson.Web));
        return sorted.Length == count ? 0 : 1;
    }
}
