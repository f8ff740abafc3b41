using System.Text.Json;
using NeuroLab.Analysis.Glm;
using static NeuroLab.Analysis.Tests.Glm.GlmFixtures;

namespace NeuroLab.Analysis.Tests.Glm;

public sealed class DesignMatrixTests
{
    // Reference: nilearn's compute_regressor / drift definitions re-implemented with numpy 1.24.2 and
    // scipy 1.10.1 (np.searchsorted, np.convolve, interp1d) in glm_reference.py; tolerance 1e-8 per entry.
    private const double ColumnTolerance = 1e-8;

    public static TheoryData<string> DesignCases() =>
        [.. Reference.GetProperty("designs").EnumerateArray().Select(d => d.GetProperty("name").GetString()!)];

    [Theory]
    [MemberData(nameof(DesignCases))]
    public void Build_ReferenceCase_MatchesNilearnDefinition(string name)
    {
        var c = Design(name);
        var design = BuildFromReference(c);
        Assert.Equal(Strings(c.GetProperty("columns")), design.ColumnNames);
        Assert.Equal(Strings(c.GetProperty("conditions")), design.Conditions);
        AssertAllClose(Flat(Matrix(c.GetProperty("matrix"))), Flat(design.ToArray()), ColumnTolerance, name);
    }

