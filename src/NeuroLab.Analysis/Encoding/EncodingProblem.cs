using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>
/// Checked and prepared inputs of an encoding fit: standardised features (float64, plus work-dtype copies of
/// each fold's rows and of the test rows), the fold plan, and the response sources read a batch at a time.
/// </summary>
internal sealed class EncodingProblem : IDisposable
{
    private readonly ResponseSource _trainResponses;
    private readonly ResponseSource _testResponses;
    private readonly Tensor[] _foldFeatures;
    private readonly Tensor _testFeatures;
    private readonly ScalarType _workType;
    private Standardizer? _standardizer;

    private EncodingProblem(
        Tensor features, Tensor testFeatures, Standardizer? standardizer, FoldPlan plan,
        ResponseSource trainResponses, ResponseSource testResponses, ScalarType workType)
    {
        Features = features;
        _standardizer = standardizer;
        Plan = plan;
        _trainResponses = trainResponses;
        _testResponses = testResponses;
        _workType = workType;
        using var scope = NewDisposeScope();
        var work = features.to_type(workType);
        _foldFeatures = [.. Enumerable.Range(0, plan.Count).Select(f => plan.ValidationRows(work, f).contiguous().DetachFromDisposeScope())];
        _testFeatures = testFeatures.to_type(workType).DetachFromDisposeScope();
        testFeatures.Dispose();
    }

    /// <summary>Standardised training features <c>[n, p]</c>, float64.</summary>
    public Tensor Features { get; }

    public FoldPlan Plan { get; }

    public int FeatureCount => (int)Features.shape[1];

    public int TestSamples => (int)_testFeatures.shape[0];

    /// <summary>Standardised test features <c>[nTest, p]</c> in the work dtype.</summary>
    public Tensor TestFeatures => _testFeatures;

