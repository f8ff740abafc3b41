using System.Text.Json;
using NeuroLab.Analysis.Decoding;
using NeuroLab.Analysis.Tests.Encoding;
using NeuroLab.Tests.Shared;

namespace NeuroLab.Analysis.Tests.Decoding;

/// <summary>
/// Leave-one-group-out decoding against <c>Reference/decoding_reference.py</c> (numpy 1.24.2, scikit-learn 1.2.1): a
/// synthetic case and, when exported, the Haxby 2001 subject-1 VT betas of the haxby2001-sub1 sample (8-way and
/// face vs house). Tolerances: correlation-NN and PCA-LDA predict exactly as the reference (same folds, same z-scoring);
/// the linear SVM's optimum is unique, so at a fixed C the predictions match too, with at most one sample per fold
/// allowed to differ where a decision value is within the solvers' tolerances of a tie; nested CV picks the same C.
/// The correlation-NN permutation null (SplitMix64 within-group shuffles) matches to 1e-12.
/// </summary>
public sealed class DecodingReferenceTests
{
    private static readonly Lazy<JsonDocument> s_reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Analysis.Tests", "Reference", "decoding_reference.json"))));

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in s_reference.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }
        return data;
    }

    private static (DecodingSamples Data, JsonElement Case) Load(string name)
    {
        var c = s_reference.Value.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var data = new DecodingSamples(RidgeFixtures.Doubles(c.GetProperty("x")), c.GetProperty("samples").GetInt32(), c.GetProperty("features").GetInt32(),
            RidgeFixtures.Ints(c.GetProperty("labels")), RidgeFixtures.Ints(c.GetProperty("groups")), [.. c.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!)]);
        return (data, c);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CorrelationNearestNeighbour_ReferenceCase_SamePredictions(string name)
    {
        var (data, c) = Load(name);
        var result = CrossValidatedDecoding.Run(data, new DecodingOptions { Classifier = DecodingClassifier.CorrelationNearestNeighbour });
        Assert.Equal(RidgeFixtures.Ints(c.GetProperty("correlationNn")), result.Predicted);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PcaLda_ReferenceCase_SamePredictions(string name)
    {
        var (data, c) = Load(name);
        var result = CrossValidatedDecoding.Run(data, new DecodingOptions { Classifier = DecodingClassifier.PcaLda });
        Assert.Equal(RidgeFixtures.Ints(c.GetProperty("pcaLda")), result.Predicted);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LinearSvm_FixedC_SamePredictionsUpToOnePerFold(string name)
    {
        var (data, c) = Load(name);
        foreach (var property in c.GetProperty("svmFixed").EnumerateObject())
        {
            double cost = double.Parse(property.Name, System.Globalization.CultureInfo.InvariantCulture);
            var result = CrossValidatedDecoding.Run(data, new DecodingOptions { Classifier = DecodingClassifier.LinearSvm, CGrid = [cost] });
            AssertWithinOnePerFold(data, RidgeFixtures.Ints(property.Value), result.Predicted, $"C={property.Name}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LinearSvm_NestedC_SameChoicesAndPredictions(string name)
    {
        var (data, c) = Load(name);
        var result = CrossValidatedDecoding.Run(data, new DecodingOptions { Classifier = DecodingClassifier.LinearSvm, CGrid = RidgeFixtures.Doubles(s_reference.Value.RootElement.GetProperty("cGrid")) });
        Assert.Equal(RidgeFixtures.Doubles(c.GetProperty("svmNestedC")), result.ChosenC);
        AssertWithinOnePerFold(data, RidgeFixtures.Ints(c.GetProperty("svmNested")), result.Predicted, "nested");
    }

    [Fact]
    public void PermutationNull_CorrelationNearestNeighbour_MatchesReference()
    {
        var (data, c) = Load("synthetic");
        var expected = RidgeFixtures.Doubles(c.GetProperty("correlationNnNull").GetProperty("accuracies"));
        var result = CrossValidatedDecoding.Run(data, new DecodingOptions { Classifier = DecodingClassifier.CorrelationNearestNeighbour, Permutations = expected.Length, Seed = 7 });
        RidgeFixtures.AssertCloseValues(expected, result.Null, 1e-12, "null accuracy");
        double observed = result.Accuracy;
        Assert.Equal((1.0 + expected.Count(a => a >= observed)) / (1 + expected.Length), result.PValue, 12);
    }

    [Fact]
    public void Run_Summaries_ConfusionRecallAndChance()
    {
        var (data, _) = Load("synthetic");
        var result = CrossValidatedDecoding.Run(data, new DecodingOptions { Classifier = DecodingClassifier.CorrelationNearestNeighbour });
        Assert.Equal(data.Samples, Enumerable.Range(0, 3).Sum(i => Enumerable.Range(0, 3).Sum(j => result.Confusion[i, j])));
        Assert.Equal(result.Predicted.Where((p, i) => p == data.Labels[i]).Count() / (double)data.Samples, result.Accuracy, 12);
        Assert.Equal(result.Recall.Average(), result.BalancedAccuracy, 12);
        Assert.Equal(1 / 3.0, result.ChanceUniform, 12);
        Assert.Equal(1 / 3.0, result.ChanceMajority, 12);
        Assert.Equal([0, 1, 2, 3, 4], result.FoldGroups);
        Assert.Empty(result.Null);
        Assert.True(double.IsNaN(result.PValue));
    }

    [Fact]
    public void PermutedLabels_ShuffleWithinGroups_KeepEachGroupsLabels()
    {
        int[] labels = [0, 1, 2, 0, 1, 2, 0, 0, 1];
        int[] groups = [0, 0, 0, 1, 1, 1, 2, 2, 2];
        foreach (var permuted in CrossValidatedDecoding.PermutedLabels(labels, groups, 10, 3))
        {
            for (int g = 0; g < 3; g++)
            {
                Assert.Equal(labels.Where((_, i) => groups[i] == g).Order(), permuted.Where((_, i) => groups[i] == g).Order());
            }
        }
    }

    [Fact]
    public void Searchlight_SignalInOneCorner_ScoresHigherThere()
    {
        // 4 runs x 2 classes x 3 trials; units on a 6-voxel line; the class signal only in units 0-1.
        var rng = new Random(3);
        int n = 24, p = 6;
        var x = new double[n * p];
        int[] labels = [.. Enumerable.Range(0, n).Select(i => i % 2)];
        int[] groups = [.. Enumerable.Range(0, n).Select(i => i / 6)];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < p; j++)
            {
                x[i * p + j] = rng.NextDouble() + (j < 2 && labels[i] == 1 ? 3 : 0);
            }
        }
        var data = new DecodingSamples(x, n, p, labels, groups, ["a", "b"]);
        var accuracy = Searchlight.Run(data, [.. Enumerable.Range(0, p).Select(j => (j, 0, 0))], 1, new DecodingOptions { Classifier = DecodingClassifier.LinearSvm }, 1);
        Assert.Equal(1.0, accuracy[0], 12);
        Assert.True(accuracy[5] < 0.9, $"unit 5 far from the signal scored {accuracy[5]}");
    }

    private static void AssertWithinOnePerFold(DecodingSamples data, int[] expected, int[] actual, string what)
    {
        foreach (var g in data.Groups.Distinct())
        {
            int differ = Enumerable.Range(0, data.Samples).Count(i => data.Groups[i] == g && expected[i] != actual[i]);
            Assert.True(differ <= 1, $"{what}: group {g} differs in {differ} predictions.");
        }
    }
}
