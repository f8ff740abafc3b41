using System.Text.Json;
using NeuroLab.Data.Runs;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Runs;

/// <summary>
/// The submitted run is invalid; nothing was queued. <see cref="Problems"/> lists each reason;
/// <see cref="UnknownValues"/> says some are unknown parameters or values (the API answers 400, else 422).
/// </summary>
public sealed class RunValidationException(IReadOnlyList<string> problems)
    : Exception("The run cannot start: " + string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;

    /// <summary>Whether a problem is an unknown parameter, kind or value (the request's form is wrong).</summary>
    public bool UnknownValues { get; init; } = problems is RunKinds.RunProblems { HasUnknownValues: true };
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

    /// <summary>
    /// Reports progress (throttled to a few events per second; stage changes always pass). A <paramref name="milestone"/>
    /// is never dropped by the throttle: use it for what a page must not miss (e.g. example reconstructions every few epochs).
    /// </summary>
    public abstract void Report(string stage, long step, long total, IReadOnlyDictionary<string, double>? metrics = null, IReadOnlyDictionary<string, double[]>? series = null, bool milestone = false);

    public abstract Task LogAsync(string message, string level = "info");

    /// <summary>Stores an array artifact (.npy) the kind declared (<paramref name="artifact"/>) and returns its id.</summary>
    public Task<Guid> SaveArrayAsync(ArtifactSpec artifact, NumericArray array)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(array);
        if (artifact.Format != "npy")
        {
            throw new ArgumentException($"{artifact.FileName} is not declared as an .npy array.", nameof(artifact));
        }
        return SaveFileAsync(artifact, s => NpyWriter.Write(s, array), array.Shape);
    }

    /// <summary>Stores a file artifact the kind declared (<paramref name="artifact"/>), written by <paramref name="write"/>.</summary>
    public abstract Task<Guid> SaveFileAsync(ArtifactSpec artifact, Action<Stream> write, IReadOnlyList<long>? shape = null);

    /// <summary>Saves a checkpoint (replacing the previous one) so an interrupted run can resume.</summary>
    public abstract Task SaveCheckpointAsync(byte[] state);

    /// <summary>The last checkpoint, or null when the run starts fresh.</summary>
    public abstract Task<byte[]?> LoadCheckpointAsync();

    /// <summary>Sets the run's result summary (shown on the run page and returned by the API); the host calls it with what the job returns.</summary>
    public abstract Task SetSummaryAsync(RunResult summary);
}
