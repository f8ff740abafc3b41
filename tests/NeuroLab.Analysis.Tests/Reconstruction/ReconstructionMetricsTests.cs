using NeuroLab.Analysis.Encoding;
using NeuroLab.Analysis.Reconstruction;
using Xunit.Abstractions;
using static NeuroLab.Analysis.Tests.Reconstruction.ReconstructionFixtures;

namespace NeuroLab.Analysis.Tests.Reconstruction;

/// <summary>
/// <see cref="ReconstructionMetrics"/> against Reference/reconstruction_reference.json: SSIM from
/// skimage.metrics.structural_similarity (scikit-image 0.19.3, gaussian_weights=True, sigma=1.5,
/// use_sample_covariance=False), PixCorr from numpy.corrcoef, MSE, identification and ranks from numpy 1.24.2.
/// Tolerance 1e-10 absolute: both sides compute in float64 on the same float32 inputs and differ only in summation
/// order (rounding of order 1e-15 on sums of at most 65,536 terms of magnitude below 1).
/// </summary>
public sealed class ReconstructionMetricsTests
{
    private const double Tolerance = 1e-10;

    public static TheoryData<string> ImageCases => new() { "small28", "odd37x53", "odd37x53_range2", "window11", "large256" };

    [Theory]
    [MemberData(nameof(ImageCases))]
    public void Ssim_SyntheticImages_MatchesSkimage(string name)
    {
        var reference = ImageCase(name);
        var (recon, target, n, h, w) = Images(reference);

        var ssim = ReconstructionMetrics.Ssim(recon, target, n, h, w, reference.GetProperty("dataRange").GetDouble());

        AssertClose(Doubles(reference.GetProperty("ssim")), ssim);
    }

    [Theory]
    [MemberData(nameof(ImageCases))]
    public void PixCorr_SyntheticImages_MatchesNumpyCorrcoef(string name)
    {
        var reference = ImageCase(name);
        var (recon, target, n, h, w) = Images(reference);

        AssertClose(Doubles(reference.GetProperty("pixcorr")), ReconstructionMetrics.PixCorr(recon, target, n, h, w));
    }

    [Theory]
    [MemberData(nameof(ImageCases))]
    public void Mse_SyntheticImages_MatchesNumpy(string name)
    {
        var reference = ImageCase(name);
        var (recon, target, n, h, w) = Images(reference);

        AssertClose(Doubles(reference.GetProperty("mse")), ReconstructionMetrics.Mse(recon, target, n, h, w));
    }

    [Fact]
    public void Metrics_ConstantImages_PixCorrNaNSsimFinite()
    {
        var (recon, target, n, h, w) = Images(ImageCase("small28"));

        var pixcorr = ReconstructionMetrics.PixCorr(recon, target, n, h, w);
        var ssim = ReconstructionMetrics.Ssim(recon, target, n, h, w);

        Assert.True(double.IsNaN(pixcorr[5]) && double.IsNaN(pixcorr[6]));
        Assert.All(ssim, v => Assert.True(double.IsFinite(v)));
        // Both constant (0.75 vs 0.25): only the luminance term remains, (2 ab + C1) / (a^2 + b^2 + C1) (Wang et al. eq. 6).
        Assert.Equal(((2 * 0.75 * 0.25) + 1e-4) / ((0.75 * 0.75) + (0.25 * 0.25) + 1e-4), ssim[6], 1e-12);
        Assert.Equal(1.0, ssim[0], 1e-12);
    }

