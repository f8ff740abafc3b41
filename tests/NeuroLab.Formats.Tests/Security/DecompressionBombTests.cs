using NeuroLab.Formats.Images;
using NeuroLab.Formats.Inspection;

namespace NeuroLab.Formats.Tests.Security;

/// <summary>The hostile files of every upload format, generated once per test class (about 400 MB declared each).</summary>
public sealed class HostileFileSet : IDisposable
{
    /// <summary>What each bomb's header declares: far over the budget below, well under the decoded limit.</summary>
    public const long Declared = 400L << 20;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("neurolab-bombs-");
    private readonly Dictionary<string, string> _paths = [];
    private readonly Lock _lock = new();

    /// <summary>The bomb of <paramref name="format"/>, written on first use.</summary>
    public string PathOf(string format)
    {
        lock (_lock)
        {
            if (!_paths.TryGetValue(format, out var path))
            {
                path = Path.Combine(_folder.FullName, HostileFiles.All.Single(f => f.Format == format).FileName);
                long declared = format is "png" or "png-interlaced" or "jpeg" ? 6000L * 6000 * 3 : format == "png-wide" ? 60_000_000 : Declared;
                HostileFiles.Write(format, path, declared);
                _paths[format] = path;
            }
            return path;
        }
    }

    public void Dispose() => _folder.Delete(recursive: true);
}

/// <summary>
/// Issue 9, finding 1: a small upload whose header declares a huge array must not make the server decode it in
/// memory. Inspection, preview and histogram of each format either stream within the budget (and succeed) or refuse
/// with a message naming the setting, and in both cases allocate far less than the declared size. Allocation is
/// measured on the test's thread (<see cref="GC.GetAllocatedBytesForCurrentThread"/>): decoding the declared data
/// whole would allocate at least <see cref="HostileFileSet.Declared"/> bytes.
/// </summary>
public sealed class DecompressionBombTests(HostileFileSet files) : IClassFixture<HostileFileSet>
{
    /// <summary>A small budget, so formats decoded whole are refused and streamed ones must stay well inside.</summary>
    private static readonly InspectionLimits _limits = new() { MaxDecodedBytes = 2L << 30, MemoryBudgetBytes = 64L << 20 };

    /// <summary>Managed allocation allowed for one inspection + preview + histogram (buffers, the picture, parsing).</summary>
    private const long AllocationCeiling = 48L << 20;

    [Theory]
    [InlineData("nifti", "nifti")]
    [InlineData("npy", "npy")]
    [InlineData("npz", "npz")]
    [InlineData("png", "image")]
    [InlineData("png-interlaced", "image")]
    [InlineData("jpeg", "image")]
    public void StreamedFormat_BombDeclaringHundredsOfMegabytes_InspectsPreviewsAndCountsWithinBudget(string format, string expectedFormat)
    {
        var path = files.PathOf(format);
        var name = Path.GetFileName(path);
        long before = GC.GetAllocatedBytesForCurrentThread();

        var inspection = FileInspector.Inspect(path, name, _limits);
        var png = PreviewRenderer.RenderPng(path, name, 256, _limits);
        var histogram = PreviewRenderer.FileHistogram(path, limits: _limits);

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expectedFormat, inspection.Format);
        Assert.NotNull(png);
        Assert.True(ImageReader.ReadInfo(new MemoryStream(png), "preview.png").Width <= 256);
        Assert.NotNull(histogram);
        Assert.True(allocated < AllocationCeiling, $"{format}: allocated {allocated >> 20} MiB for a file declaring {HostileFileSet.Declared >> 20} MiB");
        if (expectedFormat != "image")
        {
            // Every value was counted (zeros): the histogram is exact, not a sample.
            Assert.Equal(inspection.Shape!.Aggregate(1L, (a, d) => a * d) , histogram.Value.Counts.Sum());
            Assert.Equal(0.0, Assert.IsType<double>(inspection.Summary["max"]));
        }
    }

    [Theory]
    [InlineData("gifti")]
    [InlineData("mat")]
    [InlineData("mat-many")]
    [InlineData("csv")]
    [InlineData("png-wide")]
    public void WholeDecodedFormat_BombOverBudget_RefusedNamingTheSettingBeforeDecoding(string format)
    {
        var path = files.PathOf(format);
        var name = Path.GetFileName(path);
        long before = GC.GetAllocatedBytesForCurrentThread();

        var inspect = Assert.Throws<FormatReadException>(() => FileInspector.Inspect(path, name, _limits));
        var preview = Record.Exception(() => PreviewRenderer.RenderPng(path, name, 256, _limits));
        var histogram = Record.Exception(() => PreviewRenderer.FileHistogram(path, limits: _limits));

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("NeuroLab:Uploads:InspectionMemoryBytes", inspect.Message, StringComparison.Ordinal);
        Assert.Contains(name, inspect.Message, StringComparison.Ordinal);
        // Previews of such files either have no picture or are refused the same way, never decoded.
        Assert.True(preview is null or FormatReadException, $"preview threw {preview}");
        Assert.True(histogram is null or FormatReadException, $"histogram threw {histogram}");
        // A refused text table may have parsed up to the budget before its size was known, and a MAT-file's variables
        // are counted as they are read: the ones before the total passes the budget were decoded.
        Assert.True(allocated < (format is "csv" or "mat-many" ? 4 * _limits.MemoryBudgetBytes : AllocationCeiling), $"{format}: allocated {allocated >> 20} MiB before refusing");
    }

    [Theory]
    [InlineData("nifti")]
    [InlineData("npy")]
    [InlineData("npz")]
    [InlineData("png")]
    [InlineData("gifti")]
    [InlineData("mat")]
    public void AnyFormat_DeclaringMoreThanTheDecodedLimit_RefusedNamingTheSetting(string format)
    {
        var path = files.PathOf(format);
        var small = new InspectionLimits { MaxDecodedBytes = 50L << 20, MemoryBudgetBytes = 64L << 20 };

        var e = Assert.Throws<FormatReadException>(() => FileInspector.Inspect(path, Path.GetFileName(path), small));

        Assert.Contains("NeuroLab:Uploads:MaxDecodedBytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedCompressedNifti_StreamingInspection_ReportsTheTruncation()
    {
        var path = files.PathOf("nifti");
        var cut = Path.Combine(Path.GetDirectoryName(path)!, "cut.nii.gz");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<FormatReadException>(() => FileInspector.Inspect(cut, "cut.nii.gz", _limits));

        Assert.StartsWith("cut.nii.gz: file ends early:", e.Message, StringComparison.Ordinal);
        // The whole image's size is named (what the header promised), not the size of a read chunk.
        var declared = FileInspector.Inspect(path, "whole.nii.gz", _limits).Shape!.Aggregate(4L, (a, d) => a * d);
        Assert.Contains($"needs {declared:N0} bytes", e.Message, StringComparison.Ordinal);
    }
}
