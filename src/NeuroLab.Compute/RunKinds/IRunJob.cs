using NeuroLab.Compute.Runs;

namespace NeuroLab.Compute.RunKinds;

/// <summary>
/// A run kind's job: what a kind author writes, next to its parameters record, summary record and artifact
/// declarations in one folder, and registers with one line,
/// <c>services.AddRunKind&lt;TParameters, TSummary, TJob&gt;()</c>. The host parses the parameters (unknown
/// parameters are refused), calls <see cref="ValidateAsync"/> before queuing and again before executing, and
/// stores the returned summary.
/// </summary>
/// <typeparam name="TParameters">The parameters record (JSON camelCase; its defaults are the kind's defaults).</typeparam>
/// <typeparam name="TSummary">The typed result summary.</typeparam>
public interface IRunJob<TParameters, TSummary>
    where TParameters : class, new()
    where TSummary : RunResult
{
    /// <summary>The kind's name, label, description, input and artifacts.</summary>
    static abstract RunKindInfo Info { get; }

    /// <summary>
    /// Checks parameters and data (the one validation: used by the form, the REST API and before the job runs) and
    /// adds what is wrong to <paramref name="problems"/> in words that name the JSON parameters.
    /// </summary>
    Task ValidateAsync(TParameters parameters, RunSubmission submission, RunProblems problems, CancellationToken ct);

    /// <summary>Does the work, reporting progress and saving artifacts through <paramref name="context"/>; returns the summary.</summary>
    Task<TSummary> ExecuteAsync(TParameters parameters, RunContext context);

    /// <summary>
    /// The parameters a new run on <paramref name="request"/>'s dataset starts from (the form's defaults): every
    /// sample of the catalogue must run with them. The default is the record's own defaults.
    /// </summary>
    Task<TParameters> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct) => Task.FromResult(new TParameters());

    /// <summary>A few words telling runs of this kind apart in a list (e.g. "ridge · gabor").</summary>
    string Describe(TParameters parameters) => string.Empty;
}

/// <summary>For whom defaults are computed: the dataset and, for kinds that fit one, its response set.</summary>
public sealed record RunDefaultsRequest(Guid DatasetId, Guid? ResponseSetId);
