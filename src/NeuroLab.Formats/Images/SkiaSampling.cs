using SkiaSharp;

namespace NeuroLab.Formats.Images;

/// <summary>Skia's high-quality sampling, chosen by direction as Skia's own legacy "high" quality did.</summary>
internal static class SkiaSampling
{
    /// <summary>
    /// Cubic Mitchell-Netravali (B = C = 1/3) when enlarging; trilinear mipmaps when any side shrinks,
    /// because a cubic or bilinear filter point-samples a shrinking image and aliases fine detail.
    /// </summary>
    public static SKSamplingOptions For(int width, int height, int targetWidth, int targetHeight)
        => targetWidth >= width && targetHeight >= height
            ? new SKSamplingOptions(SKCubicResampler.Mitchell)
            : new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
}
