using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Serialization;
using NeuroLab.Data.Storage;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>/api/v1 datasets: list, detail, stimuli, file and stimulus downloads, rename, delete.</summary>
public static class DatasetsApi
{
    public static void MapDatasetsApi(this RouteGroupBuilder api)
    {
        var byWorkspace = api.MapGroup("/workspaces/{workspaceId:guid}/datasets").WithTags("Datasets");
        byWorkspace.MapGet("/", async (Guid workspaceId, ClaimsPrincipal user, DatasetService service, CancellationToken ct) =>
            (await service.ListAsync(user.RequireUserId(), workspaceId, ct)).Select(ToApi).ToList())
            .WithSummary("Datasets of a workspace, newest first.");

        byWorkspace.MapPost("/", CreateAsync)
            .WithSummary("Create a dataset from staged uploads {name, description?, space?, files: [{uploadId, role, runIndex?}]} or from a sample {sample: key}.");

        api.MapGet("/samples", (Compute.Samples.SampleCatalogue catalogue) => catalogue.Samples.Select(s => new SampleResponse(
                s.Key, s.Title, s.Description, s.Citation, s.Licence, s.Space, s.Files.Count, s.TotalBytes,
                [.. s.Files.Take(2000).Select(f => new SampleFileResponse(f.Path, f.Role, f.Url, f.DirectDownload, f.SizeBytes, f.Sha256))])).ToList())
            .WithTags("Samples").WithSummary("The sample catalogue: real public studies with sources, licences and checksums.");

        var datasets = api.MapGroup("/datasets").WithTags("Datasets");
        datasets.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, DatasetService service, CancellationToken ct) =>
            ToApi(await service.GetAsync(user.RequireUserId(), id, ct)))
            .WithSummary("A dataset with its files (role, format, shape, dtype, voxel size, affine, space) and response sets.");
        datasets.MapGet("/{id:guid}/stimuli", async (Guid id, int? skip, int? take, ClaimsPrincipal user, DatasetService service, CancellationToken ct) =>
            (await service.ListStimuliAsync(user.RequireUserId(), id, skip ?? 0, take ?? 200, ct))
                .Select(s => new StimulusResponse(s.Index, s.Name, s.Label, s.Caption, s.Split, s.ImageSha256 is null ? null : $"/api/v1/datasets/{id}/blobs/{s.ImageSha256}")).ToList())
            .WithSummary("Stimuli in index order (paged with skip/take, at most 1000).");
        datasets.MapPatch("/{id:guid}", async Task<NoContent> (Guid id, DatasetNameRequest request, ClaimsPrincipal user, DatasetService service, CancellationToken ct) =>
        {
            await service.RenameAsync(user.RequireUserId(), id, request.Name ?? string.Empty, ct);
            return TypedResults.NoContent();
        }).WithSummary("Rename a dataset (Editors and Owners).");
        datasets.MapDelete("/{id:guid}", async Task<NoContent> (Guid id, ClaimsPrincipal user, DatasetService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(user.RequireUserId(), id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Delete a dataset and the stored files only it used (Editors and Owners).");
        datasets.MapGet("/{id:guid}/files/{fileId:guid}", async (Guid id, Guid fileId, ClaimsPrincipal user, DatasetService service, ContentStore store, HttpContext http, CancellationToken ct) =>
        {
            var file = await service.GetFileAsync(user.RequireUserId(), id, fileId, ct);
            return ApiResults.Immutable(http, store, file.Sha256, "application/octet-stream", Path.GetFileName(file.FileName));
        }).WithSummary("Download an original file (binary; cached by content: the ETag is its SHA-256).");
        datasets.MapGet("/{id:guid}/files/{fileId:guid}/preview.png", async Task<Results<FileContentHttpResult, NotFound>> (Guid id, Guid fileId, ClaimsPrincipal user, Datasets.PreviewService previews, CancellationToken ct) =>
            await previews.FilePreviewAsync(user.RequireUserId(), id, fileId, ct) is { } png ? TypedResults.File(png, "image/png") : TypedResults.NotFound())
            .WithSummary("A PNG preview of a file (volume slice, image thumbnail or matrix heat map).");
        datasets.MapGet("/{id:guid}/responses/{responseSetId:guid}/preview.png", async Task<Results<FileContentHttpResult, NotFound>> (Guid id, Guid responseSetId, ClaimsPrincipal user, Datasets.PreviewService previews, CancellationToken ct) =>
            await previews.ResponsePreviewAsync(user.RequireUserId(), id, responseSetId, ct) is { } png ? TypedResults.File(png, "image/png") : TypedResults.NotFound())
            .WithSummary("A heat map of a response set [stimuli, units].");
        datasets.MapGet("/{id:guid}/responses/{responseSetId:guid}/histogram", async (Guid id, Guid responseSetId, ClaimsPrincipal user, Datasets.PreviewService previews, CancellationToken ct) =>
        {
            var (edges, counts) = await previews.ResponseHistogramAsync(user.RequireUserId(), id, responseSetId, ct);
            return new HistogramResponse(edges, counts);
        }).WithSummary("Histogram of a response set's values.");
        datasets.MapGet("/{id:guid}/responses/{responseSetId:guid}/data.npy", async (Guid id, Guid responseSetId, ClaimsPrincipal user, DatasetService service, ContentStore store, CancellationToken ct) =>
        {
            var set = await service.GetResponseSetAsync(user.RequireUserId(), id, responseSetId, ct);
            return TypedResults.Stream(store.OpenRead(set.ArraySha256), "application/octet-stream", $"responses-{responseSetId:N}.npy");
        }).WithSummary("A response set as float32 .npy [stimuli, units].");
        datasets.MapGet("/{id:guid}/blobs/{sha256}", async Task<Results<FileStreamHttpResult, NotFound>> (Guid id, string sha256, ClaimsPrincipal user, DatasetService service, ContentStore store, CancellationToken ct) =>
        {
            if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower) || !await service.DatasetReferencesBlobAsync(user.RequireUserId(), id, sha256, ct))
            {
                return TypedResults.NotFound();
            }
            return TypedResults.Stream(store.OpenRead(sha256), "image/png", entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue("\"" + sha256 + "\""));
        }).WithSummary("A stored stimulus preview (PNG) referenced by this dataset.");
    }

    private static async Task<Results<Created<DatasetDetailResponse>, ProblemHttpResult>> CreateAsync(
        Guid workspaceId, CreateDatasetRequest request, ClaimsPrincipal user, DatasetService service,
        Compute.Datasets.DatasetImporter importer, Compute.Samples.SampleImportService samples, Data.Workspaces.WorkspaceService workspaces, CancellationToken ct)
    {
        var userId = user.RequireUserId();
        await workspaces.RequireRoleAsync(userId, workspaceId, Data.Workspaces.WorkspaceRole.Editor, "importing data", ct);
        Guid id;
        try
        {
            if (!string.IsNullOrWhiteSpace(request.Sample))
            {
                id = await samples.ImportAsync(userId, workspaceId, request.Sample.Trim(), null, ct);
            }
            else
            {
                if (request.Files is not { Count: > 0 })
                {
                    return TypedResults.Problem("Give either \"sample\" or \"files\" (staged upload ids with roles).", statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");
                }
                var space = Enum.TryParse<DatasetSpace>(request.Space ?? "Subject", ignoreCase: true, out var parsed) ? parsed
                    : throw new Data.Workspaces.WorkspaceRuleException($"Unknown space '{request.Space}'. Use none, subject, mni152 or fsaverage5.");
                var sources = request.Files.Select(f => new Compute.Datasets.ImportSource(
                    f.UploadId.ToString(),
                    Enum.TryParse<FileRole>(f.Role, ignoreCase: true, out var role) ? role : throw new Data.Workspaces.WorkspaceRuleException($"Unknown role '{f.Role}'. Use one of: {string.Join(", ", Enum.GetNames<FileRole>())}."),
                    RunIndex: f.RunIndex, StagedUploadId: f.UploadId)).ToList();
                id = await importer.ImportAsync(new Compute.Datasets.DatasetImportRequest(workspaceId, userId, request.Name ?? string.Empty, request.Description, space, sources), null, ct);
            }
        }
        catch (Compute.Datasets.DatasetImportException e)
        {
            return TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "Import refused; nothing was saved",
                Detail = e.Message,
                Extensions = { ["errors"] = e.Problems.Select(p => new { file = p.FileName, message = p.Message }).ToList() },
            });
        }
        catch (Compute.Samples.SampleFetchException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status502BadGateway, title: "Sample files unavailable");
        }
        catch (ArgumentException e) when (e.ParamName == "key")
        {
            return TypedResults.Problem(e.Message.Split(" (Parameter", 2)[0], statusCode: StatusCodes.Status404NotFound, title: "No such sample");
        }
        return TypedResults.Created($"/api/v1/datasets/{id}", ToApi(await service.GetAsync(userId, id, ct)));
    }

    private static DatasetResponse ToApi(DatasetSummary d) =>
        new(d.Id, d.WorkspaceId, d.Name, d.Description, "ready", d.Space.ToString().ToLowerInvariant(), d.SampleKey, d.FileCount, d.StimulusCount, d.ResponseSetCount, d.SizeBytes, d.CreatedBy, d.CreatedAtUtc);

    private static DatasetDetailResponse ToApi(DatasetDetail d) => new(
        ToApi(d.Summary), d.Citation, d.Licence,
        [.. d.Files.Select(f => new DatasetFileResponse(f.Id, f.FileName, f.Role.ToString(), f.Format, f.SizeBytes, Parse<long[]>(f.ShapeJson), f.Dtype,
            Parse<double[]>(f.VoxelSizeJson), Parse<double[][]>(f.AffineJson), d.Summary.Space.ToString().ToLowerInvariant(), Parse<JsonElement?>(f.SummaryJson), f.RunIndex, f.Sha256, f.ImportedBy, f.ImportedAtUtc))],
        [.. d.ResponseSets.Select(r => new ResponseSetResponse(r.Id, r.Name, r.UnitKind.ToString().ToLowerInvariant(), r.StimulusCount, r.UnitCount, r.Provenance, r.HasUnitCoordinates, r.HasTrials, Parse<int[]>(r.ExcludedUnitsJson)))],
        d.Summary.StimulusCount, d.Summary.ResponseSetCount == 0 ? 0 : d.ResponseSets.Max(r => r.UnitCount), [], d.StimulusLabels);

    private static T? Parse<T>(string? json) => json is null ? default : JsonSerializer.Deserialize<T>(json, NeuroLabJson.Web);
}

