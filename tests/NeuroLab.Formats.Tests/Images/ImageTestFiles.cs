using System.Text.Json;

namespace NeuroLab.Formats.Tests.Images;

/// <summary>Locates the committed image fixtures and the reference values written by Reference/images_reference.py.</summary>
internal static class ImageTestFiles
{
    private static readonly Lazy<JsonDocument> _reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "images_reference.json"))));

    /// <summary>Reference values (Pillow 9.4.0 with Debian's libpng16 / libjpeg62-turbo; numpy 1.24.2).</summary>
    public static JsonElement Reference => _reference.Value.RootElement;

    public static string Fixture(string name) => Support.TestFiles.Fixture("images", name);

    public static byte[] Base64Pixels(JsonElement element, string property) => Convert.FromBase64String(element.GetProperty(property).GetString()!);

    /// <summary>Float samples in [0, 1] back to 0-255 bytes (exact for 8-bit sources: v/255 round-trips).</summary>
    public static byte[] ToBytes(NumericArray image) => [.. image.AsSpan<float>().ToArray().Select(v => (byte)Math.Round(v * 255f))];
}
