using NeuroLab.Analysis.Features;
using static NeuroLab.Analysis.Tests.Features.FeatureFixtures;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Features;

public sealed class GaborPyramidTests
{
    // Reference: the same filter bank in numpy 1.24.2 float64, each filter placed at its position and dotted
    // with the image (features_reference.py); here float32 strided conv2d. Energies reach ~7 and the float32
    // differences seen are ~2e-6.
    private const double ReferenceTolerance = 1e-4;

    [Fact]
    public void Transform_KayImages_MatchesNumpyReference()
    {
        var r = Reference.GetProperty("gabor").GetProperty("kay64");
        using var images = LoadTensor(r.GetProperty("images").GetString()!);
        Assert.Equal([2L, 128, 128], images.shape);
        using var pyramid = new GaborPyramid();
        Assert.Equal(r.GetProperty("features").GetInt32(), pyramid.FeatureCount);
        using var energies = pyramid.Transform(images);
        Assert.Equal([2L, 2728], energies.shape);
        Assert.Equal(ScalarType.Float32, energies.dtype);
        using var expected = LoadTensor(r.GetProperty("file").GetString()!);
        AssertAllClose(Values(expected), Values(energies), ReferenceTolerance, "Kay energies");
    }

    [Fact]
    public void Transform_AllenScene31_MatchesNumpyReference()
    {
        var r = Reference.GetProperty("gabor").GetProperty("allen31");
        using var images = LoadTensor(r.GetProperty("images").GetString()!);
        using var pyramid = new GaborPyramid(new GaborPyramidOptions { Size = 31, CyclesPerImage = Doubles(r.GetProperty("cycles")) });
        using var energies = pyramid.Transform(images);
        Assert.Equal(r.GetProperty("features").GetInt32(), pyramid.FeatureCount);
        using var expected = LoadTensor(r.GetProperty("file").GetString()!);
        AssertAllClose(Values(expected), Values(energies), ReferenceTolerance, "Allen energies");
    }

    [Fact]
    public void Transform_RgbWithEqualChannels_EqualsGreyscale()
    {
        // The Kay JPEGs are RGB with R = G = B; BT.601 weights sum to 1, so luma equals the grey value.
        using var grey = LoadTensor("kay_0_1.npy");
        using var rgb = stack([grey, grey, grey], 3);
        using var pyramid = new GaborPyramid();
        using var fromGrey = pyramid.Transform(grey);
        using var fromRgb = pyramid.Transform(rgb);
        AssertAllClose(Values(fromGrey), Values(fromRgb), 1e-5, "RGB vs grey");
    }

    [Fact]
    public void Scales_DefaultBank_MatchReferenceLayoutAndTaps()
    {
        foreach (var layout in Reference.GetProperty("gabor").GetProperty("layouts").EnumerateArray())
        {
            int size = layout.GetProperty("size").GetInt32();
            double[] cycles = size == 64 ? [1, 2, 4, 8, 16] : [1, 2, 4, 8];
            using var pyramid = new GaborPyramid(new GaborPyramidOptions { Size = size, CyclesPerImage = cycles });
            int s = Array.IndexOf(cycles, layout.GetProperty("cycles").GetDouble());
            var scale = pyramid.Scales[s];
            string what = $"size {size}, {scale.CyclesPerImage} cycles";
            Assert.Equal(layout.GetProperty("wavelength").GetDouble(), scale.WavelengthPixels, 12);
            Assert.Equal(layout.GetProperty("envelope_sd").GetDouble(), scale.EnvelopeSdPixels, 12);
            Assert.Equal(layout.GetProperty("step").GetInt32(), scale.StepPixels);
            Assert.Equal(layout.GetProperty("count").GetInt32(), scale.PositionsPerSide);
            Assert.Equal(layout.GetProperty("first").GetDouble(), scale.FirstCentre);
            Assert.Equal(layout.GetProperty("kernel").GetInt32(), scale.KernelSize);

            // Orientation 2 (45°), centre row, seven taps around the centre column (float32 rounding only).
            using var filters = pyramid.Filters(s);
            int centre = scale.KernelSize / 2;
            using var even = filters[2, 0, centre].narrow(0, centre - 3, 7);
            using var odd = filters[2, 1, centre].narrow(0, centre - 3, 7);
            AssertAllClose(Doubles(layout.GetProperty("even_45_centre_row")), Values(even), 1e-7, what + " even taps");
            AssertAllClose(Doubles(layout.GetProperty("odd_45_centre_row")), Values(odd), 1e-7, what + " odd taps");
        }
    }

