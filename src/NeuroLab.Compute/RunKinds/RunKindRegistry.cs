using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NeuroLab.Compute.RunKinds;

/// <summary>Every run kind this server runs, by name (case-insensitive).</summary>
public sealed class RunKindRegistry
{
    private readonly Dictionary<string, IRunKind> _kinds;

    public RunKindRegistry(IEnumerable<IRunKind> kinds)
    {
        _kinds = new Dictionary<string, IRunKind>(StringComparer.OrdinalIgnoreCase);
        foreach (var kind in kinds)
        {
            if (!_kinds.TryAdd(kind.Info.Name, kind))
            {
                throw new InvalidOperationException($"Run kind '{kind.Info.Name}' is registered twice.");
            }
        }
    }

    /// <summary>The kind of a job instance, for hosts built without dependency injection (tests, tools).</summary>
    public static IRunKind Create<TParameters, TSummary, TJob>(TJob job)
        where TParameters : class, new()
        where TSummary : RunResult
        where TJob : class, IRunJob<TParameters, TSummary>
    {
        ArgumentNullException.ThrowIfNull(job);
        return new RunKind<TParameters, TSummary, TJob>(() => job);
    }

    /// <summary>The kinds in name order.</summary>
    public IReadOnlyList<IRunKind> All => [.. _kinds.Values.OrderBy(k => k.Info.Name, StringComparer.Ordinal)];

    /// <summary>The kinds that fit a response set (offered from a dataset), as people see them listed: by <see cref="RunKindInfo.Order"/>, then name.</summary>
    public IReadOnlyList<IRunKind> ForResponseSets => [.. _kinds.Values.Where(k => k.Info.Input == RunInput.ResponseSet)
        .OrderBy(k => k.Info.Order).ThenBy(k => k.Info.Name, StringComparer.Ordinal)];

    /// <summary>
    /// The kinds a person starts from a dataset, as listed: those that fit a response set and those that read the
    /// dataset's files (<see cref="RunInput.Dataset"/>).
    /// </summary>
    public IReadOnlyList<IRunKind> ForDatasets => [.. _kinds.Values.Where(k => k.Info.Input is RunInput.ResponseSet or RunInput.Dataset)
        .OrderBy(k => k.Info.Order).ThenBy(k => k.Info.Name, StringComparer.Ordinal)];

    /// <summary>The kinds' names in order.</summary>
    public IReadOnlyList<string> Names => [.. All.Select(k => k.Info.Name)];

    public bool TryGet(string? name, [NotNullWhen(true)] out IRunKind? kind)
    {
        kind = null;
        return name is not null && _kinds.TryGetValue(name, out kind);
    }

    /// <summary>The kind named <paramref name="name"/>; throws naming the known kinds otherwise.</summary>
    public IRunKind Get(string name) =>
        TryGet(name, out var kind) ? kind : throw new KeyNotFoundException($"Unknown run kind '{name}'. Known kinds: {string.Join(", ", Names)}.");

    /// <summary>The label of a kind, or its name when this server does not know it.</summary>
    public string Label(string name) => TryGet(name, out var kind) ? kind.Info.Label : name;

    /// <summary>The response set a run of a kind that fits one (<see cref="IResponseSetParameters"/>) was fitted on; null otherwise.</summary>
    public Guid? ResponseSetOf(string kind, string parametersJson) =>
        TryGet(kind, out var k) && k.ReadStoredParameters(parametersJson) is IResponseSetParameters p ? p.ResponseSetId : null;

    /// <summary>The one-line result of a run (from its kind's summary record); empty without one.</summary>
    public string Headline(string kind, string? summaryJson) =>
        TryGet(kind, out var k) && k.ReadSummary(summaryJson) is { } summary ? summary.Headline() : string.Empty;
}

/// <summary>Registration of run kinds.</summary>
public static class RunKindServiceCollectionExtensions
{
    /// <summary>
    /// Registers a run kind: its job (a singleton) and its descriptor. One line per kind, e.g.
    /// <c>services.AddRunKind&lt;EncodingRidgeParameters, EncodingRidgeSummary, EncodingRidgeJob&gt;()</c>.
    /// </summary>
    public static IServiceCollection AddRunKind<TParameters, TSummary, TJob>(this IServiceCollection services)
        where TParameters : class, new()
        where TSummary : RunResult
        where TJob : class, IRunJob<TParameters, TSummary>
    {
        services.TryAddSingleton<TJob>();
        services.AddSingleton<IRunKind>(sp => new RunKind<TParameters, TSummary, TJob>(sp.GetRequiredService<TJob>));
        services.TryAddSingleton<RunKindRegistry>();
        return services;
    }
}
