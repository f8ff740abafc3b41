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
        string? header = context.Request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header.AsSpan(7).Trim().StartsWith(NeuroLab.Data.Identity.ApiTokenService.SecretPrefix, StringComparison.Ordinal)
                ? PersonalAccessToken
                : IdentityConstants.BearerScheme;
        }
        return IdentityConstants.ApplicationScheme;
    }
}
