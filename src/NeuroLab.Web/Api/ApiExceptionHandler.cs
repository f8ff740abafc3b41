using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Web.Api;

/// <summary>
/// Turns domain exceptions thrown under <c>/api</c> into RFC 7807 problem details with a message a
/// person can act on. UI requests fall through to the error page.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // By the time handlers run, the request path may already point at the error page: use the original.
        var path = httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? httpContext.Request.Path.Value;
        if (path is null || !path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var (status, title, detail) = exception switch
        {
            WorkspaceNotFoundException e => (StatusCodes.Status404NotFound, "Workspace not found", $"No workspace with id {e.WorkspaceId} exists among your workspaces."),
            Data.Datasets.DatasetNotFoundException e => (StatusCodes.Status404NotFound, "Dataset not found", $"No dataset with id {e.DatasetId} exists among your workspaces."),
            Data.Storage.StoreQuotaException e => (StatusCodes.Status413PayloadTooLarge, "Too large", e.Message),
            Data.Storage.StorageLimitException e => (StatusCodes.Status413PayloadTooLarge, "Storage quota exceeded", e.Message),
            Data.Storage.BlobCorruptedException e => (StatusCodes.Status500InternalServerError, "Stored data damaged", e.Message),
            Formats.FormatReadException e => (StatusCodes.Status422UnprocessableEntity, "Unreadable file", e.Message),
            Compute.Runs.RunNotFoundException e => (StatusCodes.Status404NotFound, "Not found", $"No run, experiment or artifact with id {e.Id} exists among your workspaces."),
            Annotations.AnnotationNotFoundException e => (StatusCodes.Status404NotFound, "Not found", $"No comment with id {e.Id} exists among your workspaces."),
            Annotations.AnnotationForbiddenException e => (StatusCodes.Status403Forbidden, "Not allowed", e.Message),
            MemberNotFoundException e => (StatusCodes.Status404NotFound, "Member not found", e.Message),
            WorkspaceForbiddenException e => (StatusCodes.Status403Forbidden, "Not allowed for your role", e.Message),
            WorkspaceRuleException e => (e.IsConflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest, e.IsConflict ? "Conflict" : "Invalid request", e.Message),
            ArgumentException e => (StatusCodes.Status400BadRequest, "Invalid request", e.Message.Split(" (Parameter", 2)[0]),
            InvalidOperationException e when e.Source == typeof(Data.Identity.ApiTokenService).Assembly.GetName().Name => (StatusCodes.Status409Conflict, "Conflict", e.Message),
            BadHttpRequestException e => BadRequestMessages.Describe(e),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error", "The server hit an unexpected error. Quote the trace id when reporting it."),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled API error on {Path}", path);
        }
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
