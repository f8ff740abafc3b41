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
        MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync(ct)) is not null)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
            {
                continue;
            }
            var name = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            try
            {
                stored.Add(await service.StoreAsync(userId, workspaceId, name ?? "unnamed", section.Body, maxBytes, ct));
            }
            catch (Exception e) when (e is Data.Storage.StoreQuotaException or InvalidDataException)
            {
                return TypedResults.Problem($"{name} is larger than the upload limit of {maxBytes / (1 << 20):N0} MiB (NeuroLab:Storage:MaxUploadBytes).", statusCode: StatusCodes.Status413PayloadTooLarge, title: "File too large");
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
