using System.Security.Claims;
using System.Text;
using NeuroLab.Web.Reports;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>/api/v1 run reports: one self-contained HTML file per run.</summary>
public static class RunReportApi
{
    public static void MapRunReportApi(this RouteGroupBuilder api)
    {
        api.MapGroup("/runs").WithTags("Runs").MapGet("/{id:guid}/report.html", async (Guid id, ClaimsPrincipal user, RunReportService reports, CancellationToken ct) =>
        {
            var html = await reports.RenderAsync(user.RequireUserId(), id, ct);
            return TypedResults.File(Encoding.UTF8.GetBytes(html), "text/html; charset=utf-8", RunReportService.FileName(id));
        })
        .Produces(StatusCodes.Status200OK, contentType: "text/html")
        .WithSummary("The run's report as one self-contained HTML file (attachment neurolab-run-<first 8 hex digits of the id>.html): parameters, result, " +
            "figures as inline SVG, reconstructions and captions, provenance with artifact checksums, the end of the log and the discussion. " +
            "No scripts and nothing loaded from elsewhere; a queued, running or failed run gets what there is.");
    }
}
