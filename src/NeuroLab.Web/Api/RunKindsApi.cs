using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>/api/v1/run-kinds: what this server runs (not workspace data; any signed-in user may list them).</summary>
public static class RunKindsApi
{
    public static void MapRunKindsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/run-kinds", (RunKindRegistry kinds) => kinds.All.Select(ToApi).ToList())
            .WithTags("Runs")
            .WithSummary("Run kinds this server runs: name, label, description, input, default parameters, the parameters and summary schemas (in components.schemas), and the artifacts each writes with their roles.");
        api.MapGet("/datasets/{id:guid}/run-kinds", async (Guid id, Guid? responseSetId, ClaimsPrincipal user, RunService runs, CancellationToken ct) =>
                (await runs.KindsForAsync(user.RequireUserId(), id, responseSetId, ct))
                    .Select(f => new DatasetRunKindResponse(f.Kind.Info.Name, f.Kind.Info.Label, f.Fits, f.Problems, f.Defaults is null ? null : f.Kind.Serialize(f.Defaults)))
                    .ToList())
            .WithTags("Runs")
            .WithSummary("The kinds that fit a response set of this dataset (default: its first): each with the parameters the new-run form starts from for this data, and what is wrong with them (empty when the kind fits: submitting them works).");
    }

    internal static RunKindResponse ToApi(IRunKind k) => new(
        k.Info.Name, k.Info.Label, k.Info.Description, k.Info.Input, k.Serialize(Activator.CreateInstance(k.ParametersType)!),
        SchemaName(k.ParametersType), SchemaName(k.SummaryType), k.SummaryVersion,
        [.. k.Info.Artifacts.Select(a => new RunKindArtifactResponse(a.FileName, a.Role.Name(), a.Format, a.Description, a.Always))]);

    /// <summary>The name of a kind's parameters or summary schema in the OpenAPI document's components.</summary>
    internal static string SchemaName(Type type) => type.Name;
}

/// <summary>A run kind as the API lists it.</summary>
/// <param name="Name">The name runs are submitted with (<c>kind</c>).</param>
/// <param name="Label">A short label.</param>
/// <param name="Description">What the kind does.</param>
/// <param name="Input">What it fits: responseSet (a response set of the dataset) or run (a finished run of another kind).</param>
/// <param name="Defaults">The parameters' defaults (a dataset's form may choose others that fit it).</param>
/// <param name="ParametersSchema">The name of its parameters schema in the OpenAPI document (components.schemas).</param>
/// <param name="SummarySchema">The name of its summary schema in the OpenAPI document.</param>
/// <param name="SummaryVersion">The summary's schema version written by this server (summaries carry schemaVersion).</param>
/// <param name="Artifacts">The files its runs may write, with their roles.</param>
public sealed record RunKindResponse(
    string Name, string Label, string Description, RunInput Input, JsonElement Defaults, string ParametersSchema, string SummarySchema,
    int SummaryVersion, IReadOnlyList<RunKindArtifactResponse> Artifacts);

/// <summary>A kind for a dataset's response set.</summary>
/// <param name="Kind">The kind's name.</param>
/// <param name="Label">Its label.</param>
/// <param name="Fits">Whether a run with <paramref name="Parameters"/> would be accepted.</param>
/// <param name="Problems">Why not (empty when it fits).</param>
/// <param name="Parameters">The defaults chosen for this data (null when the dataset has no response set).</param>
public sealed record DatasetRunKindResponse(string Kind, string Label, bool Fits, IReadOnlyList<string> Problems, JsonElement? Parameters);

/// <summary>An artifact a kind writes.</summary>
/// <param name="FileName">The file name, e.g. test_r.npy.</param>
/// <param name="Role">unit-scores, unit-values, volume-map, table, image-set, checkpoint, matrix or document.</param>
/// <param name="Format">npy, nii.gz, csv, json or png.</param>
/// <param name="Description">What it holds.</param>
/// <param name="Always">Whether every successful run writes it.</param>
public sealed record RunKindArtifactResponse(string FileName, string Role, string Format, string Description, bool Always);

/// <summary>
/// Adds every registered kind's parameters and summary records to the OpenAPI document's schemas, under the names
/// <see cref="RunKindResponse.ParametersSchema"/> and <see cref="RunKindResponse.SummarySchema"/> give, so clients
/// can read what each kind takes and returns.
/// </summary>
internal sealed class RunKindSchemasTransformer(RunKindRegistry kinds) : IOpenApiDocumentTransformer
{
    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var kind in kinds.All)
        {
            foreach (var (type, what) in new[] { (kind.ParametersType, "parameters"), (kind.SummaryType, "summary") })
            {
                var schema = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
                schema.Description = $"The {what} of a '{kind.Info.Name}' run ({kind.Info.Label}).";
                document.Components.Schemas[RunKindsApi.SchemaName(type)] = schema;
            }
        }
    }
}
