using System.IO.Compression;
using System.Text.Json;
using NeuroLab.Compute.Tests.Geometry;

namespace NeuroLab.Compute.Tests.WrittenFiles;

/// <summary>
/// The files NeuroLab writes, as independent readers see them: Reference/written_files_reference.json holds what
/// nibabel 5.0.0, numpy 1.24.2 and Python's csv module read from Fixtures/written/ (see written_files_reference.py),
/// and these tests hold it against the values the files were written from, not against NeuroLab's own readers.
/// </summary>
public sealed class WrittenFilesTests
{
    private static readonly JsonElement Reference = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Compute.Tests", "Reference", "written_files_reference.json"))).RootElement;

    [Fact]
    public void Writers_Today_ReproduceTheCommittedFixtures()
    {
        // The reference describes the committed files; this keeps them the files today's writers make
        // (NEUROLAB_WRITE_FIXTURES=1 rewrites them; then rerun the Python script).
        bool rewrite = Environment.GetEnvironmentVariable("NEUROLAB_WRITE_FIXTURES") == "1";
        foreach (var (name, bytes) in WrittenFixtures.Create())
        {
            var path = Path.Combine(WrittenFixtures.Folder, name);
            if (rewrite)
            {
                File.WriteAllBytes(path, bytes);
            }
            // Compare .gz contents, not gzip bytes, which depend on the compressor build.
            Assert.True(Contents(name, File.ReadAllBytes(path)).SequenceEqual(Contents(name, bytes)), $"{name} differs from what the writers make today.");
        }
    }

    [Fact]
    public void UnitMap_AsNibabelReadsIt_IsTheUnitValuesOnTheReferenceGrid()
    {
        var map = Reference.GetProperty("unit_map.nii.gz");
        var geometry = WrittenFixtures.Geometry;
        // NIfTI-1 single file, little-endian, float32 (datatype 16, 32 bits), data right after the 352-byte header.
        Assert.Equal(348, map.GetProperty("sizeof_hdr").GetInt32());
        Assert.Equal("n+1", map.GetProperty("magic").GetString());
        Assert.Equal(352, map.GetProperty("vox_offset").GetDouble());
        Assert.True(map.GetProperty("little_endian").GetBoolean());
        Assert.Equal(16, map.GetProperty("datatype").GetInt32());
        Assert.Equal(32, map.GetProperty("bitpix").GetInt32());
        Assert.Equal("float32", map.GetProperty("dtype").GetString());
        Assert.Equal(UnitGeometryTests.Grid, Longs(map.GetProperty("shape")));
        Assert.Equal("NeuroLab test_r", map.GetProperty("descrip").GetString());
        // The reference's sform code (4, MNI) wins over its qform code (2) and is written as both.
        Assert.Equal(4, map.GetProperty("sform_code").GetInt32());
        Assert.Equal(4, map.GetProperty("qform_code").GetInt32());
        // Voxel sizes are the affine's column norms: (3, 2, 4) mm.
        Assert.Equal([3.0, 2, 4], Doubles(map.GetProperty("pixdim")).Select(v => Math.Round(v, 5)));
        foreach (var form in new[] { "affine", "sform", "qform" })
        {
            var rows = map.GetProperty(form).EnumerateArray().Select(Doubles).ToArray();
            for (int r = 0; r < 4; r++)
            {
                for (int c = 0; c < 4; c++)
                {
                    // float32 sform rows; the qform through its quaternion, to 1e-5 mm.
                    Assert.True(Math.Abs(UnitGeometryTests.Affine[r, c] - rows[r][c]) < 1e-5, $"{form}[{r},{c}] = {rows[r][c]}");
                }
            }
        }
        Assert.Equal(1.0, map.GetProperty("scl_slope").GetDouble());
        // NaN outside the units; each unit's value (as float32) at its voxel, at the world position the affine gives.
        Assert.Equal(24 - geometry.UnitCount, map.GetProperty("nan_count").GetInt32());
        var voxels = map.GetProperty("finite_voxels").EnumerateArray().Select(v => Longs(v)).ToArray();
        var values = Doubles(map.GetProperty("finite_values"));
        var world = map.GetProperty("finite_world").EnumerateArray().Select(Doubles).ToArray();
        Assert.Equal(geometry.UnitCount, voxels.Length);
        for (int n = 0; n < voxels.Length; n++)
        {
            int unit = geometry.UnitAt(new((int)voxels[n][0], (int)voxels[n][1], (int)voxels[n][2])) ?? throw new InvalidDataException($"no unit at voxel {n}");
            Assert.Equal((float)UnitGeometryTests.Values[unit], values[n]);
            Assert.Equal(geometry.WorldOf(unit), world[n].Select(v => Math.Round(v, 4)));
        }
    }

