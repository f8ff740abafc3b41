using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace NeuroLab.Web.Tests.Security;

/// <summary>Browser-like and raw-socket clients for the sign-in and request hardening tests.</summary>
internal static partial class AuthTestClients
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    /// <summary>A cookie-keeping client that does not follow redirects, like a browser whose hops we inspect.</summary>
    public static HttpClient Browser(WebApplicationFactory<Program> factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>The antiforgery token of the form on <paramref name="page"/> (sets the antiforgery cookie in the client).</summary>
    public static async Task<string> FormTokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        var token = TokenField().Match(html).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), $"{page} rendered no antiforgery token.");
        return WebUtility.HtmlDecode(token);
    }

    /// <summary>Signs in through the sign-in page's form; returns the response to the form post.</summary>
    public static async Task<HttpResponseMessage> SignInWithFormAsync(HttpClient browser, string email, string password, string? rawReturnUrl = null)
    {
        var page = rawReturnUrl is null ? "/Account/Login" : "/Account/Login?ReturnUrl=" + rawReturnUrl;
        var token = await FormTokenAsync(browser, page);
        return await browser.PostAsync(page, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
    }

    /// <summary>
    /// Sends one HTTP/1.1 request byte for byte (no client-side normalisation of the target) from the
    /// loopback address <paramref name="from"/>, so the server sees a distinct client per address.
    /// Returns the status and a signature of the answer (status, media type, problem title) to tell endpoints apart.
    /// </summary>
    public static async Task<(int Status, string Signature)> RawAsync(Uri server, IPAddress from, string method, string target, string body, string contentType = "application/json")
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var content = Encoding.UTF8.GetBytes(body);
        var head = $"{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: {contentType}\r\nContent-Length: {content.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(content);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = method == "HEAD" ? await reader.ReadLineAsync() ?? string.Empty : await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var type = ContentTypeHeader().Match(response).Groups[1].Value;
        var title = ProblemTitle().Match(response).Groups[1].Value;
        return (status, $"{status} {type} {title}");
    }

    [GeneratedRegex("(?im)^Content-Type: ([^;\\r]*)")]
    private static partial Regex ContentTypeHeader();

    [GeneratedRegex("\"title\":\"([^\"]*)\"")]
    private static partial Regex ProblemTitle();
}
