using System.Text.Json;
using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Tests.Support;

namespace NeuroLab.Formats.Tests.Nifti;

/// <summary>
/// Every NIfTI file in ../shared/data and the synthetic fixtures, compared with nibabel 5.0.0 / numpy 1.24.2
/// (Reference/nifti_reference.py). Tolerances: integer values exact; affines 1e-5 absolute (headers store
/// float32); sums 1e-9 relative (raw) and 1e-6 relative (scaled, float32 slope arithmetic).
/// </summary>
public sealed class NiftiReaderTests
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        using var doc = TestFiles.Reference("nifti_reference.json");
        foreach (var entry in doc.RootElement.GetProperty("real").EnumerateArray())
        {
            data.Add(entry.GetProperty("file").GetString()!, true);
        }
        foreach (var entry in doc.RootElement.GetProperty("fixtures").EnumerateArray())
        {
            data.Add(entry.GetProperty("file").GetString()!, false);
        }
        return data;
    }

    private static JsonElement Expected(string file, bool real)
    {
        var doc = TestFiles.Reference("nifti_reference.json");
        return doc.RootElement.GetProperty(real ? "real" : "fixtures").EnumerateArray().Single(e => e.GetProperty("file").GetString() == file);
    }

    private static string PathOf(string file, bool real) => real ? SharedData.Path(file) : TestFiles.Fixture("nifti", file);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Read_MatchesNibabel(string file, bool real)
    {
        var expected = Expected(file, real);
        var image = NiftiReader.Read(PathOf(file, real));
        var h = image.Header;

        Assert.Equal(expected.GetProperty("version").GetInt32(), h.Version);
        Assert.Equal(expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()), h.Shape);
        Assert.Equal(expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()), image.Data.Shape);
        Assert.Equal(expected.GetProperty("dtype").GetString(), NumericTypes.Name(image.Data.Type));
        Assert.Equal(expected.GetProperty("big_endian").GetBoolean(), h.BigEndian);
        Assert.Equal(expected.GetProperty("qform_code").GetInt32(), h.QFormCode);
        Assert.Equal(expected.GetProperty("sform_code").GetInt32(), h.SFormCode);
        var zooms = expected.GetProperty("zooms").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < zooms.Length; i++)
        {
            Assert.Equal(zooms[i], Math.Abs(h.PixDim[i + 1]), 1e-6);
        }
        AssertAffine(expected.GetProperty("best_affine"), h.BestAffine());
        if (h.QFormCode > 0)
        {
            AssertAffine(expected.GetProperty("qform"), h.QFormAffine());
        }
        if (h.SFormCode > 0)
        {
            AssertAffine(expected.GetProperty("sform"), h.SFormAffine());
        }
        Assert.Equal(expected.GetProperty("axcodes").GetString(), h.OrientationCodes());

        var slope = expected.GetProperty("slope");
        Assert.Equal(slope.ValueKind != JsonValueKind.Null, h.HasScaling);
        if (h.HasScaling)
        {
            Assert.Equal(slope.GetDouble(), h.SclSlope, 1e-9);
            Assert.Equal(expected.GetProperty("inter").GetDouble(), h.SclInter, 1e-9);
        }

        var raw = image.Data.ToFloat64();
        AssertRelative(expected.GetProperty("raw_sum").GetDouble(), raw.Sum(), 1e-9);
        AssertRelative(expected.GetProperty("scaled_sum").GetDouble(), image.ScaledFloat64().Sum(), 1e-6);
        var scaled = image.ScaledFloat64();
        foreach (var probe in expected.GetProperty("probes").EnumerateArray())
        {
            var index = probe.GetProperty("index").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var flat = image.Data.FlatIndex(index);
            Assert.Equal(probe.GetProperty("raw").GetDouble(), image.Data.GetDouble(flat), 1e-6);
            Assert.Equal(probe.GetProperty("scaled").GetDouble(), scaled[flat], Math.Max(1e-6, Math.Abs(probe.GetProperty("scaled").GetDouble()) * 1e-6));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReadFromStream_SameAsFromPath(string file, bool real)
    {
        if (file.EndsWith(".hdr", StringComparison.Ordinal))
        {
            return; // pairs need both files; covered by Read_PairHeaderFromStream_ExplainsWhatToUpload
        }
        var fromPath = NiftiReader.Read(PathOf(file, real));
        using var stream = File.OpenRead(PathOf(file, real));
        var fromStream = NiftiReader.Read(stream, Path.GetFileName(file));
        Assert.Equal(fromPath.Data.AsBytesSpan().ToArray(), fromStream.Data.AsBytesSpan().ToArray());
    }

    [Fact]
    public void Haxby_Bold_HasTr2Point5Seconds_AndStreamsVolumes()
    {
        var path = SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz");
        var header = NiftiReader.ReadHeader(path);
        Assert.Equal(2.5, header.RepetitionTimeSeconds);
        var whole = NiftiReader.Read(path);
        var volumes = NiftiReader.ReadVolumes(path).ToList();
        Assert.Equal(121, volumes.Count);
        Assert.All(volumes, v => Assert.Equal([6L, 10, 10], v.Shape));
        // Volume t is the t-th block of 600 voxels in the whole image (x fastest, t slowest).
        var all = whole.Data.AsSpan<short>();
        Assert.Equal(all.Slice(600 * 57, 600).ToArray(), volumes[57].AsSpan<short>().ToArray());
    }

    [Fact]
    public void Nifti2Fixture_TrInMilliseconds_ConvertedToSeconds()
    {
        var header = NiftiReader.ReadHeader(TestFiles.Fixture("nifti", "nifti2_float32_qform.nii"));
        Assert.Equal(NiftiTimeUnit.Millisecond, header.TimeUnit);
        Assert.Null(header.RepetitionTimeSeconds); // 3-D image: no TR
        Assert.Equal("qform", header.BestAffineSource);
    }

    [Fact]
    public void Read_PairHeaderFromStream_ExplainsWhatToUpload()
    {
        using var stream = File.OpenRead(TestFiles.Fixture("nifti", "pair_uint8.hdr"));
        var e = Assert.Throws<FormatReadException>(() => NiftiReader.Read(stream, "pair_uint8.hdr"));
        Assert.Contains(".hdr/.img pair", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mni152_IsRasOneMillimetre()
    {
        var header = NiftiReader.ReadHeader(SharedData.Path("templates/mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz"));
        Assert.Equal("RAS", header.OrientationCodes());
        Assert.Equal([1.0, 1.0, 1.0], header.VoxelSize);
        Assert.Equal([197L, 233, 189], header.Shape);
    }

    internal static void AssertAffine(JsonElement expected, double[,] actual)
    {
        var rows = expected.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                Assert.True(Math.Abs(rows[i][j] - actual[i, j]) < 1e-5, $"affine[{i},{j}]: expected {rows[i][j]}, got {actual[i, j]}");
            }
        }
    }

    internal static void AssertAffineClose(double[,] expected, double[,] actual, double tolerance)
    {
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) <= tolerance, $"affine[{i},{j}]: expected {expected[i, j]}, got {actual[i, j]}");
            }
        }
    }

    private static void AssertRelative(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");
}
