using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using NeuroLab.Formats;
using NeuroLab.Formats.Images;

namespace NeuroLab.Compute.RunKinds.ReconstructionGenerative;

/// <summary>The generator service failed or answered outside the contract; the message names the problem and the batch.</summary>
public sealed class GeneratorException(string message) : InvalidOperationException(message);

/// <summary>What to generate: predicted embeddings (and low-level guesses) of <paramref name="Count"/> test images.</summary>
/// <param name="RunId">The run asking (sent as <c>runId</c>).</param>
/// <param name="Seed">The run's seed (sent as <c>seed</c>, for a reproducible sampler).</param>
/// <param name="EmbeddingSpace">The feature space of the embeddings, e.g. resnet18:pool.</param>
/// <param name="Dimension">Values per embedding.</param>
/// <param name="Count">Test images.</param>
/// <param name="Embeddings">float32 [Count, Dimension], row-major, in the feature space's own units.</param>
/// <param name="LowLevel">float32 [Count, Height, Width] in 0..1, or null.</param>
/// <param name="Height">Rows of the low-level guesses and of the grid the returned images are resampled to.</param>
/// <param name="Width">Columns, likewise.</param>
public sealed record GenerationInput(
    Guid RunId, int Seed, string EmbeddingSpace, int Dimension, int Count, float[] Embeddings, float[]? LowLevel, int Height, int Width);

/// <summary>The returned images, greyscale on the requested grid: float32 [count, height, width] in 0..1, and who made them.</summary>
public sealed record GeneratedImages(float[] Pixels, string Model, string Version, int Batches);

/// <summary>
/// Client of the external generative reconstruction service (docs/api/generative-service.md): POSTs the predicted embeddings
/// in batches of <see cref="GeneratorOptions.BatchSize"/> to the administrator's endpoint and checks every reply against the
/// contract before anything is kept (one image per item, each index once, decodable PNG/JPEG within the size limits). Returned
/// images are read with NeuroLab's bounded image reader, converted to greyscale (ITU-R BT.601 luma) and resampled to the grid.
/// </summary>
public sealed class GeneratorClient(IHttpClientFactory httpClients, IOptions<GeneratorOptions> options)
{
    /// <summary>The named HttpClient (its own timeout is off: each request gets <see cref="GeneratorOptions.TimeoutSeconds"/>).</summary>
    public const string HttpClientName = "NeuroLab.Generator";

    /// <summary>Characters of an error reply's body quoted in the failure.</summary>
    public const int QuotedBodyChars = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public GeneratorOptions Options => options.Value;

    /// <summary>
    /// Generates all images, batch by batch, reporting <paramref name="progress"/>(batches done, batches); returns only when
    /// every batch answered within the contract. Cancelling <paramref name="ct"/> aborts the request in flight.
    /// </summary>
    /// <exception cref="GeneratorException">Not configured, non-finite input (nothing is sent), or a batch failed.</exception>
    public async Task<GeneratedImages> GenerateAsync(GenerationInput input, Action<int, int>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = Options;
        if (!o.IsConfigured || o.Problems().Count > 0)
        {
            throw new GeneratorException($"The generative service is not configured: set {GeneratorOptions.SectionName}:Endpoint.");
        }
        CheckFinite(input);
        int batchSize = o.BatchSize;
        int batches = (input.Count + batchSize - 1) / batchSize;
        int pixels = input.Height * input.Width;
        var result = new float[(long)input.Count * pixels];
        string model = "", version = "";
        var client = httpClients.CreateClient(HttpClientName);
        for (int b = 0; b < batches; b++)
        {
            progress?.Invoke(b, batches);
            int first = b * batchSize, count = Math.Min(batchSize, input.Count - first);
            string where = string.Create(CultureInfo.InvariantCulture, $"The generator at {o.Host} failed on batch {b + 1} of {batches} (test images {first}-{first + count - 1})");
            var reply = await SendAsync(client, Request(input, first, count), where, ct);
            var images = Images(reply, first, count, where);
            for (int k = 0; k < count; k++)
            {
                Decode(images[k], first + k, input.Height, input.Width, where).CopyTo(result.AsSpan((int)((long)(first + k) * pixels), pixels));
            }
            // The service's own words about itself are stored with the run and shown: bounded, cleaned, the key never kept.
            var (m, v) = (Label(reply.Model, o), Label(reply.Version, o));
            if (b > 0 && (m != model || v != version))
            {
                throw new GeneratorException($"{where}: the generator changed its model within one run ('{model} {version}' on earlier batches, '{m} {v}' now); the images would not come from one model.");
            }
            (model, version) = (m, v);
        }
        progress?.Invoke(batches, batches);
        return new GeneratedImages(result, model, version, batches);
    }