    [Fact]
    public void TwoWayIdentification_TiesAndConstantRows_MatchesNumpyReference()
    {
        var reference = Reference.GetProperty("identification");
        int n = reference.GetProperty("n").GetInt32(), d = reference.GetProperty("d").GetInt32();
        var rng = new SplitMix64(reference.GetProperty("seed").GetUInt64());
        var target = rng.Field(n, d).Select(v => (float)v).ToArray();
        var noise = rng.Field(n, d);
        target.AsSpan(5 * d, d).CopyTo(target.AsSpan(7 * d, d));
        target.AsSpan(11 * d, d).Fill(0.5f);
        var recon = target.Select((t, k) => (float)((0.3 * t) + (0.7 * noise[k]))).ToArray();
        recon.AsSpan(9 * d, d).Fill(0.25f);

        var result = ReconstructionMetrics.TwoWayIdentification(recon, target, n, d);

        AssertClose(Doubles(reference.GetProperty("result")), result);
        // Targets 5 and 7 are equal: each of images 5 and 7 has one tie (a half) among 10 defined distractors.
        Assert.Equal(0.5, (result[5] * 10) % 1, 1e-12);
        Assert.Equal(0.5, (result[7] * 10) % 1, 1e-12);
        Assert.True(double.IsNaN(result[9]) && double.IsNaN(result[11]));
    }

    [Fact]
    public void TwoWayIdentification_SingleImage_IsNaN()
    {
        var result = ReconstructionMetrics.TwoWayIdentification([0.1f, 0.5f, 0.9f], [0.2f, 0.4f, 0.7f], 1, 3);

        Assert.True(double.IsNaN(Assert.Single(result)));
    }

