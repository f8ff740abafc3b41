using System.Text.Json.Serialization;

namespace NeuroLab.Compute.RunKinds;

/// <summary>
/// The typed result summary of a run: a record per kind, written by the job, stored as JSON on the run, returned by
/// the API (<c>summary</c>) and read back by the pages. <see cref="SchemaVersion"/> is stored with it, so a reader can
/// tell summaries written before a field was added (missing fields read as their defaults, NaN for numbers).
/// </summary>
public abstract record RunResult
{
    /// <summary>The summary's schema version; raise it in a kind when fields change meaning.</summary>
    public abstract int SchemaVersion { get; }

    /// <summary>The one-line result shown in run lists, e.g. "mean test r 0.213".</summary>
    public abstract string Headline();
}

/// <summary>What a kind fits: the input the new-run page asks for before the kind's own form.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunInput>))]
public enum RunInput
{
    /// <summary>A response set of a dataset (encoding models, decoders): offered on the new-run and dataset pages.</summary>
    ResponseSet,

    /// <summary>A finished run of another kind (captions of an encoding run): launched from that run's page.</summary>
    Run,
    /// <summary>The dataset's files themselves (region time series for networks): offered on the new-run page without a response set.</summary>
    Dataset,
}

/// <summary>What a kind is, for people and for the pages: its name, label, description, input and artifacts.</summary>
/// <param name="Name">Stable kind name (stored on runs), from <see cref="RunKindNames"/> for the built-in kinds.</param>
/// <param name="Label">Short label for menus and headings, e.g. "Ridge regression, per-unit CV alpha".</param>
/// <param name="Description">What the kind does, a few sentences.</param>
/// <param name="Input">What it fits.</param>
/// <param name="Artifacts">Every artifact it may write.</param>
public sealed record RunKindInfo(string Name, string Label, string Description, RunInput Input, IReadOnlyList<ArtifactSpec> Artifacts)
{
    /// <summary>Where the kind stands in lists and which the new-run form starts with (lowest first; then by name).</summary>
    public int Order { get; init; } = 100;

    /// <summary>For kinds that score units on held-out samples: where the predictions are (the unit page plots them).</summary>
    public HeldOutPredictions? HeldOut { get; init; }
}

/// <summary>
/// The artifacts of a kind's held-out predictions: predicted responses [test samples, units], the stimulus of each
/// test sample [test samples], and, when the measured test responses are not the response set's rows (single
/// trials), those [test samples, units].
/// </summary>
public sealed record HeldOutPredictions(ArtifactSpec Predictions, ArtifactSpec TestStimulusIndex, ArtifactSpec? MeasuredTestResponses = null);

/// <summary>Parameters of a kind that fits a response set (<see cref="RunInput.ResponseSet"/>): the new-run page sets it.</summary>
public interface IResponseSetParameters
{
    /// <summary>The response set of the run's dataset to fit.</summary>
    Guid ResponseSetId { get; set; }
}