public sealed record DatasetNameRequest(string? Name);

public sealed record CreateDatasetFile(Guid UploadId, string Role, int? RunIndex);

public sealed record CreateDatasetRequest(string? Name, string? Description, string? Space, IReadOnlyList<CreateDatasetFile>? Files, string? Sample);

public sealed record SampleFileResponse(string Path, string Role, string Url, bool DirectDownload, long SizeBytes, string Sha256);

public sealed record SampleResponse(string Key, string Title, string Description, string Citation, string Licence, string Space, int FileCount, long SizeBytes, IReadOnlyList<SampleFileResponse> Files);

public sealed record HistogramResponse(double[] Edges, long[] Counts);

public sealed record DatasetResponse(Guid Id, Guid WorkspaceId, string Name, string? Description, string Status, string Space, string? SampleKey,
    int FileCount, int StimulusCount, int ResponseSetCount, long SizeBytes, string CreatedBy, DateTime CreatedAt);

public sealed record DatasetFileResponse(Guid Id, string Name, string Role, string Format, long SizeBytes, long[]? Shape, string? Dtype,
    double[]? VoxelSize, double[][]? Affine, string Space, JsonElement? Summary, int? RunIndex, string Sha256, string ImportedBy, DateTime ImportedAt);

public sealed record ResponseSetResponse(Guid Id, string Name, string UnitKind, int Stimuli, int Units, string Provenance, bool HasUnitCoordinates, bool HasTrials, int[]? ExcludedUnits);

public sealed record DatasetDetailResponse(DatasetResponse Dataset, string? Citation, string? Licence, IReadOnlyList<DatasetFileResponse> Files,
    IReadOnlyList<ResponseSetResponse> ResponseSets, int Stimuli, int Units, IReadOnlyList<string> Errors, IReadOnlyList<string> Labels);

public sealed record StimulusResponse(int Index, string Name, string? Label, string? Caption, string? Split, string? ImageUrl);
