using System.IO.Compression;
using System.Text;
using NeuroLab.Formats.Gifti;
using static NeuroLab.Formats.Tests.Gifti.GiftiReaderTests;

namespace NeuroLab.Formats.Tests.Gifti;

/// <summary>
/// Legacy attribute spellings that older tools wrote and other readers accept. Reference: nibabel 5
/// <c>nibabel/gifti/util.py</c> (<c>gifti_encoding_codes</c>: label, giistring and spec columns;
/// <c>gifti_endian_codes</c>; <c>array_index_order_codes</c> npcode C/F) and <c>nibabel.nifti1.data_type_codes</c>
/// labels for DataType; the DT_ names of nifti1_io's <c>nifti_type_list</c>, which gifticlib reads. The values are
/// exact (float32 written and read back).
/// </summary>
public sealed class GiftiLegacyNamesTests
{
    private static readonly float[] _values = [1.5f, -2, 3];

    [Theory]
    [InlineData("ASCII")]
    [InlineData("GIFTI_ENCODING_ASCII")]
    [InlineData("Base64Binary")]
    [InlineData("B64BIN")]
    [InlineData("GIFTI_ENCODING_B64BIN")]
    [InlineData("GZipBase64Binary")]
    [InlineData("B64GZ")]
    [InlineData("GIFTI_ENCODING_B64GZ")]
    [InlineData("gifti_encoding_b64gz")]
    public void Read_InlineEncodingName_DecodesTheValues(string encoding)
    {
        var gifti = Read(Document(ArrayXml("NIFTI_TYPE_FLOAT32", encoding, "Dim0=\"3\"", DataFor(encoding))), "legacy.gii");

        Assert.Equal(_values, gifti.DataArrays[0].Array.AsSpan<float>().ToArray());
    }

    [Theory]
    [InlineData("ExternalFileBinary")]
    [InlineData("External")]
    [InlineData("GIFTI_ENCODING_EXTBIN")]
    public void Read_ExternalEncodingName_ReadsTheCompanionFile(string encoding)
    {
        var data = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(data, LittleEndianBytes());
            var xml = Document(ArrayXml("NIFTI_TYPE_FLOAT32", encoding, "Dim0=\"3\"", "")).Replace("ExternalFileName=\"\"", "ExternalFileName=\"legacy.dat\"", StringComparison.Ordinal);

            var gifti = GiftiReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), "legacy.gii", externalFiles: GiftiExternalFiles.FromFiles([KeyValuePair.Create("legacy.dat", data)]));

            Assert.Equal(GiftiEncoding.ExternalFileBinary, gifti.DataArrays[0].Encoding);
            Assert.Equal(_values, gifti.DataArrays[0].Array.AsSpan<float>().ToArray());
        }
        finally
        {
            File.Delete(data);
        }
    }

    [Theory]
    [InlineData("undef")]
    [InlineData("GIFTI_ENCODING_UNDEF")]
    public void Read_UndefinedEncoding_IsRefusedWithTheKnownNames(string encoding)
    {
        var e = Assert.Throws<FormatReadException>(() => Read(Document(ArrayXml("NIFTI_TYPE_FLOAT32", encoding, "Dim0=\"3\"", "1.5 -2 3")), "undef.gii"));

        Assert.Contains("(undefined), so its data cannot be decoded", e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GIFTI_ENDIAN_LITTLE", true)]
    [InlineData("GIFTI_ENDIAN_UNDEF", true)]
    [InlineData("little", true)]
    [InlineData("GIFTI_ENDIAN_BIG", false)]
    [InlineData("big", false)]
    public void Read_LegacyEndianName_GivesThatByteOrder(string endian, bool little)
    {
        var bytes = LittleEndianBytes();
        if (!little)
        {
            StreamReading.ReverseEndianness(bytes, 4);
        }

        var gifti = Read(Document(ArrayXml("NIFTI_TYPE_FLOAT32", "Base64Binary", "Dim0=\"3\"", Convert.ToBase64String(bytes), endian: endian)), "endian.gii");

        Assert.Equal(_values, gifti.DataArrays[0].Array.AsSpan<float>().ToArray());
    }

    [Theory]
    [InlineData("C", ArrayOrder.C)]
    [InlineData("F", ArrayOrder.Fortran)]
    public void Read_NumpyOrderCode_GivesThatOrder(string code, ArrayOrder expected)
    {
        var xml = Document(ArrayXml("NIFTI_TYPE_INT32", "ASCII", "Dim0=\"2\" Dim1=\"2\"", "1 2 3 4")).Replace("RowMajorOrder", code, StringComparison.Ordinal);

        var gifti = Read(xml, "order.gii");

        Assert.Equal(expected, gifti.DataArrays[0].Array.Order);
    }

    [Theory]
    [InlineData("float32", NumericType.Float32)]
    [InlineData("DT_FLOAT32", NumericType.Float32)]
    [InlineData("DT_FLOAT", NumericType.Float32)]
    [InlineData("float64", NumericType.Float64)]
    [InlineData("DT_DOUBLE", NumericType.Float64)]
    [InlineData("int32", NumericType.Int32)]
    [InlineData("DT_SIGNED_INT", NumericType.Int32)]
    [InlineData("uint8", NumericType.UInt8)]
    [InlineData("DT_UNSIGNED_CHAR", NumericType.UInt8)]
    [InlineData("int16", NumericType.Int16)]
    [InlineData("DT_SIGNED_SHORT", NumericType.Int16)]
    [InlineData("int8", NumericType.Int8)]
    [InlineData("uint16", NumericType.UInt16)]
    [InlineData("uint32", NumericType.UInt32)]
    [InlineData("int64", NumericType.Int64)]
    [InlineData("uint64", NumericType.UInt64)]
    public void Read_LegacyDataTypeName_GivesThatType(string dataType, NumericType expected)
    {
        var gifti = Read(Document(ArrayXml(dataType, "ASCII", "Dim0=\"3\"", "1 2 3")), "types.gii");

        Assert.Equal(expected, gifti.DataArrays[0].Array.Type);
        Assert.Equal([1.0, 2, 3], gifti.DataArrays[0].Array.ToFloat64());
    }

    [Theory]
    [InlineData("RGB")]
    [InlineData("DT_RGBA32")]
    [InlineData("float128")]
    public void Read_LegacyNameOfAnUnsupportedType_IsRefusedAsUnsupported(string dataType)
    {
        var e = Assert.Throws<FormatReadException>(() => Read(Document(ArrayXml(dataType, "ASCII", "Dim0=\"3\"", "1 2 3")), "rgb.gii"));

        Assert.Contains("which is not supported", e.Reason, StringComparison.Ordinal);
    }

    private static byte[] LittleEndianBytes()
    {
        var bytes = new byte[_values.Length * 4];
        for (int i = 0; i < _values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), _values[i]);
        }
        return bytes;
    }

    private static string DataFor(string encoding)
    {
        var upper = encoding.ToUpperInvariant();
        if (upper.Contains("ASCII", StringComparison.Ordinal))
        {
            return "1.5 -2 3";
        }
        if (upper.Contains("GZ", StringComparison.Ordinal))
        {
            using var compressed = new MemoryStream();
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(LittleEndianBytes());
            }
            return Convert.ToBase64String(compressed.ToArray());
        }
        return Convert.ToBase64String(LittleEndianBytes());
    }
}
