using System.Globalization;

namespace NeuroLab.Compute.RunKinds.ReconstructionGenerative;

/// <summary>
/// The external generative reconstruction service (configuration <c>NeuroLab:Reconstruction:Generator</c>), set by the
/// administrator only: a run's parameters never name an address (no server-side request forgery through runs).
/// Contract: docs/api/generative-service.md.
/// </summary>
public sealed class GeneratorOptions
{
    public const string SectionName = "NeuroLab:Reconstruction:Generator";

    /// <summary>Absolute http/https URL the requests are POSTed to; empty = not configured (the kind refuses runs).</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Sent as <c>Authorization: Bearer</c> when set; never logged or stored with a run.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Seconds one request (one batch) may take.</summary>
    public double TimeoutSeconds { get; set; } = 120;

    /// <summary>Test images per request.</summary>
    public int BatchSize { get; set; } = 8;

    /// <summary>Largest returned image file, in bytes (8 MiB).</summary>
    public int MaxImageBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest width or height of a returned image, in pixels.</summary>
    public int MaxImageSide { get; set; } = 1024;

    /// <summary>Whether an endpoint is set.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint);

    /// <summary>The endpoint's host and port, as runs name the service (empty when not configured).</summary>
    public string Host => Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) ? uri.Authority : "";

    /// <summary>What is wrong with the settings (empty when they are usable).</summary>
    public IReadOnlyList<string> Problems()
    {
        const double MaxReplyBytes = 1L << 30;
        var problems = new List<string>();
        if (IsConfigured && !(Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            problems.Add($"{SectionName}:Endpoint must be an absolute http or https URL.");
        }
        void InRange(string key, double value, double low, double high)
        {
            if (!(value >= low && value <= high))
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:{key} must be between {low} and {high}."));
            }
        }
        InRange(nameof(TimeoutSeconds), TimeoutSeconds, 0.1, 3600);
        InRange(nameof(BatchSize), BatchSize, 1, 256);
        InRange(nameof(MaxImageBytes), MaxImageBytes, 1024, 256 * 1024 * 1024);
        InRange(nameof(MaxImageSide), MaxImageSide, 8, 8192);
        // One batch's reply is held in memory while it is read: its bound (BatchSize x MaxImageBytes as base64) stays under 1 GiB.
        if ((double)BatchSize * MaxImageBytes * 4 / 3 > MaxReplyBytes)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{SectionName}:BatchSize x MaxImageBytes ({BatchSize} x {MaxImageBytes}) allows a reply of more than 1 GiB to be held in memory; lower one of them."));
        }
        return problems;
    }
}
