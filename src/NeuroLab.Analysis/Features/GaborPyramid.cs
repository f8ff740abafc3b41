using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NeuroLab.Analysis.Features;

/// <summary>One spatial frequency of a <see cref="GaborPyramid"/>: its filters and where they sit.</summary>
/// <param name="CyclesPerImage">Spatial frequency in cycles per image.</param>
/// <param name="WavelengthPixels">Carrier wavelength at the working size: <c>Size / CyclesPerImage</c>.</param>
/// <param name="EnvelopeSdPixels">Standard deviation of the Gaussian envelope (see <see cref="GaborPyramidOptions.BandwidthOctaves"/>).</param>
/// <param name="StepPixels">Distance between neighbouring centres, whole pixels.</param>
/// <param name="PositionsPerSide">Centres per row and per column of the square grid.</param>
/// <param name="FirstCentre">Pixel coordinate of the first centre (row and column; pixel <c>i</c> spans <c>[i - 0.5, i + 0.5]</c>),
/// a whole or half number: the grid is centred on the image.</param>
/// <param name="KernelSize">Side of the square kernel in taps (taps beyond 3 envelope sd are zero).</param>
/// <param name="FeatureOffset">Index of this scale's first feature.</param>
/// <param name="FeatureCount">Features of this scale: orientations x positions².</param>
public sealed record GaborScale(
    double CyclesPerImage, double WavelengthPixels, double EnvelopeSdPixels, int StepPixels, int PositionsPerSide,
    double FirstCentre, int KernelSize, int FeatureOffset, int FeatureCount);

/// <summary>One output column of a <see cref="GaborPyramid"/>, for plotting weights in stimulus space.</summary>
/// <param name="Index">Column in the feature matrix.</param>
/// <param name="Scale">Index into <see cref="GaborPyramid.Scales"/>.</param>
/// <param name="CyclesPerImage">Spatial frequency in cycles per image.</param>
/// <param name="Orientation">Orientation index.</param>
/// <param name="OrientationDegrees">Direction of the modulation (normal to the bars), counter-clockwise from rightward: 0° = vertical bars, 90° = horizontal bars.</param>
/// <param name="Row">Grid row (0 at the top).</param>
/// <param name="Column">Grid column (0 at the left).</param>
/// <param name="X">Centre as a fraction of the image width from the left edge (0 to 1).</param>
/// <param name="Y">Centre as a fraction of the image height from the top edge (0 to 1).</param>
/// <param name="EnvelopeSd">Envelope standard deviation as a fraction of the image size.</param>
public sealed record GaborFeature(
    int Index, int Scale, double CyclesPerImage, int Orientation, double OrientationDegrees, int Row, int Column, double X, double Y, double EnvelopeSd);

/// <summary>
/// The Gabor wavelet pyramid energy model of Kay et al. (2008, Nature 452:352, supplementary methods):
/// quadrature pairs of Gabor filters over positions, orientations and spatial frequencies; each feature is
/// the local contrast energy <c>sqrt(even² + odd²)</c> of one position, orientation and frequency.
/// </summary>
/// <remarks>
/// <para>Per image: area-average to <c>Size x Size</c> (<see cref="GaborPyramidOptions.Size"/>; RGB becomes BT.601
/// luma), subtract <see cref="GaborPyramidOptions.Background"/> (so the zero padding beyond the edges is that
/// luminance), and dot every filter with the image at its centre (one strided <c>conv2d</c> per scale).</para>
/// <para>Filters of a scale with wavelength <c>λ = Size / cycles</c> and envelope sd <c>σ</c>: taps on the pixel
/// grid at offsets <c>(dx, dy)</c> from the centre (whole numbers when the centres fall on pixels, half numbers when
/// they fall between), kept where <c>dx² + dy² ≤ (3σ)²</c>. With <c>x = dx</c>, <c>y = -dy</c> (up) and
/// <c>u = x cos θ + y sin θ</c>: <c>env = exp(-(dx² + dy²) / 2σ²)</c>, even <c>= env · (cos(2πu/λ) - κ)</c> with
/// <c>κ = Σ env cos(2πu/λ) / Σ env</c> (removes the small DC of the cosine phase, as for a Morlet wavelet), odd
/// <c>= env · sin(2πu/λ)</c>. Both are exactly zero-mean and scaled to unit L2 norm, so a uniform image gives zero
/// energy and the energy of a pattern does not depend on its phase.</para>
/// <para>Positions: centres <c>StepPixels = floor(spacing · λ)</c> apart, as many as fit (<c>floor(Size / step)</c> per
/// side), the grid centred on the image. A frequency is accepted only while its pass band stays below the
/// Nyquist frequency: <c>λ ≥ 2 (1 + 2ρ)</c>, <c>ρ = λ / (2πσ)</c> (3.13 pixels at 1 octave).</para>
/// <para>Output: float32 <c>[n, FeatureCount]</c>, columns ordered by scale, then orientation, then grid row (top to
/// bottom), then grid column (left to right), described by <see cref="Features"/>. At the defaults (64 pixels,
/// 1-16 cycles, 8 orientations) that is 8 x (1 + 4 + 16 + 64 + 256) = 2,728 features.</para>
/// </remarks>
public sealed class GaborPyramid : IDisposable
{
    /// <summary>Images per batch by default: some tens of MB of working memory at 64 x 64.</summary>
    public const int DefaultBatchSize = 64;

