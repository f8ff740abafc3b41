using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>Per-unit accuracy of predictions, computed in float64.</summary>
public static class EncodingScores
{
    /// <summary>
    /// Pearson r and R^2 (<c>1 - SS_res / SS_tot</c>, <c>SS_tot</c> about the mean of <paramref name="responses"/>) per
    /// unit (column). Undefined values, from a constant response or prediction column, are 0.
    /// </summary>
    /// <param name="responses">Observed <c>[samples, units]</c>, any real dtype.</param>
    /// <param name="predictions">Predicted, same shape.</param>
    /// <returns>r and R^2 <c>[units]</c>, float64.</returns>
    public static (Tensor R, Tensor R2) PearsonAndR2(Tensor responses, Tensor predictions)
    {
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(predictions);
        if (responses.dim() != 2 || !responses.shape.SequenceEqual(predictions.shape))
        {
            throw new ArgumentException(
                $"Responses [{string.Join(", ", responses.shape)}] and predictions [{string.Join(", ", predictions.shape)}] must both be [samples, units].", nameof(predictions));
        }
        using var scope = NewDisposeScope();
        var y = responses.to_type(ScalarType.Float64);
        var p = predictions.to_type(ScalarType.Float64);
        var residual = (y - p).pow_(2).sum(dim: 0L);
        var yc = y - y.mean([0L], keepdim: true);
        var pc = p - p.mean([0L], keepdim: true);
        var ssy = yc.square().sum(dim: 0L);
        var ssp = pc.square().sum(dim: 0L);
        var r = (yc * pc).sum(dim: 0L) / (ssy * ssp).sqrt();
        var undefined = ssy.le(0).logical_or(ssp.le(p.square().sum(dim: 0L) * 1e-12));
        r = where(undefined, zeros_like(r), r).clamp_(-1, 1);
        var r2 = 1 - (residual / ssy);
        r2 = where(ssy.le(0), zeros_like(r2), r2);
        return (r.MoveToOuterDisposeScope(), r2.MoveToOuterDisposeScope());
    }
}
