using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using NeuroLab.Data.Captions;
using NeuroLab.Web.Captions;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>/api/v1 voxel captions: captions of a run, team reviews and agreement.</summary>
public static class CaptionsApi
{
    public sealed record ReviewRequest(string Verdict, string? Comment);

    public sealed record ReviewsResponse(IReadOnlyList<CaptionReviewView> Reviews, ReviewStats Stats);

    public static void MapCaptionsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/runs/{id:guid}").WithTags("Captions");
        group.MapGet("/captions", async Task<Results<Ok<CaptionRun>, NotFound>> (Guid id, ClaimsPrincipal user, CaptionService captions, CancellationToken ct) =>
            await captions.LoadAsync(user.RequireUserId(), id, ct) is { } run ? TypedResults.Ok(run) : TypedResults.NotFound())
            .WithSummary("The captions of a finished voxel-captions run, with their keywords, evidence and sentence scores.");
        group.MapGet("/caption-reviews", async (Guid id, ClaimsPrincipal user, CaptionReviewService reviews, CancellationToken ct) =>
        {
            var userId = user.RequireUserId();
            return new ReviewsResponse(await reviews.ListAsync(userId, id, null, ct), await reviews.StatsAsync(userId, id, ct));
        }).WithSummary("Every member's review of the run's captions, and the team's agreement (Fleiss' and pairwise Cohen's kappa).");
        group.MapPut("/captions/{unit:int}/review", async Task<Results<Ok<CaptionReviewView>, ProblemHttpResult>> (
            Guid id, int unit, ReviewRequest request, ClaimsPrincipal user, CaptionReviewService reviews, CaptionService captions, CancellationToken ct) =>
        {
            // Membership first: a run outside the caller's workspaces is 404 whatever the body says.
            await captions.LoadAsync(user.RequireUserId(), id, ct);
            if (!Enum.TryParse<CaptionVerdict>(request.Verdict ?? "", ignoreCase: true, out var verdict) || !Enum.IsDefined(verdict) || int.TryParse(request.Verdict, out _))
            {
                return TypedResults.Problem("verdict must be accurate, partly or wrong.", statusCode: StatusCodes.Status400BadRequest);
            }
            try
            {
                return TypedResults.Ok(await reviews.SaveAsync(user.RequireUserId(), id, unit, verdict, request.Comment, ct));
            }
            catch (ArgumentException e)
            {
                return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
            }
        }).WithSummary("Your review of a caption: accurate, partly or wrong, with an optional comment (replaces your earlier one).");
    }
}