    /// <summary>Taps farther than this many envelope standard deviations from the centre are zero.</summary>
    public const double EnvelopeRadiusSd = 3.0;

    private readonly Tensor[] _filters;
    private readonly GaborFeature[] _features;

    /// <summary>Builds the filter bank.</summary>
    /// <exception cref="ArgumentException">An invalid setting, or a frequency too high for the working size (the message says which and why).</exception>
    public GaborPyramid(GaborPyramidOptions? options = null)
    {
        var given = options ?? new GaborPyramidOptions();
        Validate(given);
        // Copy the frequency list so a caller changing their array later cannot desynchronise Options and Scales.
        Options = given with { CyclesPerImage = [.. given.CyclesPerImage] };
        var scales = new List<GaborScale>();
        var filters = new List<Tensor>();
        var features = new List<GaborFeature>();
        int offset = 0;
        for (int s = 0; s < Options.CyclesPerImage.Count; s++)
        {
            var (scale, kernels) = BuildScale(Options, Options.CyclesPerImage[s], offset);
            scales.Add(scale);
            filters.Add(tensor(kernels, [2L * Options.Orientations, 1, scale.KernelSize, scale.KernelSize], ScalarType.Float32));
            for (int o = 0; o < Options.Orientations; o++)
            {
                for (int r = 0; r < scale.PositionsPerSide; r++)
                {
                    for (int c = 0; c < scale.PositionsPerSide; c++)
                    {
                        features.Add(new GaborFeature(
                            features.Count, s, scale.CyclesPerImage, o, 180.0 * o / Options.Orientations, r, c,
                            (scale.FirstCentre + (c * scale.StepPixels) + 0.5) / Options.Size,
                            (scale.FirstCentre + (r * scale.StepPixels) + 0.5) / Options.Size,
                            scale.EnvelopeSdPixels / Options.Size));
                    }
                }
            }
            offset += scale.FeatureCount;
        }
        Scales = scales;
        _filters = [.. filters];
        _features = [.. features];
    }

    /// <summary>The settings in use.</summary>
    public GaborPyramidOptions Options { get; }

    /// <summary>The scales (spatial frequencies) in output order.</summary>
    public IReadOnlyList<GaborScale> Scales { get; }

    /// <summary>Number of output columns.</summary>
    public int FeatureCount => _features.Length;

    /// <summary>One entry per output column: frequency, orientation and position.</summary>
    public IReadOnlyList<GaborFeature> Features => _features;

