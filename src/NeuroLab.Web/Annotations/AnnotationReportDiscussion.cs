using NeuroLab.Web.Reports;

namespace NeuroLab.Web.Annotations;

/// <summary>A run report's discussion: every thread about the run (the run, its units, captions, reconstructions), oldest first.</summary>
public sealed class AnnotationReportDiscussion(AnnotationService annotations) : IRunReportDiscussion
{
    public async Task<IReadOnlyList<ReportComment>> ThreadsForRunAsync(string userId, Guid runId, CancellationToken ct) =>
        [.. (await annotations.ThreadsForRunAsync(userId, runId, ct)).Select(Comment)];

    private static ReportComment Comment(AnnotationView view) =>
        new(view.Author, view.CreatedAtUtc, view.BodyHtml, view.Resolved, [.. view.Replies.Select(Comment)], AnnotationLinks.Describe(view.TargetKind, view.Target));
}
