using System.Buffers.Binary;
using System.IO.Compression;
using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Tests.Support;

namespace NeuroLab.Formats.Tests.Nifti;

public sealed class NiftiBadInputTests
{
    private static byte[] Uncompressed(string path)
    {
        using var source = StreamReading.OpenMaybeGzip(path);
        using var memory = new MemoryStream();
        source.CopyTo(memory);
        return memory.ToArray();
    }

    private static FormatReadException ReadFails(byte[] bytes, string name = "bad.nii", ReadLimits? limits = null)
    {
        using var stream = new MemoryStream(bytes);
        return Assert.Throws<FormatReadException>(() => NiftiReader.Read(stream, name, limits));
    }

    private static byte[] Int16Fixture() => File.ReadAllBytes(TestFiles.Fixture("nifti", "dtype_int16.nii"));

    [Fact]
    public void WrongMagic_IsNamed()
    {
        var bytes = Int16Fixture();
        bytes[344] = (byte)'x';
        var e = ReadFails(bytes);
        Assert.Contains("magic", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("bad.nii: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotNifti_SaysSo()
    {
        var e = ReadFails("%PDF-1.7 this is not an image, whatever the extension says......"u8.ToArray());
        Assert.Contains("not a NIfTI file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedData_SaysHowMuchIsMissing()
    {
        var bytes = Int16Fixture();
        var e = ReadFails(bytes[..^10]);
        Assert.Contains("file has only", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedGzip_IsFormatError()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz"));
        var e = ReadFails(bytes[..(bytes.Length / 2)], "bold.nii.gz");
        Assert.Contains("bold.nii.gz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptGzip_IsFormatError()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("haxby2001/sub001/masks/25mm/vt.nii.gz"));
        for (int i = 20; i < 60; i++)
        {
            bytes[i] ^= 0x5A;
        }
        ReadFails(bytes, "vt.nii.gz");
    }

    [Fact]
    public void HugeDimensions_RefusedBeforeAllocating()
    {
        var bytes = Int16Fixture();
        for (int i = 1; i <= 3; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(40 + 2 * i), short.MaxValue);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = ReadFails(bytes);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the reader allocated for the declared size");
        Assert.Contains("32767x32767x32767", e.Message.Replace(", ", "x", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void DeclaredSizeBeyondLimits_IsRefused()
    {
        var bytes = Int16Fixture();
        var e = ReadFails(bytes, limits: new ReadLimits { MaxArrayBytes = 64 });
        Assert.Contains("over the limit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeDimension_IsNamed()
    {
        var bytes = Int16Fixture();
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(44), -5);
        var e = ReadFails(bytes);
        Assert.Contains("dim[2] is -5", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(-1)]
    public void BadRank_IsNamed(short rank)
    {
        var bytes = Int16Fixture();
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(40), rank);
        var e = ReadFails(bytes);
        Assert.Contains($"dim[0] is {rank}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((short)1536, "DT_FLOAT128")]
    [InlineData((short)1, "DT_BINARY")]
    [InlineData((short)999, "code 999")]
    public void UnsupportedDatatype_IsNamed(short code, string expected)
    {
        var bytes = Int16Fixture();
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(70), code);
        var e = ReadFails(bytes);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NaNVoxOffset_IsNamed()
    {
        var bytes = Int16Fixture();
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(108), float.NaN);
        var e = ReadFails(bytes);
        Assert.Contains("vox_offset", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NaNVoxels_AreData_NotErrors()
    {
        // NaN voxels are legitimate in statistical maps; the reader keeps them and callers decide.
        var image = NiftiReader.Read(TestFiles.Fixture("nifti", "dtype_float32.nii"));
        var bytes = File.ReadAllBytes(TestFiles.Fixture("nifti", "dtype_float32.nii"));
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(352), float.NaN);
        using var stream = new MemoryStream(bytes);
        var withNaN = NiftiReader.Read(stream, "nan.nii");
        Assert.True(float.IsNaN(withNaN.Data.AsSpan<float>()[0]));
        Assert.Equal(image.Data.Length, withNaN.Data.Length);
    }

    /// <summary>
    /// Seeded corruption of real files and fixtures (truncation, byte flips, header fields overwritten with
    /// extreme values, gzip damage): only <see cref="FormatReadException"/> may escape, never another
    /// exception, and nothing may allocate for an absurd declared size.
    /// </summary>
    [Fact]
    public void Fuzz_SeededCorruptions_OnlyFormatReadExceptionEscapes()
    {
        string[] sources =
        [
            SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz"),
            SharedData.Path("templates/spmMotor.nii.gz"),
            TestFiles.Fixture("nifti", "nifti2_float32_qform.nii"),
            TestFiles.Fixture("nifti", "bigendian_int16_slope_4d.nii"),
            TestFiles.Fixture("nifti", "dtype_complex64.nii"),
        ];
        var random = new Random(20261128);
        var limits = new ReadLimits { MaxArrayBytes = 64L << 20 };
        int cases = 0, failures = 0;
        foreach (var source in sources)
        {
            var original = File.ReadAllBytes(source);
            var plain = Uncompressed(source);
            for (int i = 0; i < 80; i++)
            {
                var (bytes, gzip) = Corrupt(random, original, plain);
                cases++;
                try
                {
                    using var stream = new MemoryStream(bytes);
                    NiftiReader.Read(stream, "fuzz.nii", limits);
                }
                catch (FormatReadException)
                {
                    failures++;
                }
                catch (Exception e)
                {
                    Assert.Fail($"case {cases} ({(gzip ? "gzip" : "plain")} from {Path.GetFileName(source)}) threw {e.GetType().Name}: {e.Message}");
                }
            }
        }
        Assert.Equal(400, cases);
        Assert.True(failures > 100, $"only {failures} of {cases} corruptions were detected; the mutations are too mild");
    }

    private static (byte[] Bytes, bool Gzip) Corrupt(Random random, byte[] original, byte[] plain)
    {
        var bytes = (byte[])plain.Clone();
        switch (random.Next(6))
        {
            case 0:
                bytes = bytes[..random.Next(bytes.Length)];
                break;
            case 1:
                for (int k = 0; k < 1 + random.Next(8); k++)
                {
                    bytes[random.Next(Math.Min(bytes.Length, 540))] ^= (byte)(1 << random.Next(8));
                }
                break;
            case 2:
                int[] fields = [0, 40, 42, 44, 46, 48, 70, 72, 108, 112, 252, 254, 16, 24, 168];
                int at = fields[random.Next(fields.Length)];
                long[] extremes = [0, -1, short.MaxValue, short.MinValue, int.MaxValue, int.MinValue, long.MaxValue, 0x7FC00000];
                var value = extremes[random.Next(extremes.Length)];
                var width = at >= 16 && at % 8 == 0 && bytes.Length > 540 ? 8 : at is 0 or 108 or 112 ? 4 : 2;
                for (int b = 0; b < width && at + b < bytes.Length; b++)
                {
                    bytes[at + b] = (byte)(value >> (8 * b));
                }
                break;
            case 3:
                var rank = random.Next(1, 8);
                BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(40), (short)rank);
                for (int d = 1; d <= rank; d++)
                {
                    BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(40 + 2 * d), (short)random.Next(-3, 3000));
                }
                break;
            case 4:
                var gz = (byte[])original.Clone();
                if (StreamReading.IsGzip(gz))
                {
                    gz[random.Next(10, gz.Length)] ^= 0xFF;
                    return (random.Next(2) == 0 ? gz : gz[..random.Next(gz.Length)], true);
                }
                bytes[random.Next(bytes.Length)] ^= 0xFF;
                break;
            default:
                using (var memory = new MemoryStream())
                {
                    using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
                    {
                        gzip.Write(bytes, 0, bytes.Length);
                    }
                    var compressed = memory.ToArray();
                    return (compressed[..Math.Max(2, random.Next(compressed.Length))], true);
                }
        }
        return (bytes, false);
    }
}
