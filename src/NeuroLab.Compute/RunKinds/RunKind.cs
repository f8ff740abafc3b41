using System.Text.Json;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Serialization;

namespace NeuroLab.Compute.RunKinds;

/// <summary>
/// A registered run kind as the host, the API and the pages see it, whatever its parameter and summary types: it
/// parses and validates parameters, runs the job and reads summaries back.
/// </summary>
public interface IRunKind
{
    RunKindInfo Info { get; }

    /// <summary>The parameters record's type (documented in OpenAPI; the page's form binds to an instance).</summary>
    Type ParametersType { get; }

    /// <summary>The summary record's type.</summary>
    Type SummaryType { get; }

    /// <summary>The summary schema version this server writes.</summary>
    int SummaryVersion { get; }

    /// <summary>
    /// Reads a stored run's parameters (validated when it was queued; parameters a later version no longer knows are
    /// ignored here); null when they cannot be read.
    /// </summary>
    object? ReadStoredParameters(string parametersJson);

    /// <summary>Parameters as stored and sent (camelCase JSON).</summary>
    JsonElement Serialize(object parameters);

    /// <summary>Parses and validates (the one validation; see <see cref="IRunJob{TParameters, TSummary}.ValidateAsync"/>).</summary>
    Task<RunProblems> ValidateAsync(RunSubmission submission, CancellationToken ct);

    /// <summary>Validates the stored parameters again, runs the job and stores its summary.</summary>
    Task ExecuteAsync(RunContext context);

    /// <summary>The form's starting parameters for a dataset (and response set).</summary>
    Task<object> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct);

    /// <summary>A few words telling runs apart (e.g. "ridge · gabor"); empty when the kind says nothing more.</summary>
    string Describe(string parametersJson);

    /// <summary>The stored summary as its record; null when there is none or it cannot be read.</summary>
    RunResult? ReadSummary(string? summaryJson);

    /// <summary>The declared artifact with this file name, if any.</summary>
    ArtifactSpec? Artifact(string fileName) => Info.Artifacts.FirstOrDefault(a => a.FileName == fileName);
}

/// <summary>The <see cref="IRunKind"/> of a job class (see <see cref="IRunJob{TParameters, TSummary}"/>).</summary>
internal sealed class RunKind<TParameters, TSummary, TJob>(Func<TJob> job) : IRunKind
    where TParameters : class, new()
    where TSummary : RunResult
    where TJob : class, IRunJob<TParameters, TSummary>
{
    private static readonly HashSet<string> ParameterNames = ReadParameterNames();

    private TJob Job => job();

    public RunKindInfo Info => TJob.Info;

    public Type ParametersType => typeof(TParameters);

    public Type SummaryType => typeof(TSummary);

    public int SummaryVersion => SummaryVersionOf();

    public object? ReadStoredParameters(string parametersJson)
    {
        try
        {
            return JsonSerializer.Deserialize<TParameters>(parametersJson, RunKindJson.Parameters);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public JsonElement Serialize(object parameters) => JsonSerializer.SerializeToElement((TParameters)parameters, RunKindJson.Parameters);

    public async Task<RunProblems> ValidateAsync(RunSubmission submission, CancellationToken ct)
    {
        var problems = new RunProblems();
        var parameters = Parse(submission.Parameters, problems);
        if (problems.Count == 0)
        {
            await Job.ValidateAsync(parameters, submission, problems, ct);
        }
        // Shared parameters are checked by the kind and by what it delegates to (feature spaces): say each once.
        return problems.WithoutRepeats();
    }

    public async Task ExecuteAsync(RunContext context)
    {
        // Read as stored: the parameters were checked strictly when the run was queued, perhaps by an earlier version.
        var parameters = ReadStoredParameters(context.Parameters.GetRawText()) as TParameters
            ?? throw new RunValidationException(["The run's stored parameters cannot be read by this version of NeuroLab."]);
        var submission = new RunSubmission(context.Run.WorkspaceId, context.Run.DatasetId, Info.Name, context.Parameters, context.Run.CreatedByUserId);
        var problems = new RunProblems();
        await Job.ValidateAsync(parameters, submission, problems, context.Cancellation);
        if (problems.Count > 0)
        {
            // The data changed since the run was queued (a response set or an earlier run was deleted...).
            throw new RunValidationException(problems.WithoutRepeats());
        }
        var summary = await Job.ExecuteAsync(parameters, context);
        await context.SetSummaryAsync(summary);
    }

    public async Task<object> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct)
    {
        IRunJob<TParameters, TSummary> job = Job;
        var parameters = await job.DefaultsAsync(request, ct);
        if (parameters is IResponseSetParameters p && request.ResponseSetId is { } set)
        {
            p.ResponseSetId = set;
        }
        return parameters;
    }

    public string Describe(string parametersJson)
    {
        IRunJob<TParameters, TSummary> job = Job;
        return ReadStoredParameters(parametersJson) is TParameters parameters ? job.Describe(parameters) : string.Empty;
    }

    public RunResult? ReadSummary(string? summaryJson)
    {
        if (summaryJson is null)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<TSummary>(summaryJson, RunKindJson.Summaries);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads <typeparamref name="TParameters"/> strictly: unknown parameters and unreadable values are added to
    /// <paramref name="problems"/> as unknown values (400), never ignored.
    /// </summary>
    private static TParameters Parse(JsonElement json, RunProblems problems)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            problems.AddUnknown("Parameters must be a JSON object.");
        }
        else
        {
            foreach (var property in json.EnumerateObject().Where(p => !ParameterNames.Contains(p.Name)))
            {
                problems.AddUnknown($"Unknown parameter '{property.Name}' for {TJob.Info.Name}. Known parameters: {string.Join(", ", ParameterNames.Order(StringComparer.Ordinal))}.");
            }
        }
        TParameters? parameters = null;
        if (problems.Count == 0)
        {
            try
            {
                parameters = json.Deserialize<TParameters>(RunKindJson.Parameters) ?? throw new JsonException("Parameters are missing.");
            }
            catch (JsonException e)
            {
                problems.AddUnknown($"Parameters could not be read: {RunKindJson.Explain(e)}");
            }
        }
        return parameters ?? new TParameters();
    }

    private static HashSet<string> ReadParameterNames()
    {
        var info = RunKindJson.Parameters.GetTypeInfo(typeof(TParameters));
        return new HashSet<string>(info.Properties.Select(p => p.Name), StringComparer.OrdinalIgnoreCase);
    }

    private static int SummaryVersionOf()
    {
        var summary = (TSummary)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(TSummary));
        return summary.SchemaVersion;
    }
}

/// <summary>The JSON settings of run parameters and summaries.</summary>
public static class RunKindJson
{
    /// <summary>Parameters: camelCase, case-insensitive names, non-finite numbers as null.</summary>
    public static JsonSerializerOptions Parameters => NeuroLabJson.Web;

    /// <summary>Summaries: as parameters (null reads back as NaN).</summary>
    public static JsonSerializerOptions Summaries => NeuroLabJson.Web;

    /// <summary>A JSON error in words: the path and what was expected, without the exception's type names.</summary>
    public static string Explain(JsonException e) =>
        e.Path is { Length: > 1 } path ? $"the value at {path.TrimStart('$', '.')} is not valid ({e.Message.Split(". Path", 2)[0].TrimEnd('.')})." : e.Message;
}
