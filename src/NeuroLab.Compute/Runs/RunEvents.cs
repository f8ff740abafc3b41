using NeuroLab.Compute.Events;

namespace NeuroLab.Compute.Runs;

/// <summary>
/// One message about a run, as sent to browsers and external clients over SignalR (hub <c>/hubs/runs</c>,
/// client method <c>runEvent</c>). <see cref="Type"/> is "progress", "status" or "log". The contract is
/// documented in docs/api/run-events.md.
/// </summary>
public sealed record RunEvent
{
    public required Guid RunId { get; init; }

    public Guid? ExperimentId { get; init; }

    public required Guid WorkspaceId { get; init; }

    /// <summary>progress, status or log; <c>resync</c> (<see cref="RunEventTypes.Resync"/>) when events may have been missed.</summary>
    public required string Type { get; init; }

    /// <summary>Current stage, e.g. "cross-validation", "refit", "scoring".</summary>
    public string? Stage { get; init; }

    public long? Step { get; init; }

    public long? Total { get; init; }

    /// <summary>Estimated seconds to the end of the run, when known.</summary>
    public double? EtaSeconds { get; init; }

    /// <summary>Scalar metrics, e.g. {"loss": 0.31, "bestCvR": 0.42}.</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>Vector results, e.g. {"cvScorePerAlpha": [...], "unitTestR": [...partial...]}.</summary>
    public IReadOnlyDictionary<string, double[]>? Series { get; init; }

    /// <summary>For status events: queued, running, succeeded, failed, cancelled, interrupted.</summary>
    public string? Status { get; init; }

    /// <summary>For log events and failures: the text.</summary>
    public string? Message { get; init; }

    public DateTime AtUtc { get; init; } = DateTime.UtcNow;
}

/// <summary>
/// The one stream of run events: compute publishes, subscribers (the SignalR forwarder, Blazor pages) receive.
/// Publishing never waits on subscribers. <see cref="RunEventBus"/> is the in-process implementation; a bus across
/// processes (Redis, PostgreSQL LISTEN/NOTIFY) implements the same two methods.
/// </summary>
public interface IRunEventBus
{
    /// <summary>Sends an event to every subscriber; never blocks.</summary>
    void Publish(RunEvent e);

    /// <summary>Adds a handler called for every event (never on the compute thread) until the result is disposed.</summary>
    IDisposable Subscribe(Func<RunEvent, Task> handler);
}

/// <summary>
/// The in-process run event bus: compute publishes without ever waiting (a bounded channel that drops the
/// oldest events when consumers fall behind); a dispatcher forwards to subscribers (SignalR, Blazor pages).
/// </summary>
public sealed class RunEventBus : InProcessEventStream<RunEvent>, IRunEventBus;

/// <summary>Run event types that are not about one run.</summary>
public static class RunEventTypes
{
    /// <summary>
    /// Events may have been missed (the connection to the cross-process event bus was down and is back): whoever shows a
    /// run's state reloads it from the database. <see cref="RunEvent.RunId"/> and <see cref="RunEvent.WorkspaceId"/> are
    /// empty; the hub sends it to every connection.
    /// </summary>
    public const string Resync = "resync";

    public static RunEvent ResyncEvent() => new() { RunId = Guid.Empty, WorkspaceId = Guid.Empty, Type = Resync };
}