    [Theory]
    [InlineData("predictions_f32.npy", "<f4", false, new long[] { 3, 4 })]
    [InlineData("coordinates_i32.npy", "<i4", false, new long[] { 5, 3 })]
    [InlineData("fortran_f32.npy", "<f4", true, new long[] { 2, 3 })]
    [InlineData("values_f64.npy", "<f8", false, new long[] { 4 })]
    public void NpyArray_AsNumpyReadsIt_HasTheWrittenDtypeShapeOrderAndValues(string name, string descr, bool fortran, long[] shape)
    {
        var array = Reference.GetProperty(name);
        Assert.Equal(descr, array.GetProperty("descr").GetString());
        Assert.Equal(fortran, array.GetProperty("fortran_order").GetBoolean());
        Assert.Equal(shape, Longs(array.GetProperty("shape")));
        Assert.Equal(1, array.GetProperty("version")[0].GetInt32());
        double[] expected = name switch
        {
            "predictions_f32.npy" => [.. WrittenFixtures.Predictions.Select(v => (double)v)],
            "coordinates_i32.npy" => [.. UnitGeometryTests.Voxels.Select(v => (double)v)],
            // Stored x-fastest: numpy's C-order view of [2, 3] is r + 0.25·c row by row.
            "fortran_f32.npy" => [0, 0.25, 0.5, 1, 1.25, 1.5],
            _ => WrittenFixtures.Float64Values,
        };
        Assert.Equal(expected, Doubles(array.GetProperty("values_c_order")));
    }

    [Fact]
    public void UnitsTable_AsPythonCsvReadsIt_HasOneRowPerUnitWithItsScores()
    {
        var table = Reference.GetProperty("units.csv");
        Assert.Equal(["unit", "test_r", "test_r2", "best_alpha"], Strings(table.GetProperty("header")));
        var rows = table.GetProperty("numbers").EnumerateArray().Select(Doubles).ToArray();
        Assert.Equal(WrittenFixtures.TestR.Length, rows.Length);
        for (int u = 0; u < rows.Length; u++)
        {
            Assert.Equal(u, rows[u][0]);
            // G6: six significant digits.
            AssertClose(WrittenFixtures.TestR[u], rows[u][1]);
            AssertClose(WrittenFixtures.TestR2[u], rows[u][2]);
            AssertClose(WrittenFixtures.BestAlpha[u], rows[u][3]);
        }
    }

    [Fact]
    public void CaptionsTable_AsPythonCsvReadsIt_KeepsQuotesAndCommasInCaptions()
    {
        var table = Reference.GetProperty("captions.csv");
        Assert.Equal(["unit", "test_r", "sentence_score", "caption", "keywords"], Strings(table.GetProperty("header")));
        var rows = table.GetProperty("rows").EnumerateArray().Select(Strings).ToArray();
        var captions = WrittenFixtures.Captions;
        Assert.Equal(captions.Count, rows.Length);
        for (int n = 0; n < rows.Length; n++)
        {
            Assert.Equal(5, rows[n].Length);
            var numbers = Doubles(table.GetProperty("numbers")[n]);
            Assert.Equal(captions[n].Unit, numbers[0]);
            AssertClose(captions[n].TestR, numbers[1]);
            AssertClose(captions[n].SentenceScore, numbers[2]);
            Assert.Equal(captions[n].Caption, rows[n][3]);
            Assert.Equal(string.Join(' ', captions[n].Keywords.Select(k => k.Word)), rows[n][4]);
        }
    }

    [Fact]
    public void SurfaceMap_AsNibabelReadsIt_HasOneFloat32ArrayPerMap()
    {
        var gifti = Reference.GetProperty("surface_map.gii");
        Assert.Equal("CortexLeft", gifti.GetProperty("meta").GetProperty("AnatomicalStructurePrimary").GetString());
        var arrays = gifti.GetProperty("arrays").EnumerateArray().ToArray();
        Assert.Equal(2, arrays.Length);
        (string Name, float[] Values)[] written = [("test_r left", WrittenFixtures.LeftValues), ("test_r right", WrittenFixtures.RightValues)];
        for (int n = 0; n < 2; n++)
        {
            Assert.Equal("NIFTI_INTENT_NONE", arrays[n].GetProperty("intent").GetString());
            Assert.Equal("float32", arrays[n].GetProperty("dtype").GetString());
            Assert.Equal([written[n].Values.Length], Longs(arrays[n].GetProperty("shape")));
            Assert.Equal(written[n].Name, arrays[n].GetProperty("name").GetString());
            Assert.Equal(written[n].Values.Select(v => (double)v), Doubles(arrays[n].GetProperty("values")));
        }
    }

    private static byte[] Contents(string name, byte[] bytes)
    {
        if (!name.EndsWith(".gz", StringComparison.Ordinal))
        {
            return bytes;
        }
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }

    private static void AssertClose(double expected, double actual)
    {
        if (double.IsNaN(expected))
        {
            Assert.True(double.IsNaN(actual), $"expected NaN, read {actual}");
            return;
        }
        Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Abs(expected), $"expected {expected}, read {actual}");
    }

    private static double Parse(string text) => text.ToLowerInvariant() switch
    {
        "nan" => double.NaN,
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => throw new InvalidDataException($"{text} is not one of the reference's non-finite numbers."),
    };

    private static double[] Doubles(JsonElement array) =>
        [.. array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? Parse(e.GetString()!) : e.GetDouble())];

    private static long[] Longs(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt64())];

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
