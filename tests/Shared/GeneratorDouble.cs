using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NeuroLab.Formats;
using NeuroLab.Formats.Images;

namespace NeuroLab.Tests.Shared;

/// <summary>How the <see cref="GeneratorDouble"/> answers.</summary>
public enum GeneratorMode
{
    /// <summary>One PNG per item: the item's low-level guess as sent (mid-grey at the output size without one).</summary>
    Good,
    /// <summary>Each guess as an RGB PNG enlarged 2x by pixel repetition (R = G = B): greyscale and area-resampled it is the guess again.</summary>
    GoodRgbLarger,
    /// <summary>Answers only after 30 s (or when the client gives up).</summary>
    Slow,
    /// <summary>pngBase64 holds bytes that are no image.</summary>
    Garbage,
    /// <summary>One image fewer than items.</summary>
    WrongCount,
    /// <summary>Every image claims the batch's first index.</summary>
    DuplicateIndex,
    /// <summary>Images 4x the output size per side.</summary>
    Oversized,
    /// <summary>HTTP 500 with a text body that contains a control character.</summary>
    Http500,
    /// <summary>HTTP 200 with an HTML page.</summary>
    NotJson,
    /// <summary>Good images, but a model name of 5,000 characters with line breaks that echoes <see cref="GeneratorDouble.EchoKey"/>.</summary>
    LongModelName,
    /// <summary>Good images, but another version on every request.</summary>
    ChangingVersion,
}

/// <summary>
/// An in-process generator (Kestrel on 127.0.0.1, port 0) implementing contract neurolab.generator/1
/// (docs/api/generative-service.md) for tests, with failure modes; it records every request it receives.
/// </summary>
public sealed class GeneratorDouble : IAsyncDisposable
{
    public const string Model = "double-diffusion";
    public const string Version = "0.9-test";

    private readonly WebApplication _app;

    private GeneratorDouble(WebApplication app) => _app = app;

    public GeneratorMode Mode { get; set; } = GeneratorMode.Good;

    /// <summary>What <see cref="GeneratorMode.LongModelName"/> echoes in its model name (set it to the client's API key).</summary>
    public string EchoKey { get; set; } = "";

    /// <summary>Each request's Authorization header and JSON body, in arrival order.</summary>
    public ConcurrentQueue<(string? Authorization, JsonElement Body)> Requests { get; } = new();

    /// <summary>Requests whose client went away before the answer (a cancelled or timed-out call).</summary>
    public int Aborted => _aborted;

    private int _aborted;

    /// <summary>The URL to configure as NeuroLab:Reconstruction:Generator:Endpoint.</summary>
    public string Endpoint { get; private set; } = "";

    public static async Task<GeneratorDouble> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var generator = new GeneratorDouble(app);
        app.MapPost("/v1/generate", generator.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        generator.Endpoint = address.TrimEnd('/') + "/v1/generate";
        return generator;
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        var body = document.RootElement.Clone();
        Requests.Enqueue((http.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, body));
        switch (Mode)
        {
            case GeneratorMode.Slow:
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref _aborted);
                    return;
                }
                break;
            case GeneratorMode.Http500:
                http.Response.StatusCode = 500;
                await http.Response.WriteAsync("model exploded\u0007 while sampling " + new string('x', 400), http.RequestAborted);
                return;
            case GeneratorMode.NotJson:
                http.Response.ContentType = "text/html";
                await http.Response.WriteAsync("<html><body>Bad gateway</body></html>", http.RequestAborted);
                return;
        }
        var output = body.GetProperty("output");
        int h = output.GetProperty("height").GetInt32(), w = output.GetProperty("width").GetInt32();
        var images = new List<object>();
        foreach (var item in body.GetProperty("items").EnumerateArray())
        {
            int index = item.GetProperty("index").GetInt32();
            string png = item.TryGetProperty("lowLevel", out var low) ? low.GetProperty("pngBase64").GetString()! : Grey(h, w);
            png = Mode switch
            {
                GeneratorMode.Garbage => Convert.ToBase64String(Encoding.ASCII.GetBytes("this is not an image")),
                GeneratorMode.GoodRgbLarger => RgbEnlarged(png, 2),
                GeneratorMode.Oversized => Grey(4 * h, 4 * w),
                _ => png,
            };
            int first = body.GetProperty("items")[0].GetProperty("index").GetInt32();
            images.Add(new { index = Mode == GeneratorMode.DuplicateIndex ? first : index, pngBase64 = png });
        }
        if (Mode == GeneratorMode.WrongCount)
        {
            images.RemoveAt(images.Count - 1);
        }
        string model = Mode == GeneratorMode.LongModelName ? "babbling\nmodel " + EchoKey + " " + new string('m', 5000) : Model;
        string version = Mode == GeneratorMode.ChangingVersion ? $"v{Requests.Count}" : Version;
        await http.Response.WriteAsJsonAsync(new { model, version, images }, http.RequestAborted);
    }

    private static string Grey(int h, int w) =>
        Convert.ToBase64String(ImageThumbnail.EncodePng(new NumericArray(NumericType.Float32, [h, w], Enumerable.Repeat(0.5f, h * w).ToArray()), Math.Max(h, w)));

    private static string RgbEnlarged(string pngBase64, int factor)
    {
        var grey = ImageReader.Read(new MemoryStream(Convert.FromBase64String(pngBase64)), "guess.png", new ImageReadOptions { Color = ImageColorMode.Grayscale });
        int h = (int)grey.Shape[0], w = (int)grey.Shape[1];
        var values = grey.ToFloat32();
        var rgb = new float[h * factor * w * factor * 3];
        for (int y = 0; y < h * factor; y++)
        {
            for (int x = 0; x < w * factor; x++)
            {
                float v = values[(y / factor) * w + x / factor];
                int o = (y * w * factor + x) * 3;
                (rgb[o], rgb[o + 1], rgb[o + 2]) = (v, v, v);
            }
        }
        return Convert.ToBase64String(ImageThumbnail.EncodePng(new NumericArray(NumericType.Float32, [h * factor, w * factor, 3], rgb), Math.Max(h, w) * factor));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
