using NeuroLab.Formats.Inspection;
using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Formats.Tests.Inspection;

/// <summary>
/// The streamed previews and histograms (files read in chunks, never held) give exactly what the whole-array
/// functions give on the same data: <see cref="PreviewRenderer.Heatmap"/> and <see cref="PreviewRenderer.Histogram"/>
/// over the array read whole by <see cref="NpyReader"/>.
/// </summary>
public sealed class StreamedPreviewTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("neurolab-streamed-");

    public void Dispose() => _folder.Delete(recursive: true);

    public static TheoryData<string, long[], bool> Arrays => new()
    {
        { "matrix", [700, 300], false },
        { "matrix-fortran", [700, 300], true },
        { "small", [5, 7], false },
        { "vector", [100_000], false },
        { "rank3", [40, 600, 3], false },
        { "rank3-fortran", [40, 600, 3], true },
        { "tall", [300_000, 2], false },
    };

    [Theory]
    [MemberData(nameof(Arrays))]
    public void NpyPreviewAndHistogram_Streamed_EqualWholeArrayFunctions(string name, long[] shape, bool fortran)
    {
        var random = new Random(name.Length * 7919);
        long n = shape.Aggregate(1L, (a, d) => a * d);
        var values = new float[n];
        for (long i = 0; i < n; i++)
        {
            values[i] = i % 97 == 5 ? float.NaN : (float)(random.NextDouble() * 10 - 3 + (i % 1000) * 0.01);
        }
        var array = new NumericArray(NumericType.Float32, shape, values, fortran ? ArrayOrder.Fortran : ArrayOrder.C);
        var path = Path.Combine(_folder.FullName, name + ".npy");
        NpyWriter.Write(path, array);
        var whole = NpyReader.Read(path);

        var streamed = PreviewRenderer.RenderPng(path, name + ".npy", 256);
        var histogram = PreviewRenderer.FileHistogram(path, 40);

        Assert.Equal(PreviewRenderer.Heatmap(whole, 256), streamed);
        var expected = PreviewRenderer.Histogram(whole.ToFloat64(), 40);
        Assert.Equal(expected.Counts, histogram!.Value.Counts);
        Assert.Equal(expected.Edges, histogram.Value.Edges);
    }

    [Fact]
    public void NiftiSliceAndHistogram_Streamed_MatchTheWholeVolume()
    {
        // A scaled int16 4-D image: the preview is the middle slice of volume 1, the histogram all of volume 1, scaled.
        long[] shape = [9, 11, 7, 3];
        var data = new short[9 * 11 * 7 * 3];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (short)((i * 37 % 401) - 200);
        }
        var path = Path.Combine(_folder.FullName, "scaled.nii");
        NiftiWriter.Write(path, new NumericArray(NumericType.Int16, shape, data, ArrayOrder.Fortran), new double[,] { { 2, 0, 0, 0 }, { 0, 2, 0, 0 }, { 0, 0, 2, 0 }, { 0, 0, 0, 1 } });
        // scl_slope and scl_inter live at bytes 112 and 116 of the NIfTI-1 header (float32).
        var bytes = File.ReadAllBytes(path);
        System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(112), 0.5f);
        System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(116), 10f);
        File.WriteAllBytes(path, bytes);
        Assert.True(NiftiReader.ReadHeader(path).HasScaling);

        var histogram = PreviewRenderer.FileHistogram(path, 20)!.Value;
        var png = PreviewRenderer.RenderPng(path, "scaled.nii", 64);

        var inspection = FileInspector.Inspect(path, "scaled.nii");
        // The summary's range is in scaled values, over every volume (closed form: stored x 0.5 + 10).
        Assert.Equal(data.Min() * 0.5 + 10, (double)inspection.Summary["min"]!);
        Assert.Equal(data.Max() * 0.5 + 10, (double)inspection.Summary["max"]!);
        Assert.Equal(data.Average(v => (double)v) * 0.5 + 10, (double)inspection.Summary["mean"]!, 4);

        var firstVolume = data.Take(9 * 11 * 7).Select(v => v * 0.5 + 10);
        var expected = PreviewRenderer.Histogram(firstVolume, 20);
        Assert.Equal(expected.Counts, histogram.Counts);
        Assert.Equal(expected.Edges, histogram.Edges);
        Assert.NotNull(png);
        var info = NeuroLab.Formats.Images.ImageReader.ReadInfo(new MemoryStream(png), "slice.png");
        // The 9 x 11 slice, x across and y down, at its own size (previews are never enlarged).
        Assert.Equal(11, info.Height);
        Assert.Equal(9, info.Width);
    }
}

/// <summary>Edge cases of histograms and of the streaming PNG decoder's chunk checks.</summary>
public sealed class PreviewEdgeCaseTests
{
    [Fact]
    public void Histogram_RangeWiderThanTheLargestDouble_BinsCorrectlyWithFiniteEdges()
    {
        // max - min overflows to infinity; closed form: -1e308 in bin 0, 0 and 1e308 in bin 1 of 2.
        var (edges, counts) = PreviewRenderer.Histogram([-1e308, 0, 1e308], 2);

        Assert.Equal([1L, 2L], counts);
        Assert.All(edges, e => Assert.True(double.IsFinite(e)));
        Assert.Equal(-1e308, edges[0]);
        Assert.Equal(1e308, edges[2]);
    }

    [Fact]
    public void PngSampler_DamagedCrcOfTheLastImageChunk_IsRefused_DamagedTextChunkIsIgnored()
    {
        var original = File.ReadAllBytes(Support.TestFiles.Fixture("images", "rgb8_filters.png"));
        var folder = Directory.CreateTempSubdirectory("neurolab-png-crc-");
        try
        {
            // The last IDAT's CRC sits just before the 12-byte IEND chunk.
            var badIdat = (byte[])original.Clone();
            badIdat[^13] ^= 0xFF;
            var idatPath = Path.Combine(folder.FullName, "bad-idat.png");
            File.WriteAllBytes(idatPath, badIdat);
            // A tEXt chunk with a wrong CRC right after IHDR (8 signature + 25 IHDR bytes).
            byte[] text = [0, 0, 0, 1, (byte)'t', (byte)'E', (byte)'X', (byte)'t', (byte)'A', 0xDE, 0xAD, 0xBE, 0xEF];
            var textPath = Path.Combine(folder.FullName, "bad-text.png");
            File.WriteAllBytes(textPath, [.. original[..33], .. text, .. original[33..]]);

            var e = Assert.Throws<FormatReadException>(() => NeuroLab.Formats.Images.ImageSampler.Sample(idatPath, "bad-idat.png", NeuroLab.Formats.Images.ImageReader.ReadInfo(idatPath), 32));
            var sampled = NeuroLab.Formats.Images.ImageSampler.Sample(textPath, "bad-text.png", NeuroLab.Formats.Images.ImageReader.ReadInfo(textPath), 32);

            Assert.Contains("CRC mismatch in the IDAT chunk", e.Message, StringComparison.Ordinal);
            Assert.Equal(3, sampled.Shape[2]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
