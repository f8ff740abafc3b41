using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using NeuroLab.Data.Audit;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>
/// /api/v1/workspaces/{id}/activity (the team's feed, every member) and /audit (security-relevant actions, Owners);
/// both newest first, paged with <c>before</c> (the <c>at</c> of the last item seen) and <c>take</c>.
/// What goes where is decided in <see cref="ActivityKinds"/>.
/// </summary>
public static class ActivityApi
{
    public static void MapActivityApi(this RouteGroupBuilder api)
    {
        var workspaces = api.MapGroup("/workspaces").WithTags("Activity");

        workspaces.MapGet("/{id:guid}/activity", async (Guid id, [FromQuery] DateTime? before, [FromQuery] int? take, ClaimsPrincipal user, ActivityService service, CancellationToken ct) =>
            (await service.ListFeedAsync(user.RequireUserId(), id, before, take ?? ActivityService.DefaultPage, ct)).Select(ActivityResponse.From).ToList())
            .WithSummary("The workspace feed, newest first: runs queued, started and finished, imports, comments, caption reviews, members joining. " +
                "Page with before=<ISO time of the last item> and take (default 50, at most 200).");

        workspaces.MapGet("/{id:guid}/audit", async (Guid id, [FromQuery] DateTime? before, [FromQuery] int? take, ClaimsPrincipal user, ActivityService service, CancellationToken ct) =>
            (await service.ListAuditAsync(user.RequireUserId(), id, before, take ?? ActivityService.DefaultPage, ct)).Select(ActivityResponse.From).ToList())
            .WithSummary("The audit log (Owners), newest first: member and workspace changes, deletions, and personal access tokens created or revoked by members. " +
                "Page with before and take as for the feed.");
    }
}
