using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using NeuroLab.Compute.Datasets;
using NeuroLab.Web.Extensions;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>
/// /api/v1/workspaces/{id}/uploads: streams multipart file uploads straight into the content store
/// (no buffering of whole files), inspects each file, and returns what it is or why it cannot be used.
/// </summary>
public static class UploadsApi
{
    public static void MapUploadsApi(this RouteGroupBuilder api, IConfiguration configuration)
    {
        var maxUpload = configuration.GetSection(NeuroLabOptions.SectionName).Get<NeuroLabOptions>()?.Storage.MaxUploadBytes ?? new StorageOptions().MaxUploadBytes;
        var uploads = api.MapGroup("/workspaces/{workspaceId:guid}/uploads").WithTags("Uploads");

        uploads.MapPost("/", UploadAsync)
            // The body is read as a stream below; the framework's form binding (and its antiforgery check, which
            // would also demand tokens from scripts) is not used. Browser (cookie) uploads are checked by the
            // API-wide CookieAntiforgeryFilter, which reads the header and never the body.
            .DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(maxUpload * 4))
            .WithMetadata(new RequestFormLimitsAttribute { MultipartBodyLengthLimit = maxUpload * 4 })
            // No .Accepts<>(): a content-type constraint would answer 415 before authentication does.
            .WithSummary("Upload files (multipart/form-data, any number of file parts). Each is stored; then the request's files are inspected together (a .gii finds its external data file among them, by name) and staged for a dataset.");
        uploads.MapGet("/", async (Guid workspaceId, ClaimsPrincipal user, UploadService service, CancellationToken ct) =>
            await service.ListAsync(user.RequireUserId(), workspaceId, ct))
            .WithSummary("Your staged uploads in this workspace (kept for a day).");
        uploads.MapGet("/{uploadId:guid}/preview.png", async Task<Results<FileContentHttpResult, NotFound>> (Guid workspaceId, Guid uploadId, ClaimsPrincipal user, Datasets.PreviewService previews, CancellationToken ct) =>
            await previews.UploadPreviewAsync(user.RequireUserId(), workspaceId, uploadId, ct) is { } png ? TypedResults.File(png, "image/png") : TypedResults.NotFound())
            .WithSummary("A PNG preview of a staged upload.");
        uploads.MapDelete("/{uploadId:guid}", async Task<Results<NoContent, NotFound>> (Guid workspaceId, Guid uploadId, ClaimsPrincipal user, UploadService service, CancellationToken ct) =>
            await service.DiscardAsync(user.RequireUserId(), workspaceId, uploadId, ct) ? TypedResults.NoContent() : TypedResults.NotFound())
            .WithSummary("Discard a staged upload.");
    }

    private static async Task<Results<Ok<List<StagedUploadView>>, ProblemHttpResult>> UploadAsync(
        Guid workspaceId, HttpContext context, ClaimsPrincipal user, UploadService service, IOptions<NeuroLabOptions> options, CancellationToken ct)
    {
        var userId = user.RequireUserId();
        await service.RequireUploaderAsync(userId, workspaceId, ct);
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var contentType) || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem("Send the files as multipart/form-data.", statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");
        }
        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return TypedResults.Problem("The multipart request has no boundary.", statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }
        var maxBytes = options.Value.Storage.MaxUploadBytes;
        var reader = new MultipartReader(boundary, context.Request.Body) { BodyLengthLimit = maxBytes };
        var stored = new List<UploadedFile>();
        try
        {
            return await StoreAndStageAsync(workspaceId, userId, reader, stored, service, maxBytes, ct);
        }
        finally
        {
            // Staged files are referenced by their rows; files of a failed request become collectable again.
            UploadService.Release(stored);
        }
    }

    private static async Task<Results<Ok<List<StagedUploadView>>, ProblemHttpResult>> StoreAndStageAsync(
        Guid workspaceId, string userId, MultipartReader reader, List<UploadedFile> stored, UploadService service, long maxBytes, CancellationToken ct)
    {
        long pending = 0;
        while (true)
        {
            MultipartSection? section;
            try
            {
                section = await reader.ReadNextSectionAsync(ct);
            }
            catch (InvalidDataException e)
            {
                // Part headers over the reader's limit (e.g. a file name of 200,000 characters) or a broken multipart body.
                return TypedResults.Problem(
                    $"The multipart body could not be read: {e.Message} The headers of one part, file name included, may hold at most {reader.HeadersLengthLimit / 1024} KiB; file names are kept to {UploadService.MaxFileNameLength} characters.",
                    statusCode: StatusCodes.Status400BadRequest, title: "Malformed upload");
            }
            if (section is null)
            {
                break;
            }
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
            {
                continue;
            }
            var raw = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            var name = UploadService.CleanFileName(raw ?? "unnamed");
            try
            {
                var file = await service.StoreAsync(userId, workspaceId, name, section.Body, maxBytes, pending, ct);
                pending += file.Blob.SizeBytes;
                stored.Add(file);
            }
            catch (Exception e) when (e is Data.Storage.StoreQuotaException or InvalidDataException)
            {
                return TypedResults.Problem($"{name} is larger than the upload limit of {maxBytes / (1 << 20):N0} MiB (NeuroLab:Storage:MaxUploadBytes).", statusCode: StatusCodes.Status413PayloadTooLarge, title: "File too large");
            }
            catch (Data.Storage.StorageLimitException e)
            {
                return TypedResults.Problem($"{name}: {e.Message}", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Storage quota exceeded");
            }
        }
        if (stored.Count == 0)
        {
            return TypedResults.Problem("The request contained no files.", statusCode: StatusCodes.Status400BadRequest, title: "No files");
        }
        // Inspected together once all are stored, so a .gii finds its external data file whichever order they came in.
        return TypedResults.Ok(new List<StagedUploadView>(await service.StageAsync(userId, workspaceId, stored, ct)));
    }
}