    [Fact]
    public void Filters_EveryScale_AreZeroMeanAndUnitNorm()
    {
        using var pyramid = new GaborPyramid(new GaborPyramidOptions { Size = 128, CyclesPerImage = [1, 2, 4, 8, 16, 32] });
        for (int s = 0; s < pyramid.Scales.Count; s++)
        {
            using var filters = pyramid.Filters(s).to_type(ScalarType.Float64);
            using var flat = filters.reshape(pyramid.Options.Orientations * 2, -1);
            using var sums = flat.sum(dim: 1L);
            using var norms = flat.square().sum(dim: 1L).sqrt();
            Assert.All(Values(sums), v => Assert.True(Math.Abs(v) < 1e-5, $"scale {s}: filter sum {v}"));
            Assert.All(Values(norms), v => Assert.True(Math.Abs(v - 1) < 1e-5, $"scale {s}: filter norm {v}"));
        }
    }

    [Fact]
    public void Transform_UniformImage_GivesZeroEnergyOnItsOwnBackground()
    {
        // Zero-mean filters: a uniform image equal to the background gives no energy at all; on another background
        // only the step at the image border (0.8 inside, 0.5 assumed outside) excites the filters.
        using var grey = full([1, 64, 64], 0.8f);
        using var sameBackground = new GaborPyramid(new GaborPyramidOptions { Background = 0.8 });
        using var flat = sameBackground.Transform(grey);
        Assert.All(Values(flat), v => Assert.True(v < 1e-5, $"energy {v} for a uniform image on its own background"));
        using var midGrey = new GaborPyramid();
        using var edges = midGrey.Transform(grey);
        Assert.True(Values(edges).Max() > 0.1, "a uniform image on a different background has edge energy");
    }

    [Theory]
    [InlineData(8.0, 3)]
    [InlineData(4.0, 0)]
    [InlineData(16.0, 6)]
    public void Transform_Grating_ExcitesTheMatchingFrequencyAndOrientationMost(double cycles, int orientation)
    {
        using var pyramid = new GaborPyramid();
        double theta = Math.PI * orientation / pyramid.Options.Orientations;
        using var image = Grating(64, cycles, theta, phase: 0.3);
        using var energies = pyramid.Transform(image);
        double[] values = Values(energies);

        // Mean energy per (scale, orientation) over positions: the grating's own channel must win.
        (int Scale, int Orientation) best = (-1, -1);
        double bestMean = double.NegativeInfinity;
        foreach (var group in pyramid.Features.GroupBy(f => (f.Scale, f.Orientation)))
        {
            double mean = group.Average(f => values[f.Index]);
            if (mean > bestMean)
            {
                (best, bestMean) = (group.Key, mean);
            }
        }
        Assert.Equal((Array.IndexOf([1.0, 2, 4, 8, 16], cycles), orientation), best);
    }

