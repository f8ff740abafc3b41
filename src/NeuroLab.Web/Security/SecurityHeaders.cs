namespace NeuroLab.Web.Security;

/// <summary>
/// Adds security headers to every response. The Content-Security-Policy allows only this origin's
/// scripts (no inline script, no eval) and the WebSocket back to this origin that Blazor Server needs.
/// Inline <em>styles</em> are allowed because MudBlazor and Plotly set element styles at run time.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next, string contentSecurityPolicy)
{
    /// <summary>Builds the policy. <paramref name="extraFormActions"/> are origins a form may post/redirect to (e.g. the Entra ID authority).</summary>
    public static string BuildPolicy(IEnumerable<string> extraFormActions) => string.Join("; ",
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action " + string.Join(' ', new[] { "'self'" }.Concat(extraFormActions)));

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = contentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        return next(context);
    }
}
