using NeuroLab.Analysis.Features;
using static NeuroLab.Analysis.Tests.Features.FeatureFixtures;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Features;

public sealed class PcaFeaturesTests
{
    // Reference: numpy 1.24.2 linalg.svd of the centred training data, signs by sklearn's svd_flip rule
    // (largest-|loading| positive), in float64 (features_reference.py). Loadings and variances are float64 here
    // too; scores are returned as float32 (values up to ~40, so ~4e-6 rounding), compared at 1e-4.
    private const double LoadingTolerance = 1e-9;
    private const double ScoreTolerance = 1e-4;

    [Fact]
    public void Fit_SyntheticData_MatchesNumpySvdWithSignConvention()
    {
        var r = Reference.GetProperty("pca");
        using var train = LoadTensor(r.GetProperty("train").GetString()!);
        using var test = LoadTensor(r.GetProperty("test").GetString()!);
        int k = r.GetProperty("components").GetInt32();
        using var pca = PcaFeatures.Fit(train, k);

        Assert.Equal(k, pca.ComponentCount);
        Assert.Equal(40, pca.InputFeatureCount);
        Assert.Equal(60, pca.TrainingSampleCount);
        AssertAllClose(Doubles(r.GetProperty("mean")), Values(pca.Mean), 1e-12, "mean");
        AssertAllClose(FlatRows(r.GetProperty("loadings")), Values(pca.Components), LoadingTolerance, "loadings");
        double[] variance = Doubles(r.GetProperty("explained_variance"));
        AssertAllClose(variance, [.. pca.ExplainedVariance], 1e-9 * variance[0], "explained variance");
        AssertAllClose(Doubles(r.GetProperty("explained_variance_ratio")), [.. pca.ExplainedVarianceRatio], 1e-12, "explained variance ratio");

        using var scores = pca.Transform(test);
        Assert.Equal([7L, k], scores.shape);
        Assert.Equal(ScalarType.Float32, scores.dtype);
        AssertAllClose(FlatRows(r.GetProperty("test_projection")), Values(scores), ScoreTolerance, "test scores");
        using var trainScores = pca.Transform(train.narrow(0, 0, 3));
        AssertAllClose(FlatRows(r.GetProperty("train_projection_first3")), Values(trainScores), ScoreTolerance, "train scores");
    }

    [Fact]
    public void Fit_Components_AreOrthonormalWithLargestLoadingPositive()
    {
        using var train = LoadTensor("pca_train.npy");
        using var pca = PcaFeatures.Fit(train, 10);
        using var gram = pca.Components.mm(pca.Components.t());
        using var identity = eye(10, dtype: ScalarType.Float64);
        AssertAllClose(Values(identity), Values(gram), 1e-12, "V Vᵀ");
        for (int j = 0; j < 10; j++)
        {
            double[] row = Values(pca.Components[j]);
            double largest = row.MaxBy(Math.Abs);
            Assert.True(largest > 0, $"component {j}: largest loading {largest} is not positive");
        }
        // Ratios decrease and stay below 1 in total.
        Assert.True(pca.ExplainedVarianceRatio.Zip(pca.ExplainedVarianceRatio.Skip(1)).All(p => p.First >= p.Second));
        Assert.True(pca.ExplainedVarianceRatio.Sum() < 1);
    }

    [Fact]
    public void FitVarianceFraction_099_KeepsTheScikitLearnCount()
    {
        var r = Reference.GetProperty("pca");
        using var train = LoadTensor("pca_train.npy");
        using var pca = PcaFeatures.FitVarianceFraction(train, r.GetProperty("variance_fraction").GetDouble());
        Assert.Equal(r.GetProperty("variance_fraction_components").GetInt32(), pca.ComponentCount);
        Assert.True(pca.ExplainedVarianceRatio.Sum() > 0.99);
        Assert.True(pca.ExplainedVarianceRatio.Take(pca.ComponentCount - 1).Sum() <= 0.99);
    }

    [Fact]
    public void Fit_Images_EqualsFitOnTheirPixels()
    {
        // Four rotations and flips of the two Kay images downsampled to 16 x 16: PCA of the image stack equals PCA of
        // PixelFeatures' flattening, and Transform accepts image-shaped data.
        using var kay = LoadTensor("kay_0_1.npy");
        using var small = PixelFeatures.Extract(kay, 16, 16).reshape(2, 16, 16);
        using var images = cat([small, small.flip(1), small.flip(2), small.transpose(1, 2)], 0);
        using var pixels = PixelFeatures.Extract(images);
        using var fromImages = PcaFeatures.Fit(images, 3);
        using var fromPixels = PcaFeatures.Fit(pixels, 3);
        AssertAllClose(Values(fromPixels.Components), Values(fromImages.Components), 1e-12, "components");
        using var a = fromImages.Transform(images);
        using var b = fromPixels.Transform(pixels);
        AssertAllClose(Values(b), Values(a), 0, "scores");
        Assert.Throws<ArgumentException>(() => fromImages.Transform(pixels));
    }

    [Fact]
    public void Fit_BadInput_IsRejectedWithTheProblemNamed()
    {
        using var one = zeros(1, 5);
        Assert.Contains("at least two", Assert.Throws<ArgumentException>(() => PcaFeatures.Fit(one, 1)).Message, StringComparison.Ordinal);
        using var vector = zeros(5);
        Assert.Contains("[5]", Assert.Throws<ArgumentException>(() => PcaFeatures.Fit(vector, 1)).Message, StringComparison.Ordinal);
        using var train = LoadTensor("pca_train.npy");
        Assert.Contains("1 to 40", Assert.Throws<ArgumentException>(() => PcaFeatures.Fit(train, 41)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PcaFeatures.Fit(train, 0));
        Assert.Contains("strictly between", Assert.Throws<ArgumentException>(() => PcaFeatures.FitVarianceFraction(train, 1.0)).Message, StringComparison.Ordinal);
        using var nan = train.clone();
        nan[17, 3] = tensor(double.NaN);
        Assert.Contains("Sample 17", Assert.Throws<ArgumentException>(() => PcaFeatures.Fit(nan, 2)).Message, StringComparison.Ordinal);
        using var constant = ones(5, 3);
        Assert.Contains("identical", Assert.Throws<ArgumentException>(() => PcaFeatures.Fit(constant, 1)).Message, StringComparison.Ordinal);

        using var pca = PcaFeatures.Fit(train, 2);
        using var narrow = zeros(3, 39, dtype: ScalarType.Float64);
        Assert.Contains("[3, 39]", Assert.Throws<ArgumentException>(() => pca.Transform(narrow)).Message, StringComparison.Ordinal);
        using var emptyBatch = zeros(0, 40, dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => pca.Transform(emptyBatch));
        using var bad = zeros(3, 40, dtype: ScalarType.Float64);
        bad[2, 0] = tensor(double.PositiveInfinity);
        Assert.Contains("Sample 2", Assert.Throws<ArgumentException>(() => pca.Transform(bad)).Message, StringComparison.Ordinal);
    }
}
