using NeuroLab.Analysis.Features;

namespace NeuroLab.Compute.Features;

/// <summary>
/// The Gabor wavelet pyramid energy model (Kay et al. 2008, Nature 452:352): scales of 1-32 cycles per image that keep
/// at least 3.2 pixels per cycle at the working resolution, <see cref="GaborPyramidOptions.Orientations"/> orientations.
/// </summary>
public sealed class GaborFeatureSpace : ImageOnlyFeatureSpace
{
    public override string Name => "gabor";

    public override string Label => "Gabor wavelet pyramid (Kay et al. 2008)";

    public override string Description => "Gabor wavelet pyramid energy (Kay et al. 2008): local orientation and spatial-frequency energy at 1-32 cycles per image.";

    public override Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        int size = input.ImageSize;
        var cycles = new[] { 1.0, 2, 4, 8, 16, 32 }.Where(c => size / c >= 3.2).ToArray();
        using var gabor = new GaborPyramid(new GaborPyramidOptions { Size = size, CyclesPerImage = cycles });
        var all = gabor.Transform(input.Images, 64, input.Progress, ct);
        return Task.FromResult(new FeatureMatrix(all,
            $"Gabor pyramid {size}x{size}, {cycles.Length} scales ({string.Join(", ", cycles)} cycles/image), {gabor.Options.Orientations} orientations, {gabor.FeatureCount} features"));
    }
}
