using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using NeuroLab.Web.Extensions;

namespace NeuroLab.Web.Security;

/// <summary>
/// The per-address limit on password guesses. It is a named rate-limiter policy attached to the
/// endpoints themselves (API sign-in, registration and refresh with <c>RequireRateLimiting</c>, the
/// account pages with <c>[EnableRateLimiting]</c>), so every spelling of a path that routing maps to
/// one of them (trailing slash, case, encoded characters, double slashes) is limited the same way.
/// Comparing path strings let <c>/api/v1/account/login/</c> through after <c>/login</c> was limited.
/// </summary>
public static class SignInRateLimiting
{
    /// <summary>The policy name endpoints opt in with.</summary>
    public const string PolicyName = "sign-in";

    /// <summary>Registers the policy: <see cref="SecurityOptions.SignInPermitLimit"/> submissions per client address per window, UI and API together.</summary>
    public static void AddSignInPolicy(this RateLimiterOptions options, SecurityOptions security)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.AddPolicy(PolicyName, new SignInPolicy(security));
    }

    private sealed class SignInPolicy(SecurityOptions security) : IRateLimiterPolicy<string>
    {
        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            // Only submissions count: the account pages answer GET with the empty form.
            IsSafe(httpContext.Request.Method)
                ? RateLimitPartition.GetNoLimiter(string.Empty)
                : RateLimitPartition.GetFixedWindowLimiter(
                    // The address after forwarded headers, when a trusted proxy is configured.
                    httpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = Math.Max(1, security.SignInPermitLimit),
                        Window = TimeSpan.FromSeconds(Math.Max(1, security.SignInWindowSeconds)),
                        QueueLimit = 0,
                    });

        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (context, _) =>
        {
            var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(security.SignInWindowSeconds);
            var seconds = (int)Math.Ceiling(retry.TotalSeconds);
            context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await Results.Problem(
                title: "Too many sign-in attempts",
                detail: $"Too many sign-in or registration attempts from your address. Try again in {seconds} seconds.",
                statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context.HttpContext);
        };

        private static bool IsSafe(string method) =>
            HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
    }
}
