using System.Threading.Channels;

namespace NeuroLab.Compute.Events;

/// <summary>
/// One in-process stream of events: publishers never wait (a bounded channel that drops the oldest events when
/// consumers fall behind); <see cref="DispatchAsync"/>, run by a host service, hands each event to every subscriber's
/// own queue, and each subscriber handles its queue in order on its own loop — so one slow subscriber (a Blazor page
/// reloading from the database) delays only itself, never the others or the SignalR forwarder. Run events and
/// workspace events (comments, reviews, presence) both travel on one of these; a bus across processes (Redis,
/// PostgreSQL LISTEN/NOTIFY) implements the same Publish/Subscribe pair.
/// </summary>
public abstract class InProcessEventStream<T>
{
    /// <summary>Events a subscriber may fall behind by before its oldest are dropped.</summary>
    public const int SubscriberBacklog = 10_000;

    private readonly Channel<T> _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    private readonly object _gate = new();
    private IReadOnlyList<Subscription> _subscribers = [];

    /// <summary>Queues an event; never blocks.</summary>
    public void Publish(T e) => _channel.Writer.TryWrite(e);

    /// <summary>
    /// Adds a handler called for every event, in order, on the subscriber's own loop (never on the publisher's thread,
    /// never waiting for other subscribers) until the result is disposed.
    /// </summary>
    public IDisposable Subscribe(Func<T, Task> handler)
    {
        var subscription = new Subscription(this, handler);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscription];
        }
        return subscription;
    }

    /// <summary>Hands queued events to the subscribers until <paramref name="ct"/> is cancelled. Run by the host's dispatcher service.</summary>
    public async Task DispatchAsync(CancellationToken ct)
    {
        await foreach (var e in _channel.Reader.ReadAllAsync(ct))
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Enqueue(e);
            }
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(s => s != subscription)];
        }
    }

    private sealed class Subscription : IDisposable
    {
        private readonly InProcessEventStream<T> _stream;
        private readonly Func<T, Task> _handler;
        private readonly Channel<T> _queue = Channel.CreateBounded<T>(new BoundedChannelOptions(SubscriberBacklog)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });

        public Subscription(InProcessEventStream<T> stream, Func<T, Task> handler)
        {
            (_stream, _handler) = (stream, handler);
            _ = Task.Run(LoopAsync);
        }

        public void Enqueue(T e) => _queue.Writer.TryWrite(e);

        private async Task LoopAsync()
        {
            await foreach (var e in _queue.Reader.ReadAllAsync())
            {
                try
                {
                    await _handler(e);
                }
                catch (Exception)
                {
                    // A failing subscriber (a closed browser) must not stop its own later events either.
                }
            }
        }

        public void Dispose()
        {
            _stream.Unsubscribe(this);
            _queue.Writer.TryComplete();
        }
    }
}