    [Fact]
    public void Transform_ShiftedGratings_GiveThePhaseInvariantEnergy()
    {
        // A 8-cycle grating at 67.5° shifted through several phases: the quadrature energy of the matching filters
        // whose support lies inside the image (centres 19.5 ... 43.5, kernel radius 13) does not change.
        using var pyramid = new GaborPyramid();
        var scale = pyramid.Scales[3];
        var inner = pyramid.Features
            .Where(f => f.Scale == 3 && f.Orientation == 3 && f.Row is >= 2 and <= 5 && f.Column is >= 2 and <= 5)
            .Select(f => f.Index).ToArray();
        Assert.Equal(16, inner.Length);
        Assert.Equal(26, scale.KernelSize);
        double theta = Math.PI * 3 / 8;
        double[]? reference = null;
        foreach (double phase in new[] { 0.0, 0.7, 1.9, Math.PI, 4.4 })
        {
            using var image = Grating(64, 8, theta, phase);
            using var energies = pyramid.Transform(image);
            double[] values = Values(energies);
            double[] matching = inner.Select(i => values[i]).ToArray();
            reference ??= matching;
            for (int i = 0; i < matching.Length; i++)
            {
                Assert.True(Math.Abs(matching[i] - reference[i]) <= 1e-3 * reference[i],
                    $"phase {phase}: energy {matching[i]} vs {reference[i]} at feature {inner[i]}");
            }
            // Each filter alone is phase sensitive, so the invariance is not trivially true.
            Assert.True(matching.Min() > 1, $"phase {phase}: matching energy {matching.Min()} is not large");
        }
    }

    [Fact]
    public void Transform_LogCompression_IsLog1pOfEnergy()
    {
        using var images = LoadTensor("allen_scene_0.npy");
        using var plain = new GaborPyramid(new GaborPyramidOptions { Size = 31, CyclesPerImage = [1, 2, 4, 8] });
        using var log = new GaborPyramid(new GaborPyramidOptions { Size = 31, CyclesPerImage = [1, 2, 4, 8], LogCompression = true });
        using var energies = plain.Transform(images);
        using var compressed = log.Transform(images);
        AssertAllClose(Values(energies).Select(v => Math.Log(1 + v)).ToArray(), Values(compressed), 1e-6, "log(1 + energy)");
    }

    [Fact]
    public void Features_DefaultBank_DescribeEveryColumnInOrder()
    {
        using var pyramid = new GaborPyramid();
        Assert.Equal(2728, pyramid.Features.Count);
        Assert.Equal(Enumerable.Range(0, 2728), pyramid.Features.Select(f => f.Index));
        var first = pyramid.Features[0];
        Assert.Equal((0, 1.0, 0, 0.0, 0.5, 0.5), (first.Scale, first.CyclesPerImage, first.Orientation, first.OrientationDegrees, first.X, first.Y));
        // Scale 4 (16 cycles): step 4 px, first centre at pixel 1.5, so centres at (1.5 + 4 k + 0.5) / 64.
        var last = pyramid.Features[^1];
        Assert.Equal((4, 16.0, 7, 157.5, 15, 15), (last.Scale, last.CyclesPerImage, last.Orientation, last.OrientationDegrees, last.Row, last.Column));
        Assert.Equal(62.0 / 64, last.X, 12);
        Assert.Equal(62.0 / 64, last.Y, 12);
        var third = pyramid.Features.First(f => f.Scale == 1 && f.Orientation == 2 && f.Row == 1 && f.Column == 0);
        Assert.Equal(8 + (2 * 2 * 2) + (1 * 2) + 0, third.Index); // 8 features of scale 0, then orientation, row, column
        Assert.Equal((16.0 / 64, 48.0 / 64), (third.X, third.Y));
        Assert.Equal(pyramid.Scales.Sum(s => s.FeatureCount), pyramid.FeatureCount);
    }

    [Fact]
    public void Transform_BatchSizes_GiveTheSameResultAndReportProgress()
    {
        using var images = LoadTensor("kay_0_1.npy");
        using var three = cat([images, images.flip(1), images.flip(2)], 0);
        using var pyramid = new GaborPyramid();
        var log = new ProgressLog<FeatureProgress>();
        using var oneByOne = pyramid.Transform(three, batchSize: 1, progress: log);
        using var together = pyramid.Transform(three);
        AssertAllClose(Values(together), Values(oneByOne), 1e-6, "batch size 1 vs 64");
        Assert.Equal([new(1, 6), new(2, 6), new(3, 6), new(4, 6), new(5, 6), new FeatureProgress(6, 6)], log.Reports);
    }