    public static EncodingProblem Prepare(
        Tensor trainFeatures, ResponseSource trainResponses, Tensor testFeatures, ResponseSource testResponses,
        bool standardize, RidgeFolds folds, ScalarType workType)
    {
        ArgumentNullException.ThrowIfNull(trainFeatures);
        ArgumentNullException.ThrowIfNull(trainResponses);
        ArgumentNullException.ThrowIfNull(testFeatures);
        ArgumentNullException.ThrowIfNull(testResponses);
        CheckFeatures(trainFeatures, nameof(trainFeatures));
        CheckFeatures(testFeatures, nameof(testFeatures));
        if (testFeatures.shape[1] != trainFeatures.shape[1])
        {
            throw new ArgumentException($"Test features have {testFeatures.shape[1]} columns, training features {trainFeatures.shape[1]}.", nameof(testFeatures));
        }
        if (trainResponses.SampleCount != trainFeatures.shape[0])
        {
            throw new ArgumentException($"{trainResponses.SampleCount} training responses for {trainFeatures.shape[0]} training feature rows.", nameof(trainResponses));
        }
        if (testResponses.SampleCount != testFeatures.shape[0])
        {
            throw new ArgumentException($"{testResponses.SampleCount} test responses for {testFeatures.shape[0]} test feature rows.", nameof(testResponses));
        }
        if (testResponses.UnitCount != trainResponses.UnitCount)
        {
            throw new ArgumentException($"Test responses have {testResponses.UnitCount} units, training responses {trainResponses.UnitCount}.", nameof(testResponses));
        }
        int[] foldOfSample = folds.Assign(trainResponses.SampleCount);
        // No dispose scope here: the standardiser and the prepared features outlive this call.
        Standardizer? standardizer = null;
        Tensor? train = null;
        Tensor? test = null;
        try
        {
            train = trainFeatures.to_type(ScalarType.Float64).contiguous();
            test = testFeatures.to_type(ScalarType.Float64).contiguous();
            RequireFinite(train, nameof(trainFeatures));
            RequireFinite(test, nameof(testFeatures));
            if (standardize)
            {
                standardizer = Standardizer.Fit(train);
                (train, test) = (Replace(train, standardizer.Transform(train)), Replace(test, standardizer.Transform(test)));
            }
            return new EncodingProblem(train, test, standardizer, new FoldPlan(foldOfSample), trainResponses, testResponses, workType);
        }
        catch
        {
            train?.Dispose();
            test?.Dispose();
            standardizer?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads training units <c>first .. first + count - 1</c> and forms their cross-products. With an intercept the
    /// responses are first shifted by their training mean (<paramref name="shift"/>, float64 <c>[count]</c>, zeros
    /// otherwise), which leaves the fit unchanged but keeps float32 sums of squares accurate.
    /// </summary>
    public ResponseBatch ReadTrainingBatch(int first, int count, bool intercept, out Tensor shift)
    {
        using var responses = _trainResponses.ReadUnits(first, count, _workType);
        using var scope = NewDisposeScope();
        // A NaN or infinity makes its column sum non-finite (float64 sums of float32 values cannot overflow).
        RequireFinite(responses.sum(0L, type: ScalarType.Float64), first, "training");
        if (intercept)
        {
            var mean = (responses.sum(0L, type: ScalarType.Float64) / responses.shape[0]).to_type(_workType);
            responses.sub_(mean);
            shift = mean.to_type(ScalarType.Float64).MoveToOuterDisposeScope();
        }
        else
        {
            shift = zeros(count, ScalarType.Float64).MoveToOuterDisposeScope();
        }
        return new ResponseBatch(responses, Plan, _foldFeatures);
    }

    /// <summary>Test predictions <c>[nTest, count]</c> (work dtype, responses' units) and per-unit test Pearson r and R^2 (float64).</summary>
    public (Tensor Predictions, Tensor R, Tensor R2) Test(int first, int count, Tensor weights, Tensor intercepts, Tensor shift)
    {
        using var responses = ReadTestUnits(first, count);
        using var scope = NewDisposeScope();
        var shiftWork = shift.to_type(_workType);
        var predictions = _testFeatures.mm(weights).add_(intercepts.to_type(_workType));
        var (r, r2) = EncodingScores.PearsonAndR2(responses.sub_(shiftWork), predictions);
        return (predictions.add_(shiftWork).MoveToOuterDisposeScope(), r.MoveToOuterDisposeScope(), r2.MoveToOuterDisposeScope());
    }

    /// <summary>Reads test units (work dtype), checked finite.</summary>
    public Tensor ReadTestUnits(int first, int count)
    {
        var responses = _testResponses.ReadUnits(first, count, _workType);
        try
        {
            using var sum = responses.sum(0L, type: ScalarType.Float64);
            RequireFinite(sum, first, "test");
            return responses;
        }
        catch
        {
            responses.Dispose();
            throw;
        }
    }

    /// <summary>Hands the standardiser to the result (which then owns it).</summary>
    public Standardizer? TakeStandardizer()
    {
        var standardizer = _standardizer;
        _standardizer = null;
        return standardizer;
    }

    public void Dispose()
    {
        Features.Dispose();
        _testFeatures.Dispose();
        foreach (var t in _foldFeatures)
        {
            t.Dispose();
        }
        Plan.Dispose();
        _standardizer?.Dispose();
    }

    private static Tensor Replace(Tensor old, Tensor replacement)
    {
        old.Dispose();
        return replacement;
    }

    private static void CheckFeatures(Tensor features, string name)
    {
        if (features.dim() != 2 || features.shape[0] < 1 || features.shape[1] < 1 || features.dtype == ScalarType.Bool || features.is_complex())
        {
            throw new ArgumentException($"Expected real features [samples, features], got {features.dtype} [{string.Join(", ", features.shape)}].", name);
        }
    }

    private static void RequireFinite(Tensor features, string name)
    {
        if (!isfinite(features).all().item<bool>())
        {
            throw new ArgumentException("Features contain NaN or infinite values.", name);
        }
    }

    /// <summary>Names the first unit whose column sum <paramref name="columnSums"/> is not finite.</summary>
    private static void RequireFinite(Tensor columnSums, int firstUnit, string which)
    {
        using var finite = isfinite(columnSums);
        if (!finite.all().item<bool>())
        {
            using var bad = nonzero(finite.logical_not()).flatten();
            long unit = firstUnit + bad[0].item<long>();
            throw new ArgumentException($"The {which} responses of unit {unit} contain NaN or infinite values.", which == "test" ? "testResponses" : "trainResponses");
        }
    }
}
