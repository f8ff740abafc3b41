using static TorchSharp.torch;

namespace NeuroLab.Analysis.Features;

/// <summary>
/// Principal components of training data (e.g. pixels), applied to new data: the model is learnt from
/// the training set only, so test stimuli never shape the feature space.
/// <para>
/// Fit: <c>Xc = X - mean</c> (training column means), thin SVD <c>Xc = U S Vᵀ</c> in float64
/// (<c>torch.linalg.svd</c>); component <c>j</c> is row <c>j</c> of <c>Vᵀ</c>, its explained variance
/// <c>S_j² / (n - 1)</c> and its ratio <c>S_j² / Σ S²</c> (the total variance of the training data).
/// Transform: <c>(X - mean) Vₖ</c>, i.e. <c>[m, k]</c> scores. This matches scikit-learn's
/// <c>PCA(svd_solver="full")</c>.
/// </para>
/// <para>
/// Signs: a singular vector is defined up to sign, so each component is flipped to make its
/// largest-|value| loading positive (scikit-learn's <c>svd_flip</c> with <c>u_based_decision=False</c>;
/// the first such loading wins a tie). Components and scores are therefore reproducible across runs and
/// libraries.
/// </para>
/// <para>
/// Memory: the fit holds the centred training matrix and its SVD in float64, about
/// <c>3 · n · d · 8</c> bytes (1,750 images of 64 x 64 pixels: about 170 MB).
/// </para>
/// </summary>
public sealed class PcaFeatures : IDisposable
{
    /// <summary>Rows per batch in <see cref="Transform"/>, to bound the float64 copy.</summary>
    private const int TransformBatchRows = 4096;

    private readonly long[] _sampleShape;

    private PcaFeatures(Tensor mean, Tensor components, double[] variance, double[] ratio, int trainingSamples, long[] sampleShape)
    {
        Mean = mean;
        Components = components;
        ExplainedVariance = variance;
        ExplainedVarianceRatio = ratio;
        TrainingSampleCount = trainingSamples;
        _sampleShape = sampleShape;
    }

    /// <summary>Training column means <c>[d]</c>, float64.</summary>
    public Tensor Mean { get; }

    /// <summary>Unit-length components <c>[k, d]</c>, float64, by decreasing variance, signs as documented on the class.</summary>
    public Tensor Components { get; }

    /// <summary>Number of components kept (<c>k</c>).</summary>
    public int ComponentCount => ExplainedVariance.Count;

    /// <summary>Number of input values per sample (<c>d</c>).</summary>
    public long InputFeatureCount => Mean.shape[0];

    /// <summary>Number of training samples the model was fitted on.</summary>
    public int TrainingSampleCount { get; }

    /// <summary>Variance of the training scores along each kept component (divisor <c>n - 1</c>).</summary>
    public IReadOnlyList<double> ExplainedVariance { get; }

    /// <summary>Fraction of the total training variance along each kept component.</summary>
    public IReadOnlyList<double> ExplainedVarianceRatio { get; }

    /// <summary>Fits and keeps the first <paramref name="components"/> components.</summary>
    /// <param name="train">Training data <c>[n, d]</c>, or images <c>[n, h, w(, c)]</c> flattened per sample in C order
    /// (as <see cref="PixelFeatures"/>); floating point, finite, at least two samples.</param>
    /// <param name="components">Components to keep, 1 to <c>min(n - 1, d)</c> (centring leaves at most <c>n - 1</c> directions with variance).</param>
    /// <exception cref="ArgumentException">Bad shape, dtype, non-finite values, too few samples, or a component count out of range.</exception>
    public static PcaFeatures Fit(Tensor train, int components)
    {
        using var scope = NewDisposeScope();
        var (x, sampleShape) = Prepare(train, nameof(train));
        long limit = Math.Min(x.shape[0] - 1, x.shape[1]);
        if (components < 1 || components > limit)
        {
            throw new ArgumentException(
                $"Cannot keep {components} components of {x.shape[0]} samples x {x.shape[1]} values: choose 1 to {limit}.", nameof(components));
        }
        return Build(x, sampleShape, _ => components);
    }

