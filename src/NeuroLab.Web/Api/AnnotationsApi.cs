using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using NeuroLab.Web.Annotations;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>/api/v1 comments pinned to runs, units, points, regions, captions, stimuli, reconstructions and RDM cells (docs/api/annotations.md).</summary>
public static class AnnotationsApi
{
    public sealed record CreateAnnotationRequest(JsonElement Target, string? Body);

    public sealed record BodyRequest(string? Body);

    public sealed record ResolveRequest(bool? Resolved);

    public sealed record MarkReadRequest(IReadOnlyList<long>? Ids, Guid? WorkspaceId);

    public sealed record MarkReadResponse(int Marked);

    public static void MapAnnotationsApi(this RouteGroupBuilder api)
    {
        var workspace = api.MapGroup("/workspaces/{id:guid}/annotations").WithTags("Annotations");
        workspace.MapGet("/", async (Guid id, string? kind, Guid? runId, Guid? datasetId, int? unit, string? targetKey, string? space, bool? resolved, int? take,
            ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
            await annotations.ListAsync(user.RequireUserId(), id, new AnnotationQuery(kind, runId, datasetId, unit, targetKey, space, resolved, take ?? 200), ct))
            .WithSummary("Comment threads of a workspace, newest first, with their replies; filter by target kind, run, dataset, unit, target key, space (points and voxels in mni152) and resolved.");
        workspace.MapPost("/", async Task<Created<AnnotationView>> (Guid id, CreateAnnotationRequest request, ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
        {
            var created = await annotations.CreateAsync(user.RequireUserId(), id, request.Target, request.Body, ct);
            return TypedResults.Created($"/api/v1/annotations/{created.Id}", created);
        }).WithSummary("Start a thread: {target: {kind, ...}, body: Markdown}. Any member may comment; @name or @email mentions a member.");
        workspace.MapGet("/counts", async (Guid id, Guid? runId, string? kind, ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
            await annotations.CountsAsync(user.RequireUserId(), id, runId, kind, ct))
            .WithSummary("How many threads (open and all) and comments each commented target has, optionally of one run or target kind: badges and viewer markers.");
        workspace.MapGet("/markers.nii.gz", async Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult>> (
            Guid id, string? background, ClaimsPrincipal user, Data.Workspaces.WorkspaceService workspaces, Viewer.ViewerService viewer, AnnotationMarkers markers,
            Data.Storage.ContentStore store, HttpContext http, CancellationToken ct) =>
        {
            await workspaces.RequireRoleAsync(user.RequireUserId(), id, Data.Workspaces.WorkspaceRole.Viewer, "reading comments", ct);
            var catalog = await viewer.CatalogAsync(user.RequireUserId(), id, ct);
            if (catalog.Find(background) is not { } item)
            {
                return TypedResults.Problem($"No viewer volume '{background}' in this workspace; pass background=<viewer key> of a template or anatomy.", statusCode: StatusCodes.Status400BadRequest);
            }
            return await markers.MapAsync(user.RequireUserId(), id, item, ct) is { } map
                ? ApiResults.Immutable(http, store, map.Sha256, "application/octet-stream", "comment_markers.nii.gz")
                : TypedResults.NotFound();
        }).WithSummary("The workspace's commented points and voxels in the space of a viewer background (viewer key), as a NIfTI on its grid: 2 open thread, 1 resolved, 0 elsewhere.");

        var one = api.MapGroup("/annotations/{id:guid}").WithTags("Annotations");
        one.MapGet("/", async (Guid id, ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
            await annotations.GetAsync(user.RequireUserId(), id, ct))
            .WithSummary("One comment: a thread with its replies, or one reply.");
        one.MapPatch("/", async (Guid id, BodyRequest request, ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
            await annotations.EditAsync(user.RequireUserId(), id, request.Body, ct))
            .WithSummary("Edit your own comment: {body}. The earlier body is kept in its history.");
        one.MapDelete("/", async Task<NoContent> (Guid id, ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
        {
            await annotations.DeleteAsync(user.RequireUserId(), id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Delete a comment (a thread goes with its replies): its author, or an Owner.");
        one.MapPost("/replies", async Task<Created<AnnotationView>> (Guid id, BodyRequest request, ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
        {
            var reply = await annotations.ReplyAsync(user.RequireUserId(), id, request.Body, ct);
            return TypedResults.Created($"/api/v1/annotations/{reply.Id}", reply);
        }).WithSummary("Reply to a thread: {body}.");
        one.MapPost("/resolve", async (Guid id, ResolveRequest? request, ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
            await annotations.SetResolvedAsync(user.RequireUserId(), id, request?.Resolved ?? true, ct))
            .WithSummary("Resolve the thread ({resolved: false} reopens it). Any member may.");
        one.MapPost("/reopen", async (Guid id, ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
            await annotations.SetResolvedAsync(user.RequireUserId(), id, false, ct))
            .WithSummary("Reopen a resolved thread.");
        one.MapGet("/history", async (Guid id, ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
            await annotations.HistoryAsync(user.RequireUserId(), id, ct))
            .WithSummary("The earlier bodies of an edited comment, oldest first.");

        var inbox = api.MapGroup("/inbox").WithTags("Annotations");
        inbox.MapGet("/", async (Guid? workspaceId, bool? unread, int? take, ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
            await annotations.InboxAsync(user.RequireUserId(), workspaceId, unread ?? false, take ?? 100, ct))
            .WithSummary("Your @mentions in your workspaces (or one), newest first, with how many are unread.");
        inbox.MapPost("/read", async (MarkReadRequest? request, ClaimsPrincipal user, AnnotationService annotations, CancellationToken ct) =>
            new MarkReadResponse(await annotations.MarkReadAsync(user.RequireUserId(), request?.Ids, request?.WorkspaceId, ct)))
            .WithSummary("Mark mentions read: {ids} or all (optionally of one workspace).");
    }
}