    /// <summary>A PNG (8-bit greyscale) of an image float32 [height, width] in 0..1, as the low-level guess is sent.</summary>
    public static string PngBase64(ReadOnlySpan<float> image, int height, int width) =>
        Convert.ToBase64String(ImageThumbnail.EncodePng(new NumericArray(NumericType.Float32, [height, width], image.ToArray()), Math.Max(height, width)));

    private static void CheckFinite(GenerationInput input)
    {
        int d = input.Dimension, pixels = input.Height * input.Width;
        for (int i = 0; i < input.Count; i++)
        {
            if (!input.Embeddings.AsSpan(i * d, d).ToArray().All(float.IsFinite))
            {
                throw new GeneratorException($"The predicted embedding of test image {i} has a non-finite value (NaN or infinity); nothing was sent to the generator.");
            }
            if (input.LowLevel is { } low && !low.AsSpan(i * pixels, pixels).ToArray().All(float.IsFinite))
            {
                throw new GeneratorException($"The low-level guess of test image {i} has a non-finite value (NaN or infinity); nothing was sent to the generator.");
            }
        }
    }

    private static GeneratorRequest Request(GenerationInput input, int first, int count)
    {
        int d = input.Dimension, pixels = input.Height * input.Width;
        var items = new GeneratorItem[count];
        for (int k = 0; k < count; k++)
        {
            int i = first + k;
            var low = input.LowLevel is { } l ? new GeneratorLowLevel(input.Height, input.Width, PngBase64(l.AsSpan(i * pixels, pixels), input.Height, input.Width)) : null;
            items[k] = new GeneratorItem(i, input.Embeddings.AsSpan(i * d, d).ToArray(), low);
        }
        return new GeneratorRequest(GeneratorRequest.ContractName, input.RunId, input.Seed, input.EmbeddingSpace, d, items, new GeneratorImageSize(input.Height, input.Width));
    }

