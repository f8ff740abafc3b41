using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.Options;
using NeuroLab.Data.Identity;

namespace NeuroLab.Web.Security;

/// <summary>
/// Identity's sign-in manager with one change: an existing session (refresh token, cookie, bearer token)
/// stays valid only while the account is not locked out, on top of Identity's security-stamp check.
/// The refresh endpoint, the cookie's security-stamp validator and <see cref="ActiveAccountCheck"/> all
/// ask <see cref="SignInManager{TUser}.ValidateSecurityStampAsync(ClaimsPrincipal)"/>, so locking an
/// account (or changing its password, which renews the stamp) ends every way in.
/// </summary>
public sealed class NeuroLabSignInManager(
    UserManager<ApplicationUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<ApplicationUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<ApplicationUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<ApplicationUser> confirmation)
    : SignInManager<ApplicationUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> ValidateSecurityStampAsync(ApplicationUser? user, string? securityStamp) =>
        await base.ValidateSecurityStampAsync(user, securityStamp) &&
        !(UserManager.SupportsUserLockout && await UserManager.IsLockedOutAsync(user!));
}

/// <summary>
/// Middleware after authentication: a request authenticated by the sign-in cookie or an Identity bearer
/// token whose account has since been locked out, deleted or had its security stamp changed is treated
/// as anonymous (401 for the API, the sign-in page for the UI), and the cookie is deleted. Personal access
/// tokens are checked by their own handler. Static files skip the check (one database read per request otherwise).
/// </summary>
public sealed class ActiveAccountCheck(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, SignInManager<ApplicationUser> signIn)
    {
        if (context.User.Identity?.IsAuthenticated == true &&
            !context.User.HasClaim("amr", "pat") &&
            context.GetEndpoint()?.Metadata.GetMetadata<StaticAssetDescriptor>() is null &&
            await signIn.ValidateSecurityStampAsync(context.User) is null)
        {
            if (AuthSchemes.Select(context) == IdentityConstants.ApplicationScheme)
            {
                await context.SignOutAsync(IdentityConstants.ApplicationScheme);
            }
            context.User = new ClaimsPrincipal(new ClaimsIdentity());
        }
        await next(context);
    }
}
