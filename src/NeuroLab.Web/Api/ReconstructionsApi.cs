using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using NeuroLab.Web.Reconstructions;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>/api/v1 images of reconstruction runs (any <c>reconstruction-*</c> kind): one test image, or the gallery as a grid.</summary>
public static class ReconstructionsApi
{
    public static void MapReconstructionsApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/runs").WithTags("Runs");
        runs.MapGet("/{id:guid}/reconstructions.png", GridAsync)
            .WithSummary("The gallery of a reconstruction run as one PNG: originals above reconstructions (and retrieved images), labelled, the first 200 test images in rows of 10.");
        runs.MapGet("/{id:guid}/reconstructions/{index:int}.png", ImageAsync)
            .WithSummary("One test image of a reconstruction run as a PNG enlarged with nearest-neighbour: which=reconstruction (default), target or retrieved.");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GridAsync(
        Guid id, ClaimsPrincipal user, ReconstructionGalleryService galleries, HttpContext http, CancellationToken ct)
    {
        if (await galleries.LoadAsync(user.RequireUserId(), id, ct) is not { } gallery)
        {
            return NoReconstructions(id);
        }
        http.Response.Headers.CacheControl = "private, max-age=3600";
        return TypedResults.File(ReconstructionImages.Grid(gallery), "image/png", $"reconstructions-{id}.png");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ImageAsync(
        Guid id, int index, string? which, ClaimsPrincipal user, ReconstructionGalleryService galleries, HttpContext http, CancellationToken ct)
    {
        GalleryImage? image = (which ?? "reconstruction").ToLowerInvariant() switch
        {
            "reconstruction" => GalleryImage.Reconstruction,
            "target" => GalleryImage.Target,
            "retrieved" => GalleryImage.Retrieved,
            _ => null,
        };
        if (image is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown image",
                detail: $"which must be reconstruction, target or retrieved, not '{which}'.");
        }
        if (await galleries.LoadAsync(user.RequireUserId(), id, ct) is not { } gallery)
        {
            return NoReconstructions(id);
        }
        if (index < 0 || index >= gallery.Count)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                detail: $"This run has {gallery.Count} test images (0 to {gallery.Count - 1}); there is no image {index}.");
        }
        if (image == GalleryImage.Retrieved && gallery.Items[index].RetrievedIndex is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                detail: "This run has no retrieved image for this test image.");
        }
        http.Response.Headers.CacheControl = "private, max-age=3600";
        return TypedResults.File(ReconstructionImages.Png(gallery.Image(index, image.Value), gallery.Height, gallery.Width), "image/png");
    }

    private static ProblemHttpResult NoReconstructions(Guid id) => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
        detail: $"Run {id} has no reconstructions: it is not a reconstruction run, or it has not succeeded.");
}
