using System.Text.Json;
using NeuroLab.Data.Runs;
using NeuroLab.Formats;

namespace NeuroLab.Compute.Runs;

/// <summary>The submitted run is invalid; nothing was queued. <see cref="Problems"/> lists each reason.</summary>
public sealed class RunValidationException(IReadOnlyList<string> problems)
    : Exception("The run cannot start: " + string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>A kind of work the compute host runs (encoding fit, captions, ...).</summary>
public interface IRunJob
{
    /// <summary>Stable kind name, e.g. "encoding-ridge".</summary>
    string Kind { get; }

    /// <summary>Checks parameters and data before queuing; returns the problems found (empty = fine).</summary>
    Task<IReadOnlyList<string>> ValidateAsync(RunSubmission submission, CancellationToken ct);

    /// <summary>Does the work, reporting progress and storing artifacts through <paramref name="context"/>.</summary>
    Task ExecuteAsync(RunContext context);
}

/// <summary>What a job validates: the run's kind, dataset and parameters.</summary>
public sealed record RunSubmission(Guid WorkspaceId, Guid DatasetId, string Kind, JsonElement Parameters, string UserId);

/// <summary>
/// A running job's view of the host: parameters, cancellation, throttled progress, log, artifacts,
/// checkpoints and the summary shown on the run page.
/// </summary>
public abstract class RunContext
{
    public abstract Run Run { get; }

    public abstract JsonElement Parameters { get; }

    public abstract CancellationToken Cancellation { get; }

    /// <summary>Reports progress (throttled to a few events per second; stage changes always pass).</summary>
    public abstract void Report(string stage, long step, long total, IReadOnlyDictionary<string, double>? metrics = null, IReadOnlyDictionary<string, double[]>? series = null);

    public abstract Task LogAsync(string message, string level = "info");

    /// <summary>Stores an array artifact (.npy) and returns its id.</summary>
    public abstract Task<Guid> SaveArrayAsync(string name, NumericArray array, string kind = "array");

    /// <summary>Stores a file artifact written by <paramref name="write"/>.</summary>
    public abstract Task<Guid> SaveFileAsync(string name, string kind, string format, Action<Stream> write, IReadOnlyList<long>? shape = null);

    /// <summary>Saves a checkpoint (replacing the previous one) so an interrupted run can resume.</summary>
    public abstract Task SaveCheckpointAsync(byte[] state);

    /// <summary>The last checkpoint, or null when the run starts fresh.</summary>
    public abstract Task<byte[]?> LoadCheckpointAsync();

    /// <summary>Sets the run's result summary (shown on the run page and returned by the API).</summary>
    public abstract Task SetSummaryAsync(object summary);
}
