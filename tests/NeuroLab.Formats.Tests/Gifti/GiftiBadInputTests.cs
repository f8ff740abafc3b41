using System.IO.Compression;
using System.Text;
using NeuroLab.Formats.Gifti;
using static NeuroLab.Formats.Tests.Gifti.GiftiReaderTests;

namespace NeuroLab.Formats.Tests.Gifti;

/// <summary>
/// Targeted bad input for GiftiReader: each must raise <see cref="FormatReadException"/> naming the file
/// and a reason a person can act on.
/// </summary>
public sealed class GiftiBadInputTests
{
    private static readonly string _surface = GiftiTestFiles.FixtureText("ascii_surface.gii");
    private static readonly string _base64 = GiftiTestFiles.FixtureText("base64_surface.gii");

    [Fact]
    public void Read_WrongMagic_SaysNotGifti()
    {
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];

        var e = Assert.Throws<FormatReadException>(() => GiftiReader.Read(new MemoryStream(png), "brain.gii"));

        Assert.Equal("brain.gii", e.FileName);
        Assert.Contains("not a GIFTI file", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyFile_SaysNotGifti()
    {
        var e = Assert.Throws<FormatReadException>(() => GiftiReader.Read(new MemoryStream([]), "empty.gii"));

        Assert.Contains("not a GIFTI file", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OtherXml_NamesTheRootElement()
    {
        var e = Assert.Throws<FormatReadException>(() => Read("<svg><g/></svg>", "image.gii"));

        Assert.Contains("root element is <svg>", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedRealFile_ThrowsFormatReadException()
    {
        var xml = GiftiTestFiles.Text(File.ReadAllBytes(SharedData.Path("templates/fsaverage5/white_left.gii.gz")));
        var cut = Encoding.UTF8.GetBytes(xml)[..(xml.Length / 2)];

        var e = Assert.Throws<FormatReadException>(() => GiftiReader.Read(new MemoryStream(cut), "white_left.gii"));

        Assert.Equal("white_left.gii", e.FileName);
    }

    [Fact]
    public void Read_TruncatedGzip_ThrowsFormatReadException()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("templates/fsaverage5/curv_left.gii.gz"));

        var e = Assert.Throws<FormatReadException>(() => GiftiReader.Read(new MemoryStream(bytes[..(bytes.Length / 3)]), "curv_left.gii.gz"));

        Assert.Equal("curv_left.gii.gz", e.FileName);
    }

    [Fact]
    public void Read_CorruptGzip_SaysGzipIsCorrupt()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("templates/fsaverage5/curv_left.gii.gz"));
        // Reserved deflate block type in the first block header (after the 10-byte gzip header and file name).
        int start = 10;
        if ((bytes[3] & 0x08) != 0)
        {
            while (bytes[start] != 0)
            {
                start++;
            }
            start++;
        }
        bytes[start] = 0xff;

        var e = Assert.Throws<FormatReadException>(() => GiftiReader.Read(new MemoryStream(bytes), "curv_left.gii.gz"));

        Assert.Contains("corrupt gzip", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CorruptZlibPayload_SaysCompressedDataAreCorrupt()
    {
        var garbage = Convert.ToBase64String([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01]);
        var xml = Document(ArrayXml("NIFTI_TYPE_FLOAT32", "GZipBase64Binary", "Dim0=\"4\"", garbage));

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "zlib.gii"));

        Assert.Contains("DataArray 0 (NIFTI_INTENT_NONE): the compressed Data are corrupt", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_InvalidBase64_SaysNotValidBase64()
    {
        var xml = Document(ArrayXml("NIFTI_TYPE_FLOAT32", "Base64Binary", "Dim0=\"1\"", "AAA*AAAA"));

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "b64.gii"));

        Assert.Contains("not valid base64", e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NIFTI_TYPE_FLOAT16", "unknown DataType \"NIFTI_TYPE_FLOAT16\"")]
    [InlineData("42", "unknown DataType \"42\"")]
    [InlineData("NIFTI_TYPE_RGB24", "NIFTI_TYPE_RGB24, which is not supported")]
    [InlineData("NIFTI_TYPE_FLOAT128", "NIFTI_TYPE_FLOAT128, which is not supported")]
    [InlineData("", "no DataType attribute")]
    public void Read_UnknownOrUnsupportedDataType_NamesIt(string dataType, string expected)
    {
        var xml = Document(ArrayXml(dataType, "ASCII", "Dim0=\"1\"", "1"));

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "type.gii"));

        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Dim0=\"5\"", "[5, 3] float32 needs 60")]
    [InlineData("Dim0=\"3\"", "more than the 36 bytes")]
    public void Read_DimsDisagreeWithBase64Data_SaysByHowMuch(string dim0, string expected)
    {
        var xml = _base64.Replace("Dim0=\"4\" Dim1=\"3\"><MetaData><MD><Name>AnatomicalStructurePrimary", dim0 + " Dim1=\"3\"><MetaData><MD><Name>AnatomicalStructurePrimary", StringComparison.Ordinal);

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "dims.gii"));

        Assert.Contains("DataArray 0 (NIFTI_INTENT_POINTSET)", e.Reason, StringComparison.Ordinal);
        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 1 2 0 1 3 0 2 3 1 2", "hold 11 values")]
    [InlineData("0 1 2 0 1 3 0 2 3 1 2 3 0", "more than the 12 values")]
    [InlineData("0 1 2 0 1 3 0 2 3 1 2 x", "ASCII value 11 \"x\" is not a valid int32")]
    [InlineData("0 1 2 0 1 3 0 2 3 1 2 3.5", "\"3.5\" is not a valid int32")]
    [InlineData("0 1 2 0 1 3 0 2 3 1 2 4294967296", "is not a valid int32")]
    public void Read_AsciiValueCountOrTextWrong_SaysWhat(string data, string expected)
    {
        var xml = ReplaceData(_surface, 1, data);

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "ascii.gii"));

        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TriangleIndexPastVertexCount_NamesTheFirstBadIndex()
    {
        var xml = ReplaceData(_surface, 1, "0 1 2\n0 1 3\n0 2 7\n1 2 9");

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "mesh.gii"));

        Assert.Contains("triangle 2 (corner 2) refers to vertex 7", e.Reason, StringComparison.Ordinal);
        Assert.Contains("the pointset has 4 vertices (valid 0..3)", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NegativeTriangleIndex_IsRefused()
    {
        var xml = ReplaceData(_surface, 1, "0 1 2\n0 -1 3\n0 2 3\n1 2 3");

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "mesh.gii"));

        Assert.Contains("triangle 1 (corner 1) refers to vertex -1", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RealMeshWithCorruptedTriangles_NamesTheFirstBadIndex()
    {
        var xml = GiftiTestFiles.Text(File.ReadAllBytes(SharedData.Path("templates/fsaverage5/sphere_left.gii.gz")));
        // Replace the triangle data with a zlib payload whose triangle 5 uses vertex 10242.
        var triangles = new int[20480 * 3];
        triangles[5 * 3 + 1] = 10242;
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(new NumericArray(NumericType.Int32, [20480, 3], triangles).AsBytesSpan());
        }

        var e = Assert.Throws<FormatReadException>(() => Read(ReplaceData(xml, 1, Convert.ToBase64String(compressed.ToArray())), "sphere_left.gii"));

        Assert.Contains("triangle 5 (corner 1) refers to vertex 10242, but the pointset has", e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Dim0=\"99999999999\"", "too large")]
    [InlineData("Dim0=\"-4\"", "negative dimension")]
    [InlineData("Dim0=\"four\"", "Dim0=\"four\"")]
    public void Read_BadDimension_IsRefusedBeforeAllocating(string dim0, string expected)
    {
        var xml = _surface.Replace("Dim0=\"4\" Dim1=\"3\"><MetaData><MD>", dim0 + " Dim1=\"3\"><MetaData><MD>", StringComparison.Ordinal);

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "dims.gii"));

        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Dimensionality=\"2\"", "Dimensionality=\"3\"", "no Dim2 attribute")]
    [InlineData("Dimensionality=\"2\"", "Dimensionality=\"0\"", "expected a positive integer")]
    [InlineData("Dimensionality=\"2\"", "Dimensionality=\"99\"", "at most 32 dimensions")]
    [InlineData("Encoding=\"ASCII\"", "Encoding=\"Base32\"", "unknown Encoding=\"Base32\"")]
    [InlineData("Endian=\"LittleEndian\"", "Endian=\"MiddleEndian\"", "Endian=\"MiddleEndian\"")]
    [InlineData("ArrayIndexingOrder=\"RowMajorOrder\"", "ArrayIndexingOrder=\"Diagonal\"", "ArrayIndexingOrder=\"Diagonal\"")]
    [InlineData("<Data>", "<Dat>", "")]
    public void Read_BadDataArrayAttribute_SaysWhich(string from, string to, string expected)
    {
        var xml = _surface.Replace(from, to, StringComparison.Ordinal);

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "attr.gii"));

        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_PointsetWithTwoColumns_IsRefused()
    {
        var xml = ReplaceData(_surface.Replace("Dim0=\"4\" Dim1=\"3\"><MetaData><MD>", "Dim0=\"6\" Dim1=\"2\"><MetaData><MD>", StringComparison.Ordinal), 0, "0 0 0 1.5 0 0 0 -2.25 0 0 0 3.125");

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "flat.gii"));

        Assert.Contains("shape [6, 2]; a pointset must be [n, 3]", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FloatTriangles_AreRefused()
    {
        var xml = _surface.Replace("DataType=\"NIFTI_TYPE_INT32\"", "DataType=\"NIFTI_TYPE_FLOAT32\"", StringComparison.Ordinal);

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "tri.gii"));

        Assert.Contains("triangle vertex indices must be integers", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MatrixDataWithFifteenNumbers_SaysSixteenAreNeeded()
    {
        var xml = _surface.Replace("-30.000000", "", StringComparison.Ordinal);

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "xform.gii"));

        Assert.Contains("MatrixData has 15 numbers", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExternalEntity_IsNeverResolved()
    {
        var secret = Path.Combine(Path.GetTempPath(), $"neurolab-secret-{Guid.NewGuid():N}.txt");
        File.WriteAllText(secret, "SECRET");
        try
        {
            var xml = "<?xml version=\"1.0\"?><!DOCTYPE GIFTI [<!ENTITY xxe SYSTEM \"file://" + secret + "\">]>"
                + "<GIFTI><MetaData><MD><Name>leak</Name><Value>&xxe;</Value></MD></MetaData></GIFTI>";

            var e = Assert.Throws<FormatReadException>(() => Read(xml, "xxe.gii"));

            Assert.DoesNotContain("SECRET", e.Message, StringComparison.Ordinal);
            Assert.Contains("malformed XML", e.Reason, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Fact]
    public void Read_BillionLaughs_IsRefusedQuickly()
    {
        var entities = new StringBuilder("<!ENTITY l0 \"lol\">");
        for (int i = 1; i < 10; i++)
        {
            entities.Append($"<!ENTITY l{i} \"{string.Concat(Enumerable.Repeat($"&l{i - 1};", 10))}\">");
        }
        var xml = $"<?xml version=\"1.0\"?><!DOCTYPE GIFTI [{entities}]><GIFTI><MetaData><MD><Name>a</Name><Value>&l9;</Value></MD></MetaData></GIFTI>";
        long before = GC.GetAllocatedBytesForCurrentThread();

        Assert.Throws<FormatReadException>(() => Read(xml, "lol.gii"));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public void Read_ExternalFileWithoutCompanions_SaysToUploadThemTogether()
    {
        using var stream = File.OpenRead(GiftiTestFiles.Fixture("external.gii"));

        var e = Assert.Throws<FormatReadException>(() => GiftiReader.Read(stream, "external.gii"));

        Assert.Contains("keeps its 24 bytes of data in an external file (ExternalFileBinary) that was not uploaded together with external.gii", e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../../../etc/passwd", "leaves the .gii's folder")]
    [InlineData("../external.gii.dat", "leaves the .gii's folder")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("C:\\x.dat", "absolute path")]
    [InlineData("\\\\server\\share\\x.dat", "absolute path")]
    [InlineData("file:///etc/passwd", "absolute path")]
    [InlineData("   ", "empty ExternalFileName")]
    public void Read_ExternalFileNameOutsideTheUpload_IsRefusedWithoutEchoingIt(string name, string expected)
    {
        var text = GiftiTestFiles.FixtureText("external.gii").Replace("ExternalFileName=\"external.gii.dat\"", $"ExternalFileName=\"{name}\"", StringComparison.Ordinal);

        var e = Assert.Throws<FormatReadException>(() => GiftiReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "evil.gii", externalFiles: GiftiTestFiles.Companions("external.gii.dat")));

        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("passwd", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("x.dat", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExternalFileTooShort_SaysHowManyBytesAreMissing()
    {
        var folder = Directory.CreateTempSubdirectory("neurolab-gifti-").FullName;
        try
        {
            var data = Path.Combine(folder, "short.bin");
            File.WriteAllBytes(data, new byte[20]);
            var files = GiftiExternalFiles.FromFiles([KeyValuePair.Create("external.gii.dat", data)]);

            var e = Assert.Throws<FormatReadException>(() => GiftiReader.Read(GiftiTestFiles.Fixture("external.gii"), externalFiles: files));

            Assert.Contains("the external file \"external.gii.dat\" has 20 bytes, but [2, 3] float32 needs 24 bytes from offset 8", e.Reason, StringComparison.Ordinal);
            Assert.DoesNotContain(folder, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Read_Base64LongerThanTheFile_IsRefusedBeforeAllocating()
    {
        var xml = Document(ArrayXml("NIFTI_TYPE_FLOAT64", "Base64Binary", "Dim0=\"100000000\"", "AAAA"));
        long before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "big.gii"));

        Assert.Contains("characters of base64, but the whole file is", e.Reason, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public void Read_ArraysOverTheTotalLimit_AreRefused()
    {
        var array = ArrayXml("NIFTI_TYPE_UINT8", "ASCII", "Dim0=\"600\"", string.Join(' ', Enumerable.Repeat("1", 600)));
        var xml = Document(array, array);

        var e = Assert.Throws<FormatReadException>(() => GiftiReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), "many.gii", maxTotalBytes: 1000));

        Assert.Contains("DataArray 1 (NIFTI_INTENT_NONE) takes the file's data past the total limit", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HugeMetadataText_IsRefused()
    {
        var value = new string('a', GiftiReader.MaxTextCharacters + 10);
        var xml = $"<GIFTI><MetaData><MD><Name>big</Name><Value>{value}</Value></MD></MetaData></GIFTI>";

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "meta.gii"));

        Assert.Contains("text exceed", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LabelWithoutKey_SaysSo()
    {
        var e = Assert.Throws<FormatReadException>(() => Read("<GIFTI><LabelTable><Label Red=\"1\">x</Label></LabelTable></GIFTI>", "labels.gii"));

        Assert.Contains("label 0 of the LabelTable has no Key attribute", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TwoDataElements_AreRefused()
    {
        var xml = _surface.Replace("</Data></DataArray><DataArray", "</Data><Data>1</Data></DataArray><DataArray", StringComparison.Ordinal);

        var e = Assert.Throws<FormatReadException>(() => Read(xml, "twice.gii"));

        Assert.Contains("more than one <Data> element", e.Reason, StringComparison.Ordinal);
    }
}
