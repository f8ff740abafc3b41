using static TorchSharp.torch;

namespace NeuroLab.Analysis.Decoding;

/// <summary>
/// PCA then linear discriminant analysis, both fitted on the training rows only. PCA keeps the top
/// <c>k = min(p, n − classes, maxComponents)</c> right singular vectors of the centred training matrix (the LDA is
/// invariant to any invertible map of that subspace, so signs and rotations of the components do not matter). LDA as
/// scikit-learn's <c>solver="lsqr"</c> without shrinkage: priors πₖ = nₖ/n, covariance Σ = Σₖ πₖ Σ̂ₖ (Σ̂ₖ the class's
/// biased covariance), coefficients Σ⁻¹μₖ by least squares, score <c>xᵀΣ⁻¹μₖ − ½μₖᵀΣ⁻¹μₖ + log πₖ</c>, argmax.
/// </summary>
internal static class PcaLda
{
    /// <summary>The predicted class of each test row ([nTest, p]) from the training rows ([nTrain, p]).</summary>
    public static int[] FitPredict(double[] train, int nTrain, double[] test, int nTest, int p, int[] labels, int classes, int maxComponents)
    {
        using var scope = NewDisposeScope();
        var x = tensor(train, [nTrain, p], ScalarType.Float64);
        var mean = x.mean([0], keepdim: true);
        var centred = x - mean;
        int k = Math.Max(1, Math.Min(Math.Min(p, nTrain - classes), maxComponents));
        var (_, _, vh) = linalg.svd(centred, fullMatrices: false);
        var v = vh[TensorIndex.Slice(0, k)].t();
        var z = centred.mm(v);
        var zTest = (tensor(test, [nTest, p], ScalarType.Float64) - mean).mm(v);

        var means = zeros([classes, k], ScalarType.Float64);
        var covariance = zeros([k, k], ScalarType.Float64);
        var logPriors = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            long[] rows = [.. Enumerable.Range(0, nTrain).Where(i => labels[i] == c).Select(i => (long)i)];
            if (rows.Length == 0)
            {
                logPriors[c] = double.NegativeInfinity;
                continue;
            }
            var zc = z.index_select(0, tensor(rows));
            var mc = zc.mean([0]);
            means[c] = mc;
            var d = zc - mc;
            double prior = (double)rows.Length / nTrain;
            covariance += d.t().mm(d) * (prior / rows.Length);
            logPriors[c] = Math.Log(prior);
        }
        var coef = linalg.lstsq(covariance, means.t()).Solution.t();
        var intercept = -0.5 * (means * coef).sum(1) + tensor(logPriors, ScalarType.Float64);
        var scores = zTest.mm(coef.t()) + intercept;
        return [.. scores.argmax(1).data<long>().ToArray().Select(i => (int)i)];
    }
}