    /// <summary>A copy of the filters of one scale: float32 <c>[orientations, 2 (even, odd), KernelSize, KernelSize]</c>,
    /// rows top to bottom, as applied to the image.</summary>
    public Tensor Filters(int scale)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scale);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(scale, _filters.Length);
        var k = Scales[scale].KernelSize;
        return _filters[scale].reshape(Options.Orientations, 2, k, k).clone();
    }

    /// <summary>Computes the energies of every filter for every image, one batch at a time.</summary>
    /// <param name="images">Square images as documented on <see cref="ImageStack"/>: greyscale, or 1 or 3 channels (RGB is reduced to BT.601 luma).</param>
    /// <param name="batchSize">Images per batch; working memory grows with it (under 1 MB per image at 64 x 64, about 4 MB at 128 x 128).</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>A new float32 tensor <c>[n, FeatureCount]</c>.</returns>
    /// <exception cref="ArgumentException">Images that are not square, empty, not floating point, contain NaN, or have 2 or more than 3 channels.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between batches.</exception>
    public Tensor Transform(Tensor images, int batchSize = DefaultBatchSize, IProgress<FeatureProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var stack = ImageStack.Describe(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (stack.Height != stack.Width)
        {
            throw new ArgumentException(
                $"The Gabor pyramid treats the image as a square field of view; got {stack.Height} x {stack.Width} images. Crop or pad them to a square first.",
                nameof(images));
        }
        if (stack.HasChannelAxis && stack.Channels is not (1 or 3))
        {
            throw new ArgumentException($"Expected greyscale (1 channel) or RGB (3 channels) images, got {stack.Channels} channels.", nameof(images));
        }

        using var outer = NewDisposeScope();
        var output = empty([stack.Count, FeatureCount], ScalarType.Float32, images.device);
        var filters = _filters.Select(f => f.to(images.device)).ToArray();
        for (int start = 0; start < stack.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, stack.Count - start);
            var batch = images.narrow(0, start, count).to_type(ScalarType.Float32);
            var grey = AreaResample.Greyscale(batch, stack, nameof(images));
            var x = (AreaResample.Resize(grey, Options.Size, Options.Size) - Options.Background).unsqueeze(1);
            for (int s = 0; s < Scales.Count; s++)
            {
                var energy = ScaleEnergy(x, Scales[s], filters[s]);
                output.narrow(0, start, count).narrow(1, Scales[s].FeatureOffset, Scales[s].FeatureCount).copy_(energy);
            }
            progress?.Report(new FeatureProgress(start + count, stack.Count));
        }
        if (Options.LogCompression)
        {
            output.log1p_();
        }
        return output.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var f in _filters)
        {
            f.Dispose();
        }
    }

    /// <summary>Energies <c>[batch, orientations · positions²]</c> of one scale for background-subtracted images <c>[batch, 1, Size, Size]</c>.</summary>
    private Tensor ScaleEnergy(Tensor x, GaborScale scale, Tensor filters)
    {
        // Kernel tap t sits at image pixel first + o·step + (t - centreTap); pad with zeros (the background)
        // so that every tap of every position has a pixel, and cut the window the strided conv needs.
        int size = Options.Size;
        int kernel = scale.KernelSize;
        int centreTapTwice = kernel - 1;
        int firstTwice = (int)Math.Round(2 * scale.FirstCentre);
        int padLeft = Math.Max(0, (centreTapTwice - firstTwice) / 2);
        int start = Math.Max(0, (firstTwice - centreTapTwice) / 2);
        int span = ((scale.PositionsPerSide - 1) * scale.StepPixels) + kernel;
        int padRight = Math.Max(0, start + span - size - padLeft);
        var padded = padLeft + padRight > 0 ? pad(x, [padLeft, padRight, padLeft, padRight]) : x;
        var window = padded.narrow(2, start, span).narrow(3, start, span);
        var responses = conv2d(window, filters, strides: [scale.StepPixels, scale.StepPixels]);
        int n = scale.PositionsPerSide;
        var pairs = responses.view(x.shape[0], Options.Orientations, 2, n, n);
        return pairs.square().sum(dim: 2L).sqrt().reshape(x.shape[0], -1);
    }

    private static void Validate(GaborPyramidOptions options)
    {
        if (options.Size < 4)
        {
            throw new ArgumentException($"The working size must be at least 4 pixels, got {options.Size}.", nameof(options));
        }
        if (options.Orientations < 1)
        {
            throw new ArgumentException($"Need at least one orientation, got {options.Orientations}.", nameof(options));
        }
        if (!(options.BandwidthOctaves > 0 && options.BandwidthOctaves <= 8))
        {
            throw new ArgumentException($"The bandwidth must lie in (0, 8] octaves, got {options.BandwidthOctaves}.", nameof(options));
        }
        if (!(options.SpacingWavelengths > 0 && double.IsFinite(options.SpacingWavelengths)))
        {
            throw new ArgumentException($"The spacing must be a positive number of wavelengths, got {options.SpacingWavelengths}.", nameof(options));
        }
        if (!double.IsFinite(options.Background))
        {
            throw new ArgumentException($"The background luminance must be finite, got {options.Background}.", nameof(options));
        }
        if (options.CyclesPerImage is null || options.CyclesPerImage.Count == 0)
        {
            throw new ArgumentException("Give at least one spatial frequency (cycles per image).", nameof(options));
        }
        double minimumWavelength = MinimumWavelength(options.BandwidthOctaves);
        foreach (double cycles in options.CyclesPerImage)
        {
            if (!(cycles > 0 && double.IsFinite(cycles)))
            {
                throw new ArgumentException($"Spatial frequencies must be positive, got {cycles} cycles per image.", nameof(options));
            }
            double wavelength = options.Size / cycles;
            if (wavelength < minimumWavelength)
            {
                throw new ArgumentException(
                    $"{cycles} cycles per image at {options.Size} pixels is a {wavelength:0.##}-pixel wavelength; with a {options.BandwidthOctaves}-octave " +
                    $"bandwidth a filter needs at least {minimumWavelength:0.##} pixels per cycle (its pass band, frequency + 2 sd, must stay below the " +
                    $"Nyquist frequency). Use a working size of at least {(int)Math.Ceiling(cycles * minimumWavelength)} pixels or drop this frequency.",
                    nameof(options));
            }
        }
    }

    /// <summary>Envelope sd per wavelength for a bandwidth of <paramref name="octaves"/> (FWHM of the amplitude spectrum).</summary>
    private static double EnvelopeSdPerWavelength(double octaves)
    {
        double ratio = Math.Pow(2, octaves);
        return Math.Sqrt(2 * Math.Log(2)) / (2 * Math.PI) * (ratio + 1) / (ratio - 1);
    }

    /// <summary>Shortest wavelength whose frequency plus two spectral sd stays at or below 0.5 cycles per pixel.</summary>
    private static double MinimumWavelength(double octaves) => 2 * (1 + (2 / (2 * Math.PI * EnvelopeSdPerWavelength(octaves))));

    private static (GaborScale Scale, float[] Kernels) BuildScale(GaborPyramidOptions options, double cycles, int featureOffset)
    {
        int size = options.Size;
        double wavelength = size / cycles;
        double sd = EnvelopeSdPerWavelength(options.BandwidthOctaves) * wavelength;
        int step = Math.Max(1, (int)Math.Floor((options.SpacingWavelengths * wavelength) + 1e-9));
        int positions = Math.Max(1, size / step);
        int firstTwice = size - 1 - ((positions - 1) * step);
        double radius = EnvelopeRadiusSd * sd;

        // Taps on whole offsets when the centres are on pixels (firstTwice even), on half offsets otherwise.
        double[] offsets = firstTwice % 2 == 0
            ? Enumerable.Range(-(int)Math.Floor(radius), (2 * (int)Math.Floor(radius)) + 1).Select(i => (double)i).ToArray()
            : Enumerable.Range(0, 2 * ((int)Math.Floor(radius - 0.5) + 1)).Select(i => i - Math.Floor(radius - 0.5) - 0.5).ToArray();
        int k = offsets.Length;
        var envelope = new double[k * k];
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < k; c++)
            {
                double d2 = (offsets[r] * offsets[r]) + (offsets[c] * offsets[c]);
                envelope[(r * k) + c] = d2 <= radius * radius ? Math.Exp(-d2 / (2 * sd * sd)) : 0;
            }
        }
        double envelopeSum = envelope.Sum();

        var kernels = new float[options.Orientations * 2 * k * k];
        var even = new double[k * k];
        var odd = new double[k * k];
        for (int o = 0; o < options.Orientations; o++)
        {
            double theta = Math.PI * o / options.Orientations;
            double weightedCos = 0;
            for (int r = 0; r < k; r++)
            {
                for (int c = 0; c < k; c++)
                {
                    double u = (offsets[c] * Math.Cos(theta)) - (offsets[r] * Math.Sin(theta));
                    double phase = 2 * Math.PI * u / wavelength;
                    even[(r * k) + c] = Math.Cos(phase);
                    odd[(r * k) + c] = envelope[(r * k) + c] * Math.Sin(phase);
                    weightedCos += envelope[(r * k) + c] * even[(r * k) + c];
                }
            }
            double kappa = weightedCos / envelopeSum;
            for (int i = 0; i < even.Length; i++)
            {
                even[i] = envelope[i] * (even[i] - kappa);
            }
            double evenNorm = Math.Sqrt(even.Sum(v => v * v));
            double oddNorm = Math.Sqrt(odd.Sum(v => v * v));
            int baseEven = o * 2 * k * k;
            int baseOdd = baseEven + (k * k);
            for (int i = 0; i < even.Length; i++)
            {
                kernels[baseEven + i] = (float)(even[i] / evenNorm);
                kernels[baseOdd + i] = (float)(odd[i] / oddNorm);
            }
        }
        var scale = new GaborScale(
            cycles, wavelength, sd, step, positions, firstTwice / 2.0, k, featureOffset, options.Orientations * positions * positions);
        return (scale, kernels);
    }
}
