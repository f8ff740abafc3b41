namespace NeuroLab.Web.Security;

/// <summary>Which requests count as sign-in attempts for the per-address rate limit.</summary>
public static class SignInRateLimiting
{
    private static readonly string[] _signInPaths =
    [
        "/Account/Login",
        "/Account/Register",
        "/api/v1/account/login",
        "/api/v1/account/register",
        "/api/v1/account/refresh",
    ];

    /// <summary>True for a POST to a sign-in, registration or token-refresh endpoint (UI or API).</summary>
    public static bool IsSignInAttempt(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) &&
        _signInPaths.Any(p => request.Path.Equals(p, StringComparison.OrdinalIgnoreCase));
}
