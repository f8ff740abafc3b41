using NeuroLab.Formats.Inspection;

namespace NeuroLab.Compute.Datasets;

/// <summary>
/// Runs file inspections and previews of untrusted files within the configured <see cref="InspectionLimits"/> and
/// at most <see cref="MaxConcurrent"/> at a time, so the server's memory for them is bounded by
/// MaxConcurrent x <see cref="InspectionLimits.MemoryBudgetBytes"/> however many uploads arrive at once
/// (docs/security.md). Work runs on the thread pool; callers wait their turn asynchronously.
/// </summary>
public sealed class InspectionGate(InspectionLimits limits, int maxConcurrent = 2)
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, maxConcurrent), Math.Max(1, maxConcurrent));

    /// <summary>A shared instance with the default limits and two slots (tests, tools, importers built by hand).</summary>
    public static InspectionGate Default { get; } = new(InspectionLimits.Default);

    public InspectionLimits Limits { get; } = limits ?? throw new ArgumentNullException(nameof(limits));

    public int MaxConcurrent { get; } = Math.Max(1, maxConcurrent);

    /// <summary>Runs <paramref name="work"/> with the limits once a slot is free.</summary>
    public async Task<T> RunAsync<T>(Func<InspectionLimits, T> work, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _slots.WaitAsync(ct);
        try
        {
            return await Task.Run(() => work(Limits), ct);
        }
        finally
        {
            _slots.Release();
        }
    }
}
