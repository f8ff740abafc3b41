using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace NeuroLab.Web.Tests.Security;

/// <summary>The optional chat model of voxel captions: absent by default, an OpenAI-compatible endpoint when configured.</summary>
public sealed class CaptionChatConfigurationTests
{
    [Fact]
    public void NoEndpoint_NoChatModel()
    {
        using var factory = new NeuroLabAppFactory();
        Assert.Null(factory.Services.GetService<IChatClient>());
        Assert.Null(factory.Services.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
    }

    [Fact]
    public async Task ConfiguredEndpoint_IsCalledAsAnOpenAICompatibleChatApi()
    {
        // A loopback stand-in for Ollama's /v1 API that records the request and answers one completion.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        string? body = null, path = null;
        var server = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            path = context.Request.Url!.AbsolutePath;
            using (var reader = new StreamReader(context.Request.InputStream))
            {
                body = await reader.ReadToEndAsync();
            }
            var answer = Encoding.UTF8.GetBytes("""{"id":"c1","object":"chat.completion","created":0,"model":"llama3.1","choices":[{"index":0,"message":{"role":"assistant","content":"Prefers faces."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}}""");
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        });
        using var factory = new NeuroLabAppFactory(settings: new Dictionary<string, string?>
        {
            ["NeuroLab:Captions:ChatEndpoint"] = $"http://127.0.0.1:{port}/v1",
            ["NeuroLab:Captions:ChatModel"] = "llama3.1",
            ["NeuroLab:Captions:EmbeddingModel"] = "nomic-embed-text",
        });
        Assert.NotNull(factory.Services.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        var chat = factory.Services.GetRequiredService<IChatClient>();
        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "keywords: face (3.1)")]);
        await server;
        Assert.Equal("Prefers faces.", response.Text);
        Assert.Equal("/v1/chat/completions", path);
        Assert.Contains("\"model\":\"llama3.1\"", body, StringComparison.Ordinal);
        Assert.Contains("keywords: face (3.1)", body, StringComparison.Ordinal);
    }
}
