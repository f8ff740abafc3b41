using Microsoft.AspNetCore.Identity;

namespace NeuroLab.Web.Security;

/// <summary>Names of the authentication schemes NeuroLab registers.</summary>
public static class AuthSchemes
{
    /// <summary>Default scheme: picks cookie, Identity bearer token or personal access token per request.</summary>
    public const string Smart = "NeuroLab";

    /// <summary>Personal access tokens (<c>Authorization: Bearer nlpat_...</c>).</summary>
    public const string PersonalAccessToken = "PersonalAccessToken";

    /// <summary>Microsoft Entra ID (OpenID Connect), registered only when configured.</summary>
    public const string EntraId = "EntraId";

    /// <summary>
    /// Chooses the scheme that should authenticate <paramref name="context"/>: a bearer header selects
    /// the personal-access-token or Identity bearer scheme, anything else the Identity cookie.
    /// </summary>
    public static string Select(HttpContext context)
    {
        var token = BearerToken(context.Request);
        if (token is not null)
        {
            return token.StartsWith(NeuroLab.Data.Identity.ApiTokenService.SecretPrefix, StringComparison.Ordinal)
                ? PersonalAccessToken
                : IdentityConstants.BearerScheme;
        }
        return IdentityConstants.ApplicationScheme;
    }

    /// <summary>
    /// The bearer token of a request: the Authorization header, or for SignalR hubs the <c>access_token</c>
    /// query parameter (browsers cannot set headers on WebSocket connections).
    /// </summary>
    public static string? BearerToken(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header[7..].Trim();
        }
        if (request.Path.StartsWithSegments("/hubs") && request.Query.TryGetValue("access_token", out var query) && !string.IsNullOrEmpty(query))
        {
            return query.ToString();
        }
        return null;
    }
}