    private async Task<GeneratorReply> SendAsync(HttpClient client, GeneratorRequest request, string where, CancellationToken ct)
    {
        var o = Options;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(o.TimeoutSeconds));
        using var message = new HttpRequestMessage(HttpMethod.Post, o.Endpoint) { Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, Json)) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (!string.IsNullOrEmpty(o.ApiKey))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", o.ApiKey);
        }
        // Base64 costs 4/3; the JSON around the images is small.
        long limit = (long)request.Items.Count * ((long)o.MaxImageBytes * 4 / 3 + 4096) + (1 << 20);
        byte[] body;
        System.Net.HttpStatusCode status;
        string reason;
        try
        {
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            (status, reason) = (response.StatusCode, response.ReasonPhrase ?? "");
            bool ok = response.IsSuccessStatusCode;
            body = await ReadBodyAsync(response, ok ? limit : 4096, where, timeout.Token);
            if (!ok)
            {
                throw new GeneratorException(string.Create(CultureInfo.InvariantCulture, $"{where}: it answered HTTP {(int)status} {Sanitise(reason, o)}: {Sanitise(Encoding.UTF8.GetString(body), o)}"));
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new GeneratorException(string.Create(CultureInfo.InvariantCulture, $"{where}: no answer within {o.TimeoutSeconds} s (the request was abandoned)."));
        }
        catch (HttpRequestException e)
        {
            throw new GeneratorException($"{where}: it could not be reached ({e.HttpRequestError}): {Sanitise(e.Message, o)}");
        }
        catch (IOException e)
        {
            throw new GeneratorException($"{where}: the connection broke while reading the reply: {Sanitise(e.Message, o)}");
        }
        try
        {
            return JsonSerializer.Deserialize<GeneratorReply>(body, Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new GeneratorException($"{where}: the reply is not the contract's JSON ({Sanitise(e.Message, o)}); it begins: {Sanitise(Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 4 * QuotedBodyChars)), o)}");
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, long limit, string where, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength is { } declared && declared > limit && response.IsSuccessStatusCode)
        {
            throw new GeneratorException(string.Create(CultureInfo.InvariantCulture, $"{where}: the reply declares {declared} bytes, more than the {limit} its images may take."));
        }
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            int keep = (int)Math.Min(read, limit - buffer.Length);
            buffer.Write(chunk, 0, keep);
            if (keep < read)
            {
                if (response.IsSuccessStatusCode)
                {
                    throw new GeneratorException(string.Create(CultureInfo.InvariantCulture, $"{where}: the reply is larger than the {limit} bytes its images may take."));
                }
                break;
            }
        }
        return buffer.ToArray();
    }

    /// <summary>The reply's images in item order, after checking the count and that each index of the batch comes exactly once.</summary>
    private static GeneratorImage[] Images(GeneratorReply reply, int first, int count, string where)
    {
        if (reply.Images is not { } images)
        {
            throw new GeneratorException($"{where}: the reply has no \"images\" array.");
        }
        if (images.Count != count)
        {
            throw new GeneratorException(string.Create(CultureInfo.InvariantCulture, $"{where}: it returned {images.Count} images for {count} items (one per item is expected)."));
        }
        var ordered = new GeneratorImage?[count];
        foreach (var image in images)
        {
            if (image?.Index is not { } index)
            {
                throw new GeneratorException($"{where}: an image has no \"index\".");
            }
            if (index < first || index >= first + count)
            {
                throw new GeneratorException(string.Create(CultureInfo.InvariantCulture, $"{where}: image index {index} is out of range (this batch has items {first}-{first + count - 1})."));
            }
            if (ordered[index - first] is not null)
            {
                throw new GeneratorException(string.Create(CultureInfo.InvariantCulture, $"{where}: image index {index} was returned twice."));
            }
            ordered[index - first] = image;
        }
        return [.. ordered.Select(i => i!)];
    }

    /// <summary>One returned image, greyscale (BT.601 luma), resampled to height x width, float32 in 0..1.</summary>
    private float[] Decode(GeneratorImage image, int index, int height, int width, string where)
    {
        var o = Options;
        string what = string.Create(CultureInfo.InvariantCulture, $"{where}: the image of test image {index}");
        string data = image.PngBase64 ?? "";
        if ((long)data.Length * 3 / 4 > o.MaxImageBytes)
        {
            throw new GeneratorException(string.Create(CultureInfo.InvariantCulture, $"{what} is larger than {GeneratorOptions.SectionName}:MaxImageBytes ({o.MaxImageBytes} bytes)."));
        }
        var bytes = new byte[data.Length * 3 / 4 + 3];
        if (data.Length == 0 || !Convert.TryFromBase64String(data, bytes, out int length))
        {
            throw new GeneratorException($"{what} is not base64 data.");
        }
        try
        {
            using var stream = new MemoryStream(bytes, 0, length, writable: false);
            var info = ImageReader.ReadInfo(stream, $"image {index}");
            if (info.Width > o.MaxImageSide || info.Height > o.MaxImageSide)
            {
                throw new GeneratorException(string.Create(CultureInfo.InvariantCulture,
                    $"{what} is {info.Width}x{info.Height} pixels, over {GeneratorOptions.SectionName}:MaxImageSide ({o.MaxImageSide})."));
            }
            stream.Position = 0;
            var pixels = ImageReader.Read(stream, $"image {index}", new ImageReadOptions
            {
                Color = ImageColorMode.Grayscale,
                Width = width,
                Height = height,
                MaxPixels = (long)o.MaxImageSide * o.MaxImageSide,
            });
            return pixels.ToFloat32();
        }
        catch (FormatReadException e)
        {
            throw new GeneratorException($"{what} could not be decoded as PNG or JPEG: {Sanitise(e.Message, o)}");
        }
    }

    /// <summary>Most characters of the model name and version a service reports.</summary>
    public const int LabelChars = 100;

    /// <summary>A model name or version as the service reported it: at most <see cref="LabelChars"/> characters, cleaned as quoted bodies are.</summary>
    private static string Label(string? text, GeneratorOptions o)
    {
        var clean = Sanitise(text ?? "", o);
        return clean.Length <= LabelChars ? clean : clean[..LabelChars] + "…";
    }

    /// <summary>At most <see cref="QuotedBodyChars"/> characters, control characters as spaces, the API key never repeated (nor its JSON-escaped form).</summary>
    private static string Sanitise(string text, GeneratorOptions o)
    {
        if (!string.IsNullOrEmpty(o.ApiKey))
        {
            text = text.Replace(o.ApiKey, "***", StringComparison.Ordinal)
                .Replace(System.Text.Json.JsonEncodedText.Encode(o.ApiKey).ToString(), "***", StringComparison.Ordinal)
                .Replace(System.Text.Json.JsonEncodedText.Encode(o.ApiKey, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString(), "***", StringComparison.Ordinal);
        }
        var chars = text.Take(QuotedBodyChars).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? ' ' : c).ToArray();
        return new string(chars).Trim() + (text.Length > QuotedBodyChars ? "…" : "");
    }
}
