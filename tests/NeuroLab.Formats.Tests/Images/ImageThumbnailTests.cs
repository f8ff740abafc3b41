using NeuroLab.Formats.Images;
using static NeuroLab.Formats.Tests.Images.ImageTestFiles;

namespace NeuroLab.Formats.Tests.Images;

public class ImageThumbnailTests
{
    [Fact]
    public void EncodePng_K92ImageWithinMaxSide_RoundTripsExactly()
    {
        var image = ImageReader.Read(SharedData.Path("k92/images/12.png"));

        var png = ImageThumbnail.EncodePng(image, 256);
        var back = ImageReader.Read(new MemoryStream(png), "thumb.png");

        Assert.Equal(new ImageInfo(175, 175, 3, ImageFormat.Png, 8, "RGB", false), ImageReader.ReadInfo(new MemoryStream(png), "thumb.png"));
        Assert.Equal(image.AsSpan<float>().ToArray(), back.AsSpan<float>().ToArray());
    }

    [Fact]
    public void EncodePng_WideImage_ShrunkToMaxSideKeepingAspect()
    {
        var image = ImageReader.Read(SharedData.Path("k92/images/30.png"), new ImageReadOptions { Width = 300, Height = 100 });

        var png = ImageThumbnail.EncodePng(image, 64);
        var back = ImageReader.Read(new MemoryStream(png), "thumb.png");

        Assert.Equal([21L, 64L, 3L], back.Shape);
        double meanIn = image.AsSpan<float>().ToArray().Average(v => (double)v);
        double meanOut = back.AsSpan<float>().ToArray().Average(v => (double)v);
        Assert.Equal(meanIn, meanOut, 0.02);
    }

    [Fact]
    public void EncodePng_GrayAndRgbaArrays_WriteMatchingPngLayouts()
    {
        var gray = ImageReader.Read(SharedData.Path("kay2008-stimuli/stimuli/3.jpg"), new ImageReadOptions { Color = ImageColorMode.Grayscale });
        var rgba = ImageReader.Read(Fixture("rgba.png"), new ImageReadOptions { Color = ImageColorMode.Rgba });

        var grayPng = ImageThumbnail.EncodePng(gray, 128);
        var rgbaPng = ImageThumbnail.EncodePng(rgba, 128);

        Assert.True(ImageReader.ReadInfo(new MemoryStream(grayPng), "g.png") is { ColorModel: "gray", Width: 128, Height: 128 });
        Assert.True(ImageReader.ReadInfo(new MemoryStream(rgbaPng), "c.png") is { ColorModel: "RGBA", HasAlpha: true });
        Assert.Equal(gray.AsSpan<float>().ToArray(), ImageReader.Read(new MemoryStream(grayPng), "g.png").AsSpan<float>().ToArray());
        Assert.Equal(rgba.AsSpan<float>().ToArray(), ImageReader.Read(new MemoryStream(rgbaPng), "c.png", new ImageReadOptions { Color = ImageColorMode.Rgba }).AsSpan<float>().ToArray());
    }

    [Fact]
    public void EncodePng_FortranOrderArray_SameAsCOrder()
    {
        var c = ImageReader.Read(Fixture("interlaced.png"));
        var fortran = ToFortran(c);

        Assert.Equal(ImageThumbnail.EncodePng(c, 64), ImageThumbnail.EncodePng(fortran, 64));
    }

    [Fact]
    public void EncodePng_IntegerBoolAndOutOfRangeInputs_ScaledAsDocumented()
    {
        var uint8 = new NumericArray(NumericType.UInt8, [1, 3], new byte[] { 0, 128, 255 });
        var uint16 = new NumericArray(NumericType.UInt16, [1, 3], new ushort[] { 0, 32896, 65535 });
        var flags = new NumericArray(NumericType.Bool, [1, 3], new[] { false, true, true });
        var wild = new NumericArray(NumericType.Float64, [1, 3], new[] { double.NaN, -3.0, 7.0 });

        Assert.Equal([0f, 128 / 255f, 1f], Decode(uint8));
        Assert.Equal([0f, 128 / 255f, 1f], Decode(uint16));
        Assert.Equal([0f, 1f, 1f], Decode(flags));
        Assert.Equal([0f, 0f, 1f], Decode(wild));
    }

    [Theory]
    [InlineData(new long[] { 5 }, "[height, width]")]
    [InlineData(new long[] { 4, 4, 2 }, "1, 3 or 4 channels")]
    [InlineData(new long[] { 0, 4 }, "Cannot preview")]
    public void EncodePng_BadShape_ArgumentException(long[] shape, string expected)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var array = new NumericArray(NumericType.Float32, shape, new float[count]);

        var e = Assert.Throws<ArgumentException>(() => ImageThumbnail.EncodePng(array, 64));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void EncodePng_UnsupportedTypeOrSide_Rejected()
    {
        var ints = new NumericArray(NumericType.Int32, [2, 2], new int[4]);
        var floats = new NumericArray(NumericType.Float32, [2, 2], new float[4]);

        Assert.Contains("not int32", Assert.Throws<ArgumentException>(() => ImageThumbnail.EncodePng(ints, 64)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageThumbnail.EncodePng(floats, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageThumbnail.EncodePng(floats, ImageThumbnail.MaxThumbnailSide + 1));
    }

    private static float[] Decode(NumericArray array)
        => ImageReader.Read(new MemoryStream(ImageThumbnail.EncodePng(array, 16)), "t.png").AsSpan<float>().ToArray();

    private static NumericArray ToFortran(NumericArray c)
    {
        var shape = c.Shape.ToArray();
        var data = new float[c.Length];
        for (long y = 0; y < shape[0]; y++)
        {
            for (long x = 0; x < shape[1]; x++)
            {
                for (long k = 0; k < shape[2]; k++)
                {
                    data[y + (shape[0] * (x + (shape[1] * k)))] = (float)c[y, x, k];
                }
            }
        }
        return new NumericArray(NumericType.Float32, shape, data, ArrayOrder.Fortran);
    }
}
