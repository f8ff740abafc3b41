using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using NeuroLab.Web.Security;
using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Api;

/// <summary>/api/v1 brain viewer data: volumes projected onto surfaces, caption maps.</summary>
public static class ViewerApi
{
    public static void MapViewerApi(this RouteGroupBuilder api)
    {
        api.MapGet("/workspaces/{workspaceId:guid}/viewer/surface-overlay.gii", async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> (
            Guid workspaceId, string? volume, Guid? surfaces, string? hemi, ClaimsPrincipal user, ViewerService viewer, Data.Workspaces.WorkspaceService workspaces, HttpContext http, CancellationToken ct) =>
        {
            var userId = user.RequireUserId();
            if (await workspaces.GetRoleAsync(userId, workspaceId, ct) is null)
            {
                return TypedResults.NotFound();
            }
            if (string.IsNullOrEmpty(volume) || surfaces is null || hemi is not ("left" or "right"))
            {
                return TypedResults.Problem("Give volume (a viewer key), surfaces (a surface dataset id) and hemi (left or right).", statusCode: StatusCodes.Status400BadRequest);
            }
            var overlay = await viewer.SurfaceOverlayAsync(userId, workspaceId, volume, surfaces.Value, hemi, ct);
            if (overlay is not { } o)
            {
                return TypedResults.NotFound();
            }
            http.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
            return TypedResults.File(o.Gifti, "application/octet-stream", $"{hemi}.gii", entityTag: new EntityTagHeaderValue("\"" + o.ETag + "\""));
        })
        .WithTags("Viewer")
        .WithSummary("A volume (viewer key: file:{datasetId}:{fileId} or artifact:{id}) averaged along white-to-pial segments of a surface dataset's hemisphere (left|right), as GIFTI.");

        api.MapGet("/runs/{id:guid}/caption-map.nii.gz", async Task<Results<FileStreamHttpResult, NotFound>> (
            Guid id, string? q, ClaimsPrincipal user, Captions.CaptionService captions, Data.Storage.ContentStore store, HttpContext http, CancellationToken ct) =>
        {
            var map = await captions.MapAsync(user.RequireUserId(), id, q, ct);
            return map is null ? TypedResults.NotFound() : ApiResults.Immutable(http, store, map.Sha256, "application/octet-stream", "caption_map.nii.gz");
        })
        .WithTags("Viewer")
        .WithSummary("A voxel-captions run as a NIfTI map on its encoding run's grid: each voxel's caption keyword (1..n), or 1 where the caption matches q.");
    }
}
