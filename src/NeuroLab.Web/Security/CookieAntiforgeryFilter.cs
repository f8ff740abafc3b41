using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;

namespace NeuroLab.Web.Security;

/// <summary>
/// Endpoint filter on the whole REST API: a state-changing request (POST, PUT, PATCH, DELETE) that is
/// authenticated by the browser's sign-in cookie must carry the page's antiforgery token in the
/// <c>RequestVerificationToken</c> header, whether or not it has a body. SameSite=Lax alone leaves
/// same-site attackers and old browsers; endpoints without a bound form would otherwise skip the check.
/// Scripts authenticate with bearer or personal access tokens, which a cross-site page cannot send, and
/// are unaffected; so are anonymous requests, which carry no one's authority.
/// </summary>
public sealed class CookieAntiforgeryFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (RequiresToken(http) && !await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.Problem(
                "Requests signed in with the browser cookie must carry the page's antiforgery token (header RequestVerificationToken). " +
                "Scripts should authenticate with a bearer token or a personal access token instead.",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Missing antiforgery token");
        }
        return await next(context);
    }

    /// <summary>True for an unsafe method on a request whose user was authenticated by the Identity cookie.</summary>
    public static bool RequiresToken(HttpContext context)
    {
        var method = context.Request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
        return !safe &&
            context.User.Identity?.IsAuthenticated == true &&
            AuthSchemes.Select(context) == IdentityConstants.ApplicationScheme;
    }
}
