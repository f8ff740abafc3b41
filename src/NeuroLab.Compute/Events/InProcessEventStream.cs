using System.Threading.Channels;

namespace NeuroLab.Compute.Events;

/// <summary>
/// One in-process stream of events: publishers never wait (a bounded channel that drops the oldest events when
/// consumers fall behind); <see cref="DispatchAsync"/>, run by a host service, hands each event to every subscriber in
/// order. Run events and workspace events (comments, reviews, presence) both travel on one of these; a bus across
/// processes (Redis, PostgreSQL LISTEN/NOTIFY) implements the same Publish/Subscribe pair.
/// </summary>
public abstract class InProcessEventStream<T>
{
    private readonly Channel<T> _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    private readonly object _gate = new();
    private IReadOnlyList<Func<T, Task>> _subscribers = [];

    /// <summary>Queues an event; never blocks.</summary>
    public void Publish(T e) => _channel.Writer.TryWrite(e);

    /// <summary>Adds a handler called for every event (on the dispatcher, never on the publisher's thread) until the result is disposed.</summary>
    public IDisposable Subscribe(Func<T, Task> handler)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers, handler];
        }
        return new Subscription(this, handler);
    }

    /// <summary>Delivers queued events until <paramref name="ct"/> is cancelled. Run by the host's dispatcher service.</summary>
    public async Task DispatchAsync(CancellationToken ct)
    {
        await foreach (var e in _channel.Reader.ReadAllAsync(ct))
        {
            foreach (var handler in _subscribers)
            {
                try
                {
                    await handler(e);
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    // A failing subscriber (a closed browser) must not stop delivery to the others.
                }
            }
        }
    }

    private void Unsubscribe(Func<T, Task> handler)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(h => h != handler)];
        }
    }

    private sealed class Subscription(InProcessEventStream<T> stream, Func<T, Task> handler) : IDisposable
    {
        public void Dispose() => stream.Unsubscribe(handler);
    }
}
