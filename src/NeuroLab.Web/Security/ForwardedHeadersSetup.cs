using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace NeuroLab.Web.Security;

/// <summary>The <c>NeuroLab:Security:ForwardedHeaders</c> section: trusting a TLS-terminating reverse proxy.</summary>
public sealed class ForwardedHeadersSettings
{
    /// <summary>Apply X-Forwarded-For and X-Forwarded-Proto from trusted proxies (off: the headers are ignored).</summary>
    public bool Enabled { get; set; }

    /// <summary>Addresses of trusted proxies, e.g. "10.0.0.5" (loopback is always trusted).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation, e.g. "10.0.0.0/8".</summary>
    public List<string> KnownNetworks { get; set; } = [];
}

/// <summary>
/// Behind a proxy that terminates TLS the app sees plain HTTP from the proxy's address: cookies lose
/// Secure, HSTS is never sent and every client shares the proxy's sign-in rate limit. With
/// <see cref="ForwardedHeadersSettings.Enabled"/>, ASP.NET Core's ForwardedHeadersMiddleware runs first and
/// takes the scheme and client address from requests that come from a trusted proxy only; from anyone
/// else the headers are ignored (they could be forged).
/// </summary>
public static class ForwardedHeadersSetup
{
    public static void AddNeuroLabForwardedHeaders(this IServiceCollection services, ForwardedHeadersSettings settings)
    {
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            // Not X-Forwarded-Host: AllowedHosts is "*" by default, so a forged host would be believed.
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in settings.KnownProxies.Where(p => !string.IsNullOrWhiteSpace(p)))
            {
                o.KnownProxies.Add(IPAddress.TryParse(proxy.Trim(), out var address)
                    ? address
                    : throw new InvalidOperationException($"NeuroLab:Security:ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address."));
            }
            foreach (var network in settings.KnownNetworks.Where(n => !string.IsNullOrWhiteSpace(n)))
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network.Trim(), out var parsed)
                    ? parsed
                    : throw new InvalidOperationException($"NeuroLab:Security:ForwardedHeaders:KnownNetworks: '{network}' is not a network in CIDR notation (e.g. 10.0.0.0/8)."));
            }
        });
    }

    /// <summary>First in the pipeline, so HSTS, secure cookies, rate limits and logs see the client's view.</summary>
    public static void UseNeuroLabForwardedHeaders(this IApplicationBuilder app, ForwardedHeadersSettings settings)
    {
        if (settings.Enabled)
        {
            app.UseForwardedHeaders();
        }
    }
}
