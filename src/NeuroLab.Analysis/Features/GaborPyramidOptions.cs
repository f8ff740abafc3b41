namespace NeuroLab.Analysis.Features;

/// <summary>Settings of a <see cref="GaborPyramid"/>; the defaults suit 128 x 128 stimuli (Kay et al. 2008) computed at 64 x 64.</summary>
public sealed record GaborPyramidOptions
{
    /// <summary>Working resolution: images are area-averaged to <c>Size x Size</c> pixels first (31 keeps 31 x 31 Allen scenes as they are).</summary>
    public int Size { get; init; } = 64;

    /// <summary>
    /// Spatial frequencies in cycles per image (per field of view), one scale each, in output order.
    /// Kay et al. (2008) used 1, 2, 4, 8, 16 and 32 cycles per field of view (use <c>Size = 128</c> for all six); at
    /// the default 64 pixels 32 cycles would be a 2-pixel wavelength (the Nyquist limit), so the default stops at 16.
    /// </summary>
    public IReadOnlyList<double> CyclesPerImage { get; init; } = [1, 2, 4, 8, 16];

    /// <summary>Orientations, equally spaced over 180° starting at 0° (8: steps of 22.5°).</summary>
    public int Orientations { get; init; } = 8;

    /// <summary>
    /// Spatial-frequency bandwidth in octaves (full width at half maximum of the amplitude spectrum), which ties
    /// the Gaussian envelope to the wavelength: <c>sd = wavelength · sqrt(2 ln 2) / (2π) · (2^b + 1) / (2^b - 1)</c>;
    /// 1 octave gives <c>sd ≈ 0.562 · wavelength</c> (bandwidth as knkutils' <c>applymultiscalegaborfilters</c> defines a negative
    /// <c>bandwidths</c> entry).
    /// </summary>
    public double BandwidthOctaves { get; init; } = 1.0;

    /// <summary>
    /// Distance between neighbouring filter centres in wavelengths, rounded down to whole pixels (as knkutils
    /// does); 1 puts <c>cycles x cycles</c> positions on a square image.
    /// </summary>
    public double SpacingWavelengths { get; init; } = 1.0;

    /// <summary>Luminance subtracted before filtering and assumed outside the image (mid-grey, the usual stimulus background).</summary>
    public double Background { get; init; } = 0.5;

    /// <summary>Return <c>log(1 + energy)</c> instead of the energy (compresses the heavy right tail of natural-image energies).</summary>
    public bool LogCompression { get; init; }
}