    [Fact]
    public void Build_HaxbyEventsTsv_SameAsReferenceEvents()
    {
        var c = Design("haxby_run1_cosine128");
        var fromTsv = ReadEventsTsv(FixturePath("haxby_run1_events.tsv"));
        Assert.Equal(Events(c.GetProperty("events")), fromTsv);
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(121, 2.5), fromTsv, Strings(c.GetProperty("conditions")));
        Assert.Equal(13, design.RegressorCount); // 8 conditions, 4 cosines below 1/128 Hz, constant
        AssertAllClose(Flat(Matrix(c.GetProperty("matrix"))), Flat(design.ToArray()), ColumnTolerance, "haxby default drift");
    }

    [Fact]
    public void Build_NoConvolution_ColumnIsBoxcarAtFrameTimes()
    {
        // Kernel [1] (nilearn hrf_model=None): the regressor is 1 at frames with onset <= t < onset + duration.
        var events = new List<TaskEvent> { new(10, 6, "on"), new(31, 0, "on") };
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(20, 2), events, ["on"], (_, _) => [1.0], DriftModel.ConstantOnly, oversampling: 10);
        double[] expected = new double[20];
        expected[5] = expected[6] = expected[7] = 1; // t = 10, 12, 14
        // A zero-duration event lasts one fine sample (0.2 s) from the grid point at or after 31 s: no frame sees it.
        Assert.Equal(expected, design.Column(0));
        Assert.Equal(Enumerable.Repeat(1.0, 20), design.Column(1));
        Assert.Equal(["on", "constant"], design.ColumnNames);
    }

    [Fact]
    public void Build_ConditionOrder_FollowsCallerList()
    {
        var events = new List<TaskEvent> { new(4, 8, "b"), new(30, 8, "a") };
        double[] frames = DesignMatrix.FrameTimes(40, 2);
        var ab = DesignMatrix.Build(frames, events, ["a", "b"]);
        var ba = DesignMatrix.Build(frames, events, ["b", "a"]);
        Assert.Equal(ab.Column(0), ba.Column(1));
        Assert.Equal(ab.Column(1), ba.Column(0));
        Assert.Equal(["b", "a"], ba.Conditions);
    }

    [Fact]
    public void Build_ConditionWithoutEvents_ThrowsUnlessAskedForZeroColumn()
    {
        var events = new List<TaskEvent> { new(4, 8, "a") };
        double[] frames = DesignMatrix.FrameTimes(40, 2);
        var error = Assert.Throws<ArgumentException>(() => DesignMatrix.Build(frames, events, ["a", "b"]));
        Assert.Contains("b", error.Message, StringComparison.Ordinal);
        Assert.Contains("includeEmptyConditions", error.Message, StringComparison.Ordinal);

        var design = DesignMatrix.Build(frames, events, ["a", "b"], includeEmptyConditions: true);
        Assert.Equal(["a", "b"], design.Conditions);
        Assert.All(design.Column(1), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Build_TrialTypeNotInConditions_ThrowsNamingIt()
    {
        var events = new List<TaskEvent> { new(4, 8, "a"), new(20, 8, "rest") };
        var error = Assert.Throws<ArgumentException>(() => DesignMatrix.Build(DesignMatrix.FrameTimes(40, 2), events, ["a"]));
        Assert.Contains("rest", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN, 1.0)]
    [InlineData(1.0, -1.0)]
    [InlineData(1.0, double.PositiveInfinity)]
    public void Build_InvalidEvent_Throws(double onset, double duration)
    {
        var events = new List<TaskEvent> { new(onset, duration, "a") };
        Assert.Throws<ArgumentException>(() => DesignMatrix.Build(DesignMatrix.FrameTimes(40, 2), events, ["a"]));
    }

    [Fact]
    public void Build_FrameTimesNotIncreasing_ThrowsNamingFrame()
    {
        var events = new List<TaskEvent> { new(4, 8, "a") };
        var error = Assert.Throws<ArgumentException>(() => DesignMatrix.Build([0, 2, 2, 4], events, ["a"]));
        Assert.Contains("frame 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_RepeatedCondition_Throws()
    {
        var events = new List<TaskEvent> { new(4, 8, "a") };
        var error = Assert.Throws<ArgumentException>(() => DesignMatrix.Build(DesignMatrix.FrameTimes(40, 2), events, ["a", "a"]));
        Assert.Contains("repeated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_HighPassAboveNyquist_Throws()
    {
        var events = new List<TaskEvent> { new(4, 8, "a") };
        var error = Assert.Throws<ArgumentException>(() =>
            DesignMatrix.Build(DesignMatrix.FrameTimes(40, 2), events, ["a"], drift: DriftModel.Cosine(0.3)));
        Assert.Contains("saturate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_CosineDrifts_AreOrthonormalAndOrthogonalToConstant()
    {
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(121, 2.5), [new(15, 22.5, "a")], ["a"]);
        for (int i = 1; i <= 4; i++)
        {
            for (int j = 1; j <= 5; j++)
            {
                double dot = design.Column(i).Zip(design.Column(j), (a, b) => a * b).Sum();
                double expected = j == 5 ? 0 : i == j ? 1 : 0; // column 5 is the constant
                Assert.Equal(expected, dot, 1e-12);
            }
        }
    }

    [Fact]
    public void Contrast_NamedColumns_GetWeightsOthersZero()
    {
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(40, 2), [new(4, 8, "a"), new(30, 8, "b")], ["a", "b"], drift: DriftModel.ConstantOnly);
        Assert.Equal([1.0, -1.0, 0.0], design.Contrast(("a", 1), ("b", -1)));
        Assert.Throws<ArgumentException>(() => design.Contrast(("c", 1)));
    }

    [Fact]
    public void Constructor_RepeatedColumnNames_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new DesignMatrix(new double[3, 2], ["x", "x"], 1));
        Assert.Contains("unique", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FrameTimes_AreScanIndexTimesTr()
    {
        Assert.Equal([0.0, 2.5, 5.0, 7.5], DesignMatrix.FrameTimes(4, 2.5));
    }

    internal static DesignMatrix BuildFromReference(JsonElement c)
    {
        var drift = c.GetProperty("drift");
        var model = drift.GetProperty("kind").GetString() switch
        {
            "cosine" => DriftModel.Cosine(drift.GetProperty("high_pass").GetDouble()),
            "polynomial" => DriftModel.Polynomial(drift.GetProperty("order").GetInt32()),
            _ => DriftModel.ConstantOnly,
        };
        return DesignMatrix.Build(
            DesignMatrix.FrameTimes(c.GetProperty("scans").GetInt32(), c.GetProperty("tr").GetDouble()),
            Events(c.GetProperty("events")),
            Strings(c.GetProperty("conditions")),
            drift: model,
            oversampling: c.GetProperty("oversampling").GetInt32(),
            minOnset: c.GetProperty("min_onset").GetDouble());
    }
}
