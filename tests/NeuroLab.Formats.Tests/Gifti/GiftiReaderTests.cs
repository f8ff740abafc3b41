using NeuroLab.Formats.Tests.Support;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using NeuroLab.Formats.Gifti;
using NeuroLab.Formats.Tests.Numpy;

namespace NeuroLab.Formats.Tests.Gifti;

/// <summary>
/// GiftiReader against nibabel 5.0.0 (Reference/gifti_reference.py): every fsaverage5 .gii.gz in the
/// shared data and small fixtures nibabel wrote (ASCII, Base64Binary, GZipBase64Binary, ColumnMajorOrder,
/// label table, many data types) or read back (BigEndian, ExternalFileBinary). Element values compare
/// exactly; sums with a relative tolerance of 1e-9 (different summation order).
/// </summary>
public sealed class GiftiReaderTests
{
    private const double SumTolerance = 1e-9;

    public static TheoryData<string> RealFiles() => [.. GiftiTestFiles.Section("real").Select(e => e.GetProperty("file").GetString()!)];

    public static TheoryData<string> Fixtures() => [.. GiftiTestFiles.Section("fixtures").Select(e => e.GetProperty("file").GetString()!)];

    [Fact]
    public void Read_AllRealFsaverageFiles_AreCoveredByTheReference()
    {
        var onDisk = Directory.GetFiles(SharedData.Path("templates/fsaverage5"), "*.gii*").Select(Path.GetFileName).Order();
        var referenced = GiftiTestFiles.Section("real").Select(e => Path.GetFileName(e.GetProperty("file").GetString())).Order();
        Assert.Equal(onDisk, referenced);
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Read_RealFsaverageFile_MatchesNibabel(string file)
    {
        var gifti = GiftiReader.Read(SharedData.Path(file));

        AssertMatchesNibabel(gifti, GiftiTestFiles.Entry("real", file), file);
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Read_RealFsaverageFile_HasMeshOrPerVertexMapOf10242Vertices(string file)
    {
        var gifti = GiftiReader.Read(SharedData.Path(file));

        if (gifti.PointsetArray is null)
        {
            var map = Assert.Single(gifti.PerVertexData);
            Assert.Equal(GiftiIntents.Shape, map.Intent);
            Assert.Equal([10242L], map.Array.Shape);
            Assert.Null(gifti.Pointset);
            Assert.Null(gifti.Triangles);
            return;
        }
        Assert.Equal(10242, gifti.VertexCount);
        var points = gifti.Pointset!;
        Assert.Equal(NumericType.Float32, points.Type);
        Assert.Equal([10242L, 3L], points.Shape);
        Assert.Equal(ArrayOrder.C, points.Order);
        var triangles = gifti.Triangles!;
        Assert.Equal(NumericType.Int32, triangles.Type);
        Assert.Equal(3, triangles.Shape[1]);
        Assert.InRange(triangles.AsSpan<int>().ToArray().Max(), 0, 10241);
        Assert.Empty(gifti.PerVertexData);
    }

    [Fact]
    public void Read_PialLeft_HasTalairachTransformAndCortexLeftMetadata()
    {
        var gifti = GiftiReader.Read(SharedData.Path("templates/fsaverage5/pial_left.gii.gz"));

        var points = gifti.PointsetArray!;
        Assert.Equal("CortexLeft", points.MetaData["AnatomicalStructurePrimary"]);
        Assert.Equal(GiftiEncoding.GZipBase64Binary, points.Encoding);
        var transform = Assert.Single(points.CoordinateSystems);
        Assert.Equal("NIFTI_XFORM_UNKNOWN", transform.DataSpace);
        Assert.Equal("NIFTI_XFORM_TALAIRACH", transform.TransformedSpace);
        Assert.Equal(1.0, transform.Matrix[3, 3]);
        Assert.Equal("gifti library version 1.09, 28 June, 2010", gifti.MetaData["gifticlib-version"]);
        Assert.Equal([20480L, 3L], gifti.Triangles!.Shape);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Read_NibabelFixture_MatchesNibabel(string file)
    {
        // external.gii reads its data file only because it is handed over, as an upload's companion would be.
        var gifti = GiftiReader.Read(GiftiTestFiles.Fixture(file), externalFiles: GiftiTestFiles.Companions("external.gii.dat"));

        AssertMatchesNibabel(gifti, GiftiTestFiles.Entry("fixtures", file), file);
    }

    [Fact]
    public void Read_AsciiSurface_GivesMeshTransformMetadataAndEscapedText()
    {
        var gifti = GiftiReader.Read(GiftiTestFiles.Fixture("ascii_surface.gii"));

        Assert.Equal("1.0", gifti.Version);
        Assert.Equal("tetrahedron & <test>", gifti.MetaData["Description"]);
        Assert.Equal(4, gifti.VertexCount);
        Assert.Equal(new float[] { 0, 0, 0, 1.5f, 0, 0, 0, -2.25f, 0, 0, 0, 3.125f }, gifti.Pointset!.AsSpan<float>().ToArray());
        Assert.Equal(new[] { 0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3 }, gifti.Triangles!.AsSpan<int>().ToArray());
        var transform = gifti.PointsetArray!.CoordinateSystems[0];
        Assert.Equal("NIFTI_XFORM_SCANNER_ANAT", transform.DataSpace);
        Assert.Equal("NIFTI_XFORM_MNI_152", transform.TransformedSpace);
        Assert.Equal(20.5, transform.Matrix[1, 3]);
        Assert.Equal(2.0, transform.Matrix[1, 1]);
    }

    [Fact]
    public void Read_LabelFile_GivesLabelTableAndLabelArray()
    {
        var gifti = GiftiReader.Read(GiftiTestFiles.Fixture("base64_labels.gii"));

        Assert.Equal([0, 1, 2], gifti.LabelTable.Select(l => l.Key));
        Assert.Equal(["???", "V1", "MT"], gifti.LabelTable.Select(l => l.Name));
        Assert.Equal(0.5f, gifti.LabelTable[2].Green);
        var labels = Assert.Single(gifti.PerVertexData);
        Assert.Equal(GiftiIntents.Label, labels.Intent);
        Assert.Equal(new[] { 0, 1, 1, 2, 0, 2 }, labels.Array.AsSpan<int>().ToArray());
    }

    [Fact]
    public void Read_TimeSeries_GivesOneArrayPerTimePoint()
    {
        var gifti = GiftiReader.Read(GiftiTestFiles.Fixture("timeseries.gii"));

        Assert.Equal(3, gifti.PerVertexData.Count);
        Assert.All(gifti.PerVertexData, a => Assert.Equal(GiftiIntents.TimeSeries, a.Intent));
        Assert.Equal(2.75f, gifti.PerVertexData[2].Array.AsSpan<float>()[3]);
    }

    [Fact]
    public void Read_ColumnMajorArrays_KeepFortranOrder()
    {
        var gifti = GiftiReader.Read(GiftiTestFiles.Fixture("colmajor.gii"));

        var matrix = gifti.DataArrays[0].Array;
        Assert.Equal(ArrayOrder.Fortran, matrix.Order);
        // nibabel: (arange(12).reshape(3, 4) * 0.5)[2, 1] = 9 * 0.5
        Assert.Equal(4.5, matrix[2, 1]);
        var cube = gifti.DataArrays[1].Array;
        Assert.Equal(ArrayOrder.Fortran, cube.Order);
        Assert.Equal((short)(11 - 6), cube.AsSpan<short>()[(int)cube.FlatIndex(1, 2, 1)]);
    }

    [Fact]
    public void Read_ColumnMajorAsciiMesh_ConvenienceGivesRowMajorPointsAndTriangles()
    {
        var text = GiftiTestFiles.FixtureText("ascii_surface.gii")
            .Replace("ArrayIndexingOrder=\"RowMajorOrder\"", "ArrayIndexingOrder=\"ColumnMajorOrder\"", StringComparison.Ordinal);
        text = ReplaceData(text, 0, "0 1.5 0 0   0 0 -2.25 0   0 0 0 3.125");
        text = ReplaceData(text, 1, "0 0 0 1   1 1 2 2   2 3 3 3");

        var gifti = Read(text, "colmajor_mesh.gii");

        Assert.Equal(ArrayOrder.Fortran, gifti.PointsetArray!.Array.Order);
        Assert.Equal(new float[] { 0, 0, 0, 1.5f, 0, 0, 0, -2.25f, 0, 0, 0, 3.125f }, gifti.Pointset!.AsSpan<float>().ToArray());
        Assert.Equal(new[] { 0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3 }, gifti.Triangles!.AsSpan<int>().ToArray());
    }

    [Fact]
    public void Read_Float64PointsetAndInt64Triangles_ConveniencesConvert()
    {
        var text = GiftiTestFiles.FixtureText("ascii_surface.gii")
            .Replace("NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_FLOAT64", StringComparison.Ordinal)
            .Replace("NIFTI_TYPE_INT32", "NIFTI_TYPE_INT64", StringComparison.Ordinal);

        var gifti = Read(text, "wide.gii");

        Assert.Equal(NumericType.Float64, gifti.PointsetArray!.Array.Type);
        Assert.Equal(NumericType.Int64, gifti.TrianglesArray!.Array.Type);
        Assert.Equal(-2.25f, gifti.Pointset!.AsSpan<float>()[7]);
        Assert.Equal(new[] { 0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3 }, gifti.Triangles!.AsSpan<int>().ToArray());
    }

    [Fact]
    public void Read_GzipByMagicNotExtension_ReadsFromPathAndForwardOnlyStream()
    {
        var path = Path.Combine(Path.GetTempPath(), $"neurolab-{Guid.NewGuid():N}.gii");
        try
        {
            File.Copy(GiftiTestFiles.Fixture("ascii_surface.gii.gz"), path);

            var fromPath = GiftiReader.Read(path);
            var fromStream = GiftiReader.Read(new ForwardOnlyStream(File.ReadAllBytes(path)), "surface.gii");

            Assert.Equal(4, fromPath.VertexCount);
            Assert.Equal(fromPath.Triangles!.AsSpan<int>().ToArray(), fromStream.Triangles!.AsSpan<int>().ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_Stream_LeavesCallerStreamOpen()
    {
        using var stream = File.OpenRead(GiftiTestFiles.Fixture("base64_surface.gii"));

        GiftiReader.Read(stream, "base64_surface.gii");

        Assert.True(stream.CanRead);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("zlib")]
    public void Read_GZipBase64BinaryPayloadVariants_AreDecoded(string container)
    {
        var values = new float[] { 1.5f, -2, 3.25f, 1e-3f };
        var raw = new NumericArray(NumericType.Float32, [4], values).AsBytesSpan().ToArray();
        var compressed = new MemoryStream();
        using (Stream z = container switch
        {
            "gzip" => new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true),
            "deflate" => new DeflateStream(compressed, CompressionLevel.Optimal, leaveOpen: true),
            _ => new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true),
        })
        {
            z.Write(raw);
        }

        var gifti = Read(Document(ArrayXml("NIFTI_TYPE_FLOAT32", "GZipBase64Binary", "Dim0=\"4\"", Convert.ToBase64String(compressed.ToArray()))), "payload.gii");

        Assert.Equal(values, gifti.DataArrays[0].Array.AsSpan<float>().ToArray());
    }

    [Fact]
    public void Read_AsciiSpecialValuesAndTypes_AreParsed()
    {
        var xml = Document(
            ArrayXml("NIFTI_TYPE_FLOAT32", "ASCII", "Dim0=\"6\"", " nan -inf Infinity 1e-3\n -0.0 3.4028235e38 "),
            ArrayXml("NIFTI_TYPE_INT8", "ASCII", "Dim0=\"3\"", "-128 0 127"),
            ArrayXml("NIFTI_TYPE_UINT64", "ASCII", "Dim0=\"2\"", "0 18446744073709551615"),
            ArrayXml("NIFTI_TYPE_INT64", "ASCII", "Dim0=\"2\"", "-9223372036854775808\t9223372036854775807"));

        var gifti = Read(xml, "ascii.gii");

        var f = gifti.DataArrays[0].Array.AsSpan<float>().ToArray();
        Assert.True(float.IsNaN(f[0]));
        Assert.Equal(float.NegativeInfinity, f[1]);
        Assert.Equal(float.PositiveInfinity, f[2]);
        Assert.Equal(1e-3f, f[3]);
        Assert.True(float.IsNegative(f[4]));
        Assert.Equal(float.MaxValue, f[5]);
        Assert.Equal(new sbyte[] { -128, 0, 127 }, gifti.DataArrays[1].Array.AsSpan<sbyte>().ToArray());
        Assert.Equal(new ulong[] { 0, ulong.MaxValue }, gifti.DataArrays[2].Array.AsSpan<ulong>().ToArray());
        Assert.Equal(new long[] { long.MinValue, long.MaxValue }, gifti.DataArrays[3].Array.AsSpan<long>().ToArray());
    }

    [Fact]
    public void Read_MinimalDocumentWithoutOptionalParts_UsesDefaults()
    {
        var gifti = Read("<GIFTI><DataArray DataType=\"NIFTI_TYPE_UINT8\" Dimensionality=\"1\" Dim0=\"2\" Encoding=\"ASCII\"><Data>7 8</Data></DataArray></GIFTI>", "minimal.gii");

        Assert.Equal("", gifti.Version);
        Assert.Equal(0, gifti.MetaData.Count);
        Assert.Empty(gifti.LabelTable);
        var array = Assert.Single(gifti.DataArrays);
        Assert.Equal(GiftiIntents.None, array.Intent);
        Assert.Equal(ArrayOrder.C, array.Array.Order);
        Assert.Empty(array.CoordinateSystems);
        Assert.Equal(new byte[] { 7, 8 }, array.Array.AsSpan<byte>().ToArray());
    }

    [Fact]
    public void Read_LegacyLabelIndexAttribute_IsReadAsKey()
    {
        var gifti = Read("<GIFTI><LabelTable><Label Index=\"5\">Area 5</Label></LabelTable></GIFTI>", "legacy.gii");

        var label = Assert.Single(gifti.LabelTable);
        Assert.Equal(5, label.Key);
        Assert.Equal("Area 5", label.Name);
        Assert.Null(label.Red);
    }

    [Fact]
    public void Read_ExternalFileNamedWithAFolder_FindsTheGivenFileOfThatName()
    {
        var text = GiftiTestFiles.FixtureText("external.gii").Replace("ExternalFileName=\"external.gii.dat\"", "ExternalFileName=\"data/external.gii.dat\"", StringComparison.Ordinal);

        var gifti = GiftiReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "moved.gii", externalFiles: GiftiTestFiles.Companions("external.gii.dat"));

        Assert.Equal(GiftiEncoding.ExternalFileBinary, gifti.DataArrays[0].Encoding);
        Assert.Equal("external.gii.dat", gifti.DataArrays[0].ExternalFile);
        Assert.Equal(new float[] { 0.25f, -1, 2, 3, 4, -5.5f }, gifti.DataArrays[0].Array.AsSpan<float>().ToArray());
    }

    [Fact]
    public void Read_ExternalFileFromPath_IsNotLookedUpBesideTheGii()
    {
        // external.gii.dat lies beside external.gii, but a file on disk is never a data file unless handed over.
        var e = Assert.Throws<FormatReadException>(() => GiftiReader.Read(GiftiTestFiles.Fixture("external.gii")));

        Assert.Contains("not uploaded together with external.gii", e.Reason, StringComparison.Ordinal);
    }

    internal static GiftiFile Read(string xml, string name) => GiftiReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), name);

    internal static string Document(params string[] arrays) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE GIFTI SYSTEM \"http://www.nitrc.org/frs/download.php/115/gifti.dtd\">\n"
        + $"<GIFTI Version=\"1.0\" NumberOfDataArrays=\"{arrays.Length}\">" + string.Concat(arrays) + "</GIFTI>";

    internal static string ArrayXml(string dataType, string encoding, string dims, string data, string intent = "NIFTI_INTENT_NONE", string endian = "LittleEndian") =>
        $"<DataArray Intent=\"{intent}\" DataType=\"{dataType}\" ArrayIndexingOrder=\"RowMajorOrder\" Dimensionality=\"{dims.Split("Dim").Length - 1}\" {dims} Encoding=\"{encoding}\" Endian=\"{endian}\" ExternalFileName=\"\" ExternalFileOffset=\"\"><Data>{data}</Data></DataArray>";

    /// <summary>Replaces the content of the <paramref name="index"/>-th Data element.</summary>
    internal static string ReplaceData(string xml, int index, string data)
    {
        int at = -1;
        for (int i = 0; i <= index; i++)
        {
            at = xml.IndexOf("<Data>", at + 1, StringComparison.Ordinal);
        }
        int end = xml.IndexOf("</Data>", at, StringComparison.Ordinal);
        return xml[..(at + 6)] + data + xml[end..];
    }

    private static void AssertMatchesNibabel(GiftiFile gifti, JsonElement entry, string file)
    {
        AssertMetaData(entry.GetProperty("meta"), gifti.MetaData, file);
        var labels = entry.GetProperty("labels").EnumerateArray().ToList();
        Assert.Equal(labels.Count, gifti.LabelTable.Count);
        for (int i = 0; i < labels.Count; i++)
        {
            Assert.Equal(labels[i].GetProperty("key").GetInt32(), gifti.LabelTable[i].Key);
            Assert.Equal(labels[i].GetProperty("label").GetString(), gifti.LabelTable[i].Name);
            float?[] rgba = [gifti.LabelTable[i].Red, gifti.LabelTable[i].Green, gifti.LabelTable[i].Blue, gifti.LabelTable[i].Alpha];
            var expected = labels[i].GetProperty("rgba").EnumerateArray().Select(c => c.ValueKind == JsonValueKind.Null ? (float?)null : (float)c.GetDouble());
            Assert.Equal(expected, rgba);
        }
        var arrays = entry.GetProperty("arrays").EnumerateArray().ToList();
        Assert.Equal(arrays.Count, gifti.DataArrays.Count);
        for (int i = 0; i < arrays.Count; i++)
        {
            AssertArray(arrays[i], gifti.DataArrays[i], $"{file} DataArray {i}");
        }
    }

    private static void AssertArray(JsonElement expected, GiftiDataArray actual, string context)
    {
        Assert.Equal(expected.GetProperty("intent").GetString(), actual.Intent);
        Assert.Equal(expected.GetProperty("datatype").GetString(), actual.DataType);
        Assert.Equal(expected.GetProperty("dtype").GetString(), NumericTypes.Name(actual.Array.Type));
        Assert.Equal(expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), actual.Array.Shape);
        Assert.Equal(expected.GetProperty("ordering").GetString() == "ColumnMajorOrder" ? ArrayOrder.Fortran : ArrayOrder.C, actual.Array.Order);
        var encoding = expected.GetProperty("encoding").GetString() switch
        {
            "ASCII" => GiftiEncoding.Ascii,
            "Base64Binary" => GiftiEncoding.Base64Binary,
            "GZipBase64Binary" => GiftiEncoding.GZipBase64Binary,
            _ => GiftiEncoding.ExternalFileBinary,
        };
        Assert.Equal(encoding, actual.Encoding);
        AssertMetaData(expected.GetProperty("meta"), actual.MetaData, context);
        AssertCoordinateSystems(expected.GetProperty("coordsys"), actual.CoordinateSystems, context);

        int step = NumericTypes.IsComplex(actual.Array.Type) ? 2 : 1;
        foreach (var sample in expected.GetProperty("samples").EnumerateArray())
        {
            long[] index = [.. sample.GetProperty("index").EnumerateArray().Select(v => v.GetInt64())];
            var value = GiftiTestFiles.ElementText(actual.Array, actual.Array.FlatIndex(index) * step);
            var want = sample.GetProperty("value").GetString()!;
            Assert.True(GiftiTestFiles.SameValue(value, want), $"{context} [{string.Join(", ", index)}] = {value}, nibabel {want}");
        }
        if (expected.TryGetProperty("values", out var values))
        {
            var c = actual.Array.ToCOrder();
            var want = values.EnumerateArray().Select(v => v.GetString()!).ToList();
            Assert.Equal(want.Count, c.Data.Length);
            for (int k = 0; k < want.Count; k++)
            {
                var value = GiftiTestFiles.ElementText(c, k);
                Assert.True(GiftiTestFiles.SameValue(value, want[k]), $"{context} value {k} = {value}, nibabel {want[k]}");
            }
        }
        double sum = GiftiTestFiles.RealSum(actual.Array);
        double expectedSum = expected.GetProperty("sum").GetDouble();
        Assert.True(Math.Abs(sum - expectedSum) <= SumTolerance * Math.Max(1, Math.Abs(expectedSum)), $"{context}: sum {sum} vs nibabel {expectedSum}");
        var reals = Enumerable.Range(0, actual.Array.Data.Length / step)
            .Select(k => double.Parse(GiftiTestFiles.ElementText(actual.Array, k * step), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        if (reals.Count > 0)
        {
            Assert.Equal(expected.GetProperty("min").GetDouble(), reals.Min());
            Assert.Equal(expected.GetProperty("max").GetDouble(), reals.Max());
        }
    }

    private static void AssertMetaData(JsonElement expected, GiftiMetaData actual, string context)
    {
        var want = expected.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        var got = new Dictionary<string, string?>();
        foreach (var (key, value) in actual.Entries)
        {
            got[key] = value;
        }
        Assert.True(want.Count == got.Count && want.All(kv => got.TryGetValue(kv.Key, out var v) && v == kv.Value),
            $"{context}: metadata {string.Join("; ", got)} vs nibabel {string.Join("; ", want)}");
    }

    private static void AssertCoordinateSystems(JsonElement expected, IReadOnlyList<GiftiCoordinateSystem> actual, string context)
    {
        var want = expected.EnumerateArray().ToList();
        if (actual.Count == 0)
        {
            // nibabel gives every array a default identity UNKNOWN -> UNKNOWN transform when the file has none.
            Assert.All(want, w =>
            {
                Assert.Equal("NIFTI_XFORM_UNKNOWN", w.GetProperty("dataspace").GetString());
                Assert.Equal("NIFTI_XFORM_UNKNOWN", w.GetProperty("xformspace").GetString());
                Assert.Equal([1.0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], w.GetProperty("xform").EnumerateArray().Select(v => v.GetDouble()));
            });
            return;
        }
        // nibabel keeps the last transform of an array.
        var last = actual[^1];
        var w = Assert.Single(want);
        Assert.Equal(w.GetProperty("dataspace").GetString(), last.DataSpace);
        Assert.Equal(w.GetProperty("xformspace").GetString(), last.TransformedSpace);
        var matrix = w.GetProperty("xform").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (int k = 0; k < 16; k++)
        {
            Assert.True(matrix[k] == last.Matrix[k / 4, k % 4], $"{context}: transform [{k / 4}, {k % 4}] = {last.Matrix[k / 4, k % 4]}, nibabel {matrix[k]}");
        }
    }
}
