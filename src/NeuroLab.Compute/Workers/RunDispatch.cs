using System.Text.Json;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Runs;

namespace NeuroLab.Compute.Workers;

/// <summary>
/// Hands a queued run to whatever executes runs: the in-process <see cref="RunQueue"/> (<see cref="InProcessRunDispatcher"/>)
/// or a compute worker through a Hangfire job (<see cref="HangfireRunDispatcher"/>). Called after the queued row is
/// committed; the row, not the dispatch, is the truth (a lost dispatch is made good by recovery or a poll).
/// </summary>
public interface IRunDispatcher
{
    /// <summary>A run was queued (submitted, or queued again after its host stopped).</summary>
    void Dispatch(Run run);
}

/// <summary>In-process mode: signals this host's run queue, which claims the run at once.</summary>
public sealed class InProcessRunDispatcher(IRunSignals signals) : IRunDispatcher
{
    public void Dispatch(Run run) => signals.RunQueued();
}

/// <summary>The Hangfire queues of compute workers, and which one a run goes to.</summary>
public static class RunDispatch
{
    /// <summary>Runs that need no GPU.</summary>
    public const string CpuQueue = "cpu";

    /// <summary>Runs that ask for a GPU; only GPU workers (<c>NeuroLab:Compute:Queues</c> = ["gpu", "cpu"]) take them.</summary>
    public const string GpuQueue = "gpu";

    /// <summary>
    /// <see cref="GpuQueue"/> when the run asks for a GPU: a top-level <c>device</c> parameter naming CUDA
    /// (<c>cuda</c>, <c>cuda:1</c>), the convention of kinds that can use one; <see cref="CpuQueue"/> otherwise.
    /// </summary>
    public static string QueueFor(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            using var parameters = JsonDocument.Parse(run.ParametersJson);
            return parameters.RootElement.ValueKind == JsonValueKind.Object
                && parameters.RootElement.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, "device", StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: JsonValueKind.String } device
                && device.Value.GetString()!.StartsWith("cuda", StringComparison.OrdinalIgnoreCase)
                ? GpuQueue : CpuQueue;
        }
        catch (JsonException)
        {
            return CpuQueue;
        }
    }
}
