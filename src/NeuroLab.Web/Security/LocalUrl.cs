namespace NeuroLab.Web.Security;

/// <summary>
/// Decides whether a return URL stays on this site, so sign-in, registration and sign-out never redirect
/// elsewhere (open redirect). Browsers and .NET's <see cref="Uri"/> treat <c>\</c> like <c>/</c> and drop
/// leading control characters, so <c>//evil</c>, <c>/\evil</c>, <c>\\evil</c> and <c>https://evil</c>
/// all leave the site; only paths on this site pass.
/// </summary>
public static class LocalUrl
{
    private static readonly Uri _probe = new("http://local.invalid/");

    /// <summary>
    /// True for a path on this site: <c>/workspaces?x=1</c> (absolute path) or <c>Account/Login</c>
    /// (relative to the app's base). False for anything with a scheme, a host, a backslash or a control character.
    /// </summary>
    public static bool IsLocal(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Any(c => char.IsControl(c) || c == '\\' || char.IsWhiteSpace(c) && c != ' '))
        {
            return false;
        }
        if (url.StartsWith("//", StringComparison.Ordinal) || url[0] == ' ')
        {
            return false;
        }
        // A scheme is a colon before the first '/', '?' or '#' ("javascript:", "https:").
        var end = url.IndexOfAny(['/', '?', '#']);
        if (url.AsSpan(0, end < 0 ? url.Length : end).Contains(':'))
        {
            return false;
        }
        // Belt and braces: resolving it against a base must not change the host.
        return Uri.TryCreate(_probe, url, out var resolved) && resolved.Host == _probe.Host && resolved.Scheme == _probe.Scheme;
    }

    /// <summary><paramref name="url"/> when it is local, otherwise the site's home (empty: the app's base).</summary>
    public static string OrHome(string? url) => IsLocal(url) ? url! : string.Empty;
}
