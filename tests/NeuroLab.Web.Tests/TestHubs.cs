using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace NeuroLab.Web.Tests;

/// <summary>The app's hub for tests, as an external .NET client connects to it.</summary>
public static class TestHubs
{
    /// <summary>
    /// A connection to <c>/hubs/runs</c> through the in-memory test server (long polling: the test server has no
    /// WebSockets), signed in with a bearer <paramref name="token"/>, or anonymous when it is null. Not started.
    /// </summary>
    public static HubConnection RunsHub(this NeuroLabAppFactory factory, string? token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Server.BaseAddress, "hubs/runs"), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler();
                if (token is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .Build();
}
