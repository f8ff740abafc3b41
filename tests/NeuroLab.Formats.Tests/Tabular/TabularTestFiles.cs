using System.Text.Json;

namespace NeuroLab.Formats.Tests.Tabular;

/// <summary>Locates the committed tabular fixtures and the reference values written by Reference/tabular_reference.py.</summary>
internal static class TabularTestFiles
{
    private static readonly Lazy<JsonDocument> _reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "tabular_reference.json"))));

    /// <summary>Reference values (Python csv module; numpy 1.24.2 loadtxt/genfromtxt).</summary>
    public static JsonElement Reference => _reference.Value.RootElement;

    public static string Fixture(string name) => Support.TestFiles.Fixture("tabular", name);

    public static MemoryStream Text(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(data);
        }
        return output.ToArray();
    }

    public static double?[] NullableDoubles(JsonElement array)
        => [.. array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (double?)null : e.GetDouble())];

    public static string?[] NullableStrings(JsonElement array)
        => [.. array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? null : e.GetString())];

}
