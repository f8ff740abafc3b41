using NeuroLab.Formats.Tests.Support;
using System.Security.Cryptography;
using System.Text.Json;
using NeuroLab.Formats.Images;
using Xunit.Abstractions;
using static NeuroLab.Formats.Tests.Images.ImageTestFiles;

namespace NeuroLab.Formats.Tests.Images;

public class ImageReaderTests(ITestOutputHelper output)
{
    // JPEG decoders may differ in IDCT rounding; the brief's bound for a whole image is a mean absolute
    // difference under 2/255. (Skia's libjpeg-turbo and Debian's agree exactly on these files today.)
    private const double JpegMeanTolerance = 2.0 / 255;
    private const double JpegPixelTolerance = 8.0 / 255;

    // 16-bit PNGs are exact: v/65535 in float32, so only float32 rounding (< 6e-8 for values <= 1).
    private const double SixteenBitTolerance = 1e-7;

    public static TheoryData<string> FixtureCases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Reference.GetProperty("fixtures").EnumerateObject())
        {
            data.Add(f.Name);
        }
        return data;
    }

    [Fact]
    public void Reference_CoversEveryRealImage()
    {
        Assert.Equal(92, Directory.GetFiles(SharedData.Path("k92/images"), "*.png").Length);
        Assert.Equal(92, Reference.GetProperty("k92").EnumerateObject().Count());
        Assert.Equal(1750, Directory.GetFiles(SharedData.Path("kay2008-stimuli/stimuli"), "*.jpg").Length);
        Assert.Equal(1750, Reference.GetProperty("kay").EnumerateObject().Count());
    }

    // Reference: Pillow 9.4.0 Image.open(...).convert("RGB"); PNG is lossless, so every byte must match (SHA-256 of all pixels).
    [Fact]
    public void Read_AllK92Pngs_MatchPillowExactly()
    {
        foreach (var entry in Reference.GetProperty("k92").EnumerateObject())
        {
            var path = SharedData.Path(entry.Name);
            var expected = entry.Value;

            var image = ImageReader.Read(path);
            var info = ImageReader.ReadInfo(path);

            Assert.Equal(NumericType.Float32, image.Type);
            Assert.Equal([175L, 175L, 3L], image.Shape);
            Assert.Equal(new ImageInfo(175, 175, 3, ImageFormat.Png, 8, "RGB", false), info);
            Assert.Equal("RGB", expected.GetProperty("mode").GetString());
            var bytes = ToBytes(image);
            Assert.Equal(expected.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
            foreach (var sample in expected.GetProperty("samples").EnumerateArray())
            {
                var rgb = sample[2].EnumerateArray().Select(v => v.GetInt32() / 255f).ToArray();
                for (int k = 0; k < 3; k++)
                {
                    Assert.Equal(rgb[k], (float)image[sample[0].GetInt64(), sample[1].GetInt64(), k]);
                }
            }
            Assert.Equal(expected.GetProperty("mean").GetDouble() / 255, image.AsSpan<float>().ToArray().Average(v => (double)v), 1e-6);
        }
    }

    // Reference: Pillow 9.4.0 (libjpeg62-turbo). Stored as 3-component YCbCr with neutral chroma, so
    // Auto gives 3 channels with R = G = B; Grayscale gives the [128, 128, 1] the dataset describes.
    [Fact]
    public void Read_AllKay2008Jpegs_MatchPillowWithinTolerance()
    {
        var folder = Reference.GetProperty("kay_folder").GetString()!;
        var positions = Reference.GetProperty("kay_samples").EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetInt32())).ToArray();
        Assert.True(Reference.GetProperty("kay_all_rgb_equal").GetBoolean());
        double worstMean = 0;
        double worstPixel = 0;
        foreach (var entry in Reference.GetProperty("kay").EnumerateObject())
        {
            var row = entry.Value;
            var path = SharedData.Path($"{folder}/{entry.Name}");

            var image = ImageReader.Read(path);

            Assert.Equal([128L, 128L, 3L], image.Shape);
            Assert.Equal(128, row[0].GetInt32());
            Assert.Equal(128, row[1].GetInt32());
            Assert.Equal("RGB", row[2].GetString());
            var data = image.AsSpan<float>();
            double sum = 0;
            for (int i = 0; i < data.Length; i += 3)
            {
                Assert.True(data[i] == data[i + 1] && data[i + 1] == data[i + 2], $"{entry.Name}: pixel {i / 3} is not gray");
                sum += data[i] * 3.0;
            }
            double meanError = Math.Abs((sum / data.Length) - (row[3].GetDouble() / 255));
            worstMean = Math.Max(worstMean, meanError);
            Assert.True(meanError < JpegMeanTolerance, $"{entry.Name}: mean differs by {meanError * 255:F3}/255");
            for (int s = 0; s < positions.Length; s++)
            {
                var (r, c) = positions[s];
                double error = Math.Abs(image[(r + 128) % 128, (c + 128) % 128, 0] - (row[4 + s].GetInt32() / 255.0));
                worstPixel = Math.Max(worstPixel, error);
                Assert.True(error <= JpegPixelTolerance, $"{entry.Name}: pixel ({r}, {c}) differs by {error * 255:F1}/255");
            }
        }
        output.WriteLine($"kay2008: worst mean difference {worstMean * 255:F4}/255, worst sampled pixel {worstPixel * 255:F1}/255");
    }

    [Theory]
    [InlineData("kay2008-stimuli/stimuli/0.jpg")]
    [InlineData("kay2008-stimuli/stimuli/1234.jpg")]
    public void Read_KayJpegAsGrayscale_WholeImageWithinTolerance(string relativePath)
    {
        var expected = Reference.GetProperty("kay_full").GetProperty(relativePath);
        var pillow = Base64Pixels(expected, "pil_L_base64");

        var image = ImageReader.Read(SharedData.Path(relativePath), new ImageReadOptions { Color = ImageColorMode.Grayscale });

        Assert.Equal([128L, 128L, 1L], image.Shape);
        Assert.True(ImageReader.ReadInfo(SharedData.Path(relativePath)) is { Format: ImageFormat.Jpeg, ColorModel: "YCbCr", Channels: 3, BitDepth: 8 });
        var (mean, max) = Differences(image.AsSpan<float>(), pillow);
        output.WriteLine($"{relativePath}: mean |diff| {mean * 255:F4}/255, max {max * 255:F2}/255");
        Assert.True(mean < JpegMeanTolerance);
        Assert.True(max <= JpegPixelTolerance);
    }

    // Pillow's convert("L") uses fixed-point BT.601 weights and rounds to 8 bits: within 0.5/255 (+ weight rounding).
    [Fact]
    public void Read_K92AsGrayscale_MatchesPillowLuma()
    {
        var expected = Reference.GetProperty("k92_luma");
        var pillow = Base64Pixels(expected, "pil_L_base64");

        var image = ImageReader.Read(SharedData.Path(expected.GetProperty("file").GetString()!), new ImageReadOptions { Color = ImageColorMode.Grayscale });

        Assert.Equal([175L, 175L, 1L], image.Shape);
        var (_, max) = Differences(image.AsSpan<float>(), pillow);
        Assert.True(max <= 0.51 / 255, $"max difference {max * 255:F3}/255");
    }

    // Halving is exactly one mipmap level, i.e. a 2x2 box average, which Pillow's reduce(2) computes too.
    [Fact]
    public void Read_ResizeToHalf_MatchesPillowBoxReduce()
    {
        var expected = Reference.GetProperty("kay_reduce2");
        var pillow = Base64Pixels(expected, "pil_reduce2_base64");

        var image = ImageReader.Read(SharedData.Path(expected.GetProperty("file").GetString()!), new ImageReadOptions { Color = ImageColorMode.Grayscale, Width = 64, Height = 64 });

        Assert.Equal([64L, 64L, 1L], image.Shape);
        var (mean, max) = Differences(image.AsSpan<float>(), pillow);
        output.WriteLine($"half size vs Pillow reduce(2): mean {mean * 255:F3}/255, max {max * 255:F2}/255");
        Assert.True(max <= 1.01 / 255, $"max difference {max * 255:F2}/255");
        Assert.True(mean < 0.5 / 255);
    }

    [Fact]
    public void Read_ResizeOneSide_KeepsAspectAndMean()
    {
        var path = SharedData.Path("k92/images/00.png");
        var full = ImageReader.Read(path);

        var small = ImageReader.Read(path, new ImageReadOptions { Width = 50 });
        var large = ImageReader.Read(path, new ImageReadOptions { Height = 300, Color = ImageColorMode.Rgba });
        var squashed = ImageReader.Read(path, new ImageReadOptions { Width = 40, Height = 90, Color = ImageColorMode.Grayscale });

        Assert.Equal([50L, 50L, 3L], small.Shape);
        Assert.Equal([300L, 300L, 4L], large.Shape);
        Assert.Equal([90L, 40L, 1L], squashed.Shape);
        double fullMean = full.AsSpan<float>().ToArray().Average(v => (double)v);
        Assert.Equal(fullMean, small.AsSpan<float>().ToArray().Average(v => (double)v), 0.02);
        Assert.All(large.AsSpan<float>().ToArray(), v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(1f, large[150, 150, 3]);
    }

    [Fact]
    public void Read_UniformImageEnlarged_StaysUniform()
    {
        var png = ImageThumbnail.EncodePng(new NumericArray(NumericType.UInt8, [3, 5], Enumerable.Repeat((byte)200, 15).ToArray()), 64);

        var image = ImageReader.Read(new MemoryStream(png), "flat.png", new ImageReadOptions { Width = 17, Height = 11 });

        Assert.Equal([11L, 17L, 1L], image.Shape);
        Assert.All(image.AsSpan<float>().ToArray(), v => Assert.Equal(200f / 255, v, 1e-6));
    }

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void Read_SyntheticFixture_MatchesReference(string key)
    {
        var expected = Reference.GetProperty("fixtures").GetProperty(key);
        var file = expected.TryGetProperty("file", out var f) ? f.GetString()! : key;
        var color = expected.TryGetProperty("color", out var c) ? Enum.Parse<ImageColorMode>(c.GetString()!) : ImageColorMode.Auto;
        double scale = expected.GetProperty("max").GetDouble();
        bool lossy = expected.TryGetProperty("lossy", out _);
        var shape = expected.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var values = Flatten(expected.GetProperty("values")).Select(v => v / scale).ToArray();

        var image = ImageReader.Read(Fixture(file), new ImageReadOptions { Color = color });

        Assert.Equal(shape, image.Shape);
        var data = image.AsSpan<float>();
        double tolerance = scale > 255 ? SixteenBitTolerance : lossy ? JpegPixelTolerance : 1e-7;
        double meanError = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double error = Math.Abs(data[i] - values[i]);
            meanError += error / values.Length;
            Assert.True(error <= tolerance, $"{key}: element {i} is {data[i]}, expected {values[i]} (tolerance {tolerance})");
        }
        output.WriteLine($"{key}: mean |diff| {meanError:E2}");
        Assert.True(meanError < (lossy ? JpegMeanTolerance : tolerance));
    }

    [Theory]
    [InlineData("gray16.png", 7, 5, 1, "gray", 16, false)]
    [InlineData("rgb16.png", 4, 3, 3, "RGB", 16, false)]
    [InlineData("rgba16.png", 3, 2, 3, "RGBA", 16, true)]
    [InlineData("interlaced.png", 9, 7, 3, "RGB", 8, false)]
    [InlineData("rgb16_filters.png", 5, 6, 3, "RGB", 16, false)]
    [InlineData("rgb16_trns.png", 4, 3, 3, "RGB", 16, true)]
    [InlineData("gray_alpha16_interlaced.png", 9, 10, 1, "gray+alpha", 16, true)]
    [InlineData("gray1bit.png", 10, 3, 1, "gray", 1, false)]
    [InlineData("gray_alpha.png", 6, 4, 1, "gray+alpha", 8, true)]
    [InlineData("palette.png", 5, 5, 3, "palette", 4, false)]
    [InlineData("palette_trns.png", 5, 5, 3, "palette", 4, true)]
    [InlineData("gray.jpg", 16, 12, 1, "gray", 8, false)]
    [InlineData("progressive.jpg", 16, 12, 3, "YCbCr", 8, false)]
    [InlineData("cmyk.jpg", 16, 12, 3, "CMYK", 8, false)]
    [InlineData("exif_rotate90.jpg", 16, 8, 3, "YCbCr", 8, false)]
    public void ReadInfo_Fixture_DescribesStoredLayout(string file, int width, int height, int channels, string model, int bitDepth, bool alpha)
    {
        var info = ImageReader.ReadInfo(Fixture(file));

        Assert.Equal(width, info.Width);
        Assert.Equal(height, info.Height);
        Assert.Equal(channels, info.Channels);
        Assert.Equal(model, info.ColorModel);
        Assert.Equal(bitDepth, info.BitDepth);
        Assert.Equal(alpha, info.HasAlpha);
        Assert.Equal(file.EndsWith(".png", StringComparison.Ordinal) ? ImageFormat.Png : ImageFormat.Jpeg, info.Format);
    }

    [Fact]
    public void ReadInfo_OnlyHeaderBytes_NoPixelDataNeeded()
    {
        var png = File.ReadAllBytes(SharedData.Path("k92/images/00.png"));
        var jpeg = File.ReadAllBytes(SharedData.Path("kay2008-stimuli/stimuli/0.jpg"));
        int pngHeader = IndexOf(png, "IDAT"u8) + 4;
        int jpegHeader = IndexOf(jpeg, [0xFF, 0xC0]) + 10;

        var pngInfo = ImageReader.ReadInfo(new MemoryStream(png[..pngHeader]), "00.png");
        var jpegInfo = ImageReader.ReadInfo(new MemoryStream(jpeg[..jpegHeader]), "0.jpg");

        Assert.Equal((175, 175, ImageFormat.Png), (pngInfo.Width, pngInfo.Height, pngInfo.Format));
        Assert.Equal((128, 128, ImageFormat.Jpeg), (jpegInfo.Width, jpegInfo.Height, jpegInfo.Format));
    }

    [Fact]
    public void Read_ColorModes_ConvertAsDocumented()
    {
        var gray = Fixture("gray.jpg");
        var auto = ImageReader.Read(gray);
        var rgb = ImageReader.Read(gray, new ImageReadOptions { Color = ImageColorMode.Rgb });
        var rgba = ImageReader.Read(Fixture("interlaced.png"), new ImageReadOptions { Color = ImageColorMode.Rgba });
        var luma = ImageReader.Read(Fixture("interlaced.png"), new ImageReadOptions { Color = ImageColorMode.Grayscale });
        var color = ImageReader.Read(Fixture("interlaced.png"));

        Assert.Equal([12L, 16L, 1L], auto.Shape);
        Assert.Equal([12L, 16L, 3L], rgb.Shape);
        Assert.Equal(auto[5, 7, 0], rgb[5, 7, 2]);
        Assert.Equal([7L, 9L, 4L], rgba.Shape);
        Assert.Equal(1.0, rgba[6, 8, 3]);
        double expectedLuma = (0.299 * color[3, 4, 0]) + (0.587 * color[3, 4, 1]) + (0.114 * color[3, 4, 2]);
        Assert.Equal(expectedLuma, luma[3, 4, 0], 1e-6);
    }

    [Fact]
    public void Read_ForwardOnlyStream_SameAsPath()
    {
        var path = SharedData.Path("kay2008-stimuli/stimuli/7.jpg");

        var fromPath = ImageReader.Read(path);
        var fromStream = ImageReader.Read(new Support.ForwardOnlyStream(File.OpenRead(path)), "7.jpg");

        Assert.Equal(fromPath.AsSpan<float>().ToArray(), fromStream.AsSpan<float>().ToArray());
    }

    [Fact]
    public void Read_SeekableStreamNotAtStart_ReadsFromCurrentPosition()
    {
        var png = File.ReadAllBytes(SharedData.Path("k92/images/00.png"));
        var stream = new MemoryStream([.. new byte[10], .. png]) { Position = 10 };

        var image = ImageReader.Read(stream, "00.png");

        Assert.Equal(ImageReader.Read(SharedData.Path("k92/images/00.png")).AsSpan<float>().ToArray(), image.AsSpan<float>().ToArray());
        Assert.True(stream.CanRead);
    }

    [Theory]
    [InlineData(new byte[0], "empty file: not a PNG or JPEG image")]
    [InlineData(new byte[] { (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a', 0, 0 }, "not a PNG or JPEG image (it looks like GIF)")]
    [InlineData(new byte[] { (byte)'B', (byte)'M', 1, 2, 3 }, "not a PNG or JPEG image (it looks like BMP)")]
    [InlineData(new byte[] { 0x1f, 0x8b, 8, 0 }, "not a PNG or JPEG image (it looks like gzip-compressed data)")]
    [InlineData(new byte[] { (byte)'o', (byte)'n', (byte)'s', (byte)'e', (byte)'t' }, "not a PNG or JPEG image.")]
    [InlineData(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, "file ends early")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 }, "end of image before any frame header")]
    public void Read_NotAnImage_FormatReadExceptionNamingTheReason(byte[] bytes, string expected)
    {
        var read = Assert.Throws<FormatReadException>(() => ImageReader.Read(new MemoryStream(bytes), "upload.bin"));
        var info = Assert.Throws<FormatReadException>(() => ImageReader.ReadInfo(new MemoryStream(bytes), "upload.bin"));

        Assert.Contains(expected, read.Message);
        Assert.Contains(expected, info.Message);
        Assert.StartsWith("upload.bin: ", read.Message);
    }

    [Theory]
    [InlineData("k92/images/00.png", 0.5)]
    [InlineData("k92/images/00.png", 0.98)]
    [InlineData("kay2008-stimuli/stimuli/0.jpg", 0.5)]
    [InlineData("kay2008-stimuli/stimuli/0.jpg", 0.9)]
    public void Read_TruncatedFile_ReportedAsTruncated(string relativePath, double keep)
    {
        var bytes = File.ReadAllBytes(SharedData.Path(relativePath));

        var e = Assert.Throws<FormatReadException>(() => ImageReader.Read(new MemoryStream(bytes[..(int)(bytes.Length * keep)]), "cut.img"));

        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Read_PngWithCorruptCompressedData_FormatReadException()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("k92/images/00.png"));
        int idat = IndexOf(bytes, "IDAT"u8);
        for (int i = idat + 40; i < idat + 400; i += 3)
        {
            bytes[i] ^= 0xA5;
        }

        var e = Assert.Throws<FormatReadException>(() => ImageReader.Read(new MemoryStream(bytes), "00.png"));

        Assert.StartsWith("00.png: ", e.Message);
    }

    [Fact]
    public void Read_PngDeclaringHugeSize_RejectedBeforeDecoding()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("k92/images/00.png"));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), 100_000);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(20), 100_000);

        var e = Assert.Throws<FormatReadException>(() => ImageReader.Read(new MemoryStream(bytes), "bomb.png"));
        var info = ImageReader.ReadInfo(new MemoryStream(bytes), "bomb.png");

        Assert.Contains("100000x100000 = 10,000,000,000 pixels is over the limit", e.Message);
        Assert.Equal(100_000, info.Width);
    }

    [Theory]
    [InlineData(0x8000_0000u, 10u, "each side must be 1 to 2^31-1")]
    [InlineData(0u, 10u, "each side must be 1 to 2^31-1")]
    [InlineData(0xFFFF_FFFFu, 0xFFFF_FFFFu, "each side must be 1 to 2^31-1")]
    public void Read_PngWithInvalidDimensions_Rejected(uint width, uint height, string expected)
    {
        var bytes = File.ReadAllBytes(SharedData.Path("k92/images/00.png"));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(20), height);

        var e = Assert.Throws<FormatReadException>(() => ImageReader.Read(new MemoryStream(bytes), "bad.png"));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Read_PngWithUnknownColourType_Rejected()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("k92/images/00.png"));
        bytes[25] = 5;

        var e = Assert.Throws<FormatReadException>(() => ImageReader.Read(new MemoryStream(bytes), "bad.png"));

        Assert.Contains("colour type 5 with bit depth 8", e.Message);
    }

    [Fact]
    public void Read_JpegDeclaringHugeSize_RejectedBeforeDecoding()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("kay2008-stimuli/stimuli/0.jpg"));
        int sof = IndexOf(bytes, [0xFF, 0xC0]);
        bytes[sof + 5] = 0xEA;
        bytes[sof + 6] = 0x60;
        bytes[sof + 7] = 0xEA;
        bytes[sof + 8] = 0x60;

        var e = Assert.Throws<FormatReadException>(() => ImageReader.Read(new MemoryStream(bytes), "bomb.jpg"));

        Assert.Contains("60000x60000 = 3,600,000,000 pixels is over the limit", e.Message);
    }

    [Fact]
    public void Read_TwelveBitJpeg_RejectedAsUnsupported()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("kay2008-stimuli/stimuli/0.jpg"));
        bytes[IndexOf(bytes, [0xFF, 0xC0]) + 4] = 12;

        var e = Assert.Throws<FormatReadException>(() => ImageReader.Read(new MemoryStream(bytes), "deep.jpg"));

        Assert.Contains("12-bit JPEG is not supported", e.Message);
    }

    [Fact]
    public void Read_OutputOverLimits_RejectedBeforeDecoding()
    {
        var options = new ImageReadOptions { Limits = new ReadLimits { MaxArrayBytes = 100_000 } };

        var e = Assert.Throws<FormatReadException>(() => ImageReader.Read(SharedData.Path("k92/images/00.png"), options));
        var resize = Assert.Throws<FormatReadException>(() => ImageReader.Read(SharedData.Path("kay2008-stimuli/stimuli/0.jpg"), new ImageReadOptions { Width = 20_000, Height = 20_000 }));
        var pixels = Assert.Throws<FormatReadException>(() => ImageReader.Read(SharedData.Path("kay2008-stimuli/stimuli/0.jpg"), new ImageReadOptions { MaxPixels = 128 * 127 }));

        Assert.Contains("over the limit", e.Message);
        Assert.Contains("[20000, 20000, 3]", resize.Message);
        Assert.Contains("128x128 = 16,384 pixels is over the limit of 16,256", pixels.Message);
    }

    [Fact]
    public void Read_SeededCorruptionsOfRealImages_OnlyFormatReadException()
    {
        var files = new[] { "k92/images/00.png", "k92/images/47.png", "kay2008-stimuli/stimuli/0.jpg", "kay2008-stimuli/stimuli/999.jpg" }
            .Select(p => File.ReadAllBytes(SharedData.Path(p)))
            .Concat(new[] { "rgb16_filters.png", "gray_alpha16_interlaced.png" }.Select(f => File.ReadAllBytes(Fixture(f))))
            .ToArray();
        var options = new ImageReadOptions { MaxPixels = 4_000_000, Limits = new ReadLimits { MaxArrayBytes = 64 << 20 } };
        var rng = new Random(1750);
        int rejected = 0;
        int read = 0;
        for (int i = 0; i < 480; i++)
        {
            var bytes = ImageCorruption.Mutate(files[i % files.Length], rng, i);
            try
            {
                var info = ImageReader.ReadInfo(new MemoryStream(bytes), "stimulus.img");
                Assert.True(info.Width > 0 && info.Height > 0);
            }
            catch (FormatReadException e)
            {
                Assert.StartsWith("stimulus.img: ", e.Message);
            }
            try
            {
                var image = ImageReader.Read(new MemoryStream(bytes), "stimulus.img", options);
                Assert.True(image.Shape[0] * image.Shape[1] <= options.MaxPixels);
                Assert.All(image.AsSpan<float>().ToArray(), v => Assert.InRange(v, 0f, 1f));
                read++;
            }
            catch (FormatReadException e)
            {
                Assert.StartsWith("stimulus.img: ", e.Message);
                rejected++;
            }
        }
        output.WriteLine($"{rejected} rejected, {read} decoded (JPEG has no checksum, so flipped bytes often decode)");
        Assert.True(rejected > 200, $"only {rejected} of 480 corruptions were rejected");
    }

    internal static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    private static (double Mean, double Max) Differences(ReadOnlySpan<float> values, byte[] reference)
    {
        Assert.Equal(reference.Length, values.Length);
        double sum = 0;
        double max = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double d = Math.Abs(values[i] - (reference[i] / 255.0));
            sum += d;
            max = Math.Max(max, d);
        }
        return (sum / values.Length, max);
    }

    private static IEnumerable<double> Flatten(JsonElement element)
        => element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().SelectMany(Flatten) : [element.GetDouble()];
}
