using System.Text.Json;

namespace NeuroLab.Formats.Tests.Tabular;

/// <summary>Locates the committed tabular fixtures and the reference values written by Reference/tabular_reference.py.</summary>
internal static class TabularTestFiles
{
    private static readonly Lazy<string> _repoRoot = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuroLab.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new DirectoryNotFoundException("NeuroLab.sln not found above " + AppContext.BaseDirectory);
    });

    private static readonly Lazy<JsonDocument> _reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "tabular_reference.json"))));

    /// <summary>Reference values (Python csv module; numpy 1.24.2 loadtxt/genfromtxt).</summary>
    public static JsonElement Reference => _reference.Value.RootElement;

    public static string Fixture(string name) => Path.Combine(_repoRoot.Value, "tests", "NeuroLab.Formats.Tests", "Fixtures", "tabular", name);

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

    /// <summary>A stream that cannot seek, like a network upload.</summary>
    public sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 777));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
