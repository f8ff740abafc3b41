using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using NeuroLab.Compute.Events;
using NeuroLab.Data.Workspaces;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>
/// /api/v1/workspaces: workspaces and their members. Every handler passes the caller's id to
/// <see cref="WorkspaceService"/>, which answers "not found" for workspaces the caller is not in.
/// </summary>
public static class WorkspacesApi
{
    public static void MapWorkspacesApi(this RouteGroupBuilder api)
    {
        var workspaces = api.MapGroup("/workspaces").WithTags("Workspaces");

        workspaces.MapGet("/", async (ClaimsPrincipal user, WorkspaceService service, CancellationToken ct) =>
            (await service.ListAsync(user.RequireUserId(), ct)).Select(w => w.ToApi()).ToList())
            .WithSummary("Workspaces you belong to, with your role in each.");

        workspaces.MapPost("/", async Task<Created<WorkspaceResponse>> (WorkspaceNameRequest request, ClaimsPrincipal user, WorkspaceService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(user.RequireUserId(), request.Name ?? string.Empty, ct);
            return TypedResults.Created($"/api/v1/workspaces/{created.Id}", created.ToApi());
        }).WithSummary("Create a workspace; you become its Owner.");

        workspaces.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, WorkspaceService service, CancellationToken ct) =>
            (await service.GetAsync(user.RequireUserId(), id, ct)).ToApi())
            .WithSummary("One workspace.");

        workspaces.MapPatch("/{id:guid}", async (Guid id, WorkspaceNameRequest request, ClaimsPrincipal user, WorkspaceService service, CancellationToken ct) =>
            (await service.RenameAsync(user.RequireUserId(), id, request.Name ?? string.Empty, ct)).ToApi())
            .WithSummary("Rename a workspace (Owners).");

        workspaces.MapGet("/{id:guid}/members", async (Guid id, ClaimsPrincipal user, WorkspaceService service, CancellationToken ct) =>
            (await service.ListMembersAsync(user.RequireUserId(), id, ct)).Select(m => m.ToApi()).ToList())
            .WithSummary("Members and their roles.");

        workspaces.MapPost("/{id:guid}/members", async Task<Created<MemberResponse>> (Guid id, AddMemberRequest request, ClaimsPrincipal user, WorkspaceService service, CancellationToken ct) =>
        {
            var member = await service.AddMemberAsync(user.RequireUserId(), id, request.Email ?? string.Empty, ApiMapping.ParseRole(request.Role), ct);
            return TypedResults.Created($"/api/v1/workspaces/{id}/members/{member.UserId}", member.ToApi());
        }).WithSummary("Add a registered user by email with a role: owner, editor or viewer (Owners).");

        workspaces.MapPatch("/{id:guid}/members/{userId}", async (Guid id, string userId, ChangeRoleRequest request, ClaimsPrincipal user, WorkspaceService service, CancellationToken ct) =>
            (await service.ChangeRoleAsync(user.RequireUserId(), id, userId, ApiMapping.ParseRole(request.Role), ct)).ToApi())
            .WithSummary("Change a member's role (Owners). The last Owner cannot be demoted.");

        workspaces.MapDelete("/{id:guid}/members/{userId}", async Task<NoContent> (Guid id, string userId, ClaimsPrincipal user, WorkspaceService service, IWorkspaceEventBus bus, CancellationToken ct) =>
        {
            await service.RemoveMemberAsync(user.RequireUserId(), id, userId, ct);
            bus.PublishMemberRemoved(id, userId, user.RequireUserId());
            return TypedResults.NoContent();
        }).WithSummary("Remove a member (Owners), or yourself. The last Owner cannot be removed.");

        workspaces.MapPost("/{id:guid}/leave", async Task<NoContent> (Guid id, ClaimsPrincipal user, WorkspaceService service, IWorkspaceEventBus bus, CancellationToken ct) =>
        {
            await service.LeaveAsync(user.RequireUserId(), id, ct);
            bus.PublishMemberRemoved(id, user.RequireUserId(), user.RequireUserId());
            return TypedResults.NoContent();
        }).WithSummary("Leave a workspace. The last Owner cannot leave.");
    }
}

/// <summary>Maps the whole /api/v1 surface.</summary>
public static class NeuroLabApi
{
    public static void MapNeuroLabApi(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization()
            // Cookie-authenticated POST/PUT/PATCH/DELETE need the antiforgery header; tokens do not.
            .AddEndpointFilter<Security.CookieAntiforgeryFilter>();
        api.MapAccountApi();
        api.MapWorkspacesApi();
        api.MapActivityApi();
        api.MapDatasetsApi();
        api.MapUploadsApi(configuration);
        api.MapRunsApi();
        api.MapViewerApi();
        api.MapCaptionsApi();
        api.MapAnnotationsApi();
        api.MapFeatureSpacesApi();
        api.MapDatasetFeaturesApi();
    }
}
