using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using NeuroLab.Data.Identity;

namespace NeuroLab.Web.Security;

/// <summary>
/// Authenticates <c>Authorization: Bearer nlpat_...</c> by hashing the secret and looking it up.
/// The principal is the token owner's full Identity principal, so everything downstream treats a
/// token exactly like the user it belongs to; the <c>amr</c> claim records that it came from a token.
/// </summary>
public sealed class PersonalAccessTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens,
    UserManager<ApplicationUser> users,
    IUserClaimsPrincipalFactory<ApplicationUser> principals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = AuthSchemes.BearerToken(Request);
        if (secret is null)
        {
            return AuthenticateResult.NoResult();
        }
        var userId = await tokens.ValidateAsync(secret, Context.RequestAborted);
        if (userId is null)
        {
            return AuthenticateResult.Fail("The personal access token is unknown, expired or revoked.");
        }
        var user = await users.FindByIdAsync(userId);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            return AuthenticateResult.Fail("The token's account is locked or no longer exists.");
        }
        var principal = await principals.CreateAsync(user);
        var identity = new ClaimsIdentity(principal.Claims.Append(new Claim("amr", "pat")), Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}
