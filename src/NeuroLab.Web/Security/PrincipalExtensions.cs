using System.Security.Claims;

namespace NeuroLab.Web.Security;

/// <summary>Reading the signed-in user's id in components.</summary>
public static class PrincipalExtensions
{
    /// <summary>The user id; pages calling this carry <c>[Authorize]</c>.</summary>
    public static string RequireUserId(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("This page requires a signed-in user.");
}
