using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using NeuroLab.Data.Identity;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>
/// /api/v1/account: registration and sign-in for scripts (Identity bearer tokens), the caller's
/// profile, and personal access tokens. Hand-written rather than <c>MapIdentityApi</c> because that
/// also maps e-mail confirmation and password-reset endpoints, which cannot work without a mail server.
/// </summary>
public static class AccountApi
{
    public static void MapAccountApi(this RouteGroupBuilder api)
    {
        var account = api.MapGroup("/account").WithTags("Account");

        account.MapPost("/register", RegisterAsync).AllowAnonymous().RequireRateLimiting(SignInRateLimiting.PolicyName)
            .WithSummary("Create a local account.");
        account.MapPost("/login", LoginAsync).AllowAnonymous().RequireRateLimiting(SignInRateLimiting.PolicyName)
            .WithSummary("Sign in; returns {tokenType, accessToken, expiresIn, refreshToken}.");
        account.MapPost("/refresh", RefreshAsync).AllowAnonymous().RequireRateLimiting(SignInRateLimiting.PolicyName)
            .WithSummary("Exchange a refresh token for a new access token.");
        account.MapGet("/me", MeAsync).WithSummary("The signed-in account.");

        var tokens = account.MapGroup("/tokens").WithTags("Personal access tokens");
        tokens.MapGet("/", async (ClaimsPrincipal user, ApiTokenService service, CancellationToken ct) =>
            (await service.ListAsync(user.RequireUserId(), ct)).Select(t => t.ToApi()).ToList())
            .WithSummary("Your personal access tokens (secrets are never returned).");
        tokens.MapPost("/", CreateTokenAsync).WithSummary("Create a personal access token; the secret is in this answer only.");
        tokens.MapDelete("/{tokenId:guid}", async Task<Results<NoContent, NotFound>> (Guid tokenId, ClaimsPrincipal user, ApiTokenService service, CancellationToken ct) =>
            await service.RevokeAsync(user.RequireUserId(), tokenId, ct) ? TypedResults.NoContent() : TypedResults.NotFound())
            .WithSummary("Revoke a personal access token.");
    }

    private static async Task<Results<Ok<AccountResponse>, ValidationProblem>> RegisterAsync(
        CredentialsRequest request, UserManager<ApplicationUser> users)
    {
        var email = request.Email?.Trim() ?? string.Empty;
        if (email.Length == 0 || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [$"'{email}' is not a valid email address."] });
        }
        var user = new ApplicationUser { UserName = email, Email = email, DisplayName = email.Split('@')[0] };
        var result = await users.CreateAsync(user, request.Password ?? string.Empty);
        if (!result.Succeeded)
        {
            return TypedResults.ValidationProblem(result.Errors
                .GroupBy(e => e.Code.StartsWith("Password", StringComparison.Ordinal) ? "password" : e.Code.Contains("Email", StringComparison.Ordinal) || e.Code.Contains("UserName", StringComparison.Ordinal) ? "email" : e.Code)
                .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        }
        return TypedResults.Ok(new AccountResponse(user.Id, email, user.DisplayName));
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> LoginAsync(
        CredentialsRequest request, SignInManager<ApplicationUser> signIn)
    {
        signIn.AuthenticationScheme = IdentityConstants.BearerScheme;
        var result = await signIn.PasswordSignInAsync(request.Email?.Trim() ?? string.Empty, request.Password ?? string.Empty, isPersistent: false, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            return TypedResults.Problem("This account is locked after repeated failed sign-ins. Try again later.", statusCode: StatusCodes.Status401Unauthorized, title: "Account locked");
        }
        if (!result.Succeeded)
        {
            return TypedResults.Problem("Wrong email or password.", statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed");
        }
        // The bearer token handler has written {tokenType, accessToken, expiresIn, refreshToken}.
        return TypedResults.Empty;
    }

    private static async Task<Results<SignInHttpResult, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, SignInManager<ApplicationUser> signIn, IOptionsMonitor<BearerTokenOptions> bearer, TimeProvider clock)
    {
        var protector = bearer.Get(IdentityConstants.BearerScheme).RefreshTokenProtector;
        var ticket = string.IsNullOrEmpty(request.RefreshToken) ? null : protector.Unprotect(request.RefreshToken);
        if (ticket?.Properties.ExpiresUtc is not { } expires || clock.GetUtcNow() >= expires ||
            await signIn.ValidateSecurityStampAsync(ticket.Principal) is not { } user)
        {
            return TypedResults.Problem("The refresh token is invalid or expired; sign in again.", statusCode: StatusCodes.Status401Unauthorized, title: "Refresh failed");
        }
        var principal = await signIn.CreateUserPrincipalAsync(user);
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    private static async Task<Results<Ok<AccountResponse>, NotFound>> MeAsync(ClaimsPrincipal principal, UserManager<ApplicationUser> users)
    {
        var user = await users.FindByIdAsync(principal.RequireUserId());
        return user is null ? TypedResults.NotFound() : TypedResults.Ok(new AccountResponse(user.Id, user.Email ?? user.UserName ?? user.Id, user.DisplayName));
    }

    private static async Task<Results<Created<CreatedTokenResponse>, ProblemHttpResult>> CreateTokenAsync(
        CreateTokenRequest request, ClaimsPrincipal user, ApiTokenService service, CancellationToken ct)
    {
        if (user.HasClaim("amr", "pat"))
        {
            // A leaked token must not be able to mint more tokens that outlive its revocation.
            return TypedResults.Problem("Personal access tokens cannot create other tokens; sign in with a password.", statusCode: StatusCodes.Status403Forbidden, title: "Not allowed with a token");
        }
        if (request.ExpiresInDays is <= 0 or > 3650)
        {
            return TypedResults.Problem("expiresInDays must be between 1 and 3650, or omitted for a token that does not expire.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");
        }
        var created = await service.CreateAsync(user.RequireUserId(), request.Name ?? string.Empty, request.ExpiresInDays is { } d ? TimeSpan.FromDays(d) : null, ct);
        return TypedResults.Created($"/api/v1/account/tokens/{created.Token.Id}", new CreatedTokenResponse(created.Token.ToApi(), created.Secret));
    }
}
