using NeuroLab.Formats.Tests.Support;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NeuroLab.Formats.Matlab;

namespace NeuroLab.Formats.Tests.Matlab;

/// <summary>Targeted malformed inputs: each must fail with a <see cref="FormatReadException"/> that says why.</summary>
public sealed class MatReaderBadInputTests
{
    private static FormatReadException ReadFails(byte[] bytes, ReadLimits? limits = null, bool strict = false) =>
        Assert.Throws<FormatReadException>(() => MatReader.Read(new MemoryStream(bytes), "bad.mat", limits, strict));

    [Fact]
    public void Read_TruncatedUncompressedFile_SaysEndsEarly()
    {
        var bytes = File.ReadAllBytes(MatTestFiles.Fixture("v5_nosmall.mat"));

        var e = ReadFails(bytes[..(bytes.Length / 2)]);

        Assert.Equal("bad.mat", e.FileName);
        Assert.Contains("ends early", e.Message);
    }

    [Fact]
    public void Read_TruncatedCompressedVariable_SaysEndsEarly()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("vangerven-digits/digit69_28x28.mat"))[..1_000_000];

        var seekable = ReadFails(bytes);
        var streamed = Assert.Throws<FormatReadException>(() => MatReader.Read(new ForwardOnlyStream(new MemoryStream(bytes)), "bad.mat"));

        Assert.Contains("ends early", seekable.Message);
        Assert.Contains("declares 2,132,948 bytes", seekable.Message);
        Assert.Contains("ends early", streamed.Message);
    }

    [Fact]
    public void Read_WrongMagic_SaysNotAMatFile()
    {
        var e = ReadFails(Encoding.ASCII.GetBytes(new string('x', 300)));

        Assert.Contains("not a MAT-file", e.Message);
        Assert.Contains("'IM'/'MI' endian indicator", e.Message);
    }

    [Fact]
    public void Read_ShorterThanHeader_SaysEndsEarly()
    {
        var e = ReadFails(Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, Platform: GLNXA64"));

        Assert.Equal("bad.mat: file ends early: 38 bytes, but a MAT-file starts with a 128-byte header.", e.Message);
    }

    [Fact]
    public void Read_PlainHdf5WithoutMatlabHeader_Explains()
    {
        var e = ReadFails(File.ReadAllBytes(MatTestFiles.Fixture("v73.mat"))[512..]);

        Assert.Contains("plain HDF5 file", e.Message);
    }

    [Fact]
    public void Read_UnknownVersion_SaysWhichVersion()
    {
        var e = ReadFails([.. MatBytes.Header(version: 0x0300), .. MatBytes.DoubleMatrix("x", 1, 1, 1.0)]);

        Assert.Contains("unknown MAT-file version 0x0300", e.Message);
    }

    [Fact]
    public void Read_V73HeaderWithoutHdf5_SaysNoSignature()
    {
        var e = ReadFails([.. MatBytes.Header(version: 0x0200), .. new byte[1024]]);

        Assert.Contains("no HDF5 signature at byte 512", e.Message);
    }

    [Fact]
    public void Read_CorruptZlibStream_SaysCorruptCompressedData()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("vangerven-digits/digit69_28x28.mat"));
        // Bytes 136-137 are the zlib header (78 9C) of the first miCOMPRESSED element.
        bytes[136] = 0x00;
        bytes[137] = 0x00;

        var e = ReadFails(bytes);

        Assert.Contains("corrupt compressed data", e.Message);
    }

    [Fact]
    public void Read_CorruptGzipWrapper_SaysCorrupt()
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(File.ReadAllBytes(MatTestFiles.Fixture("v5_nosmall.mat")));
        }
        var bytes = packed.ToArray();
        bytes.AsSpan(20, 40).Fill(0xFF);
        var path = Path.Combine(Path.GetTempPath(), $"neurolab-mat-bad-{Guid.NewGuid():N}.mat.gz");
        try
        {
            File.WriteAllBytes(path, bytes);

            var e = Assert.Throws<FormatReadException>(() => MatReader.Read(path));

            Assert.Contains("corrupt", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_UnknownTopLevelType_NamesTheTypeCode()
    {
        var e = ReadFails(MatBytes.File(MatBytes.Element(99, new byte[16])));

        Assert.Contains("unexpected data element type 99", e.Message);
        Assert.Contains("byte 128", e.Message);
    }

    [Fact]
    public void Read_UnknownNumericDataType_NamesTheTypeCode()
    {
        var e = ReadFails(MatBytes.File(MatBytes.Matrix("x", 6, [1, 1], MatBytes.Element(11, new byte[8]))));

        Assert.Equal("bad.mat: variable 'x': data has data type 11 (unknown type), not a numeric MAT type.", e.Message);
    }

    [Fact]
    public void Read_UnknownArrayClass_NamesTheClass()
    {
        var e = ReadFails(MatBytes.File(MatBytes.Matrix("x", 30, [1, 1], MatBytes.Doubles(1))));

        Assert.Contains("variable 'x': unknown MATLAB array class 30", e.Message);
    }

    [Fact]
    public void Read_HugeDimensions_RejectedBeforeAllocating()
    {
        var e = ReadFails(MatBytes.File(MatBytes.Matrix("x", 6, [100_000, 100_000], MatBytes.Doubles(1))));

        Assert.Contains("variable 'x' of shape [100000, 100000] is too large", e.Message);
    }

    [Fact]
    public void Read_NegativeDimension_Rejected()
    {
        var e = ReadFails(MatBytes.File(MatBytes.Matrix("x", 6, [-1, 5], MatBytes.Doubles(1))));

        Assert.Contains("negative dimension", e.Message);
    }

    [Fact]
    public void Read_ValueCountDisagreesWithDimensions_SaysBoth()
    {
        var e = ReadFails(MatBytes.File(MatBytes.DoubleMatrix("x", 2, 2, 1, 2, 3)));

        Assert.Equal("bad.mat: variable 'x': data holds 3 values but the dimensions 2x2 need 4.", e.Message);
    }

    [Fact]
    public void Read_ElementLongerThanFile_SaysEndsEarly()
    {
        var bytes = MatBytes.File(MatBytes.DoubleMatrix("x", 1, 1, 1));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(132), 0x7FFFFFF0);

        var e = ReadFails(bytes);

        Assert.Contains("file ends early: the data element at byte 128 declares 2,147,483,632 bytes", e.Message);
    }

    [Fact]
    public void Read_SubElementLongerThanItsMatrix_SaysSo()
    {
        var bytes = MatBytes.File(MatBytes.DoubleMatrix("x", 1, 1, 1));
        // The data sub-element's length sits after tag(8) + flags(16) + dims(16) + name(16) + its type (4).
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(128 + 8 + 16 + 16 + 16 + 4), 4096);

        var e = ReadFails(bytes);

        Assert.Contains("declares 4,096 bytes but its enclosing element has only 8 left", e.Message);
    }

    [Fact]
    public void Read_SmallElementClaimingMoreThanFourBytes_Rejected()
    {
        var bytes = MatBytes.File(MatBytes.Matrix("x", 6, [1, 1], [.. MatBytes.Int32s((8 << 16) | MatBytes.MiDouble, 0), .. new byte[8]]));

        var e = ReadFails(bytes);

        Assert.Contains("small data element claims 8 bytes", e.Message);
    }

    [Fact]
    public void Read_CellCountBeyondContent_Rejected()
    {
        var e = ReadFails(MatBytes.File(MatBytes.Matrix("c", 1, [1000, 1000])));

        Assert.Contains("1,000,000 cells declared but only 0 bytes hold them", e.Message);
    }

    [Fact]
    public void Read_CharCountDisagreesWithDimensions_SaysBoth()
    {
        var e = ReadFails(MatBytes.File(MatBytes.Matrix("t", 4, [1, 5], MatBytes.Element(16, Encoding.UTF8.GetBytes("abc")))));

        Assert.Contains("3 characters but the dimensions 1x5 need 5", e.Message);
    }

    [Fact]
    public void Read_DuplicateVariable_LaterWinsWithWarning()
    {
        var file = MatReader.Read(new MemoryStream(MatBytes.File(MatBytes.DoubleMatrix("x", 1, 1, 1), MatBytes.DoubleMatrix("x", 1, 1, 2))), "dup.mat");

        Assert.Equal(2.0, ((MatNumeric)file["x"]).ScalarValue);
        Assert.Contains("appears more than once", Assert.Single(file.Warnings));
    }

    [Fact]
    public void Read_ArrayOverCallerLimit_Rejected()
    {
        var limits = new ReadLimits { MaxArrayBytes = 10_000 };

        var e = Assert.Throws<FormatReadException>(() => MatReader.Read(SharedData.Path("k92/Kriegeskorte_Neuron2008_supplementalData.mat"), limits));

        Assert.Contains("variable 'RDMs_mIT_hIT_fig1' (at RDMs_mIT_hIT_fig1(1).RDM) of shape [1, 4186] float64", e.Message);
        Assert.Contains("over the limit", e.Message);
    }

    [Fact]
    public void Read_V73ReferenceCycle_Reported()
    {
        var e = Assert.Throws<FormatReadException>(() => MatReader.Read(MatTestFiles.Fixture("v73_cycle.mat")));

        Assert.Contains("variable 'loop'", e.Message);
        Assert.Contains("reference cycle", e.Message);
    }

    [Fact]
    public void Read_MatV4Header_SaysV4NotSupported()
    {
        var e = ReadFails([0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, (byte)'x', 0, .. new byte[8]]);

        Assert.Contains("MAT v4", e.Message);
    }
}
