using NeuroLab.Formats.Images;

namespace NeuroLab.Formats.Tests.Images;

/// <summary>
/// The row-streaming sampler used for previews and upload checks (<see cref="ImageSampler"/>, with the managed
/// <c>PngRowSampler</c> for PNG) against the whole-image decoder (<see cref="ImageReader"/>: Skia's libpng and
/// libjpeg-turbo, or the managed 16-bit decoder), itself checked against Pillow 9.4.0 in ImageReaderTests.
/// </summary>
public sealed class ImageSamplerTests
{
    public static TheoryData<string> Fixtures => new(Directory.GetFiles(Support.TestFiles.Fixture("images", "")).Select(Path.GetFileName).Where(n => n!.EndsWith(".png", StringComparison.Ordinal) || (n.EndsWith(".jpg", StringComparison.Ordinal) && n != "cmyk.jpg")).Order()!);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Sample_FullSize_EqualsTheWholeImageDecoder(string name)
    {
        var path = Support.TestFiles.Fixture("images", name);
        var info = ImageReader.ReadInfo(path);
        var expected = ImageReader.Read(path);

        var sampled = ImageSampler.Sample(path, name, info, Math.Max(info.Width, info.Height));

        Assert.Equal(expected.Shape, sampled.Shape);
        // 8-bit samples are exact (v/255 either way); the 16-bit decoder keeps 16 bits, as the sampler does.
        var a = expected.AsSpan<float>();
        var b = sampled.AsSpan<float>();
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        }
        Assert.True(worst <= 1e-6, $"{name}: largest difference {worst}");
    }

    [Fact]
    public void Sample_Shrunk_IsTheBoxAverageAndKeepsTheAspectRatio()
    {
        var path = Support.TestFiles.Fixture("images", "rgb8_filters.png");
        var info = ImageReader.ReadInfo(path);
        var full = ImageReader.Read(path);
        int side = Math.Max(info.Width, info.Height) / 3;

        var small = ImageSampler.Sample(path, "rgb8_filters.png", info, side);

        double shrink = (double)side / Math.Max(info.Width, info.Height);
        Assert.Equal(Math.Round(info.Height * shrink), small.Shape[0]);
        Assert.Equal(Math.Round(info.Width * shrink), small.Shape[1]);
        // Cell (0, 0): the mean of the source pixels whose scaled coordinates fall in it.
        int outH = (int)small.Shape[0], outW = (int)small.Shape[1];
        double sum = 0;
        int count = 0;
        for (int y = 0; y < info.Height; y++)
        {
            for (int x = 0; x < info.Width; x++)
            {
                if ((long)y * outH / info.Height == 0 && (long)x * outW / info.Width == 0)
                {
                    sum += full.GetDouble(((long)y * info.Width + x) * 3);
                    count++;
                }
            }
        }
        Assert.Equal(sum / count, small.GetDouble(0), 6);
    }

    [Fact]
    public void Sample_TruncatedPng_FailsNamingTheFile()
    {
        var bytes = File.ReadAllBytes(Support.TestFiles.Fixture("images", "rgb8_filters.png"));
        var path = Path.Combine(Path.GetTempPath(), $"cut-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);
        try
        {
            var e = Assert.Throws<FormatReadException>(() => ImageSampler.Sample(path, "cut.png", ImageReader.ReadInfo(path), 64));
            Assert.StartsWith("cut.png:", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
