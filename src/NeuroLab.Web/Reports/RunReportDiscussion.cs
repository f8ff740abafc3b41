namespace NeuroLab.Web.Reports;

/// <summary>
/// A comment of a run's discussion as the report prints it: who wrote it and when, its body as sanitised HTML (the
/// annotation service renders and cleans the Markdown), whether its thread is resolved, its replies and what it is
/// pinned to in words (e.g. "run", "unit 1234 (-42, -58, -14 mm)", "caption of unit 7").
/// </summary>
/// <param name="Author">Who wrote it (e-mail or display name).</param>
/// <param name="AtUtc">When it was written.</param>
/// <param name="BodyHtml">Sanitised HTML, printed as it is; everything else is HTML-encoded by the report.</param>
/// <param name="Resolved">Whether its thread is resolved (meaningful on a thread's first comment).</param>
/// <param name="Replies">Its replies, oldest first.</param>
/// <param name="Target">What it is pinned to, in words.</param>
public sealed record ReportComment(string Author, DateTime AtUtc, string BodyHtml, bool Resolved, IReadOnlyList<ReportComment> Replies, string Target);

/// <summary>The comment threads of a run that a member may read (the run itself and its units, captions, reconstructions...).</summary>
public interface IRunReportDiscussion
{
    /// <summary>The run's threads, oldest first; empty when there are none. Callers have checked that the user may see the run.</summary>
    Task<IReadOnlyList<ReportComment>> ThreadsForRunAsync(string userId, Guid runId, CancellationToken ct);
}

/// <summary>The discussion until annotations are registered: no threads.</summary>
public sealed class NoRunReportDiscussion : IRunReportDiscussion
{
    public Task<IReadOnlyList<ReportComment>> ThreadsForRunAsync(string userId, Guid runId, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ReportComment>>([]);
}