    /// <summary>
    /// Fits and keeps the fewest leading components whose cumulative explained variance ratio exceeds
    /// <paramref name="fraction"/> (scikit-learn's rule for a fractional <c>n_components</c>), at most <c>min(n - 1, d)</c>.
    /// </summary>
    /// <param name="train">As for <see cref="Fit"/>.</param>
    /// <param name="fraction">Variance fraction, strictly between 0 and 1.</param>
    /// <exception cref="ArgumentException">As for <see cref="Fit"/>; a fraction outside (0, 1).</exception>
    public static PcaFeatures FitVarianceFraction(Tensor train, double fraction)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentException($"The variance fraction must lie strictly between 0 and 1, got {fraction}.", nameof(fraction));
        }
        using var scope = NewDisposeScope();
        var (x, sampleShape) = Prepare(train, nameof(train));
        int limit = (int)Math.Min(x.shape[0] - 1, x.shape[1]);
        return Build(x, sampleShape, ratio =>
        {
            double cumulative = 0;
            for (int k = 0; k < ratio.Length; k++)
            {
                cumulative += ratio[k];
                if (cumulative > fraction)
                {
                    return Math.Min(k + 1, limit);
                }
            }
            return limit;
        });
    }

    /// <summary>Projects data onto the kept components: <c>(data - Mean) Componentsᵀ</c>.</summary>
    /// <param name="data">Samples with the training layout (<c>[m, d]</c>, or images of the training size); floating point, finite.</param>
    /// <returns>A new float32 tensor <c>[m, k]</c> (computed in float64).</returns>
    /// <exception cref="ArgumentException">A layout that differs from the training data, or non-finite values.</exception>
    public Tensor Transform(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!data.shape.Skip(1).SequenceEqual(_sampleShape) || data.shape[0] < 1)
        {
            throw new ArgumentException(
                $"Expected samples [m >= 1, {string.Join(", ", _sampleShape)}] like the training data, got {ImageStack.Shape(data)}.", nameof(data));
        }
        if (!data.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point data, got {data.dtype}.", nameof(data));
        }
        long rows = data.shape[0];
        using var scope = NewDisposeScope();
        var flat = data.reshape(rows, -1);
        var scores = empty([rows, ComponentCount], ScalarType.Float32, data.device);
        var projection = Components.t().to(data.device);
        var mean = Mean.to(data.device);
        for (long start = 0; start < rows; start += TransformBatchRows)
        {
            using var batchScope = NewDisposeScope();
            long count = Math.Min(TransformBatchRows, rows - start);
            var batch = flat.narrow(0, start, count).to_type(ScalarType.Float64);
            RequireFinite(batch, start, nameof(data));
            scores.narrow(0, start, count).copy_((batch - mean).mm(projection));
        }
        return scores.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Mean.Dispose();
        Components.Dispose();
    }

    private static (Tensor Flat, long[] SampleShape) Prepare(Tensor train, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.dim() is < 2 or > 4)
        {
            throw new ArgumentException(
                $"Expected training data [n, d] or images [n, h, w(, c)], got shape {ImageStack.Shape(train)}.", parameterName);
        }
        if (!train.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point data, got {train.dtype}.", parameterName);
        }
        if (train.shape[0] < 2)
        {
            throw new ArgumentException($"Need at least two training samples for PCA, got {train.shape[0]}.", parameterName);
        }
        if (train.shape.Skip(1).Any(d => d == 0))
        {
            throw new ArgumentException($"The training data have an empty dimension: shape {ImageStack.Shape(train)}.", parameterName);
        }
        var flat = train.reshape(train.shape[0], -1).to_type(ScalarType.Float64);
        RequireFinite(flat, 0, parameterName);
        return (flat, train.shape.Skip(1).ToArray());
    }

    private static PcaFeatures Build(Tensor x, long[] sampleShape, Func<double[], int> chooseCount)
    {
        long n = x.shape[0];
        var mean = x.mean([0L]);
        var (_, s, vh) = linalg.svd(x - mean, fullMatrices: false);
        double[] squared = s.square().cpu().data<double>().ToArray();
        double total = squared.Sum();
        if (!(total > 0))
        {
            throw new ArgumentException("The training samples are all identical: there is no variance to decompose.", "train");
        }
        double[] ratio = squared.Select(v => v / total).ToArray();
        int k = chooseCount(ratio);

        // svd_flip (u_based_decision=False): the largest-|value| loading of each component is positive.
        var kept = vh.narrow(0, 0, k);
        var largest = kept.abs().argmax(1);
        var signs = kept.gather(1, largest.unsqueeze(1)).sign();
        var components = (kept * signs).contiguous();

        double[] variance = squared.Take(k).Select(v => v / (n - 1)).ToArray();
        return new PcaFeatures(
            mean.MoveToOuterDisposeScope(), components.MoveToOuterDisposeScope(), variance, ratio.Take(k).ToArray(), (int)n, sampleShape);
    }

    private static void RequireFinite(Tensor rows, long firstRow, string parameterName)
    {
        var finite = isfinite(rows).all(1);
        if (!finite.all().item<bool>())
        {
            long row = firstRow + nonzero(finite.logical_not()).flatten()[0].item<long>();
            throw new ArgumentException($"Sample {row} contains NaN or infinite values.", parameterName);
        }
    }
}
