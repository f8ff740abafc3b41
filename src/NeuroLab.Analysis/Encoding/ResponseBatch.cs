using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>
/// Response-side statistics of one batch of units that every fold and every alpha share: the
/// cross-products <c>C_f = X_f' Y_f</c> of each fold's rows (the only pass over the responses), their
/// sum <c>C = X' Y</c>, and per fold the response sums and centred sums of squares (float64).
/// </summary>
internal sealed class ResponseBatch : IDisposable
{
    /// <param name="responses">Training responses <c>[samples, units]</c> in the work dtype (already shifted by the global mean when an intercept is fitted).</param>
    /// <param name="plan">The folds.</param>
    /// <param name="foldFeatures">Per fold its validation rows of the standardised, unscaled features <c>[n_f, p]</c> in the work dtype.</param>
    public ResponseBatch(Tensor responses, FoldPlan plan, Tensor[] foldFeatures)
    {
        Samples = plan.Samples;
        Units = (int)responses.shape[1];
        FoldSizes = plan.Sizes;
        FoldCross = new Tensor[plan.Count];
        FoldSum = new Tensor[plan.Count];
        FoldCentredSquares = new Tensor[plan.Count];
        using var scope = NewDisposeScope();
        for (int f = 0; f < plan.Count; f++)
        {
            var rows = plan.ValidationRows(responses, f);
            FoldCross[f] = foldFeatures[f].t().mm(rows).DetachFromDisposeScope();
            var sum = rows.sum(0L, type: ScalarType.Float64);
            FoldSum[f] = sum.DetachFromDisposeScope();
            // Squares about the fold mean rounded to the work dtype, accumulated in float64, then corrected to the exact
            // mean: sum (y - c)^2 - n (mean - c)^2. Accurate whatever the responses' offset, without a float64 copy.
            var mean = sum / FoldSizes[f];
            var rounded = mean.to_type(rows.dtype);
            var deviations = rows - rounded;
            var offset = mean - rounded.to_type(ScalarType.Float64);
            FoldCentredSquares[f] = deviations.mul_(deviations).sum(0L, type: ScalarType.Float64).sub_(offset.pow_(2).mul_(FoldSizes[f])).clamp_min_(0).DetachFromDisposeScope();
        }
        var cross = FoldCross[0].clone();
        var total = FoldSum[0].clone();
        for (int f = 1; f < plan.Count; f++)
        {
            cross.add_(FoldCross[f]);
            total.add_(FoldSum[f]);
        }
        Cross = cross.DetachFromDisposeScope();
        Sum = total.DetachFromDisposeScope();
    }

    public int Samples { get; }

    public int Units { get; }

    public int[] FoldSizes { get; }

    /// <summary>Per fold <c>X_f' Y_f</c> <c>[p, units]</c>, work dtype.</summary>
    public Tensor[] FoldCross { get; }

    /// <summary><c>X' Y</c> over all training rows <c>[p, units]</c>, work dtype.</summary>
    public Tensor Cross { get; }

    /// <summary>Per fold the sum of responses <c>[units]</c>, float64.</summary>
    public Tensor[] FoldSum { get; }

    /// <summary>Per fold the sum of squared deviations from the fold mean <c>[units]</c>, float64.</summary>
    public Tensor[] FoldCentredSquares { get; }

    /// <summary>The sum of responses over all training rows <c>[units]</c>, float64.</summary>
    public Tensor Sum { get; }

    public void Dispose()
    {
        foreach (var t in FoldCross.Concat(FoldSum).Concat(FoldCentredSquares))
        {
            t.Dispose();
        }
        Cross.Dispose();
        Sum.Dispose();
    }
}