    [Fact]
    public void RetrievalRank_DuplicateAndConstantCandidates_MatchesNumpyReference()
    {
        var reference = Reference.GetProperty("retrieval");
        int n = reference.GetProperty("n").GetInt32(), m = reference.GetProperty("m").GetInt32(), d = reference.GetProperty("d").GetInt32();
        var trueIndex = reference.GetProperty("trueIndex").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var rng = new SplitMix64(reference.GetProperty("seed").GetUInt64());
        var candidates = rng.Field(m, d).Select(v => (float)v).ToArray();
        var noise = rng.Field(n, d);
        candidates.AsSpan(17 * d, d).CopyTo(candidates.AsSpan(10 * d, d));
        candidates.AsSpan(25 * d, d).Fill(0.5f);
        var predicted = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < d; k++)
            {
                predicted[(i * d) + k] = (float)((0.4 * candidates[(trueIndex[i] * d) + k]) + (0.6 * noise[(i * d) + k]));
            }
        }

        var ranks = ReconstructionMetrics.RetrievalRank(predicted, candidates, n, m, d, trueIndex);

        Assert.Equal(reference.GetProperty("ranks").EnumerateArray().Select(v => v.GetInt32()), ranks);
        Assert.Equal(2, ranks[1]); // image 1's own candidate 17 has an exact copy at row 10: the tie counts against it
    }

    [Fact]
    public void MeanWithInterval_SameDraws_MatchesNumpyPercentile()
    {
        var reference = Reference.GetProperty("bootstrap");
        var values = new SplitMix64(reference.GetProperty("seed").GetUInt64()).Field(1, reference.GetProperty("count").GetInt32());
        foreach (var k in reference.GetProperty("nanAt").EnumerateArray())
        {
            values[k.GetInt32()] = double.NaN;
        }

        var (mean, low, high) = ReconstructionMetrics.MeanWithInterval(values, reference.GetProperty("resamples").GetInt32(), reference.GetProperty("drawSeed").GetUInt64());

        Assert.Equal(reference.GetProperty("mean").GetDouble(), mean, 1e-12);
        Assert.Equal(reference.GetProperty("low").GetDouble(), low, 1e-12);
        Assert.Equal(reference.GetProperty("high").GetDouble(), high, 1e-12);
        Assert.Equal((mean, low, high), ReconstructionMetrics.MeanWithInterval(values, 1000, 7));
        Assert.NotEqual((mean, low, high), ReconstructionMetrics.MeanWithInterval(values, 1000, 8));
    }

    [Fact]
    public void MeanWithInterval_LargeSample_WidthNearNormalTheory()
    {
        var values = new SplitMix64(5).Field(1, 2000);

        var (mean, low, high) = ReconstructionMetrics.MeanWithInterval(values, 2000, 3);

        // Uniform(0, 1): sd 1/sqrt(12); the percentile interval of the mean is close to +-1.96 sd / sqrt(n) (CLT).
        double half = 1.96 / Math.Sqrt(12.0 * values.Length);
        Assert.InRange(high - low, 2 * half * 0.9, 2 * half * 1.1);
        Assert.InRange(mean, low, high);
    }

    [Fact]
    public void MeanWithInterval_NoFiniteValue_AllNaN()
    {
        var (mean, low, high) = ReconstructionMetrics.MeanWithInterval([double.NaN, double.NaN]);

        Assert.True(double.IsNaN(mean) && double.IsNaN(low) && double.IsNaN(high));
        Assert.Equal((0.25, 0.25, 0.25), ReconstructionMetrics.MeanWithInterval([double.NaN, 0.25]));
    }

    [Fact]
    public void Metrics_MismatchedLengths_ThrowArgumentExceptionNamingShapes()
    {
        var a = new float[2 * 12 * 12];
        var b = new float[(2 * 12 * 12) - 1];

        var pix = Assert.Throws<ArgumentException>(() => ReconstructionMetrics.PixCorr(a, b, 2, 12, 12));
        Assert.Contains("[2, 12, 12] (288 values)", pix.Message, StringComparison.Ordinal);
        Assert.Contains("287 target values", pix.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ReconstructionMetrics.Ssim(a, b, 2, 12, 12));
        Assert.Throws<ArgumentException>(() => ReconstructionMetrics.Mse(b, a, 2, 12, 12));
        var id = Assert.Throws<ArgumentException>(() => ReconstructionMetrics.TwoWayIdentification(a, b, 2, 144));
        Assert.Contains("targetFeatures must be [2, 144]", id.Message, StringComparison.Ordinal);
        var rank = Assert.Throws<ArgumentException>(() => ReconstructionMetrics.RetrievalRank(a, a, 2, 2, 144, [0]));
        Assert.Contains("trueIndex has 1 entries", rank.Message, StringComparison.Ordinal);
        var outside = Assert.Throws<ArgumentException>(() => ReconstructionMetrics.RetrievalRank(a, a, 2, 2, 144, [0, 2]));
        Assert.Contains("trueIndex[1] = 2", outside.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ssim_ImageSmallerThanWindow_ThrowsArgumentException()
    {
        var images = new float[10 * 30];

        var e = Assert.Throws<ArgumentException>(() => ReconstructionMetrics.Ssim(images, images, 1, 10, 30));

        Assert.Contains("at least 11x11", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ssim_DigitWithItself_IsOne()
    {
        var test = Digits.Test;

        var ssim = ReconstructionMetrics.Ssim(test, test, 10, 28, 28);

        AssertClose(Doubles(Reference.GetProperty("digits").GetProperty("self").GetProperty("ssim")), ssim);
        Assert.All(ssim, v => Assert.Equal(1.0, v, 1e-12));
    }

    [Fact]
    public void Metrics_BlurredDigits_MatchSkimageAndNumpy()
    {
        var test = Digits.Test;
        var blurred = BoxBlur(test, 10, 28, 28);
        var reference = Reference.GetProperty("digits");

        AssertClose(Doubles(reference.GetProperty("blurred").GetProperty("ssim")), ReconstructionMetrics.Ssim(blurred, test, 10, 28, 28));
        AssertClose(Doubles(reference.GetProperty("blurred").GetProperty("pixcorr")), ReconstructionMetrics.PixCorr(blurred, test, 10, 28, 28));
        AssertClose(Doubles(reference.GetProperty("blurred").GetProperty("mse")), ReconstructionMetrics.Mse(blurred, test, 10, 28, 28));
        AssertClose(Doubles(reference.GetProperty("blurredIdentification")), ReconstructionMetrics.TwoWayIdentification(blurred, test, 10, 784));
        var pool = Digits.Train.Concat(test).ToArray();
        var ranks = ReconstructionMetrics.RetrievalRank(blurred, pool, 10, 100, 784, Enumerable.Range(90, 10).ToArray());
        Assert.Equal(reference.GetProperty("blurredRetrievalRanks").EnumerateArray().Select(v => v.GetInt32()), ranks);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i]))
            {
                Assert.True(double.IsNaN(actual[i]), $"entry {i}: expected NaN, got {actual[i]}");
            }
            else
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"entry {i}: expected {expected[i]:R}, got {actual[i]:R}");
            }
        }
    }
}
