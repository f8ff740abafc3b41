using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NeuroLab.Compute.Runs;
using StackExchange.Redis;

namespace NeuroLab.Compute.Events.Redis;

/// <summary>
/// Carries run and workspace events between processes (web instances, workers) over Redis pub/sub, one channel per
/// stream. Outgoing: <see cref="Send(RunEvent)"/> only queues (a bounded channel that drops the oldest, like the local
/// stream), and a loop serialises and publishes fire-and-forget, so a publisher never waits on Redis — connected or
/// not. Incoming: messages from other processes (every message names its <see cref="Origin"/>; a process skips its
/// own, which it already delivered locally) go into the local streams, whose subscribers (pages, the SignalR
/// forwarder) cannot tell them from local events. Pub/sub keeps nothing: a process whose subscription connection was
/// down missed what was published meanwhile, so when it comes back the relay publishes a local <c>resync</c> event on
/// both streams (<see cref="RunEventTypes.Resync"/>, <see cref="WorkspaceEventTypes.Resync"/>): pages and hub clients
/// reload their state from the database (docs/api/run-events.md).
/// </summary>
public sealed class RedisEventRelay : IHostedService, IAsyncDisposable
{
    /// <summary>Channel names; the configuration string's <c>channelPrefix</c> keeps deployments (or tests) sharing a server apart.</summary>
    public static readonly RedisChannel RunChannel = RedisChannel.Literal("neurolab:events:runs");

    public static readonly RedisChannel WorkspaceChannel = RedisChannel.Literal("neurolab:events:workspaces");

    /// <summary>Outgoing events a relay may hold while serialising falls behind before its oldest are dropped.</summary>
    public const int OutgoingBacklog = 10_000;

    private readonly string _configuration;
    private readonly RunEventBus _runs;
    private readonly WorkspaceEventBus _workspaces;
    private readonly RedisEventCodec _codec;
    private readonly ILogger<RedisEventRelay> _logger;
    private readonly Channel<object> _outgoing = Channel.CreateBounded<object>(new BoundedChannelOptions(OutgoingBacklog)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });
    private readonly CancellationTokenSource _stopping = new();
    private ConnectionMultiplexer? _redis;
    private Task? _sending;
    private int _publishFailures;
    private int _disposed;

    public RedisEventRelay(RedisEventOptions options, RunEventBus runs, WorkspaceEventBus workspaces, RedisEventCodec codec, ILogger<RedisEventRelay> logger)
    {
        (_configuration, _runs, _workspaces, _codec, _logger) = (options.Configuration, runs, workspaces, codec, logger);
        Origin = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    }

    /// <summary>This process's id on the wire (unique per relay, so two relays in one process — tests — are two origins).</summary>
    public string Origin { get; }

    /// <summary>Whether the subscription connection is up (tests and health checks).</summary>
    public bool IsConnected => _redis?.IsConnected ?? false;

    /// <summary>Queues a run event for the other processes; never blocks, never throws.</summary>
    public void Send(RunEvent e) => _outgoing.Writer.TryWrite(e);

    /// <summary>Queues a workspace event for the other processes; never blocks, never throws.</summary>
    public void Send(WorkspaceEvent e) => _outgoing.Writer.TryWrite(e);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(_configuration);
        // Start even when Redis is down (it keeps retrying); events stay local until it is up.
        options.AbortOnConnectFail = false;
        _redis = await ConnectionMultiplexer.ConnectAsync(options);
        _redis.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                _logger.LogWarning("Redis events: subscription connection lost ({Failure}); events of other processes are missed until it is back.", e.FailureType);
            }
        };
        _redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                _ = ResyncAsync();
            }
        };
        var subscriber = _redis.GetSubscriber();
        // Message queues deliver in order, each on its own loop: progress of a run arrives in the order it was published.
        // Fire-and-forget registers the subscription without waiting for the server, so a process starts while Redis is
        // down (the multiplexer subscribes whenever it connects, and re-subscribes after every reconnect).
        subscriber.Subscribe(RunChannel, CommandFlags.FireAndForget).OnMessage(m => Receive(m.Message, _codec.ReadRunEvent, _runs));
        subscriber.Subscribe(WorkspaceChannel, CommandFlags.FireAndForget).OnMessage(m => Receive(m.Message, _codec.ReadWorkspaceEvent, _workspaces));
        if (_redis.IsConnected)
        {
            try
            {
                // Answered after the SUBSCRIBEs on the same connection: once it returns, this process hears every later event.
                await subscriber.PingAsync();
            }
            catch (RedisException ex)
            {
                _logger.LogWarning(ex, "Redis events: no answer from Redis at start; events of other processes arrive once it is up.");
            }
        }
        _sending = Task.Run(() => SendLoopAsync(subscriber, _stopping.Token), CancellationToken.None);
    }

    private void Receive<T>(RedisValue message, Func<ReadOnlyMemory<byte>, (string Origin, T Event)> read, InProcessEventStream<T> local)
    {
        try
        {
            var (origin, e) = read((byte[])message!);
            if (origin != Origin)
            {
                local.Publish(e);
            }
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            _logger.LogWarning(ex, "Redis events: skipped a message that does not read as an event.");
        }
    }

    private async Task ResyncAsync()
    {
        try
        {
            // The multiplexer re-subscribes when the connection is back; a ping on that connection has answered after it.
            await _redis!.GetSubscriber().PingAsync();
        }
        catch (RedisException)
        {
            // Down again: the next restore resynchronises.
            return;
        }
        _logger.LogInformation("Redis events: subscription connection back; asking pages to reload their state.");
        _runs.Publish(RunEventTypes.ResyncEvent());
        _workspaces.Publish(WorkspaceEventTypes.ResyncEvent());
    }

    private async Task SendLoopAsync(ISubscriber subscriber, CancellationToken ct)
    {
        try
        {
            await foreach (var e in _outgoing.Reader.ReadAllAsync(ct))
            {
                try
                {
                    var (channel, payload) = e switch
                    {
                        RunEvent run => (RunChannel, _codec.Write(Origin, run)),
                        WorkspaceEvent workspace => (WorkspaceChannel, _codec.Write(Origin, workspace)),
                        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "Not an event type the relay carries."),
                    };
                    // Fire-and-forget: while Redis is down the multiplexer holds it in its backlog (until its timeout), never this loop.
                    await subscriber.PublishAsync(channel, payload, CommandFlags.FireAndForget);
                }
                catch (Exception ex) when (ex is RedisException or System.Text.Json.JsonException or NotSupportedException or ObjectDisposedException)
                {
                    if (Interlocked.Increment(ref _publishFailures) is 1 or 100 or 10_000)
                    {
                        _logger.LogWarning(ex, "Redis events: could not publish an event ({Failures} so far); other processes miss it and reload on their next resync.", _publishFailures);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Host stopping.
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _outgoing.Writer.TryComplete();
        if (_sending is not null)
        {
            // Let what is queued go out, but never hold the host's shutdown.
            await _sending.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        await _stopping.CancelAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as a hosted service (one instance): the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        _stopping.Dispose();
    }
}

/// <summary>Where the relay connects: a StackExchange.Redis configuration string (<c>NeuroLab:Events:Redis</c>).</summary>
public sealed record RedisEventOptions(string Configuration);