    [Fact]
    public void Transform_Cancelled_StopsBetweenBatches()
    {
        using var images = LoadTensor("kay_0_1.npy");
        using var pyramid = new GaborPyramid();
        using var cancel = new CancellationTokenSource();
        var progress = new CancelAfterFirst(cancel);
        Assert.Throws<OperationCanceledException>(() => pyramid.Transform(images, batchSize: 1, progress: progress, cancellationToken: cancel.Token));
        Assert.Equal(1, progress.Reports);
    }

    [Theory]
    [InlineData(64, 32.0, "2-pixel wavelength")]
    [InlineData(31, 16.0, "1.94-pixel wavelength")]
    public void Constructor_FrequencyAboveTheLimit_IsRejected(int size, double cycles, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new GaborPyramid(new GaborPyramidOptions { Size = size, CyclesPerImage = [1, cycles] }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("Nyquist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_BadSettings_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => new GaborPyramid(new GaborPyramidOptions { CyclesPerImage = [] }));
        Assert.Throws<ArgumentException>(() => new GaborPyramid(new GaborPyramidOptions { CyclesPerImage = [0] }));
        Assert.Throws<ArgumentException>(() => new GaborPyramid(new GaborPyramidOptions { Orientations = 0 }));
        Assert.Throws<ArgumentException>(() => new GaborPyramid(new GaborPyramidOptions { BandwidthOctaves = 0 }));
        Assert.Throws<ArgumentException>(() => new GaborPyramid(new GaborPyramidOptions { SpacingWavelengths = double.NaN }));
        Assert.Throws<ArgumentException>(() => new GaborPyramid(new GaborPyramidOptions { Size = 2 }));
    }

    [Fact]
    public void Transform_BadImages_AreRejectedWithTheProblemNamed()
    {
        using var pyramid = new GaborPyramid();
        using var nonSquare = zeros(2, 64, 48);
        Assert.Contains("64 x 48", Assert.Throws<ArgumentException>(() => pyramid.Transform(nonSquare)).Message, StringComparison.Ordinal);
        using var empty = zeros(0, 64, 64);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => pyramid.Transform(empty)).Message, StringComparison.Ordinal);
        using var flat = zeros(64, 64);
        Assert.Contains("[64, 64]", Assert.Throws<ArgumentException>(() => pyramid.Transform(flat)).Message, StringComparison.Ordinal);
        using var twoChannels = zeros(1, 64, 64, 2);
        Assert.Contains("2 channels", Assert.Throws<ArgumentException>(() => pyramid.Transform(twoChannels)).Message, StringComparison.Ordinal);
        using var bytes = zeros([1, 64, 64], ScalarType.Byte);
        Assert.Contains("255", Assert.Throws<ArgumentException>(() => pyramid.Transform(bytes)).Message, StringComparison.Ordinal);
        using var nan = zeros(3, 64, 64);
        nan[2, 10, 10] = tensor(float.NaN);
        Assert.Contains("Image 2 contains NaN", Assert.Throws<ArgumentException>(() => pyramid.Transform(nan)).Message, StringComparison.Ordinal);
    }

    /// <summary>A [1, size, size] grating 0.5 + 0.4 cos(2π (x cos θ + y sin θ) / λ + phase), x right and y up from the centre.</summary>
    private static Tensor Grating(int size, double cycles, double theta, double phase)
    {
        double wavelength = size / cycles;
        double centre = (size - 1) / 2.0;
        var values = new float[size * size];
        for (int row = 0; row < size; row++)
        {
            for (int col = 0; col < size; col++)
            {
                double u = ((col - centre) * Math.Cos(theta)) - ((row - centre) * Math.Sin(theta));
                values[(row * size) + col] = (float)(0.5 + (0.4 * Math.Cos((2 * Math.PI * u / wavelength) + phase)));
            }
        }
        return tensor(values, [1, size, size]);
    }

    private sealed class CancelAfterFirst(CancellationTokenSource cancel) : IProgress<FeatureProgress>
    {
        public int Reports { get; private set; }

        public void Report(FeatureProgress value)
        {
            Reports++;
            cancel.Cancel();
        }
    }
}
