using System.Text.Json;

namespace NeuroLab.Web.Api;

/// <summary>
/// Says in a person's words what was wrong with a request the framework could not bind: the JSON parser's
/// complaint with its place ("line 1, position 17", "at $.email"), a missing body, a wrong content type.
/// Minimal APIs throw <see cref="BadHttpRequestException"/> for these (RouteHandlerOptions.ThrowOnBadRequest);
/// without this they answer a bare 400.
/// </summary>
internal static class BadRequestMessages
{
    public static (int Status, string Title, string Detail) Describe(BadHttpRequestException exception)
    {
        if (FindJsonException(exception) is { } json)
        {
            return (exception.StatusCode, "Invalid JSON", DescribeJson(json));
        }
        var message = exception.Message;
        if (exception.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return (exception.StatusCode, "Unsupported media type", $"{message} Send the body as JSON with Content-Type: application/json.");
        }
        if (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (exception.StatusCode, "Too large", message);
        }
        if (message.Contains("was not provided from body", StringComparison.Ordinal) || message.Contains("no body was provided", StringComparison.Ordinal))
        {
            return (exception.StatusCode, "Missing body", "This endpoint needs a JSON request body (Content-Type: application/json); the request had none.");
        }
        return (exception.StatusCode, "Bad request", message);
    }

    /// <summary>
    /// Fills the detail of problems the framework writes without one. Routing itself answers 415 when a JSON
    /// endpoint receives another content type (no exception is thrown for that), so this is the only place to say why.
    /// </summary>
    public static void AddMissingDetail(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Detail is null && problem.Status == StatusCodes.Status415UnsupportedMediaType)
        {
            var sent = string.IsNullOrEmpty(context.HttpContext.Request.ContentType) ? "no content type" : $"'{context.HttpContext.Request.ContentType}'";
            problem.Detail = $"This endpoint takes a JSON body with Content-Type: application/json; the request had {sent}.";
        }
    }

    private static JsonException? FindJsonException(Exception exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                return json;
            }
        }
        return null;
    }

    private static string DescribeJson(JsonException json)
    {
        // System.Text.Json appends " Path: $.x | LineNumber: 0 | BytePositionInLine: 17." to its message.
        var reason = json.Message;
        var cut = reason.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut >= 0)
        {
            reason = reason[..cut];
        }
        reason = reason.TrimEnd('.');
        var where = new List<string>();
        if (!string.IsNullOrEmpty(json.Path) && json.Path != "$")
        {
            where.Add($"at {json.Path}");
        }
        if (json.LineNumber is { } line)
        {
            where.Add($"line {line + 1}");
        }
        if (json.BytePositionInLine is { } position)
        {
            where.Add($"position {position}");
        }
        return where.Count == 0
            ? $"The request body is not valid JSON for this endpoint: {reason}."
            : $"The request body is not valid JSON for this endpoint: {reason} ({string.Join(", ", where)}).";
    }
}
