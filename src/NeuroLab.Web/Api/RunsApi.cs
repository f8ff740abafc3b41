using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Storage;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>/api/v1 experiments, runs, run logs and artifacts.</summary>
public static class RunsApi
{
    public static void MapRunsApi(this RouteGroupBuilder api)
    {
        api.MapRunKindsApi();
        api.MapReconstructionsApi();
        api.MapRunReportApi();

        var experiments = api.MapGroup("/workspaces/{workspaceId:guid}/experiments").WithTags("Experiments");
        experiments.MapGet("/", async (Guid workspaceId, ClaimsPrincipal user, RunService runs, CancellationToken ct) =>
            (await runs.ListExperimentsAsync(user.RequireUserId(), workspaceId, ct)).Select(ToApi).ToList())
            .WithSummary("Experiments of a workspace.");
        experiments.MapPost("/", async Task<Created<ExperimentResponse>> (Guid workspaceId, CreateExperimentRequest request, ClaimsPrincipal user, RunService runs, CancellationToken ct) =>
        {
            var e = await runs.CreateExperimentAsync(user.RequireUserId(), workspaceId, request.DatasetId, request.Name ?? string.Empty, request.Description, ct);
            return TypedResults.Created($"/api/v1/experiments/{e.Id}", ToApi(e));
        }).WithSummary("Create an experiment on a dataset of this workspace (Editors and Owners).");
        api.MapGet("/experiments/{id:guid}", async (Guid id, ClaimsPrincipal user, RunService runs, CancellationToken ct) =>
            ToApi(await runs.GetExperimentAsync(user.RequireUserId(), id, ct))).WithTags("Experiments").WithSummary("One experiment.");

        var byWorkspace = api.MapGroup("/workspaces/{workspaceId:guid}/runs").WithTags("Runs");
        byWorkspace.MapGet("/", async (Guid workspaceId, Guid? experimentId, ClaimsPrincipal user, RunService runs, CancellationToken ct) =>
            (await runs.ListAsync(user.RequireUserId(), workspaceId, experimentId, ct)).Select(ToApi).ToList())
            .WithSummary("Runs of a workspace (optionally of one experiment), newest first.");
        byWorkspace.MapPost("/", SubmitAsync).WithSummary("Queue a run {kind, datasetId, parameters, experimentId?, seed?} on a dataset of this workspace (parameters: the kind's schema, see /api/v1/run-kinds); an unknown kind, parameter or value is refused with 400 listing the allowed ones, parameters this data cannot run with 422, each reason in errors.");

        var runsGroup = api.MapGroup("/runs").WithTags("Runs");
        runsGroup.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, RunService runs, CancellationToken ct) => ToApi(await runs.GetAsync(user.RequireUserId(), id, ct)))
            .WithSummary("A run: status, progress {stage, step, total, metrics}, summary, error, provenance.");
        runsGroup.MapPost("/{id:guid}/cancel", async (Guid id, ClaimsPrincipal user, RunService runs, CancellationToken ct) => ToApi(await runs.CancelAsync(user.RequireUserId(), id, ct)))
            .WithSummary("Cancel a queued or running run (Editors and Owners).");
        runsGroup.MapGet("/{id:guid}/log", async (Guid id, long? after, ClaimsPrincipal user, RunService runs, CancellationToken ct) =>
            (await runs.LogAsync(user.RequireUserId(), id, after ?? 0, ct)).Select(l => new RunLogResponse(l.Id, l.AtUtc, l.Level, l.Message)).ToList())
            .WithSummary("The run's log (entries after an id).");
        runsGroup.MapGet("/{id:guid}/artifacts", async (Guid id, ClaimsPrincipal user, RunService runs, CancellationToken ct) =>
            (await runs.ArtifactsAsync(user.RequireUserId(), id, ct)).Select(ToApi).ToList())
            .WithSummary("Files the run produced.");
        api.MapGet("/artifacts/{id:guid}", async (Guid id, ClaimsPrincipal user, RunService runs, ContentStore store, HttpContext http, CancellationToken ct) =>
        {
            var artifact = await runs.ArtifactAsync(user.RequireUserId(), id, ct);
            var contentType = artifact.Format switch { "csv" => "text/csv", "png" => "image/png", "json" => "application/json", _ => "application/octet-stream" };
            return ApiResults.Immutable(http, store, artifact.Sha256, contentType, artifact.Name);
        }).WithTags("Runs").WithSummary("Download an artifact (.npy, .nii.gz, .png, .csv, .json).");
    }

    private static async Task<Results<Created<RunResponse>, ProblemHttpResult>> SubmitAsync(
        Guid workspaceId, SubmitRunRequest request, ClaimsPrincipal user, RunService runs, CancellationToken ct)
    {
        try
        {
            var run = await runs.SubmitAsync(user.RequireUserId(), workspaceId, request.DatasetId, request.Kind ?? string.Empty,
                request.Parameters ?? JsonSerializer.SerializeToElement(new { }), request.ExperimentId, request.Seed, ct);
            return TypedResults.Created($"/api/v1/runs/{run.Id}", ToApi(run));
        }
        catch (RunValidationException e)
        {
            // Unknown parameters, kinds or values (the request's form) answer 400; problems with the data or ranges 422.
            return TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = e.UnknownValues ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity,
                Title = "The run cannot start",
                Detail = string.Join(" ", e.Problems),
                Extensions = { ["errors"] = e.Problems },
            });
        }
    }

    private static ExperimentResponse ToApi(Experiment e) => new(e.Id, e.WorkspaceId, e.DatasetId, e.Name, e.Description, e.CreatedAtUtc);

    private static RunResponse ToApi(RunSummary r) => new(
        r.Id, r.WorkspaceId, r.ExperimentId, r.DatasetId, r.Kind, r.Status.ToString().ToLowerInvariant(),
        JsonDocument.Parse(r.ParametersJson).RootElement, r.ProgressJson is null ? null : JsonDocument.Parse(r.ProgressJson).RootElement,
        r.SummaryJson is null ? null : JsonDocument.Parse(r.SummaryJson).RootElement, r.Error, r.Seed, r.CodeVersion, r.DatasetChecksum, r.Attempt,
        r.CreatedBy, r.CreatedAtUtc, r.StartedAtUtc, r.FinishedAtUtc, r.ExecutedBy);

    private static ArtifactResponse ToApi(RunArtifact a) => new(a.Id, a.Name, a.Kind, a.Role, a.Format, a.ShapeJson is null ? null : JsonSerializer.Deserialize<long[]>(a.ShapeJson), a.SizeBytes, $"/api/v1/artifacts/{a.Id}");
}

public sealed record CreateExperimentRequest(Guid DatasetId, string? Name, string? Description);

public sealed record ExperimentResponse(Guid Id, Guid WorkspaceId, Guid DatasetId, string Name, string? Description, DateTime CreatedAt);

public sealed record SubmitRunRequest(string? Kind, Guid DatasetId, JsonElement? Parameters, Guid? ExperimentId, int? Seed);

public sealed record RunResponse(Guid Id, Guid WorkspaceId, Guid? ExperimentId, Guid DatasetId, string Kind, string Status, JsonElement Parameters,
    JsonElement? Progress, JsonElement? Summary, string? Error, int Seed, string? CodeVersion, string DatasetChecksum, int Attempt,
    string CreatedBy, DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt, string? ExecutedBy);

public sealed record RunLogResponse(long Id, DateTime At, string Level, string Message);

/// <summary>A file a run produced; <c>role</c> says what it is for (unit-scores, volume-map, table...; see /api/v1/run-kinds).</summary>
public sealed record ArtifactResponse(Guid Id, string Name, string Kind, string Role, string Format, long[]? Shape, long SizeBytes, string Url);
