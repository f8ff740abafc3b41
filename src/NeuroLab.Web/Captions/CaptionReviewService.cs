using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Captions;
using NeuroLab.Compute.Events;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Audit;
using NeuroLab.Data.Captions;

namespace NeuroLab.Web.Captions;

/// <summary>A member's review as shown to the team.</summary>
public sealed record CaptionReviewView(int Unit, string UserId, string Reviewer, CaptionVerdict Verdict, string? Comment, DateTime UpdatedAtUtc);

/// <summary>Two reviewers' agreement over the captions both reviewed.</summary>
public sealed record PairAgreement(string A, string B, int Items, double CohenKappa);

/// <summary>Review counts and agreement of a caption run.</summary>
public sealed record ReviewStats(
    int Reviews, int Reviewers, int CaptionsReviewed, IReadOnlyDictionary<CaptionVerdict, int> Verdicts, int CaptionsReviewedTwice, double FleissKappa,
    IReadOnlyList<PairAgreement> Pairs);

/// <summary>
/// Team review of voxel captions: every workspace member (Viewers included: a review is a judgement, not a change to
/// data) marks a caption accurate, partly or wrong with an optional comment; one review per member and caption,
/// saving again replaces it. Agreement: Fleiss' kappa over captions reviewed at least twice, Cohen's kappa per pair.
/// </summary>
public sealed class CaptionReviewService(
    IDbContextFactory<NeuroLabDbContext> dbFactory, RunService runs, CaptionService captions, TimeProvider clock, IWorkspaceEventBus events)
{
    public const int MaxCommentLength = 2000;

    public async Task<CaptionReviewView> SaveAsync(string userId, Guid captionRunId, int unit, CaptionVerdict verdict, string? comment, CancellationToken ct = default)
    {
        var run = await captions.LoadAsync(userId, captionRunId, ct) ?? throw new ArgumentException("This run has no captions to review.");
        if (run.For(unit) is null)
        {
            throw new ArgumentException($"Unit {unit} has no caption in this run.");
        }
        comment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        if (comment is { Length: > MaxCommentLength })
        {
            throw new ArgumentException($"The comment has {comment.Length} characters; at most {MaxCommentLength}.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var review = await db.CaptionReviews.SingleOrDefaultAsync(r => r.RunId == captionRunId && r.Unit == unit && r.UserId == userId, ct);
        if (review is null)
        {
            review = new CaptionReview { RunId = captionRunId, Unit = unit, UserId = userId };
            db.CaptionReviews.Add(review);
        }
        review.Verdict = verdict;
        review.Comment = comment;
        review.UpdatedAtUtc = clock.GetUtcNow().UtcDateTime;
        var workspaceId = await db.Runs.Where(r => r.Id == captionRunId).Select(r => r.WorkspaceId).SingleAsync(ct);
        // The feed links the entry to the caption by the review's instant (see ActivityService).
        db.AuditEvents.Add(new AuditEvent
        {
            WorkspaceId = workspaceId,
            ActorUserId = userId,
            Action = ActivityKinds.CaptionReviewed,
            Detail = $"unit {unit}: {verdict.ToString().ToLowerInvariant()}",
            AtUtc = review.UpdatedAtUtc,
        });
        await db.SaveChangesAsync(ct);
        var view = (await ListAsync(db, captionRunId, unit, ct)).Single(r => r.UserId == userId);
        events.Publish(new WorkspaceEvent
        {
            WorkspaceId = workspaceId,
            Type = "caption.reviewed",
            TargetKey = TargetKey(captionRunId, unit),
            RunId = captionRunId,
            ActorUserId = userId,
            Actor = view.Reviewer,
            Data = view,
            AtUtc = view.UpdatedAtUtc,
        });
        return view;
    }

    /// <summary>The annotation-target key of a caption (<c>caption:{runId:N}:{unit}</c>), which live events about it carry.</summary>
    public static string TargetKey(Guid captionRunId, int unit) => Annotations.AnnotationTarget.CaptionKey(captionRunId, unit);

    /// <summary>The reviews of one caption (or of all, with <paramref name="unit"/> null).</summary>
    public async Task<IReadOnlyList<CaptionReviewView>> ListAsync(string userId, Guid captionRunId, int? unit = null, CancellationToken ct = default)
    {
        await runs.GetAsync(userId, captionRunId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await ListAsync(db, captionRunId, unit, ct);
    }

    private static async Task<IReadOnlyList<CaptionReviewView>> ListAsync(NeuroLabDbContext db, Guid captionRunId, int? unit, CancellationToken ct)
    {
        var rows = await (from r in db.CaptionReviews
                          where r.RunId == captionRunId && (unit == null || r.Unit == unit)
                          join u in db.Users on r.UserId equals u.Id
                          select new { r.Unit, r.UserId, u.Email, r.Verdict, r.Comment, r.UpdatedAtUtc }).ToListAsync(ct);
        return [.. rows.OrderBy(r => r.Unit).ThenBy(r => r.UpdatedAtUtc).Select(r => new CaptionReviewView(r.Unit, r.UserId, r.Email ?? r.UserId, r.Verdict, r.Comment, r.UpdatedAtUtc))];
    }

    public async Task<ReviewStats> StatsAsync(string userId, Guid captionRunId, CancellationToken ct = default)
    {
        var reviews = await ListAsync(userId, captionRunId, null, ct);
        int categories = Enum.GetValues<CaptionVerdict>().Length;
        var byUnit = reviews.GroupBy(r => r.Unit).ToList();
        var twice = byUnit.Where(g => g.Count() >= 2).ToList();
        var counts = new int[twice.Count, categories];
        for (int i = 0; i < twice.Count; i++)
        {
            foreach (var r in twice[i])
            {
                counts[i, (int)r.Verdict]++;
            }
        }
        var reviewers = reviews.Select(r => (r.UserId, r.Reviewer)).Distinct().OrderBy(r => r.Reviewer, StringComparer.Ordinal).ToList();
        var pairs = new List<PairAgreement>();
        for (int a = 0; a < reviewers.Count; a++)
        {
            for (int b = a + 1; b < reviewers.Count; b++)
            {
                var common = byUnit.Select(g => (A: g.FirstOrDefault(r => r.UserId == reviewers[a].UserId), B: g.FirstOrDefault(r => r.UserId == reviewers[b].UserId)))
                    .Where(p => p.A is not null && p.B is not null).ToList();
                if (common.Count > 0)
                {
                    pairs.Add(new PairAgreement(reviewers[a].Reviewer, reviewers[b].Reviewer, common.Count,
                        Agreement.CohenKappa([.. common.Select(p => (int)p.A!.Verdict)], [.. common.Select(p => (int)p.B!.Verdict)], categories)));
                }
            }
        }
        return new ReviewStats(reviews.Count, reviewers.Count, byUnit.Count,
            Enum.GetValues<CaptionVerdict>().ToDictionary(v => v, v => reviews.Count(r => r.Verdict == v)),
            twice.Count, twice.Count == 0 ? double.NaN : Agreement.FleissKappa(counts), pairs);
    }
}
