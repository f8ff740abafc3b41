namespace NeuroLab.Formats.Images;

/// <summary>Encoded image formats <see cref="ImageReader"/> reads.</summary>
public enum ImageFormat
{
    /// <summary>PNG (ISO/IEC 15948, https://www.w3.org/TR/png-3/).</summary>
    Png,

    /// <summary>JPEG (ITU-T T.81; JFIF/Exif files).</summary>
    Jpeg,
}

/// <summary>Channels <see cref="ImageReader.Read(string, ImageReadOptions?)"/> returns.</summary>
public enum ImageColorMode
{
    /// <summary>As stored: 1 channel for grayscale images (PNG gray or gray+alpha, 1-component JPEG), 3 (RGB) otherwise; alpha is dropped.</summary>
    Auto,

    /// <summary>
    /// 1 channel. Colour images are converted with the ITU-R BT.601 luma weights
    /// Y = 0.299 R + 0.587 G + 0.114 B on the stored (gamma-encoded) values, as PIL's <c>convert("L")</c>
    /// does (PIL rounds to 8 bits; here Y stays float).
    /// </summary>
    Grayscale,

    /// <summary>3 channels (R, G, B); grayscale images repeat their value; alpha is dropped, not composited.</summary>
    Rgb,

    /// <summary>4 channels (R, G, B, A), unpremultiplied; images without alpha get A = 1.</summary>
    Rgba,
}

/// <summary>
/// What an image file holds, read from its header without decoding pixels (see
/// <see cref="ImageReader.ReadInfo(string)"/>). Width and height are as stored: EXIF orientation is not
/// applied, here or by <see cref="ImageReader"/> (as with PIL's <c>Image.open</c> and NumPy).
/// </summary>
/// <param name="Width">Columns of pixels.</param>
/// <param name="Height">Rows of pixels.</param>
/// <param name="Channels">Channels a read with <see cref="ImageColorMode.Auto"/> returns: 1 or 3.</param>
/// <param name="Format">PNG or JPEG, from the magic bytes (not the file name).</param>
/// <param name="BitDepth">Bits per sample: 1, 2, 4, 8 or 16 for PNG; 8 for JPEG.</param>
/// <param name="ColorModel">Stored colour model: "gray", "gray+alpha", "RGB", "RGBA", "palette" (PNG); "gray", "YCbCr", "RGB", "CMYK" (JPEG).</param>
/// <param name="HasAlpha">True for PNG with an alpha channel or a tRNS transparency chunk.</param>
public sealed record ImageInfo(int Width, int Height, int Channels, ImageFormat Format, int BitDepth, string ColorModel, bool HasAlpha)
{
    /// <summary>True when the image is stored as grayscale (a 3-component JPEG whose colours happen to be gray is not).</summary>
    public bool IsGrayscale => Channels == 1;

    /// <summary>
    /// Stored in several passes (an Adam7-interlaced PNG or a progressive JPEG): decoders then hold the whole image
    /// (or its coefficients) in memory at once, so such files cannot be checked row by row within a small budget.
    /// </summary>
    public bool MultiPass { get; init; }
}

/// <summary>Options for <see cref="ImageReader"/>.</summary>
public sealed record ImageReadOptions
{
    /// <summary>Stored channels, no resizing, default limits.</summary>
    public static ImageReadOptions Default { get; } = new();

    public ImageColorMode Color { get; init; } = ImageColorMode.Auto;

    /// <summary>
    /// Resize to this many columns. With only one of <see cref="Width"/> and <see cref="Height"/> set, the
    /// other follows the aspect ratio. Upscaling uses Skia's cubic Mitchell-Netravali filter (B = C = 1/3);
    /// downscaling uses trilinear mipmap sampling, which averages like an area filter and does not alias.
    /// </summary>
    public int? Width { get; init; }

    /// <summary>Resize to this many rows; see <see cref="Width"/>.</summary>
    public int? Height { get; init; }

    /// <summary>
    /// Largest width x height accepted, checked from the header before decoding, so a small file declaring
    /// an enormous image (a decompression bomb) is rejected. Default 178,956,970, PIL's
    /// <c>DecompressionBombError</c> threshold.
    /// </summary>
    public long MaxPixels { get; init; } = 178_956_970;

    /// <summary>Limits for the decoded and returned arrays (float32 [height, width, channels]).</summary>
    public ReadLimits Limits { get; init; } = ReadLimits.Default;
}
