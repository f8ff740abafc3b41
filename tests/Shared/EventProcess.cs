using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NeuroLab.Compute.Events;
using NeuroLab.Compute.Events.Redis;
using NeuroLab.Compute.Extensions;
using NeuroLab.Compute.Runs;

namespace NeuroLab.Tests.Shared;

/// <summary>
/// A process's event buses as a worker gets them (<c>AddNeuroLabEvents</c> with <c>NeuroLab:Events:Redis</c>, the
/// local dispatchers), in a host of its own: two of these in one test are two origins on the wire, as two processes.
/// </summary>
public sealed class EventProcess : IAsyncDisposable
{
    private readonly IHost _host;

    private EventProcess(IHost host) => _host = host;

    public IRunEventBus Runs => _host.Services.GetRequiredService<IRunEventBus>();

    public IWorkspaceEventBus Workspaces => _host.Services.GetRequiredService<IWorkspaceEventBus>();

    public RedisEventRelay Relay => _host.Services.GetRequiredService<RedisEventRelay>();

    public static async Task<EventProcess> StartAsync(string redisConfiguration, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [EventsServiceCollectionExtensions.RedisKey] = redisConfiguration });
        builder.Services.AddLogging();
        services?.Invoke(builder.Services);
        builder.Services.AddNeuroLabEvents(builder.Configuration);
        builder.Services.AddHostedService<RunEventDispatcher>();
        builder.Services.AddHostedService<WorkspaceEventDispatcher>();
        var host = builder.Build();
        await host.StartAsync();
        return new EventProcess(host);
    }

    /// <summary>A configuration string for the test Redis with a channel prefix of its own, so tests sharing the server do not hear each other.</summary>
    public static string Isolated(string redisAddress) => $"{redisAddress},channelPrefix=test-{Guid.NewGuid():N}:";

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

/// <summary>Waits for a condition with a timeout (no fixed sleeps in tests).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for: {what}.");
            }
            await Task.Delay(20);
        }
    }
}

/// <summary>A redis-server process of a test's own on a free loopback port, which the test may kill and start again (needs redis-server on PATH).</summary>
public sealed class OwnRedisServer : IDisposable
{
    private Process? _process;

    public OwnRedisServer()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public async Task StartAsync()
    {
        _process = Process.Start(new ProcessStartInfo("redis-server", ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(30) && !_process.HasExited)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>Kills the server (SIGKILL): what Redis crashing looks like to clients.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();
}
